"""schemathesis against the API's own OpenAPI schema, served by the WSGI application.

Every operation of `/api/v1/openapi.json` is called with generated data, once with a
member's token (read, write:posts, read:directory) and once with a read-only token. Checks:
no 5xx, a documented response conforms to its schema and content type, and the read-only
token is never accepted for anything but reading. Examples are bounded (`MAX_EXAMPLES` per
operation) so that CI stays fast; raise it locally to fuzz longer.

The stateful run follows the schema's OpenAPI links (`website/api/write.py`: the id a `201`
creates feeds the operations that read, answer, comment, follow, vote and accept it), so a
scenario is create → read → update: ask, read the thread, answer it, accept or vote the
answer. It is bounded too (`STATEFUL_EXAMPLES` scenarios of at most `STATEFUL_STEPS` calls).
"""

import datetime
import json

import pytest
import schemathesis
from django.core import signals
from django.core.handlers.wsgi import WSGIHandler
from django.db import close_old_connections
from django.test import override_settings
from django.utils import timezone
from hypothesis import HealthCheck, settings
from schemathesis import checks
from schemathesis.core.failures import Failure

from qa import services as qa_services
from tests import factories
from tests.module_transaction import module_transaction
from website.api import services as api_services
from website.api.api import api as api_v1
from website.search import services as search_services
from website.search.backends import reset_backends

pytestmark = pytest.mark.django_db

MAX_EXAMPLES = 6
STATEFUL_EXAMPLES = 8
STATEFUL_STEPS = 5
FLOW_OPERATIONS = (
    r"^website_api_(read_question_detail|write_(question_ask|answer_create|question_comment"
    r"|question_follow|answer_accept|answer_comment|answer_vote))$"
)
SAFE = {"GET", "HEAD", "OPTIONS"}


# The schema the site serves at /api/v1/openapi.json (django-ninja builds it from the same
# object); the calls go to Django's WSGI application in this process, on the test database.
schema = schemathesis.openapi.from_dict(json.loads(json.dumps(api_v1.get_openapi_schema())))
schema.app = WSGIHandler()


@pytest.fixture(scope="module")
def fuzzing_world(django_db_setup, django_db_blocker, tmp_path_factory):
    """A thread to act on (indexed), a long-standing member (no new-member budget) and two of
    their tokens, built once for the module inside a transaction rolled back at its end; each
    test runs in a savepoint of its own, so what one test's calls write is gone before the next.
    The search index is only read: the site indexes on commit, and nothing commits here."""
    folder = tmp_path_factory.mktemp("schemathesis-search")
    # Hundreds of requests with one token in a few seconds: not what the limit is tested for.
    with override_settings(
        SEARCH_BACKEND="whoosh", SEARCH_INDEX_DIR=str(folder), API_RATE_LIMIT_REQUESTS=100_000
    ):
        reset_backends()
        # The WSGI handler closes the database connection at each request's start and end, as
        # a server should; inside the tests' transaction that would close it under them (on
        # PostgreSQL: "the connection is closed"). Django's test client unhooks it the same way.
        signals.request_started.disconnect(close_old_connections)
        signals.request_finished.disconnect(close_old_connections)
        try:
            with module_transaction(django_db_blocker):
                yield _build_world()
        finally:
            signals.request_started.connect(close_old_connections)
            signals.request_finished.connect(close_old_connections)
            reset_backends()


def _build_world():
    topic = factories.TopicFactory(name="Commande publique", slug="commande-publique")
    user = factories.UserFactory(approved_at=timezone.now() - datetime.timedelta(days=400))
    question = qa_services.question_create(
        author=factories.UserFactory(),
        title="Comment monter un groupement de commandes ?",
        body="Nous voudrions acheter du sel à plusieurs communes.",
        topics=[topic],
    )
    answer = qa_services.answer_create(
        question=question, author=factories.UserFactory(), body="Voyez la convention type."
    )
    qa_services.comment_create(post=answer, author=user, body="Merci pour la réponse.")
    search_services.rebuild()
    tokens = {}
    for name, scopes in (("member", ["read", "write:posts", "read:directory"]), ("read", ["read"])):
        token = api_services.token_create(user=user, name=name, scopes=scopes, days=90)
        tokens[name] = {"scopes": scopes, "secret": token.secret}
    return {"topic": topic, "tokens": tokens}


