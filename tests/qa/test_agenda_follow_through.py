"""Meetings edited and cancelled on the site, their calendars and feeds; proposals edited by
their author and commented on; « Vos sujets à l'ordre du jour » on the home page."""

import datetime

import pytest
from django.core.cache import cache
from django.utils import timezone

from qa.agenda import ical, services
from qa.agenda.models import Meeting, ProposalComment, ProposalStatus

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fresh_rate_limits():
    cache.clear()


@pytest.fixture
def topic(make_topic):
    return make_topic(name="Voirie")


@pytest.fixture
def cc(make_structure):
    return make_structure(name="Communauté de communes du Moyen Verdon")


@pytest.fixture
def proposal(member, topic):
    return services.proposal_create(
        author=member,
        title="Mutualiser le déneigement",
        rationale="Chaque commune loue sa lame.",
        topics=[topic],
    )


@pytest.fixture
def council(moderator, cc):
    return services.meeting_create(
        created_by=moderator,
        title="Conseil communautaire d'hiver",
        kind="conseil",
        starts_at=timezone.now() + datetime.timedelta(days=10),
        place="Salle du conseil, Castellane",
        structure=cc,
    )


def soon(days=20):
    return (timezone.now() + datetime.timedelta(days=days)).strftime("%Y-%m-%dT%H:%M")


def meeting_data(cc, **changes):
    return {
        "title": "Conseil communautaire de février",
        "kind": "conseil",
        "structure": cc.pk,
        "starts_at": soon(),
        "place": "Mairie de Castellane",
        "video_url": "",
        "description": "Budget primitif.",
    } | changes


# --- Meetings: edit, cancel -------------------------------------------------------------------


def test_a_moderator_edits_a_meeting_to_come(client, moderator, council, cc):
    client.force_login(moderator)
    page = client.get(f"/ordre-du-jour/reunions/{council.pk}/modifier/").content.decode()
    assert 'value="Conseil communautaire d&#x27;hiver"' in page
    response = client.post(f"/ordre-du-jour/reunions/{council.pk}/modifier/", meeting_data(cc))
    assert response["Location"] == council.get_absolute_url()
    council.refresh_from_db()
    assert council.title == "Conseil communautaire de février"
    assert council.updated_at is not None
    detail = client.get(council.get_absolute_url()).content.decode()
    assert "Communauté de communes du Moyen Verdon" in detail


def test_moving_a_meeting_into_the_past_is_refused_and_keeps_what_was_typed(
    client, moderator, council, cc
):
    client.force_login(moderator)
    response = client.post(
        f"/ordre-du-jour/reunions/{council.pk}/modifier/",
        meeting_data(cc, title="Conseil déplacé", starts_at="2020-01-01T18:00"),
    )
    html = response.content.decode()
    assert response.status_code == 400
    assert "La date de la réunion doit être à venir." in html
    assert 'value="Conseil déplacé"' in html
    council.refresh_from_db()
    assert council.title == "Conseil communautaire d'hiver"


