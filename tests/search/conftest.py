"""Search fixtures: a fresh index per test, on each backend the database allows."""

import pytest
from django.db import connection

from qa import services as qa_services
from website.search import services
from website.search.backends import get_backend, reset_backends
from website.search.documents import uid_of


@pytest.fixture(params=["whoosh", "postgres"])
def search_backend(request, settings, tmp_path, db):
    """The backend under test, with an empty index (postgres only on PostgreSQL)."""
    if request.param == "postgres" and connection.vendor != "postgresql":
        pytest.skip("the postgres backend needs PostgreSQL (CI runs the suite there too)")
    settings.SEARCH_BACKEND = request.param
    settings.SEARCH_INDEX_DIR = str(tmp_path / "search")
    reset_backends()
    services.rebuild()
    yield get_backend()
    reset_backends()


@pytest.fixture
def whoosh_backend(settings, tmp_path, db):
    settings.SEARCH_BACKEND = "whoosh"
    settings.SEARCH_INDEX_DIR = str(tmp_path / "search")
    reset_backends()
    services.rebuild()
    yield get_backend()
    reset_backends()


@pytest.fixture
def index():
    """`index(*objects)` puts objects in the index as the task worker would."""

    def put(*objects):
        services.sync([uid_of(o) for o in objects])

    return put


@pytest.fixture
def ask(member, make_topic):
    """`ask(title, body, topics=[...], author=...)` posts a question through the Q&A services."""

    def create(title, body="Merci pour vos retours d'expérience sur ce point.", **kwargs):
        kwargs.setdefault("author", member)
        kwargs.setdefault("topics", [])
        return qa_services.question_create(title=title, body=body, **kwargs)

    return create


@pytest.fixture
def make_page(db):
    """`make_page(title, body, restriction=None|"login"|"groups"|"password", groups=[])`:
    a published content page under the site's home page."""
    from django.contrib.auth.models import Group
    from wagtail.models import PageViewRestriction, Site

    from website.pages.models import ContentPage

    def create(title, body="", restriction=None, groups=(), parent=None):
        parent = parent or Site.objects.get(is_default_site=True).root_page
        page = ContentPage(title=title, body=f"<p>{body}</p>")
        parent.add_child(instance=page)
        page.save_revision().publish()
        if restriction:
            rule = PageViewRestriction.objects.create(page=page, restriction_type=restriction)
            if groups:
                rule.groups.set(Group.objects.filter(name__in=groups))
        return page

    return create


@pytest.fixture
def visitor():
    from django.contrib.auth.models import AnonymousUser

    return AnonymousUser()


@pytest.fixture(autouse=True)
def fresh_synonyms():
    """Each test reads the synonyms its database holds (a rolled-back entry of another test
    must not linger in the process's copy)."""
    from website.search import synonyms

    synonyms.invalidate()
    yield
    synonyms.invalidate()
