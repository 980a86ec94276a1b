"""The shared needs read materialised aggregates (issue 19, « Speed »): the refresh gives
exactly the figures the live computation of before gave (`live_reference.py`), for every
filter, on SQLite and PostgreSQL; the page reads the tables, says how fresh they are, asks a
refresh when they are stale, and needs the same number of queries at two data sizes."""

import datetime

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.test import override_settings
from django.utils import timezone

from directory.models import StructureKind
from qa import services as qa_services
from qa.agenda import services as agenda_services
from qa.agenda.models import Support
from qa.models import Question, SameProblem
from tests import factories
from tests.module_transaction import module_transaction
from tests.needs import live_reference
from tests.queries import LARGE, SMALL, counted_get
from website.needs import refresh, selectors
from website.needs.models import NeedsRefresh, TopicStructure, TrendMonth
from website.search import services as search_services
from website.search.backends import reset_backends
from website.search.documents import uid_of

pytestmark = pytest.mark.django_db

DAYS_AGO = [0, 20, 50, 100, 170, 250, 400, 800]


def _now():
    """Midnight UTC today: the old period start (now − N days) and the new one (midnight of
    that day) are then the same instant."""
    return (
        timezone.now().astimezone(datetime.UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    )


@pytest.fixture(scope="class")
def rich_world(django_db_setup, django_db_blocker, tmp_path_factory):
    """Askers in CCs and outside, a secretary with two positions in one CC, an ended
    position, no position at all, deleted threads, threads with two topics and none, marks
    and supports spread over 800 days, a withdrawn proposal.

    Built once for the class that reads it (about a second of CPU each time), with its own
    search index, inside a transaction rolled back at its end; each test runs in a savepoint
    of its own, so every test starts from this same state. A class, not the module: the
    two-sizes test below must never see this world, whatever the order."""
    folder = tmp_path_factory.mktemp("needs-search")
    with override_settings(SEARCH_BACKEND="whoosh", SEARCH_INDEX_DIR=str(folder)):
        reset_backends()
        try:
            with module_transaction(django_db_blocker):
                search_services.rebuild()
                yield _build_rich_world()
        finally:
            reset_backends()


def _build_rich_world():
    make_structure, make_user = factories.StructureFactory, factories.UserFactory
    make_person, make_position = factories.PersonFactory, factories.PositionFactory
    make_topic = factories.TopicFactory
    cache.clear()
    haut = make_structure(name="CC du Haut-Verdon", slug="cc-haut-verdon", kind=StructureKind.CC)
    bas = make_structure(name="CC du Bas-Verdon", slug="cc-bas-verdon", kind=StructureKind.CC)
    allos = make_structure(name="Allos", parent=haut)
    colmars = make_structure(name="Colmars", parent=haut)
    riez = make_structure(name="Riez", parent=bas)
    syndicate = make_structure(name="Syndicat des eaux", kind=StructureKind.SYNDICATE)

    def person(*structures, ended=False):
        user = make_user()
        owner = make_person(user=user)
        for structure in structures:
            make_position(
                person=owner,
                structure=structure,
                end_date=datetime.date(2020, 1, 1) if ended else None,
            )
        return user

    at_allos, at_colmars, at_riez = person(allos), person(colmars), person(riez)
    secretary = person(allos, colmars)  # two positions in one CC: counted once there
    at_haut, at_syndicate = person(haut), person(syndicate)
    departed, nowhere = person(riez, ended=True), person()
    people = [at_allos, at_colmars, at_riez, secretary, at_haut, at_syndicate, departed, nowhere]
    roads = make_topic(name="Voirie", slug="voirie")
    purchase = make_topic(name="Commande publique", slug="commande-publique")
    finance = make_topic(name="Finances", slug="finances")
    topic_sets = [[roads], [purchase], [finance], [roads, finance], []]
    now = timezone.now()
    questions = []
    for n in range(24):
        author = people[n % len(people)]
        question = qa_services.question_create(
            author=author,
            title=f"Déneigement et achat de sel numéro {n}",
            body="Nous voudrions acheter le sel à plusieurs pour l'hiver prochain.",
            topics=topic_sets[n % len(topic_sets)],
        )
        when = now - datetime.timedelta(days=DAYS_AGO[n % len(DAYS_AGO)], hours=n)
        Question.objects.filter(pk=question.pk).update(created_at=when)
        questions.append(question)
    for n, question in enumerate(questions):
        for marker in people[n % 3 :: 3]:
            if marker.pk != question.author_id:
                qa_services.same_problem_toggle(user=marker, question=question)
        SameProblem.objects.filter(question=question).update(
            created_at=now - datetime.timedelta(days=DAYS_AGO[(n + 3) % len(DAYS_AGO)])
        )
    Question.objects.filter(pk__in=[questions[1].pk, questions[9].pk]).update(deleted_at=now)
    proposals = []
    for n, topics in enumerate([[roads], [finance, purchase], [purchase], [roads]]):
        proposal = agenda_services.proposal_create(
            author=people[n],
            title=f"Sujet proposé {n}",
            rationale="Pour le conseil.",
            topics=topics,
        )
        for supporter in people[n + 1 :: 2]:
            agenda_services.proposal_support(proposal=proposal, user=supporter)
        Support.objects.filter(proposal=proposal).update(
            created_at=now - datetime.timedelta(days=DAYS_AGO[(n * 2 + 1) % len(DAYS_AGO)])
        )
        proposals.append(proposal)
    agenda_services.proposal_withdraw(proposal=proposals[3], by=people[3])
    search_services.sync([uid_of(q) for q in questions])
    return {"user": at_allos, "ccs": [None, haut, bas], "topics": [None, roads, finance]}


def _figures(module, user, filters, now):
    needs = module.shared_needs(user, filters, now=now)

    def listing(items):
        return [
            (
                need.title,
                [s.name for s in need.structures],
                need.thread_count,
                need.supporters,
                [t.title for t in need.threads],
            )
            for need in items
        ]

    return {
        "by_topic": listing(needs.by_topic),
        "by_cluster": listing(needs.by_cluster),
        "trend": module.monthly_trend(filters, now=now),
    }


class TestARichWorld:
    """The refresh and the page over `rich_world`."""

    def test_the_refresh_gives_exactly_the_figures_of_the_live_computation(self, rich_world):
        now = _now()
        refresh.refresh()
        user = rich_world["user"]
        compared = 0
        for cc in rich_world["ccs"]:
            for topic in rich_world["topics"]:
                for months in (None, 3, 6, 12, 24):
                    old = live_reference.NeedFilters(cc=cc, topic=topic, months=months)
                    new = selectors.NeedFilters(cc=cc, topic=topic, months=months)
                    assert new.since(now) == old.since(now)
                    expected = _figures(live_reference, user, old, now)
                    assert _figures(selectors, user, new, now) == expected, (cc, topic, months)
                    compared += 1
        assert compared == 45
        # The world is not empty: the comparisons compared something.
        everything = _figures(selectors, user, selectors.NeedFilters(), now)
        assert len(everything["by_topic"]) == 3 and sum(v for _l, v in everything["trend"]) > 20

    def test_the_page_reads_the_materialised_tables_and_says_how_fresh_they_are(
        self, client, rich_world
    ):
        refresh.refresh(now=timezone.now() - datetime.timedelta(minutes=5))
        client.force_login(rich_world["user"])
        page = client.get("/besoins-partages/").content.decode()
        assert "Chiffres mis à jour il y a 5\xa0minutes" in page
        assert "Voirie" in page
        # Emptied tables (a fresh refresh stays within its 30 minutes): the topics are gone,
        # so the page did not count them live.
        TopicStructure.objects.all().delete()
        TrendMonth.objects.all().delete()
        page = client.get("/besoins-partages/").content.decode()
        topics = page.split('id="needs-topics"', 1)[1].split('id="needs-trend"', 1)[0]
        assert "Voirie" not in topics and "Aucun besoin partagé pour ces filtres." in topics

    def test_stale_or_missing_figures_are_refreshed_by_the_task(self, client, rich_world):
        assert not NeedsRefresh.objects.exists()
        client.force_login(rich_world["user"])
        page = client.get("/besoins-partages/").content.decode()  # immediate backend: done now
        assert NeedsRefresh.objects.count() == 1 and "Voirie" in page
        old = timezone.now() - selectors.STALE_AFTER - datetime.timedelta(minutes=1)
        NeedsRefresh.objects.update(refreshed_at=old)
        TopicStructure.objects.all().delete()
        client.get("/besoins-partages/export.csv")
        assert NeedsRefresh.objects.get().refreshed_at > old
        assert TopicStructure.objects.exists()

    def test_the_management_command_refreshes(self, rich_world, capsys):
        call_command("refresh_shared_needs")
        assert "shared needs refreshed in" in capsys.readouterr().out
        assert NeedsRefresh.objects.count() == 1 and TopicStructure.objects.count() > 5

    def test_the_trend_reads_months_counted_by_the_database(self, rich_world):
        now = timezone.now()
        refresh.refresh(now=now)
        rows = selectors.monthly_trend(selectors.NeedFilters(), now=now)
        assert len(rows) == 12
        this_month = TrendMonth.objects.get(
            cc=None, topic=None, month=timezone.localdate(now).replace(day=1)
        )
        assert rows[-1][1] == this_month.expressions > 0


@pytest.mark.parametrize("extra", [SMALL, LARGE])
def test_the_page_needs_the_same_queries_at_two_sizes(
    extra, whoosh_backend, make_user, make_topic, client
):
    topic = make_topic(name="Voirie", slug="voirie")
    author = make_user()
    for n in range(extra):
        qa_services.question_create(
            author=author, title=f"Question de voirie {n}", body="Texte.", topics=[topic]
        )
    refresh.refresh()
    client.force_login(author)
    client.get("/besoins-partages/")  # the similar threads are cached after the first view
    _response, page = counted_get(client, "/besoins-partages/", {"periode": "12"})
    _response, csv_export = counted_get(client, "/besoins-partages/export.csv")
    assert (page, csv_export) == EXPECTED_QUERIES


# Measured once at SMALL and the same at LARGE (the two runs of the test above).
EXPECTED_QUERIES = (18, 15)