def test_a_past_meeting_cannot_be_edited_nor_cancelled(client, moderator, council, cc):
    Meeting.objects.filter(pk=council.pk).update(
        starts_at=timezone.now() - datetime.timedelta(days=1)
    )
    client.force_login(moderator)
    response = client.post(
        f"/ordre-du-jour/reunions/{council.pk}/modifier/", meeting_data(cc, title="Corrigé")
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "Cette réunion a déjà eu lieu : elle ne peut plus être changée." in html
    assert 'value="Corrigé"' in html
    response = client.post(
        f"/ordre-du-jour/reunions/{council.pk}/annuler/", {"reason": "Quorum non atteint"}
    )
    assert response.status_code == 400
    assert "Cette réunion a déjà eu lieu" in response.content.decode()
    assert Meeting.objects.get(pk=council.pk).cancelled_at is None


def test_cancelling_returns_its_subjects_and_a_second_cancel_is_refused_keeping_the_reason(
    client, moderator, council, proposal
):
    services.proposal_schedule(proposal=proposal, meeting=council, by=moderator)
    client.force_login(moderator)
    response = client.post(
        f"/ordre-du-jour/reunions/{council.pk}/annuler/", {"reason": "Tempête de neige"}
    )
    assert response["Location"] == council.get_absolute_url()
    council.refresh_from_db()
    assert council.cancelled_by == moderator
    assert council.cancellation_reason == "Tempête de neige"
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.OPEN
    assert proposal.meeting is None
    detail = client.get(council.get_absolute_url()).content.decode()
    assert "Réunion annulée le" in detail and "Tempête de neige" in detail
    assert "Modifier la réunion" not in detail

    response = client.post(
        f"/ordre-du-jour/reunions/{council.pk}/annuler/", {"reason": "Encore la neige"}
    )
    html = response.content.decode()
    assert response.status_code == 400
    assert "Cette réunion est déjà annulée." in html
    assert "Encore la neige" in html
    council.refresh_from_db()
    assert council.cancellation_reason == "Tempête de neige"


def test_a_cancelled_meeting_takes_no_subject_and_leaves_the_lists(
    client, moderator, member, council, proposal
):
    services.meeting_cancel(meeting=council, by=moderator)
    with pytest.raises(Exception, match="annulée"):
        services.proposal_schedule(proposal=proposal, meeting=council, by=moderator)
    client.force_login(member)
    assert (
        "Conseil communautaire d&#x27;hiver" not in client.get("/ordre-du-jour/").content.decode()
    )


@pytest.mark.parametrize(
    ("role", "expected"), [("visitor", 302), ("member", 403), ("expert", 403), ("moderator", 200)]
)
def test_only_moderators_edit_or_cancel_meetings(
    client, make_user, member, moderator, council, role, expected
):
    users = {"member": member, "expert": make_user(roles=["Experts"]), "moderator": moderator}
    if role in users:
        client.force_login(users[role])
    for action in ("modifier", "annuler"):
        url = f"/ordre-du-jour/reunions/{council.pk}/{action}/"
        assert client.get(url).status_code == expected
        # Invalid for a moderator (no date; a reason over 500 characters): nothing is saved.
        response = client.post(url, {"reason": "x" * 501, "title": "Piraté"})
        assert response.status_code == (400 if expected == 200 else expected)
    council.refresh_from_db()
    assert council.title == "Conseil communautaire d'hiver"
    assert council.cancelled_at is None


# --- iCalendar and feeds ----------------------------------------------------------------------


def test_one_meeting_downloads_as_icalendar(client, member, council):
    client.force_login(member)
    response = client.get(council.get_calendar_url())
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    body = response.content.decode()
    assert body.startswith("BEGIN:VCALENDAR\r\nVERSION:2.0\r\n")
    assert f"UID:meeting-{council.pk}@testserver" in body
    assert "SUMMARY:Conseil communautaire d'hiver — Communauté de communes du Moyen Verdon" in (
        body.replace("\r\n ", "")
    )
    assert "LOCATION:Salle du conseil\\, Castellane" in body
    assert "STATUS:CONFIRMED" in body
    assert all(len(line.encode()) <= 75 for line in body.split("\r\n"))


def test_the_calendar_escapes_text_and_folds_long_lines(moderator):
    meeting = services.meeting_create(
        created_by=moderator,
        title="Réunion; avec, des\\ signes " + "é" * 60,
        starts_at=timezone.now() + datetime.timedelta(days=3),
        place="Mairie",
        description="Ligne 1\nLigne 2",
    )
    body = ical.calendar([meeting], base_url="https://x.example", host="x.example", name="T")
    unfolded = body.replace("\r\n ", "")
    assert "SUMMARY:Réunion\\; avec\\, des\\\\ signes " in unfolded
    assert "DESCRIPTION:Ligne 1\\nLigne 2" in unfolded
    for line in body.split("\r\n"):
        assert len(line.encode()) <= 75
        line.encode().decode()  # never cut inside a character


def test_the_calendar_subscription_needs_the_personal_token_and_shows_cancellations(
    client, member, moderator, council, settings
):
    from website.notifications.services import feed_token_for

    settings.PUBLIC_READ = False
    services.meeting_cancel(meeting=council, by=moderator, reason="Neige")
    assert client.get("/flux/reunions.ics").status_code == 403
    token = feed_token_for(user=member).token
    response = client.get(f"/flux/reunions.ics?jeton={token}")
    assert response.status_code == 200
    assert response["Cache-Control"] == "private, no-store"
    body = response.content.decode()
    assert "STATUS:CANCELLED" in body
    assert client.get("/flux/reunions.ics?jeton=faux").status_code == 403
    atom = client.get(f"/flux/reunions/?jeton={token}")
    assert atom.status_code == 200
    assert "Annulée : Conseil communautaire" in atom.content.decode()


def test_the_agenda_page_links_the_subscriptions_with_the_members_token(client, member):
    client.force_login(member)
    page = client.get("/ordre-du-jour/").content.decode()
    assert "/flux/reunions.ics?jeton=" in page
    assert "/flux/reunions/?jeton=" in page


# --- Proposals: editing and comments ----------------------------------------------------------


def test_the_author_edits_an_open_proposal(client, member, proposal, topic):
    client.force_login(member)
    url = f"/ordre-du-jour/{proposal.pk}/modifier/"
    assert 'value="Mutualiser le déneigement"' in client.get(url).content.decode()
    response = client.post(
        url,
        {"title": "Mutualiser le déneigement l'hiver", "rationale": "Mieux.", "topics": [topic.pk]},
    )
    assert response["Location"] == proposal.get_absolute_url()
    proposal.refresh_from_db()
    assert proposal.title == "Mutualiser le déneigement l'hiver"
    assert proposal.edited_at is not None


def test_edit_errors_are_in_french_and_keep_the_values(client, member, proposal, topic):
    client.force_login(member)
    response = client.post(
        f"/ordre-du-jour/{proposal.pk}/modifier/",
        {"title": "Court", "rationale": "Texte gardé", "topics": [topic.pk]},
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "Texte gardé" in html
    proposal.refresh_from_db()
    assert proposal.title == "Mutualiser le déneigement"


def test_once_scheduled_the_author_can_no_longer_edit(client, member, moderator, proposal, council):
    services.proposal_schedule(proposal=proposal, meeting=council, by=moderator)
    client.force_login(member)
    response = client.get(f"/ordre-du-jour/{proposal.pk}/modifier/")
    assert response.status_code == 403
    assert "inscrite à l&#x27;ordre du jour" in response.content.decode()
    assert "Modifier ma proposition" not in client.get(proposal.get_absolute_url()).content.decode()


def test_a_scheduling_between_opening_the_form_and_saving_wins(
    member, moderator, proposal, council, topic
):
    from django.core.exceptions import ValidationError

    stale = type(proposal).objects.get(pk=proposal.pk)
    services.proposal_schedule(proposal=proposal, meeting=council, by=moderator)
    with pytest.raises(ValidationError, match="ne peut plus être modifiée"):
        services.proposal_update(
            proposal=stale,
            by=member,
            title="Un autre titre assez long",
            rationale="x",
            topics=[topic],
        )


@pytest.mark.parametrize(
    ("role", "expected"), [("visitor", 302), ("other", 403), ("moderator", 403)]
)
def test_only_the_author_edits(client, make_user, moderator, proposal, role, expected):
    users = {"other": make_user(), "moderator": moderator}
    if role in users:
        client.force_login(users[role])
    assert client.get(f"/ordre-du-jour/{proposal.pk}/modifier/").status_code == expected


def test_members_comment_on_a_proposal_as_plain_text(client, make_user, proposal):
    other = make_user(first_name="Jeanne", last_name="Durance")
    client.force_login(other)
    response = client.post(
        f"/ordre-du-jour/{proposal.pk}/commenter/", {"body": "<b>Oui</b>, Thorame aussi."}
    )
    comment = ProposalComment.objects.get()
    assert response["Location"] == f"{proposal.get_absolute_url()}#commentaire-{comment.pk}"
    page = client.get(proposal.get_absolute_url()).content.decode()
    assert "&lt;b&gt;Oui&lt;/b&gt;, Thorame aussi." in page
    assert "Jeanne Durance" in page


def test_an_empty_comment_is_refused_in_french(client, member, proposal):
    client.force_login(member)
    response = client.post(f"/ordre-du-jour/{proposal.pk}/commenter/", {"body": "  "})
    assert response.status_code == 400
    assert "Écrivez votre commentaire." in response.content.decode()
    assert not ProposalComment.objects.exists()


def test_visitors_pending_accounts_and_withdrawn_proposals_take_no_comment(
    client, member, pending_user, proposal
):
    url = f"/ordre-du-jour/{proposal.pk}/commenter/"
    assert client.post(url, {"body": "Bonjour"})["Location"].startswith("/comptes/login/")
    client.force_login(pending_user)
    assert client.post(url, {"body": "Bonjour"})["Location"] == "/compte/en-attente/"
    services.proposal_withdraw(proposal=proposal, by=member)
    client.force_login(member)
    assert client.post(url, {"body": "Bonjour"}).status_code == 403
    assert client.get(url).status_code == 405
    assert not ProposalComment.objects.exists()


# --- Minutes through the pages ----------------------------------------------------------------


def test_discussed_without_minutes_then_published_later(
    client, moderator, member, proposal, council
):
    services.proposal_schedule(proposal=proposal, meeting=council, by=moderator)
    client.force_login(moderator)
    client.post(f"/ordre-du-jour/{proposal.pk}/debattue/", {"minutes_url": ""})
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.DISCUSSED
    assert not proposal.has_minutes
    response = client.post(f"/ordre-du-jour/{proposal.pk}/compte-rendu/", {"minutes_url": ""})
    assert response.status_code == 400
    assert "Indiquez le lien vers le compte rendu." in response.content.decode()
    client.post(
        f"/ordre-du-jour/{proposal.pk}/compte-rendu/", {"minutes_url": "https://cc.example.org/cr"}
    )
    client.force_login(member)
    page = client.get(proposal.get_absolute_url()).content.decode()
    assert 'href="https://cc.example.org/cr"' in page and "Lire le compte rendu" in page
    assert (
        client.post(
            f"/ordre-du-jour/{proposal.pk}/compte-rendu/", {"minutes_url": "https://x.example/"}
        ).status_code
        == 403
    )


# --- Home page ------------------------------------------------------------------------------


def test_the_home_page_shows_the_members_subjects_on_the_agenda(
    client, make_user, member, moderator, proposal, council, topic
):
    supporter, stranger = make_user(), make_user()
    services.proposal_support(proposal=proposal, user=supporter)
    unscheduled = services.proposal_create(
        author=member, title="Un sujet pas encore inscrit", rationale="x", topics=[topic]
    )
    services.proposal_schedule(proposal=proposal, meeting=council, by=moderator)
    for user in (member, supporter):
        client.force_login(user)
        body = client.get("/").content.decode()
        assert "Vos sujets à l'ordre du jour" in body
        assert "Mutualiser le déneigement" in body
        assert unscheduled.title not in body.split("Vos sujets")[1].split("</ul>")[0]
    client.force_login(stranger)
    assert "Vos sujets à l'ordre du jour" not in client.get("/").content.decode()


def test_the_home_page_runs_the_same_queries_for_1_or_10_subjects_on_the_agenda(
    client, member, moderator, topic, council
):
    from tests.queries import counted_get

    def schedule(numbers):
        for number in numbers:
            proposal = services.proposal_create(
                author=member,
                title=f"Sujet inscrit numéro {number:02d}",
                rationale="x",
                topics=[topic],
            )
            services.proposal_schedule(proposal=proposal, meeting=council, by=moderator)

    def after_a_write_and_cached():
        # The first request after a write renders the home's shared fragments again; the
        # next one reads them from the cache (website/pages, « List and home fragments »).
        response, rendered = counted_get(client, "/")
        _, cached = counted_get(client, "/")
        return response, rendered, cached

    client.force_login(member)
    schedule(range(1))
    _, *small = after_a_write_and_cached()
    schedule(range(1, 10))
    response, *large = after_a_write_and_cached()
    assert "Sujet inscrit numéro" in response.content.decode()
    assert large == small
