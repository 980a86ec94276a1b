"""Finding 4 of the December 2026 review: a self-declared expertise counted as expertise.

A member asks for expertise on a topic from their directory entry; the request waits
(`is_confirmed=False`) until a moderator confirms it. Until then it must count nowhere. Every
place that uses expertise is checked here with the same person, first while the request
waits (refused, not listed), then after the moderator's confirmation (allowed, listed), so each
test proves both sides:

- validating an answer (`qa.permissions`), clearing « à revérifier » (`website.pages`);
- « Experts du sujet » on the topic page (`qa.selectors.topic_experts`);
- the home dashboard's re-checks (`website.pages.selectors`);
- routing a new question to experts and the digest's unanswered list (notifications);
- the directory's topic filter, its « expert du sujet » tag and the person page.

The person is a confirmed expert of another topic (so in the *Experts* group), the case the
review exploited: an expert of *Voirie* ticks *Finances* and could validate there at once.
"""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from directory.models import InterestKind, TopicInterest
from directory.services import expertise_confirm, person_set_topics
from qa import services as qa_services
from tests.factories import UserFactory
from tests.website.pages.conftest import home, make_update, regulatory_index  # noqa: F401
from website.notifications.expertise import unanswered_in_expertise
from website.notifications.kinds import Kind
from website.notifications.models import Notification
from website.pages.models import QuestionRecheck

pytestmark = pytest.mark.django_db


@pytest.fixture
def voirie(make_topic):
    return make_topic(name="Voirie", slug="voirie")


@pytest.fixture
def finances(make_topic):
    return make_topic(name="Finances locales", slug="finances-locales")


@pytest.fixture
def requester(make_user, make_person, voirie, finances):
    """Confirmed expert of Voirie who has just asked for expertise on Finances."""
    user = make_user(roles=["Experts"], first_name="Odile", last_name="Requérante")
    person = make_person(user=user, first_name="Odile", last_name="Requérante", is_listed=True)
    TopicInterest.objects.create(person=person, topic=voirie, kind=InterestKind.EXPERTISE)
    person_set_topics(person=person, interests=[], expertise_requests=[voirie, finances])
    link = TopicInterest.objects.get(person=person, topic=finances)
    assert link.kind == InterestKind.EXPERTISE and not link.is_confirmed
    return user


def ask(topic, title="Comment amortir un bien ?"):
    return qa_services.question_create(
        author=UserFactory(), title=title, body="Notre trésorière s'interroge.", topics=[topic]
    )


def confirm(user, topic, moderator):
    link = TopicInterest.objects.get(person__user=user, topic=topic, kind=InterestKind.EXPERTISE)
    expertise_confirm(link=link, confirmed_by=moderator)


def test_the_recognised_queryset_is_confirmed_expertise_only(requester, voirie, finances):
    person = requester.person
    TopicInterest.objects.create(person=person, topic=finances, kind=InterestKind.INTEREST)
    recognised = TopicInterest.objects.recognised().filter(person=person)
    assert {(link.topic, link.kind) for link in recognised} == {(voirie, InterestKind.EXPERTISE)}


def test_validating_an_answer_needs_a_confirmed_expertise(client, requester, moderator, finances):
    answer = qa_services.answer_create(
        question=ask(finances), author=UserFactory(), body="Sur la durée d'usage du bien."
    )
    url = reverse("qa:answer_validate", args=[answer.pk])
    client.force_login(requester)

    assert client.post(url).status_code == 403
    answer.refresh_from_db()
    assert answer.validated_at is None and answer.validated_by is None

    confirm(requester, finances, moderator)
    assert client.post(url).status_code == 302
    answer.refresh_from_db()
    assert answer.validated_by == requester and answer.validated_at is not None


