"""The FAQ and the regulatory watch through the API: what `/faq/` and `/veille/` show anyone
(live pages without view restriction), by cursor, with ETags and bounded queries."""

import datetime

import pytest
from wagtail.models import PageViewRestriction

from qa import services as qa_services
from website.pages.models import (
    FaqEntry,
    FaqIndexPage,
    HomePage,
    RegulatoryIndexPage,
    RegulatoryKind,
    RegulatoryUpdatePage,
)

pytestmark = pytest.mark.django_db


def _index(model, slug, title):
    page = model(title=title, slug=slug)
    HomePage.objects.get().add_child(instance=page)
    page.save_revision().publish()
    return page


@pytest.fixture
def faq(topic, make_topic):
    page = _index(FaqIndexPage, "faq", "Foire aux questions")
    other = make_topic(name="Voirie", slug="voirie")
    for n, entry_topic in enumerate([topic, other, topic]):
        FaqEntry.objects.create(
            page=page,
            sort_order=n,
            question=f"Question fréquente {n} ?",
            answer='<p>Voir <a href="https://www.legifrance.gouv.fr/">le texte</a>.</p>',
            topic=entry_topic,
            sources="Code de la commande publique, art. L2113-6\n",
        )
    return page


@pytest.fixture
def make_update(topic):
    index = _index(RegulatoryIndexPage, "veille", "Veille réglementaire")
    counter = {"n": 0}

    def build(publish=True, **fields):
        counter["n"] += 1
        values = {
            "title": f"Nouveau texte {counter['n']}",
            "slug": f"nouveau-texte-{counter['n']}",
            "kind": RegulatoryKind.LAW,
            "official_reference": f"Loi n° 2026-{counter['n']}",
            "publication_date": datetime.date(2026, 10, 1),
            "summary": "Les communes délibèrent avant la fin de l'année.",
            "body": "<p>Le détail <script>alert(1)</script>.</p>",
            **fields,
        }
        update = RegulatoryUpdatePage(**values)
        update.topics = [topic]
        update.live = publish
        index.add_child(instance=update)
        revision = update.save_revision()
        if publish:
            revision.publish()
        return RegulatoryUpdatePage.objects.get(pk=update.pk)

    return build


def test_visitors_read_the_faq_in_the_sites_order_with_a_topic_filter(api, faq, topic):
    response = api().get("/faq")
    assert response.status_code == 200
    items = response.json()["items"]
    assert [i["question"] for i in items] == [f"Question fréquente {n} ?" for n in range(3)]
    first = items[0]
    assert first["topic"] == topic.slug and first["promoted"] is False
    assert first["sources"] == ["Code de la commande publique, art. L2113-6"]
    assert first["url"].endswith(f"/faq/#faq-{FaqEntry.objects.first().pk}")
    assert "legifrance" in first["answer_html"]
    voirie = api().get("/faq", {"topic": "voirie"}).json()["items"]
    assert [i["question"] for i in voirie] == ["Question fréquente 1 ?"]
    assert api().get("/faq", {"topic": "inconnu"}).json()["code"] == "topic_not_found"


def test_a_promoted_thread_shows_the_approved_version(
    api, faq, make_question, make_answer, moderator
):
    question = make_question(title="Comment voter le budget ?")
    answer = make_answer(question=question, body="Avant le 15 avril.")
    qa_services.answer_accept(answer=answer, by=question.author)
    qa_services.faq_promote(question=question, answer=answer, by=moderator)
    promoted = [i for i in api().get("/faq").json()["items"] if i["promoted"]]
    assert len(promoted) == 1
    assert promoted[0]["question"] == "Comment voter le budget ?"
    assert "Avant le 15 avril." in promoted[0]["answer_html"]
    assert promoted[0]["thread_url"].endswith(question.get_absolute_url())


def test_a_restricted_or_unpublished_faq_answers_an_empty_list(api, faq):
    PageViewRestriction.objects.create(page=faq, restriction_type=PageViewRestriction.LOGIN)
    assert api().get("/faq").json() == {"items": [], "next_cursor": None}
    PageViewRestriction.objects.all().delete()
    faq.unpublish()
    assert api().get("/faq").json()["items"] == []


def test_the_faq_cursor_walks_every_entry_and_refuses_tampering(api, faq):
    first = api().get("/faq", {"limit": 2}).json()
    assert len(first["items"]) == 2 and first["next_cursor"]
    second = api().get("/faq", {"limit": 2, "cursor": first["next_cursor"]}).json()
    assert [i["question"] for i in second["items"]] == ["Question fréquente 2 ?"]
    assert second["next_cursor"] is None
    forged = api().get("/faq", {"cursor": first["next_cursor"][:-2] + "xx"})
    assert forged.status_code == 400 and forged.json()["code"] == "cursor_invalid"


def test_the_watch_lists_published_public_updates_newest_first(api, make_update, topic):
    old = make_update(publication_date=datetime.date(2025, 3, 1), kind=RegulatoryKind.DECREE)
    new = make_update(publication_date=datetime.date(2026, 10, 1))
    make_update(publish=False)
    restricted = make_update()
    PageViewRestriction.objects.create(page=restricted, restriction_type=PageViewRestriction.LOGIN)
    items = api().get("/veille").json()["items"]
    assert [i["id"] for i in items] == [new.pk, old.pk]
    assert items[0]["topics"] == [topic.slug]
    assert items[0]["url"].endswith(new.url)
    assert "<script" not in items[0]["body_html"]
    assert [i["id"] for i in api().get("/veille", {"year": 2025}).json()["items"]] == [old.pk]
    decrees = api().get("/veille", {"kind": "decret"}).json()["items"]
    assert [i["id"] for i in decrees] == [old.pk]
    assert api().get("/veille", {"kind": "roman"}).status_code == 422


def test_the_watch_cursor_ETag_and_bounded_queries(api, make_update, django_assert_max_num_queries):
    for day in range(1, 6):
        make_update(publication_date=datetime.date(2026, 9, day))
    seen, cursor = [], None
    while True:
        with django_assert_max_num_queries(6):
            page = api().get("/veille", {"limit": 2, **({"cursor": cursor} if cursor else {})})
        seen += [i["id"] for i in page.json()["items"]]
        cursor = page.json()["next_cursor"]
        if not cursor:
            break
    assert len(seen) == len(set(seen)) == 5
    first = api().get("/veille")
    again = api().get("/veille", HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304 and again.content == b""
    tampered = api().get("/veille", {"cursor": "W1siMjAyNiJdXQ:abc"})
    assert tampered.status_code == 400 and tampered.json()["code"] == "cursor_invalid"
