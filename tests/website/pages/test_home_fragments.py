"""The home page's shared fragments (issue 16, item 4): the texts, the latest updates, the
agenda and the recent activity are rendered once for every member until the next write; each
write shows on the next request, and a member never sees another member's dashboard or marks."""

import datetime

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone

from qa import services
from qa.agenda.models import Meeting, Proposal
from website.pages import dashboard

pytestmark = pytest.mark.django_db

MARK = "#premier-non-lu"


def _home(client):
    response = client.get("/")
    assert response.status_code == 200
    return response.content.decode()


def _section(page, anchor):
    start = page.index(f'id="{anchor}"')
    return page[start : page.index("</section>", start)]


@pytest.fixture
def rendered(monkeypatch):
    """How many times the recent activity was read from the database."""
    calls = []
    original = dashboard.recent_threads

    def counting():
        calls.append(1)
        return original()

    monkeypatch.setattr("website.pages.models.recent_threads", counting)
    return calls


def test_the_shared_parts_are_rendered_once_for_every_member_until_a_write(
    make_user, make_question, rendered
):
    first, second = Client(), Client()
    first.force_login(make_user())  # a login is a write (the last login's date)
    second.force_login(make_user())
    make_question(title="Une question déjà là")
    for viewer in (first, second, first, second):
        assert "Une question déjà là" in _home(viewer)
    assert len(rendered) == 1
    make_question(title="Une question nouvelle")
    assert "Une question nouvelle" in _home(second)
    assert len(rendered) == 2


def test_a_new_question_answer_and_deletion_show_in_the_recent_activity(
    client, member, make_question, make_answer, moderator
):
    client.force_login(member)
    _home(client)
    question = make_question(title="Un fil tout récent")
    assert "Un fil tout récent" in _section(_home(client), "home-recent")
    services.post_edit(post=question, by=question.author, title="Un fil renommé", body="B.")
    assert "Un fil renommé" in _section(_home(client), "home-recent")
    services.post_delete(post=question, by=moderator, reason="Spam")
    assert "Un fil renommé" not in _home(client)


def test_a_published_update_shows_on_the_next_request(client, member, make_update):
    client.force_login(member)
    make_update(title="Un premier texte")
    assert "Un premier texte" in _section(_home(client), "home-updates")
    make_update(title="Un second texte", publication_date=datetime.date(2026, 11, 1))
    assert "Un second texte" in _section(_home(client), "home-updates")


def test_a_meeting_and_a_supported_proposal_show_on_the_next_request(client, member):
    client.force_login(member)
    assert "Aucune réunion n" in _home(client)
    Meeting.objects.create(
        title="Réunion d'automne",
        place="Colmars",
        starts_at=timezone.now() + datetime.timedelta(days=3),
    )
    Proposal.objects.create(
        title="Un sujet soutenu", rationale="Parce que.", author=member, support_count=2
    )
    agenda = _section(_home(client), "home-agenda")
    assert "Réunion d&#x27;automne" in agenda and "Un sujet soutenu" in agenda


def test_the_language_switch_shows_the_shared_parts_in_the_new_language(
    client, member, make_update
):
    make_update(title="Un texte")
    client.force_login(member)
    assert "Aucune réunion n" in _home(client)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    english = _home(client)
    assert "Aucune réunion" not in english and "Latest regulatory changes" in english
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "fr"
    assert "Aucune réunion n" in _home(client)


def test_a_member_back_to_pending_approval_no_longer_gets_the_members_home(client, make_user):
    reader = make_user()
    client.force_login(reader)
    assert "Activité récente" in _home(client)
    reader.approved_at = None  # back to pending approval
    reader.save()
    response = client.get("/")
    assert "Activité récente" not in response.content.decode()


def test_two_members_alternately_see_only_their_own_dashboard_and_marks(
    client, make_user, make_home_member, make_question, make_answer
):
    reader, mairie, topic = make_home_member(
        structure="Commune de Colmars", topic="Eau potable", first_name="Apolline"
    )
    other = make_user(first_name="Basile")
    make_question(topics=[topic], title="Qui contrôle nos captages ?")
    make_question(title="Une question pour Colmars", addressed_to_structure=mairie)
    read = make_question(title="Un fil relu par la lectrice")
    client.force_login(reader)
    client.get(read.get_absolute_url())
    make_answer(read)
    pages = {}
    for viewer in (reader, other, reader, other):
        client.force_login(viewer)
        pages.setdefault(viewer.first_name, []).append(_home(client))
    for page in pages["Apolline"]:
        assert "Bienvenue, Apolline" in page and "Basile" not in page
        assert "Qui contrôle nos captages" in _section(page, "home-unanswered")
        assert "Une question pour Colmars" in _section(page, "home-addressed")
        assert f'{read.get_absolute_url()}{MARK}"' in _section(page, "home-recent")
    for page in pages["Basile"]:
        assert "Bienvenue, Basile" in page and "Apolline" not in page
        assert "Qui contrôle nos captages" not in _section(page, "home-unanswered")
        assert "Une question pour Colmars" not in _section(page, "home-addressed")
        assert MARK not in page and "<!--unread" not in page