def test_clearing_a_recheck_needs_a_confirmed_expertise(
    client,
    requester,
    moderator,
    finances,
    make_update,  # noqa: F811
):
    question = ask(finances, "Comment voter le budget annexe ?")
    update = make_update(title="Nouvelle nomenclature M57", topics=[finances], questions=[question])
    recheck = QuestionRecheck.objects.get(question=question, update=update)
    url = reverse("pages:recheck_clear", args=[recheck.pk])
    client.force_login(requester)

    assert url not in client.get(question.get_absolute_url()).content.decode()
    assert client.post(url, {"note": "Toujours exact."}).status_code == 403
    recheck.refresh_from_db()
    assert recheck.is_pending and recheck.cleared_by is None

    confirm(requester, finances, moderator)
    assert url in client.get(question.get_absolute_url()).content.decode()
    assert client.post(url, {"note": "Toujours exact."}).status_code == 302
    recheck.refresh_from_db()
    assert recheck.cleared_by == requester and recheck.note == "Toujours exact."


def _experts_box(body: str) -> str:
    start = body.index('id="experts-title"')
    return body[start : body.index("</section>", start)]


def test_the_topic_page_lists_confirmed_experts_only(
    client, member, make_user, make_person, requester, moderator, finances
):
    # A plain member who ticked "expert" (not in the Experts group) is not listed either.
    self_declared = make_person(user=make_user(), first_name="Simon", last_name="Autoproclamé")
    person_set_topics(person=self_declared, interests=[], expertise_requests=[finances])
    client.force_login(member)
    url = reverse("qa:topic_detail", args=[finances.slug])

    box = _experts_box(client.get(url).content.decode())
    assert "Requérante" not in box and "Autoproclamé" not in box
    assert "Aucun expert reconnu sur ce sujet" in box

    confirm(requester, finances, moderator)
    box = _experts_box(client.get(url).content.decode())
    assert "Odile Requérante" in box and "Autoproclamé" not in box


def test_the_home_dashboard_shows_rechecks_of_confirmed_expertise_only(
    client,
    requester,
    moderator,
    finances,
    make_update,  # noqa: F811
):
    question = ask(finances, "Faut-il amortir les subventions ?")
    make_update(title="Nouvelle nomenclature M57", topics=[finances], questions=[question])
    client.force_login(requester)

    body = client.get("/").content.decode()
    assert "À revérifier dans vos sujets d'expertise" not in body

    confirm(requester, finances, moderator)
    body = client.get("/").content.decode()
    assert "À revérifier dans vos sujets d'expertise" in body
    assert "Faut-il amortir les subventions ?" in body


def test_a_new_question_is_routed_to_confirmed_experts_only(
    requester, moderator, finances, django_capture_on_commit_callbacks
):
    def routed_after_asking(title):
        with django_capture_on_commit_callbacks(execute=True):
            ask(finances, title)
        return set(
            Notification.objects.filter(
                kind=Kind.QUESTION_ROUTED, title__contains=title
            ).values_list("recipient_id", flat=True)
        )

    assert requester.pk not in routed_after_asking("Une ligne de trésorerie ?")
    confirm(requester, finances, moderator)
    assert requester.pk in routed_after_asking("Un emprunt de court terme ?")


def test_the_digest_lists_unanswered_questions_of_confirmed_expertise_only(
    requester, moderator, finances
):
    question = ask(finances, "Quelle durée d'amortissement ?")
    since = timezone.now() - datetime.timedelta(days=7)
    users = type(requester).objects.filter(pk=requester.pk)

    assert unanswered_in_expertise(users, since=since, limit=5) == {}
    confirm(requester, finances, moderator)
    assert unanswered_in_expertise(users, since=since, limit=5) == {requester.pk: [question]}


def test_the_directory_shows_confirmed_expertise_only(
    client, member, requester, moderator, finances
):
    client.force_login(member)
    listing = reverse("directory:person_list") + f"?sujet={finances.slug}"
    page = reverse("directory:person_detail", args=[requester.person.pk])

    assert "Requérante" not in client.get(listing).content.decode()
    assert "Finances locales" not in client.get(page).content.decode()

    confirm(requester, finances, moderator)
    body = client.get(listing).content.decode()
    assert "Odile Requérante" in body and "expert du sujet" in body
    assert "Finances locales" in client.get(page).content.decode()
