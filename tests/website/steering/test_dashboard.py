"""What the dashboard shows: each figure checked against data built for it, the CSV exports,
and a query count that does not grow with the data."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from directory.models import StructureKind
from qa import services as qa_services
from qa.models import Answer, Question
from website.needs import refresh
from website.needs.models import NeedsRefresh
from website.steering import selectors

pytestmark = pytest.mark.django_db


def _answer(question, author, *, hours):
    answer = qa_services.answer_create(question=question, author=author, body="Voici.")
    Answer.objects.filter(pk=answer.pk).update(
        created_at=question.created_at + timedelta(hours=hours)
    )
    answer.refresh_from_db()
    return answer


def test_percentile_is_the_nearest_rank():
    values = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]
    assert selectors.percentile(values, 0.5) == 5
    assert selectors.percentile(values, 0.9) == 9
    assert selectors.percentile([7], 0.9) == 7
    assert selectors.percentile([], 0.5) is None


def test_open_questions_by_topic_and_territory(make_user, make_topic, make_structure, ask):
    voirie, eau = make_topic(name="Voirie"), make_topic(name="Eau")
    cc = make_structure(name="CC du Haut-Verdon", kind=StructureKind.CC)
    angles = make_structure(name="Angles", parent=cc)
    colmars = make_structure(name="Colmars", parent=cc)
    syndicate = make_structure(name="Syndicat d'énergie", kind=StructureKind.SYNDICATE)
    asker, helper = make_user(), make_user()
    ask(asker, topics=[voirie, eau], structure=angles)
    ask(asker, topics=[voirie], structure=colmars)
    ask(asker, topics=[voirie], structure=syndicate)
    ask(asker, topics=[eau])
    accepted = ask(asker, topics=[eau], structure=angles)
    qa_services.answer_accept(answer=_answer(accepted, helper, hours=2), by=asker)
    closed = ask(asker, topics=[eau], structure=angles)
    Question.objects.filter(pk=closed.pk).update(closed_at=timezone.now())
    refresh.refresh()
    assert selectors.open_by_topic() == [("Voirie", 3), ("Eau", 2)]
    assert selectors.open_by_territory() == [
        ("CC du Haut-Verdon", 2),
        ("Sans structure", 1),
        ("Syndicat d'énergie", 1),
    ]


def test_delays_per_month_median_and_90th_percentile(make_user, ask):
    asker, helper = make_user(), make_user()
    hours = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]
    for delay in hours:
        question = ask(asker)
        _answer(question, helper, hours=delay)
        _answer(question, helper, hours=delay + 100)  # only the first answer counts
    accepted = ask(asker)
    answer = _answer(accepted, helper, hours=30)
    qa_services.answer_accept(answer=answer, by=asker)
    ask(asker)  # not answered: asked, not in the delays
    refresh.refresh()
    month = selectors.delays_by_month()[-1]
    assert (month.asked, month.answered, month.accepted) == (12, 11, 1)
    assert month.first_median == 6
    assert month.first_p90 == 10
    assert month.accepted_median == month.accepted_p90 == 30
    assert len(selectors.delays_by_month()) == 12


def test_a_question_of_last_year_counts_in_its_month_not_in_the_current_one(make_user, ask):
    asker = make_user()
    ask(asker, days_ago=40)
    refresh.refresh()
    months = selectors.delays_by_month()
    assert months[-1].asked == 0
    assert sum(month.asked for month in months) == 1
    ask(asker, days_ago=400)  # older than the twelve months: not read
    refresh.refresh()
    assert sum(month.asked for month in selectors.delays_by_month()) == 1


def test_expert_response_rates(make_user, make_topic, make_expert, ask):
    topic = make_topic()
    fast = make_expert(topic, first_name="Anne", last_name="Rapide")
    slow = make_expert(topic, first_name="Bruno", last_name="Lent")
    asker = make_user()
    first = ask(asker, topics=[topic])
    ask(asker, topics=[topic])
    _answer(first, fast, hours=1)
    rates = {
        rate.name: (rate.routed, rate.answered, rate.rate)
        for rate in selectors.expert_response_rates()
    }
    assert rates == {"Anne Rapide": (2, 1, 50), "Bruno Lent": (2, 0, 0)}
    assert slow  # routed, never answered


def test_backlog_counts(make_user, ask):
    make_user(approved_at=None)  # waiting for a moderator
    make_user(approved_at=None, is_active=False)  # deactivated: not waiting
    asker, reporter = make_user(), make_user()
    question = ask(asker)
    qa_services.flag_create(post=question, reporter=reporter, reason="spam", text="Pub")
    backlog = selectors.backlog()
    assert backlog.open_flags == 1
    assert backlog.rechecks == 0
    assert backlog.pending_accounts == 1


def test_commune_activity_active_and_silent(
    make_user, make_structure, make_person, make_position, ask
):
    cc = make_structure(name="CC Alpes Provence Verdon", kind=StructureKind.CC)
    angles = make_structure(name="Angles", parent=cc)
    colmars = make_structure(name="Colmars", parent=cc)
    silent = make_structure(name="Thorame-Haute", parent=cc)
    old = make_structure(name="Allos", parent=cc)
    asker, helper = make_user(), make_user()
    make_position(person=make_person(user=helper), structure=colmars)
    question = ask(asker, structure=angles)
    _answer(question, helper, hours=3)
    ask(asker, structure=old, days_ago=500)
    refresh.refresh()
    activity = {row.name: row for row in selectors.commune_activity()}
    assert (activity["Angles"].questions, activity["Angles"].answers) == (1, 0)
    assert (activity["Colmars"].questions, activity["Colmars"].answers) == (0, 1)
    assert activity["Allos"].posts == 0 and activity["Allos"].ever_posted
    assert activity["Thorame-Haute"].posts == 0 and not activity["Thorame-Haute"].ever_posted
    assert "CC Alpes Provence Verdon" not in activity
    assert silent


def test_the_page_shows_the_figures_with_charts_and_tables(
    client, coordinator, make_user, make_topic, make_structure, ask
):
    topic = make_topic(name="Déneigement")
    make_structure(name="Thorame-Haute")
    ask(make_user(), topics=[topic], days_ago=9)
    client.force_login(coordinator)
    body = client.get(reverse("steering:dashboard")).content.decode()
    assert body.count("<svg") == 6
    assert '<th scope="row">Déneigement</th><td>1</td>' in body
    assert "1 question sans réponse depuis plus de 7 jours" in body
    assert "Thorame-Haute" in body  # never posted: to invite
    assert reverse("steering:export_csv", args=["communes"]) in body


def test_the_page_shows_the_last_refresh_and_asks_one_when_stale(
    client, coordinator, make_user, make_topic, ask
):
    topic = make_topic(name="Déneigement")
    ask(make_user(), topics=[topic])
    refresh.refresh(now=timezone.now() - timedelta(minutes=5))
    ask(make_user(), topics=[topic])  # after the refresh: not yet counted
    client.force_login(coordinator)
    body = client.get(reverse("steering:dashboard")).content.decode()
    assert "chiffres mis à jour il y a 5\xa0minutes" in body
    assert '<th scope="row">Déneigement</th><td>1</td>' in body
    old = timezone.now() - timedelta(hours=1)
    NeedsRefresh.objects.update(refreshed_at=old)
    body = client.get(reverse("steering:dashboard")).content.decode()
    assert NeedsRefresh.objects.get().refreshed_at > old
    assert '<th scope="row">Déneigement</th><td>2</td>' in body


def test_a_csv_export_neutralises_formula_cells(client, coordinator, make_user, make_topic, ask):
    topic = make_topic(name='=HYPERLINK("http://x")', slug="formule")
    ask(make_user(), topics=[topic])
    client.force_login(coordinator)
    response = client.get(reverse("steering:export_csv", args=["sujets"]))
    assert response["Content-Type"].startswith("text/csv")
    assert 'filename="pilotage-sujets.csv"' in response["Content-Disposition"]
    text = response.content.decode()
    assert text.startswith("\ufeffSujet;Questions ouvertes\r\n")
    assert "'=HYPERLINK" in text
    assert "\n=HYPERLINK" not in text


def test_the_unanswered_export_lists_questions_older_than_seven_days(
    client, coordinator, make_user, ask
):
    asker = make_user()
    ask(asker, title="Vieille question sans réponse", days_ago=8)
    ask(asker, title="Question toute récente", days_ago=2)
    client.force_login(coordinator)
    text = client.get(reverse("steering:export_csv", args=["sans-reponse"])).content.decode()
    assert "Vieille question sans réponse" in text
    assert "Question toute récente" not in text


def _world(
    size, make_user, make_topic, make_structure, make_person, make_position, make_expert, ask
):
    cc = make_structure(name=f"CC {size}", kind=StructureKind.CC)
    topics = [make_topic() for _ in range(size)]
    for index in range(size):
        commune = make_structure(name=f"Commune {size}-{index}", parent=cc)
        asker = make_user()
        make_position(person=make_person(user=asker), structure=commune)
        expert = make_expert(topics[index], structure=commune)
        question = ask(asker, topics=[topics[index]], structure=commune, days_ago=8 + index * 20)
        if index % 2:
            _answer(question, expert, hours=index)


@pytest.mark.parametrize("path", ["steering:dashboard", "steering:unanswered"])
def test_the_query_count_does_not_grow_with_the_data(
    client,
    coordinator,
    django_assert_max_num_queries,
    path,
    make_user,
    make_topic,
    make_structure,
    make_person,
    make_position,
    make_expert,
    ask,
):
    fixtures = (make_user, make_topic, make_structure, make_person, make_position, make_expert, ask)
    client.force_login(coordinator)
    _world(2, *fixtures)
    client.get(reverse(path))  # warms the session and the content types
    with django_assert_max_num_queries(20) as small:
        assert client.get(reverse(path)).status_code == 200
    _world(12, *fixtures)
    with django_assert_max_num_queries(len(small.captured_queries)) as large:
        assert client.get(reverse(path)).status_code == 200
    assert len(large.captured_queries) == len(small.captured_queries)
