"""Shared needs (`/besoins-partages/`, issue 19 item 1): which problems many communes share,
counted by distinct communes and structures, grouped by topic and by clusters of similar
threads (the search engine's ranking, on each backend)."""

import csv
import html
import io

import pytest
from django.core.cache import cache
from django.urls import reverse

from directory.models import InterestKind, StructureKind, TopicInterest
from qa import services as qa_services
from qa.agenda import services as agenda_services
from website.needs import refresh, selectors
from website.search import services as search_services
from website.search.documents import uid_of

pytestmark = pytest.mark.django_db

SNOW = "Déneigement groupé entre communes voisines"
SALT = "Achat de sel en commun"
PAY = "Quel logiciel pour la paie des agents ?"


@pytest.fixture
def territory(make_structure):
    haut = make_structure(name="CC du Haut-Verdon", slug="cc-haut-verdon", kind=StructureKind.CC)
    bas = make_structure(name="CC du Bas-Verdon", slug="cc-bas-verdon", kind=StructureKind.CC)
    return {
        "haut": haut,
        "bas": bas,
        "allos": make_structure(name="Allos", parent=haut),
        "colmars": make_structure(name="Colmars", parent=haut),
        "beauvezer": make_structure(name="Beauvezer", parent=haut),
        "riez": make_structure(name="Riez", parent=bas),
    }


@pytest.fixture
def people(territory, make_user, make_person, make_position):
    def person_at(key, **kwargs):
        user = make_user(**kwargs)
        make_position(person=make_person(user=user), structure=territory[key])
        return user

    return person_at


def make_world(territory, people, make_topic, *, extra_threads=0):
    cache.clear()
    roads = make_topic(name="Voirie", slug="voirie")
    purchase = make_topic(name="Commande publique", slug="commande-publique")
    finance = make_topic(name="Finances", slug="finances")
    allos, colmars = people("allos"), people("colmars")
    beauvezer, riez = people("beauvezer"), people("riez")
    expert = people("colmars", roles=["Experts"])
    TopicInterest.objects.create(
        person=expert.person, topic=roads, kind=InterestKind.EXPERTISE, is_confirmed=True
    )
    snow = qa_services.question_create(
        author=allos,
        title=SNOW,
        body="Nous voudrions acheter le sel à plusieurs pour l'hiver prochain.",
        topics=[roads],
    )
    salt = qa_services.question_create(
        author=colmars,
        title=SALT,
        body="Pour le déneigement des routes, un groupement de commandes est-il possible ?",
        topics=[purchase],
    )
    pay = qa_services.question_create(
        author=riez, title=PAY, body="Nous changeons de logiciel de paie.", topics=[finance]
    )
    others = [
        qa_services.question_create(
            author=riez,
            title=f"Cantine scolaire : tarif social numéro {n}",
            body="Quel tarif pour les familles ?",
            topics=[finance],
        )
        for n in range(extra_threads)
    ]
    qa_services.same_problem_toggle(user=beauvezer, question=snow)
    qa_services.same_problem_toggle(user=riez, question=snow)
    answer = qa_services.answer_create(question=salt, author=expert, body="Oui, par convention.")
    qa_services.answer_validate(answer=answer, by=expert)
    proposal = agenda_services.proposal_create(
        author=riez,
        title="Organiser le déneigement ensemble",
        rationale="Chaque commune achète seule.",
        topics=[roads],
    )
    agenda_services.proposal_support(proposal=proposal, user=beauvezer)
    search_services.sync([uid_of(q) for q in (snow, salt, pay, *others)])
    refresh.refresh()  # the page reads the aggregates as of the last refresh
    return {
        "snow": snow,
        "salt": salt,
        "pay": pay,
        "expert": expert,
        "member": allos,
        "roads": roads,
    }


@pytest.fixture
def world(search_backend, territory, people, make_topic):
    return make_world(territory, people, make_topic)


def test_similar_threads_meet_in_one_need_counted_by_distinct_communes(world, territory):
    needs = selectors.shared_needs(world["member"], selectors.NeedFilters())
    first = needs.by_cluster[0]
    assert {t.title for t in first.threads} == {SNOW, SALT}
    # Askers (Allos, Colmars) and « même problème » (Beauvezer, Riez): four communes, each once.
    assert {s.name for s in first.communes} == {"Allos", "Colmars", "Beauvezer", "Riez"}
    assert first.commune_count == 4
    assert {s.name for s in first.ccs} == {"CC du Haut-Verdon", "CC du Bas-Verdon"}
    assert {t.slug for t in first.topics} == {"voirie", "commande-publique"}
    assert first.answered
    validated = {t.title: t.validated for t in first.threads}
    assert validated == {SNOW: False, SALT: True}
    assert [str(p) for p in first.experts] == [str(world["expert"].person)]
    lonely = next(n for n in needs.by_cluster if n.threads[0].title == PAY)
    assert lonely.commune_count == 1 and needs.by_cluster.index(lonely) > 0


def test_topics_count_askers_marks_and_supporters_once_each(world):
    needs = selectors.shared_needs(world["member"], selectors.NeedFilters())
    by_name = {need.title: need for need in needs.by_topic}
    roads = by_name["Voirie"]
    # Asker Allos; marks Beauvezer and Riez; proposal by Riez supported by Beauvezer.
    assert {s.name for s in roads.structures} == {"Allos", "Beauvezer", "Riez"}
    assert roads.supporters == 2
    assert roads.thread_count == 1
    assert needs.by_topic[0].title == "Voirie"


