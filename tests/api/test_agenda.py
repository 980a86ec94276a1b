"""The agenda through the API (`read`): meetings and proposals as the agenda pages show
them, to members (and visitors with PUBLIC_READ); paginated; bounded queries."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from qa.agenda import services as agenda
from tests.queries import LARGE, SMALL

pytestmark = pytest.mark.django_db


@pytest.fixture
def reader(make_user, make_token, api):
    return api(make_token(make_user(), scopes=["read"]).secret)


@pytest.fixture
def moderator(make_user):
    return make_user(roles=["Modérateurs"])


@pytest.fixture
def make_meeting(moderator):
    def build(days=10, title="Temps d'échange"):
        return agenda.meeting_create(
            created_by=moderator,
            title=title,
            starts_at=timezone.now() + datetime.timedelta(days=days),
            place="Salle du conseil",
        )

    return build


@pytest.fixture
def make_proposal(make_user, topic):
    counter = {"n": 0}

    def build(author=None, title=None):
        counter["n"] += 1
        return agenda.proposal_create(
            author=author or make_user(),
            title=title or f"Mutualiser le service numéro {counter['n']}",
            rationale="Les petites communes n'ont pas les moyens seules.",
            topics=[topic],
        )

    return build


def test_proposals_are_ranked_by_support_and_filtered_by_state(
    reader, make_proposal, make_meeting, make_user, moderator
):
    low, high, scheduled = make_proposal(), make_proposal(), make_proposal()
    agenda.proposal_support(proposal=high, user=make_user())
    meeting = make_meeting()
    agenda.proposal_schedule(proposal=scheduled, meeting=meeting, by=moderator)
    withdrawn = make_proposal()
    agenda.proposal_withdraw(proposal=withdrawn, by=withdrawn.author)

    items = reader.get("/agenda/proposals").json()["items"]
    assert [p["id"] for p in items] == [high.pk, low.pk]
    assert items[0]["support_count"] == 2 and items[0]["topics"] == ["commande-publique"]
    programmed = reader.get("/agenda/proposals", {"status": "programmee"}).json()["items"]
    assert [p["id"] for p in programmed] == [scheduled.pk]
    assert programmed[0]["meeting_id"] == meeting.pk
    # A withdrawn proposal is listed nowhere, but its page (and detail) stays, as on the site.
    assert reader.get("/agenda/proposals", {"status": "retiree"}).status_code == 422
    detail = reader.get(f"/agenda/proposals/{withdrawn.pk}").json()
    assert detail["status"] == "retiree"
    assert detail["rationale"].startswith("Les petites communes")
    assert detail["supported"] is False


def test_meetings_to_come_and_past_with_their_agenda(
    reader, make_meeting, make_proposal, moderator
):
    soon, later = make_meeting(days=3, title="Bientôt"), make_meeting(days=30, title="Plus tard")
    proposal = make_proposal()
    agenda.proposal_schedule(proposal=proposal, meeting=soon, by=moderator)

    items = reader.get("/agenda/meetings").json()["items"]
    assert [m["id"] for m in items] == [soon.pk, later.pk]
    assert [p["id"] for p in items[0]["agenda"]] == [proposal.pk]
    assert reader.get("/agenda/meetings", {"when": "past"}).json()["items"] == []
    detail = reader.get(f"/agenda/meetings/{soon.pk}").json()
    assert detail["place"] == "Salle du conseil" and detail["agenda"][0]["id"] == proposal.pk
    assert reader.get("/agenda/meetings/999999").status_code == 404


def test_the_agenda_is_for_members_or_everyone_with_public_read(api, settings, make_proposal):
    proposal = make_proposal()
    settings.PUBLIC_READ = False
    refused = api().get("/agenda/proposals")
    assert refused.status_code == 401
    assert refused.json()["code"] == "authentication_required"
    settings.PUBLIC_READ = True
    assert api().get(f"/agenda/proposals/{proposal.pk}").json()["id"] == proposal.pk


def test_the_proposal_list_is_paginated_by_a_signed_cursor(reader, make_proposal):
    made = {make_proposal().pk for _ in range(5)}
    page = reader.get("/agenda/proposals", {"limit": 2}).json()
    seen = [p["id"] for p in page["items"]]
    while page["next_cursor"]:
        page = reader.get("/agenda/proposals", {"limit": 2, "cursor": page["next_cursor"]}).json()
        seen += [p["id"] for p in page["items"]]
    assert sorted(seen) == sorted(made)
    assert reader.get("/agenda/proposals", {"cursor": "nimportequoi"}).status_code == 400


def _count(client, path):
    client.get(path)  # the token's first use of the minute writes its last use
    with CaptureQueriesContext(connection) as context:
        response = client.get(path, {"limit": 20})  # under LARGE: a full page, and a next one
    assert response.status_code == 200
    return len(context.captured_queries)


def test_agenda_queries_do_not_grow_with_proposals_and_meetings(
    reader, make_meeting, make_proposal, moderator
):
    meeting = make_meeting()

    def grow(count):
        for _ in range(count):
            make_meeting(days=20)  # after `meeting`, whose agenda stays on the first page
            agenda.proposal_schedule(proposal=make_proposal(), meeting=meeting, by=moderator)
            make_proposal()

    paths = ("/agenda/proposals", "/agenda/meetings", f"/agenda/meetings/{meeting.pk}")
    grow(SMALL)
    small = [_count(reader, path) for path in paths]
    grow(LARGE - SMALL)
    assert [_count(reader, path) for path in paths] == small
    assert max(small) <= 8
