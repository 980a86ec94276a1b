"""Sorting a thread's answers by votes or by date, remembered (issue 20, item 12)."""

import re
from datetime import timedelta

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.test import override_settings
from django.utils import timezone

from qa import services
from qa.models import Answer

pytestmark = pytest.mark.django_db


@pytest.fixture
def answers(question, member, make_answer, make_user):
    """Oldest first: a plain one, a well-voted one, then the accepted one (newest)."""
    now = timezone.now()
    plain = make_answer(question=question, body="Première réponse, sans vote.")
    voted = make_answer(question=question, body="Deuxième réponse, bien notée.")
    accepted = make_answer(question=question, body="Troisième réponse, acceptée.")
    for age, answer in ((3, plain), (2, voted), (1, accepted)):
        Answer.objects.filter(pk=answer.pk).update(created_at=now - timedelta(hours=age))
    for _ in range(2):
        services.vote_cast(user=make_user(), post=voted, value=1)
    services.answer_accept(answer=accepted, by=member)
    return plain, voted, accepted


def _order(html, answers):
    positions = {a.pk: html.index(f'id="reponse-{a.pk}"') for a in answers}
    return [pk for pk, _ in sorted(positions.items(), key=lambda item: item[1])]


def _current(html):
    return re.findall(r'<a href="\?tri=(\w+)#answers" rel="nofollow" aria-current="true">', html)


def test_by_default_the_accepted_answer_leads_then_the_score(client, member, question, answers):
    plain, voted, accepted = answers
    client.force_login(member)
    html = client.get(question.get_absolute_url()).content.decode()
    assert _order(html, answers) == [accepted.pk, voted.pk, plain.pk]
    assert _current(html) == ["votes"]
    assert 'aria-label="Ordre des réponses"' in html


def test_by_date_the_oldest_comes_first_and_the_choice_is_remembered(
    client, member, question, answers
):
    plain, voted, accepted = answers
    client.force_login(member)
    html = client.get(question.get_absolute_url(), {"tri": "date"}).content.decode()
    assert _order(html, answers) == [plain.pk, voted.pk, accepted.pk]
    assert _current(html) == ["date"]
    # Another visit without the parameter (another thread too) keeps the member's choice.
    html = client.get(question.get_absolute_url()).content.decode()
    assert _order(html, answers) == [plain.pk, voted.pk, accepted.pk]
    html = client.get(question.get_absolute_url(), {"tri": "votes"}).content.decode()
    assert _order(html, answers) == [accepted.pk, voted.pk, plain.pk]
    html = client.get(question.get_absolute_url()).content.decode()
    assert _current(html) == ["votes"]


def test_an_unknown_sort_falls_back_to_the_remembered_one(client, member, question, answers):
    plain, voted, accepted = answers
    client.force_login(member)
    client.get(question.get_absolute_url(), {"tri": "date"})
    html = client.get(question.get_absolute_url(), {"tri": "n'importe"}).content.decode()
    assert _order(html, answers) == [plain.pk, voted.pk, accepted.pk]


def test_a_thread_with_one_answer_shows_no_sort_links(client, member, question, make_answer):
    make_answer(question=question)
    client.force_login(member)
    html = client.get(question.get_absolute_url()).content.decode()
    assert "Ordre des réponses" not in html


@override_settings(PUBLIC_READ=True)
def test_a_visitors_choice_opens_no_session(client, question, answers):
    """With public reading on, a crawler following « Par date » must not create a session
    row per visit: the order is shown, not remembered."""
    response = client.get(question.get_absolute_url() + "?tri=date")
    assert response.status_code == 200
    assert _current(response.content.decode()) == ["date"]
    assert settings.SESSION_COOKIE_NAME not in response.cookies
    assert not Session.objects.exists()