def test_the_cc_filter_keeps_the_structures_of_that_cc(world, territory):
    filters = selectors.NeedFilters(cc=territory["haut"])
    first = selectors.shared_needs(world["member"], filters).by_cluster[0]
    assert {s.name for s in first.communes} == {"Allos", "Colmars", "Beauvezer"}
    assert {s.name for s in first.ccs} == {"CC du Haut-Verdon"}


def test_the_topic_filter_keeps_that_topic(world):
    filters = selectors.NeedFilters(topic=world["roads"])
    needs = selectors.shared_needs(world["member"], filters)
    assert [need.title for need in needs.by_topic] == ["Voirie"]
    assert all(any(t.slug == "voirie" for t in need.topics) for need in needs.by_cluster)


def test_the_period_filter_leaves_out_older_threads(world):
    from django.utils import timezone

    from qa.models import Question

    Question.objects.filter(pk=world["pay"].pk).update(
        created_at=timezone.now() - timezone.timedelta(days=400)
    )
    refresh.refresh()
    needs = selectors.shared_needs(world["member"], selectors.NeedFilters(months=12))
    titles = {t.title for need in needs.by_cluster for t in need.threads}
    assert PAY not in titles and SNOW in titles


def test_the_page_shows_the_ranked_needs_with_the_trend_and_the_propose_button(client, world):
    client.force_login(world["member"])
    response = client.get("/besoins-partages/")
    assert response.status_code == 200
    html = response.content.decode()
    clusters = html.split('id="needs-clusters"', 1)[1].split('id="needs-topics"', 1)[0]
    assert clusters.index(SNOW) < clusters.index(PAY)
    assert "4 communes concernées" in clusters
    assert "réponse validée par un expert" in clusters
    assert reverse("agenda:proposal_create") + "?title=" in clusters
    assert "<svg" in html and "chart-table" in html
    assert 'href="/besoins-partages/"' in html  # the header link, for members


def test_the_trend_counts_each_month_of_the_last_twelve(world):
    rows = selectors.monthly_trend(selectors.NeedFilters())
    assert len(rows) == 12
    # This month: 3 questions, 2 marks, 2 supports (the proposer's and Beauvezer's).
    assert rows[-1][1] == 7
    assert sum(value for _label, value in rows[:-1]) == 0


@pytest.mark.parametrize(
    "query, message",
    [
        ("cc=nulle-part", "Cette communauté de communes n'existe pas"),
        ("sujet=%3Dcmd", "Ce sujet n'existe pas"),
        ("periode=999", "Cette période n'est pas proposée"),
        # A NUL is refused before the view, whatever the filter (website.middleware).
        ("periode=%00", "contient un caractère nul"),
        ("cc=%00", "contient un caractère nul"),
        ("sujet=" + "x" * 5000, "Ce sujet n'existe pas"),
    ],
)
def test_bad_filter_values_get_a_clear_french_message(client, member, query, message):
    client.force_login(member)
    response = client.get(f"/besoins-partages/?{query}")
    assert response.status_code == 400
    assert message in html.unescape(response.content.decode())
    export = client.get(f"/besoins-partages/export.csv?{query}")
    assert export.status_code == 400 and message in html.unescape(export.content.decode())


def test_the_csv_export_lists_the_needs_with_formula_cells_neutralised(client, world, make_topic):
    formula = make_topic(name="=SOMME(A1:A9)", slug="somme")
    qa_services.question_create(
        author=world["member"], title=PAY + " (bis)", body="Test.", topics=[formula]
    )
    refresh.refresh()
    client.force_login(world["member"])
    response = client.get("/besoins-partages/export.csv")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    text = response.content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    assert rows[0][:3] == ["Regroupement", "Besoin", "Sujets"]
    assert any(row[1] == SNOW and row[3] == "4" for row in rows[1:])
    assert any(row[1] == "'=SOMME(A1:A9)" for row in rows[1:])
    assert not any(cell.startswith("=") for row in rows for cell in row)


def test_visitors_are_sent_to_login_pending_accounts_refused_members_served(
    client, pending_user, member
):
    for path in ("/besoins-partages/", "/besoins-partages/export.csv"):
        response = client.get(path)
        assert response.status_code == 302 and "/comptes/login/" in response["Location"]
        client.force_login(pending_user)
        response = client.get(path)
        assert response.status_code in (302, 403)
        if response.status_code == 302:
            assert response["Location"] == reverse("pending")
        client.force_login(member)
        assert client.get(path).status_code == 200
        client.logout()


def test_the_header_link_is_for_members_only(client, member):
    assert 'href="/besoins-partages/"' not in client.get("/questions/").content.decode()


@pytest.mark.parametrize("extra", [0, 25])
def test_the_page_needs_a_bounded_number_of_queries(
    extra, whoosh_backend, territory, people, make_topic, client, django_assert_max_num_queries
):
    data = make_world(territory, people, make_topic, extra_threads=extra)
    client.force_login(data["member"])
    client.get("/besoins-partages/")  # the similar threads are cached after the first view
    with django_assert_max_num_queries(30):
        response = client.get("/besoins-partages/?periode=12")
    assert response.status_code == 200
    with django_assert_max_num_queries(30):
        assert client.get("/besoins-partages/export.csv").status_code == 200