@pytest.fixture
def member_token(fuzzing_world):
    return fuzzing_world["tokens"]["member"]


@pytest.fixture
def read_only_token(fuzzing_world):
    return fuzzing_world["tokens"]["read"]


def within_scope(scopes):
    def token_stays_within_its_scope(ctx, response, case):
        """A token without write:posts never gets a 2xx on an operation that writes."""
        if case.method.upper() in SAFE or "write:posts" in scopes:
            return None
        if response.status_code < 300:
            raise Failure(
                operation=case.operation.label,
                title="Token accepted beyond its scope",
                message=f"{case.method} {case.formatted_path} answered {response.status_code}",
                code="beyond_scope",
            )
        return None

    return token_stays_within_its_scope


# Schemathesis's WSGI transport asks for gzip but hands the checks the compressed bytes (an
# HTTP client would decode them): the API's JSON is compared uncompressed.
IDENTITY = {"Accept-Encoding": "identity"}


def call_and_check(case, token):
    case.call_and_validate(
        headers={"Authorization": f"Bearer {token['secret']}", **IDENTITY},
        checks=[
            checks.not_a_server_error,
            checks.response_schema_conformance,
            checks.content_type_conformance,
            within_scope(token["scopes"]),
        ],
    )


BOUNDED = settings(
    max_examples=MAX_EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck)
)


@schema.parametrize()
@BOUNDED
def test_with_a_member_token_no_operation_answers_5xx_or_off_schema(case, member_token):
    call_and_check(case, member_token)


@schema.parametrize()
@BOUNDED
def test_with_a_read_only_token_no_write_is_accepted(case, read_only_token):
    call_and_check(case, read_only_token)


STATEFUL = settings(
    max_examples=STATEFUL_EXAMPLES,
    stateful_step_count=STATEFUL_STEPS,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)


def test_the_stateful_run_creates_reads_and_updates_through_the_links(member_token, fuzzing_world):
    """Statefully, with a member's token: every step answers no 5xx and conforms to the
    schema; a question created is then read, answered and updated through its links."""
    calls = []
    texts = iter(range(1, 10_000))

    # The scenarios' operations only: asking and answering, and what their links lead to.
    # Other operations (the directory import, the regulatory drafts…) have no links here and
    # would only thin out the few steps the run can afford; the stateless tests fuzz them.
    flow = schema.include(operation_id_regex=FLOW_OPERATIONS)

    class Scenario(flow.as_state_machine()):
        def before_call(self, case):
            # Generated titles, topics and texts are almost never valid (the stateless tests
            # fuzz them); the scenarios need posts that exist, so the creating calls get real
            # text. Comments too: generated bodies were refused (under 2 characters, or over the
            # length limit), and a run failed now and then when every call that followed a
            # created question was such a comment.
            number = next(texts)
            if case.operation.label == "POST /api/v1/questions":
                case.body = {
                    "title": f"Comment mutualiser le déneigement, cas n° {number} ?",
                    "body": "Nous voudrions partager une saleuse entre trois communes.",
                    "topics": [fuzzing_world["topic"].slug],
                    "kind": "question",
                }
            elif case.operation.label == "POST /api/v1/questions/{question_id}/answers":
                case.body = {"body": f"Une convention de mutualisation suffit (réponse {number})."}
            elif case.operation.label == "POST /api/v1/questions/{question_id}/comments":
                case.body = {"body": f"Laquelle avez-vous signée (commentaire {number}) ?"}

        def get_call_kwargs(self, case):
            return {"headers": {"Authorization": f"Bearer {member_token['secret']}", **IDENTITY}}

        def after_call(self, response, case):
            calls.append((case.operation.label, dict(case.path_parameters or {}), response))

        def validate_response(self, response, case, additional_checks=None, **kwargs):
            case.validate_response(
                response,
                checks=[
                    checks.not_a_server_error,
                    checks.response_schema_conformance,
                    checks.content_type_conformance,
                ],
                transport_kwargs=kwargs,
            )

    Scenario.run(settings=STATEFUL)

    created = {
        response.json()["id"]
        for label, _params, response in calls
        if label == "POST /api/v1/questions" and response.status_code == 201
    }
    assert created, "the run never created a question"
    followed = [
        (label, response.status_code)
        for label, params, response in calls
        if params.get("question_id") in created
    ]
    assert any(status < 300 for _label, status in followed), followed
