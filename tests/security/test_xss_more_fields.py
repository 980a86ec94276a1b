"""The whole XSS corpus through more fields: answers and comments, directory names and bio,
agenda proposals, flag text in the moderation queue, notifications.

Every payload goes through every field, but pages are batched to keep the run short: all the
answers and comments sit on one thread, all the flags in one queue, the bios and rationales
(plain text) share a handful of pages, and the lists (directory, agenda, notification centre)
are walked page by page. Each payload is followed by its own marker (`repmarq0042`…): a marker
missing from the page means its payload never reached it, or swallowed what came after it (an
unclosed tag or comment), so the test cannot pass vacuously.
"""

import re

import pytest
from django.urls import reverse

from directory import services as directory_services
from qa import services as qa_services
from qa.agenda import services as agenda_services
from tests.security.xss import assert_no_xss, payloads

pytestmark = pytest.mark.django_db

MAX_PAGES = 100


def _marked(prefix, payload, limit):
    """`payload` (cut to fit `limit`), then a paragraph holding its own numbered marker."""
    return f"{payload[: limit - len(prefix) - 2]}\n\n{prefix}"


def _markers(prefix):
    return [f"{prefix}{index:04d}" for index in range(len(payloads()))]


def _get_safe(client, url, context):
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    assert_no_xss(response.content, context=context)
    return response.content.decode()


def _walk(client, url, context):
    """Every page of a paginated list, each one checked; their HTML joined."""
    separator = "&" if "?" in url else "?"
    bodies = []
    for number in range(1, MAX_PAGES + 1):
        body = _get_safe(client, f"{url}{separator}page={number}", f"{context}, page {number}")
        bodies.append(body)
        if not re.search(rf"[?&;]page={number + 1}\b", body):
            return "\n".join(bodies)
    raise AssertionError(f"{url} has more than {MAX_PAGES} pages")


def _assert_all_reached(body, prefix):
    missing = [marker for marker in _markers(prefix) if marker not in body]
    assert not missing, f"{len(missing)} payloads never reached the page: {missing[:10]}"


@pytest.fixture
def topic(make_topic):
    return make_topic(name="Sécurité", slug="securite")


def _question(author, topic):
    return qa_services.question_create(
        author=author,
        title="Question de test pour le corpus",
        body="Une question ordinaire.",
        topics=[topic],
    )


def test_the_corpus_is_the_whole_one():
    assert len(payloads()) >= 300
    assert len(_markers("x")) == len(set(_markers("x"))) == len(payloads())


def test_answers_and_comments_render_safely_on_the_thread_page(client, member, make_user, topic):
    answerer = make_user()
    question = _question(member, topic)
    for index, payload in enumerate(payloads()):
        answer = qa_services.answer_create(
            question=question, author=answerer, body=_marked(f"repmarq{index:04d}", payload, 5000)
        )
        qa_services.comment_create(
            post=answer, author=member, body=_marked(f"commarq{index:04d}", payload, 600)
        )
        qa_services.comment_create(
            post=question, author=answerer, body=_marked(f"qcommarq{index:04d}", payload, 600)
        )
    client.force_login(member)
    body = _get_safe(client, question.get_absolute_url(), "the thread with the whole corpus")
    for prefix in ("repmarq", "commarq", "qcommarq"):
        _assert_all_reached(body, prefix)


def _packed(prefix, limit):
    """The corpus packed into as few texts of `limit` characters as fit, each payload followed
    by its marker.

    Only for plain-text fields (bio, rationale): they are escaped as a whole (`linebreaks`),
    with no markup language in which neighbouring payloads could combine, so sharing a text
    tests each payload as well as having one each — on some 15 detail pages instead of 561.
    """
    texts, current = [], ""
    for index, payload in enumerate(payloads()):
        piece = f"{payload}\n{prefix}{index:04d}\n"
        if current and len(current) + len(piece) > limit:
            texts.append(current)
            current = ""
        current += piece
    return [*texts, current]


def test_directory_names_and_bio_render_safely_on_the_person_page_and_list(
    client, member, make_person
):
    bios = _packed("biomarq", 2000)
    people = []
    for index, payload in enumerate(payloads()):
        person = make_person()
        directory_services.person_update_profile(
            person=person,
            data={
                "first_name": payload[:100],
                "last_name": f"{payload[:80]} nommarq{index:04d}",
                "bio": bios[index] if index < len(bios) else "",
                "is_listed": True,
            },
        )
        people.append(person)
    client.force_login(member)
    listing = _walk(client, reverse("directory:person_list") + "?q=nommarq", "directory list")
    _assert_all_reached(listing, "nommarq")
    pages = [
        _get_safe(client, reverse("directory:person_detail", args=[person.pk]), bio)
        for person, bio in zip(people, bios, strict=False)
    ]
    for index, body in enumerate(pages):
        assert f"nommarq{index:04d}" in body
    _assert_all_reached("\n".join(pages), "biomarq")


def test_agenda_proposals_render_safely_on_their_page_and_the_agenda(client, member, topic):
    rationales = _packed("ratmarq", 2000)
    proposals = [
        agenda_services.proposal_create(
            author=member,
            title=_marked(f"propmarq{index:04d}", payload, 120).replace("\n\n", " "),
            rationale=rationales[index] if index < len(rationales) else "Une raison ordinaire.",
            topics=[topic],
        )
        for index, payload in enumerate(payloads())
    ]
    client.force_login(member)
    _assert_all_reached(_walk(client, reverse("agenda:index"), "agenda"), "propmarq")
    pages = [
        _get_safe(client, reverse("agenda:proposal_detail", args=[proposal.pk]), rationale)
        for proposal, rationale in zip(proposals, rationales, strict=False)
    ]
    for index, body in enumerate(pages):
        assert f"propmarq{index:04d}" in body
    _assert_all_reached("\n".join(pages), "ratmarq")


def test_flag_text_renders_safely_in_the_moderation_queue(client, moderator, make_user, topic):
    author, reporter = make_user(), make_user()
    question = _question(author, topic)
    for index, payload in enumerate(payloads()):
        answer = qa_services.answer_create(
            question=question, author=author, body="Une réponse ordinaire à signaler."
        )
        qa_services.flag_create(
            post=answer, reporter=reporter, reason="other", text=f"{payload}\nflagmarq{index:04d}"
        )
    client.force_login(moderator)
    body = _get_safe(client, reverse("qa:flag_queue"), "the queue with the whole corpus")
    _assert_all_reached(body, "flagmarq")


def test_notification_titles_and_excerpts_render_safely_in_the_centre(client, member):
    from website.notifications.models import Notification

    kind = Notification._meta.get_field("kind").choices[0][0]
    Notification.objects.bulk_create(
        Notification(
            recipient=member,
            kind=kind,
            event_key=f"xss:{index}",
            actor_name=payload[:200],
            title=f"{payload[:285]} notifmarq{index:04d}",
            excerpt=_marked(f"excmarq{index:04d}", payload, 1000),
            url="/questions/",
        )
        for index, payload in enumerate(payloads())
    )
    client.force_login(member)
    body = _walk(client, reverse("notifications:list"), "notification centre")
    _assert_all_reached(body, "notifmarq")
    _assert_all_reached(body, "excmarq")
