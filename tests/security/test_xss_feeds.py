"""The XSS corpus through the Atom feeds: question titles and bodies (topic feed), notification
titles, author names and excerpts (personal feed), regulatory-watch titles, references and
summaries (public feed).

A feed must stay well-formed XML whatever users typed, and every piece of it that a feed reader
renders as HTML (`type="html"`) must pass the allow-list; links must not carry a dangerous
scheme.
"""

import xml.etree.ElementTree as ET  # noqa: S405 - parses our own server's output

import pytest
from django.urls import reverse

from qa import services as qa_services
from tests.security.xss import assert_no_xss, normalise_url, payloads
from tests.website.pages.conftest import home, make_update, regulatory_index  # noqa: F401
from website.notifications.models import FeedToken, Notification

pytestmark = pytest.mark.django_db

ATOM = "{http://www.w3.org/2005/Atom}"
BATCH = 40
# Characters XML 1.0 forbids: a title holding one must not break the feed.
CONTROL_PAYLOADS = ("java\x0bscript:alert(1)", "<scr\x0cipt>alert(1)</script>", "\x1b[31mrouge")


def batches(items, size=BATCH):
    for start in range(0, len(items), size):
        yield items[start : start + size]


def parse_feed(response):
    """The feed as an element tree (fails on malformed XML) after checking what readers
    render as HTML and the links."""
    assert response.status_code == 200, response.status_code
    assert response["Content-Type"].startswith("application/atom+xml")
    root = ET.fromstring(response.content)  # noqa: S314 - our own output
    for element in root.iter():
        if element.get("type") in ("html", "xhtml") and element.text:
            assert_no_xss(element.text, context=element.text[:200])
        href = element.get("href")
        if href is not None:
            assert not normalise_url(href).startswith(("javascript:", "vbscript:", "data:")), href
    return root


def entries(root):
    return root.findall(f"{ATOM}entry")


def texts(root, tag):
    return [entry.findtext(f"{ATOM}{tag}") or "" for entry in entries(root)]


def test_question_titles_and_bodies_are_safe_in_the_topic_feed(
    client, member, make_topic, settings
):
    settings.PUBLIC_READ = True
    topic = make_topic(name="Sécurité", slug="securite")
    url = reverse("pages:questions_feed", args=[topic.slug])
    for number, batch in enumerate(batches(payloads() + CONTROL_PAYLOADS, 30)):
        for index, payload in enumerate(batch):
            qa_services.question_create(
                author=member,
                title=f"Fluxmarq{number}x{index} {payload}"[:150],
                body=f"Corpsmarq {payload}",
                topics=[topic],
            )
        root = parse_feed(client.get(url))
        titles = texts(root, "title")
        for index in range(len(batch)):
            assert any(title.startswith(f"Fluxmarq{number}x{index} ") for title in titles)
        assert sum("Corpsmarq" in summary for summary in texts(root, "summary")) >= len(batch)
        qa_services.Question.objects.all().delete()


def test_notification_titles_names_and_excerpts_are_safe_in_the_personal_feed(client, member):
    token = FeedToken.objects.create(user=member).token
    url = reverse("notifications:feed", args=[token])
    kind = Notification._meta.get_field("kind").choices[0][0]
    for number, batch in enumerate(batches(payloads() + CONTROL_PAYLOADS)):
        for index, payload in enumerate(batch):
            Notification.objects.create(
                recipient=member,
                kind=kind,
                event_key=f"xss:{number}:{index}",
                actor_name=payload[:200],
                title=f"Notifmarq{number}x{index} {payload}"[:300],
                excerpt=f"Extraitmarq {payload}"[:1000],
                url="/questions/",
            )
        root = parse_feed(client.get(url))
        titles = texts(root, "title")
        for index in range(len(batch)):
            assert any(f"Notifmarq{number}x{index} " in title for title in titles)
        assert sum("Extraitmarq" in summary for summary in texts(root, "summary")) == len(batch)
        Notification.objects.filter(recipient=member).delete()


def test_an_answer_with_a_payload_reaches_the_askers_feed_safely(
    client, member, make_user, django_capture_on_commit_callbacks
):
    """The real path: an answer's Markdown becomes the notification excerpt."""
    from tests.factories import TopicFactory

    token = FeedToken.objects.create(user=member).token
    question = qa_services.question_create(
        author=member, title="Une question suivie", body="Texte.", topics=[TopicFactory()]
    )
    sample = payloads()[:: len(payloads()) // 20]
    for payload in sample:
        with django_capture_on_commit_callbacks(execute=True):
            qa_services.answer_create(question=question, author=make_user(), body=f"Rep {payload}")
    root = parse_feed(client.get(reverse("notifications:feed", args=[token])))
    assert sum("Rep " in summary for summary in texts(root, "summary")) == len(sample)


def test_regulatory_titles_references_and_summaries_are_safe_in_the_public_feed(
    client,
    make_update,  # noqa: F811
):
    from website.pages.models import RegulatoryUpdatePage

    corpus = payloads()
    sample = corpus[:: len(corpus) // 60] + CONTROL_PAYLOADS
    for number, batch in enumerate(batches(sample, 30)):
        for index, payload in enumerate(batch):
            make_update(
                title=f"Veillemarq{number}x{index} {payload}"[:255],
                official_reference=f"Réf {payload}"[:255],
                summary=f"Resumemarq {payload}"[:1000],
            )
        root = parse_feed(client.get("/flux/veille/"))
        titles = texts(root, "title")
        for index in range(len(batch)):
            assert any(title.startswith(f"Veillemarq{number}x{index} ") for title in titles)
        summaries = texts(root, "summary")
        assert sum("Resumemarq" in summary for summary in summaries) == len(batch)
        RegulatoryUpdatePage.objects.all().delete()
