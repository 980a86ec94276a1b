"""The XSS corpus through more fields: answers and comments, directory names and bio, agenda
proposals, flag text in the moderation queue.

A spread sample of the corpus (every n-th payload, so each family is represented) keeps the run
short; pages are rendered after each batch so one page holds several payloads at once.
"""

import pytest
from django.urls import reverse

from directory import services as directory_services
from qa import services as qa_services
from qa.agenda import services as agenda_services
from qa.models import Flag, FlagStatus
from tests.security.xss import assert_no_xss, payloads

pytestmark = pytest.mark.django_db

SAMPLE_SIZE = 60
BATCH = 10


def sample():
    corpus = payloads()
    step = max(1, len(corpus) // SAMPLE_SIZE)
    return corpus[::step][:SAMPLE_SIZE]


def batches():
    items = sample()
    for start in range(0, len(items), BATCH):
        yield items[start : start + BATCH]


def _get_safe(client, url, context):
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    assert_no_xss(response.content, context=context)
    return response


@pytest.fixture
def topic(make_topic):
    return make_topic(name="Sécurité", slug="securite")


def _question(author, topic, number):
    return qa_services.question_create(
        author=author,
        title=f"Question de test numéro {number}",
        body="Une question ordinaire.",
        topics=[topic],
    )


def test_the_sample_spreads_over_the_corpus():
    assert len(sample()) == SAMPLE_SIZE
    assert any("javascript" in payload.lower() for payload in sample())
    assert any("](" in payload for payload in sample())


def test_answers_and_comments_render_safely_on_the_thread_page(client, member, make_user, topic):
    answerer = make_user()
    client.force_login(member)
    for number, batch in enumerate(batches()):
        question = _question(member, topic, number)
        for index, payload in enumerate(batch):
            answer = qa_services.answer_create(
                question=question, author=answerer, body=f"repmarq{number}x{index} {payload}"
            )
            qa_services.comment_create(
                post=answer, author=member, body=f"commarq{number}x{index} {payload}"[:600]
            )
            qa_services.comment_create(post=question, author=answerer, body=payload[:600])
        body = _get_safe(client, question.get_absolute_url(), "\n".join(batch)).content.decode()
        for index in range(len(batch)):
            assert f"repmarq{number}x{index}" in body and f"commarq{number}x{index}" in body


def test_directory_names_and_bio_render_safely_on_the_person_page_and_list(
    client, member, make_person, make_user
):
    client.force_login(member)
    for number, batch in enumerate(batches()):
        people = []
        for payload in batch:
            person = make_person(user=make_user(), last_name=f"Nom{number}")
            directory_services.person_update_profile(
                person=person,
                data={
                    "first_name": payload[:100],
                    "last_name": f"nommarq {payload}"[:100],
                    "bio": f"biomarq {payload}"[:2000],
                    "is_listed": True,
                },
            )
            people.append(person)
        for person in people:
            url = reverse("directory:person_detail", args=[person.pk])
            body = _get_safe(client, url, "\n".join(batch)).content.decode()
            assert "nommarq" in body and "biomarq" in body
        listing = _get_safe(client, reverse("directory:person_list") + "?q=nommarq", "")
        assert "nommarq" in listing.content.decode()


def test_agenda_proposals_render_safely_on_their_page_and_the_agenda(
    client, member, make_user, topic
):
    client.force_login(member)
    for number, batch in enumerate(batches()):
        proposals = [
            agenda_services.proposal_create(
                author=make_user(),
                title=f"{number}-{index} {payload}"[:120],
                rationale=f"ratmarq {payload}"[:2000],
                topics=[topic],
            )
            for index, payload in enumerate(batch)
        ]
        for proposal in proposals:
            url = reverse("agenda:proposal_detail", args=[proposal.pk])
            assert "ratmarq" in _get_safe(client, url, "\n".join(batch)).content.decode()
        _get_safe(client, reverse("agenda:index"), "\n".join(batch))


def test_flag_text_renders_safely_in_the_moderation_queue(client, moderator, make_user, topic):
    author = make_user()
    question = _question(author, topic, 0)
    client.force_login(moderator)
    for batch in batches():
        for payload in batch:
            answer = qa_services.answer_create(
                question=question, author=author, body="Une réponse ordinaire à signaler."
            )
            qa_services.flag_create(
                post=answer, reporter=make_user(), reason="other", text=f"flagmarq {payload}"
            )
        response = _get_safe(client, reverse("qa:flag_queue"), "\n".join(batch))
        assert response.content.decode().count("flagmarq") == len(batch)
        Flag.objects.filter(status=FlagStatus.OPEN).update(status=FlagStatus.DISMISSED)


def test_notification_titles_and_excerpts_render_safely_in_the_centre(client, member):
    from website.notifications.models import Notification

    kind = Notification._meta.get_field("kind").choices[0][0]
    client.force_login(member)
    for number, batch in enumerate(batches()):
        for index, payload in enumerate(batch):
            Notification.objects.create(
                recipient=member,
                kind=kind,
                event_key=f"xss:{number}:{index}",
                actor_name=payload[:200],
                title=f"notifmarq {payload}"[:300],
                excerpt=payload[:1000],
                url="/questions/",
            )
        body = _get_safe(client, reverse("notifications:list"), "\n".join(batch)).content
        assert body.decode().count("notifmarq") >= len(batch)
        Notification.objects.filter(recipient=member).delete()
