"""API fixtures: tokens built by the service, a client that sends them in the header."""

import pytest
from django.test import Client

from qa import services as qa_services
from website.api import services


@pytest.fixture
def make_token(db):
    """`make_token(user, scopes=["read"], days=90)` → the secret (the row is `.token`)."""

    def build(user, *, scopes=("read", "write:posts"), days=90, name="Script de test"):
        return services.token_create(user=user, name=name, scopes=list(scopes), days=days)

    return build


class ApiClient:
    """Requests to /api/v1/ with `Authorization: Bearer <secret>` (or none)."""

    def __init__(self, secret=None, **headers):
        self.client = Client(raise_request_exception=False)
        self.headers = dict(headers)
        if secret:
            self.headers["HTTP_AUTHORIZATION"] = f"Bearer {secret}"

    def get(self, path, data=None, **extra):
        return self.client.get("/api/v1" + path, data, **self.headers, **extra)

    def post(self, path, payload=None, *, raw=None, **extra):
        body = raw if raw is not None else payload
        return self.client.post(
            "/api/v1" + path, body, content_type="application/json", **self.headers, **extra
        )

    def put(self, path, payload=None, **extra):
        return self.client.put(
            "/api/v1" + path, payload, content_type="application/json", **self.headers, **extra
        )


@pytest.fixture
def api():
    """`api(secret)` → a client; `api()` a visitor's."""
    return ApiClient


@pytest.fixture
def topic(make_topic):
    return make_topic(name="Commande publique", slug="commande-publique")


@pytest.fixture
def make_question(db, make_user, topic):
    def build(*, author=None, title="Comment monter un groupement de commandes ?", **extra):
        return qa_services.question_create(
            author=author or make_user(),
            title=title,
            body=extra.pop("body", "Nous voudrions acheter du sel à plusieurs communes."),
            topics=extra.pop("topics", [topic]),
            **extra,
        )

    return build


@pytest.fixture
def make_answer(db, make_user):
    def build(*, question, author=None, body="Voyez la convention constitutive type."):
        return qa_services.answer_create(question=question, author=author or make_user(), body=body)

    return build


@pytest.fixture
def search_index(settings, tmp_path, db):
    """A fresh Whoosh index; call it after creating the objects to index them all."""
    from website.search import services as search_services
    from website.search.backends import reset_backends

    settings.SEARCH_BACKEND = "whoosh"
    settings.SEARCH_INDEX_DIR = str(tmp_path / "search")
    reset_backends()

    def rebuild():
        search_services.rebuild()

    rebuild()
    yield rebuild
    reset_backends()
