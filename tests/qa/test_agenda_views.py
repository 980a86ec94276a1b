"""Agenda pages through the test client: access, forms and errors, htmx, limits, query counts."""

import datetime
import re

import pytest
from django.conf import settings
from django.core.cache import cache
from django.utils import timezone

from qa.agenda import services
from qa.agenda.models import Meeting, Proposal, ProposalStatus

pytestmark = pytest.mark.django_db

INDEX = "/ordre-du-jour/"
PROPOSE = "/ordre-du-jour/proposer/"
NEW_MEETING = "/ordre-du-jour/reunions/nouvelle/"


@pytest.fixture(autouse=True)
def fresh_rate_limits():
    cache.clear()


@pytest.fixture
def topic(make_topic):
    return make_topic(name="Urbanisme")


@pytest.fixture
def proposal(member, topic):
    return services.proposal_create(
        author=member,
        title="Mutualiser l'instruction des permis",
        rationale="Chaque commune instruit seule.",
        topics=[topic],
    )


@pytest.fixture
def session(moderator):
    return services.meeting_create(
        created_by=moderator,
        title="Temps d'échange de printemps",
        starts_at=timezone.now() + datetime.timedelta(days=10),
        place="Castellane",
    )


def test_visitors_are_sent_to_the_login_page(client):
    response = client.get(INDEX)
    assert response.status_code == 302
    assert response["Location"].startswith("/comptes/login/")


def test_visitors_may_read_when_the_site_is_public(client, settings, proposal):
    settings.PUBLIC_READ = True
    response = client.get(INDEX)
    assert response.status_code == 200
    assert "Mutualiser l&#x27;instruction des permis" in response.content.decode()
    assert "Soutenir" not in response.content.decode()


def test_pending_accounts_never_see_the_agenda(client, pending_user):
    client.force_login(pending_user)
    assert client.get(INDEX)["Location"] == "/compte/en-attente/"


def test_a_member_proposes_a_subject_and_sees_it_ranked(client, member, topic):
    client.force_login(member)
    response = client.post(
        PROPOSE,
        {
            "title": "Créer un groupement de commandes",
            "rationale": "Pour payer moins.",
            "topics": [topic.pk],
        },
    )
    proposal = Proposal.objects.get()
    assert response["Location"] == proposal.get_absolute_url()
    page = client.get(INDEX).content.decode()
    assert "Créer un groupement de commandes" in page
    assert "Votre proposition" in page


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"title": "", "rationale": "x"}, "title", "Indiquez le sujet que vous proposez."),
        ({"title": "Court", "rationale": "x"}, "title", "au moins 10 caractères"),
        ({"title": "T" * 151, "rationale": "x"}, "title", "au plus 150 caractères"),
        ({"title": "Un bon sujet de réunion", "rationale": ""}, "rationale", "Expliquez"),
        (
            {"title": "Un bon sujet de réunion", "rationale": "x" * 5001},
            "rationale",
            "au plus 5000",
        ),
    ],
)
def test_bad_input_shows_french_errors_next_to_the_field_and_keeps_what_was_typed(
    client, member, topic, data, field, message
):
    client.force_login(member)
    response = client.post(PROPOSE, {**data, "topics": [topic.pk]})
    html = response.content.decode()
    assert response.status_code == 400
    assert message in html
    assert f'id="id_{field}_error"' in html
    assert 'aria-invalid="true"' in html
    assert f'value="{topic.pk}" id="id_topics_0" checked' in html
    assert not Proposal.objects.exists()


def test_more_than_five_topics_or_an_unknown_one_are_refused(client, member, make_topic):
    client.force_login(member)
    topics = [make_topic().pk for _ in range(6)]
    base = {"title": "Un bon sujet de réunion", "rationale": "Parce que."}
    response = client.post(PROPOSE, {**base, "topics": topics})
    assert "au plus 5 thèmes" in response.content.decode()
    assert 'value="Un bon sujet de réunion"' in response.content.decode()
    response = client.post(PROPOSE, {**base, "topics": [999999]})
    assert "Ce thème n" in response.content.decode()
    assert not Proposal.objects.exists()


def test_a_double_submission_creates_one_proposal_and_explains_why(client, member, topic):
    client.force_login(member)
    data = {
        "title": "Créer un groupement de commandes",
        "rationale": "Pour payer moins.",
        "topics": [topic.pk],
    }
    assert client.post(PROPOSE, data).status_code == 302
    response = client.post(PROPOSE, data)
    assert response.status_code == 400
    assert "Vous avez déjà proposé ce sujet" in response.content.decode()
    assert Proposal.objects.count() == 1


def test_control_characters_are_removed_and_html_is_shown_as_text(client, member, topic):
    client.force_login(member)
    client.post(
        PROPOSE,
        {
            "title": "<script>alert(1)</script>\x07 سؤال 🙂",
            "rationale": '<img src=x onerror="alert(1)"> [x](javascript:alert(1))',
            "topics": [topic.pk],
        },
    )
    proposal = Proposal.objects.get()
    assert "\x07" not in proposal.title
    html = client.get(proposal.get_absolute_url()).content.decode()
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<img src=x" not in html
    assert 'href="javascript:' not in html


def test_bidi_overrides_are_removed_from_proposals_as_from_posts(client, member, topic):
    # « Trojan Source »: a right-to-left override would show the title reversed, disguised.
    client.force_login(member)
    client.post(
        PROPOSE,
        {
            "title": "Budget \u202eannexe\u202c des \u2066eaux\u2069 pluviales",
            "rationale": "Voir \u202dla\u202c note.",
            "topics": [topic.pk],
        },
    )
    proposal = Proposal.objects.get()
    assert proposal.title == "Budget annexe des eaux pluviales"
    assert proposal.rationale == "Voir la note."


def test_new_members_get_429_after_their_daily_quota(client, member, topic):
    client.force_login(member)
    for number in range(settings.AGENDA_NEW_MEMBER_PROPOSALS_PER_DAY):
        data = {
            "title": f"Sujet numéro {number} à débattre",
            "rationale": "x",
            "topics": [topic.pk],
        }
        assert client.post(PROPOSE, data).status_code == 302
    data = {"title": "Un sujet de trop pour aujourd'hui", "rationale": "x", "topics": [topic.pk]}
    response = client.post(PROPOSE, data)
    assert response.status_code == 429
    assert "Trop de requêtes" in response.content.decode()


def test_supporting_without_javascript_redirects_back(client, make_user, proposal):
    other = make_user()
    client.force_login(other)
    response = client.post(f"/ordre-du-jour/{proposal.pk}/soutenir/", {"next": INDEX})
    assert response["Location"] == INDEX
    proposal.refresh_from_db()
    assert proposal.support_count == 2
    response = client.post(
        f"/ordre-du-jour/{proposal.pk}/soutenir/", {"next": "https://evil.example.org/"}
    )
    assert response["Location"] == proposal.get_absolute_url()
    proposal.refresh_from_db()
    assert proposal.support_count == 2


def test_supporting_with_htmx_returns_only_the_button(client, make_user, proposal):
    client.force_login(make_user())
    response = client.post(f"/ordre-du-jour/{proposal.pk}/soutenir/", HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html
    assert "<strong>2</strong>" in html
    assert "retirer-mon-soutien" in html
    response = client.post(
        f"/ordre-du-jour/{proposal.pk}/retirer-mon-soutien/", HTTP_HX_REQUEST="true"
    )
    assert "<strong>1</strong>" in response.content.decode()


def test_state_changes_refuse_get(client, moderator, proposal):
    client.force_login(moderator)
    for action in ("soutenir", "retirer-mon-soutien", "retirer", "inscrire", "debattue"):
        assert client.get(f"/ordre-du-jour/{proposal.pk}/{action}/").status_code == 405


@pytest.mark.parametrize(
    ("role", "action", "expected"),
    [
        ("visitor", "soutenir", 302),
        ("author", "soutenir", 403),
        ("author", "retirer-mon-soutien", 403),
        ("other", "soutenir", 302),
        ("other", "retirer", 403),
        ("author", "retirer", 302),
        ("moderator", "retirer", 302),
        ("other", "inscrire", 403),
        ("author", "inscrire", 403),
        ("moderator", "inscrire", 302),
        ("other", "debattue", 403),
        ("moderator", "debattue", 403),  # not scheduled yet
    ],
)
def test_permission_matrix_on_an_open_proposal(
    client, make_user, member, moderator, proposal, session, role, action, expected
):
    users = {"author": member, "other": make_user(), "moderator": moderator}
    if role in users:
        client.force_login(users[role])
    data = {"meeting": session.pk, "minutes_url": "https://example.org/cr.pdf"}
    response = client.post(f"/ordre-du-jour/{proposal.pk}/{action}/", data)
    assert response.status_code == expected
    if role == "visitor":
        assert response["Location"].startswith("/comptes/login/")


def test_only_moderators_create_meetings(client, member, moderator, make_structure):
    structure = make_structure(name="Communauté de communes Alpes Provence Verdon")
    client.force_login(member)
    assert client.get(NEW_MEETING).status_code == 403
    client.force_login(moderator)
    assert client.get(NEW_MEETING).status_code == 200
    response = client.post(
        NEW_MEETING,
        {
            "title": "Conseil communautaire de janvier",
            "kind": "conseil",
            "structure": structure.pk,
            "starts_at": (timezone.now() + datetime.timedelta(days=20)).strftime("%Y-%m-%dT%H:%M"),
            "place": "",
            "video_url": "https://visio.example.org/cc",
            "description": "",
        },
    )
    meeting = Meeting.objects.get()
    assert response["Location"] == meeting.get_absolute_url()
    assert meeting.structure == structure


def test_meeting_form_errors_are_in_french_and_keep_the_values(client, moderator):
    client.force_login(moderator)
    response = client.post(
        NEW_MEETING,
        {
            "title": "Conseil de janvier",
            "kind": "conseil",
            "starts_at": "2001-01-01T10:00",
            "place": "",
            "video_url": "javascript:alert(1)",
        },
    )
    html = response.content.decode()
    assert response.status_code == 400
    assert "La date de la réunion doit être à venir." in html
    assert "Saisissez une adresse web" in html
    assert "Choisissez la structure qui réunit ce conseil ou ce comité." in html
    assert 'value="Conseil de janvier"' in html
    assert not Meeting.objects.exists()


def test_scheduling_and_marking_discussed_through_the_pages(client, moderator, proposal, session):
    client.force_login(moderator)
    page = client.get(proposal.get_absolute_url()).content.decode()
    assert "Inscrire à l'ordre du jour" in page
    client.post(f"/ordre-du-jour/{proposal.pk}/inscrire/", {"meeting": session.pk})
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.SCHEDULED
    response = client.post(
        f"/ordre-du-jour/{proposal.pk}/debattue/", {"minutes_url": "javascript:alert(1)"}
    )
    assert response.status_code == 400
    assert "Saisissez une adresse web" in response.content.decode()
    client.post(
        f"/ordre-du-jour/{proposal.pk}/debattue/", {"minutes_url": "https://example.org/cr.pdf"}
    )
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.DISCUSSED
    meeting_page = client.get(session.get_absolute_url()).content.decode()
    assert "https://example.org/cr.pdf" in meeting_page


def test_the_agenda_page_runs_a_bounded_number_of_queries(
    client, make_user, make_topic, moderator, django_assert_max_num_queries
):
    topics = [make_topic() for _ in range(5)]
    supporters = [make_user() for _ in range(5)]
    meetings = [
        services.meeting_create(
            created_by=moderator,
            title=f"Réunion {number}",
            starts_at=timezone.now() + datetime.timedelta(days=number + 1),
            place="Annot",
        )
        for number in range(4)
    ]
    for number in range(40):
        proposal = services.proposal_create(
            author=supporters[number % 5],
            title=f"Sujet numéro {number} proposé",
            rationale="x",
            topics=topics,
        )
        for user in supporters[:3]:
            services.proposal_support(proposal=proposal, user=user)
        if number % 4 == 0:
            services.proposal_schedule(
                proposal=proposal, meeting=meetings[number % 4], by=moderator
            )
    viewer = make_user()
    client.force_login(viewer)
    # 16: the calendar and feed links read (the first time, create) the personal feed token.
    with django_assert_max_num_queries(16):
        response = client.get(INDEX)
    assert response.status_code == 200
    with django_assert_max_num_queries(14):
        assert client.get(meetings[0].get_absolute_url()).status_code == 200
    with django_assert_max_num_queries(15):  # 15: its comments
        assert client.get(Proposal.objects.first().get_absolute_url()).status_code == 200


def test_the_proposal_form_starts_from_the_title_and_topics_in_the_address(
    client, member, topic, make_topic, rendered_context
):
    other = make_topic(name="Voirie")
    client.force_login(member)
    long_title = "Sel de déneigement acheté en commun " * 10
    response = client.get(PROPOSE, {"title": long_title, "topics": [str(topic.pk), "abc", "<b>"]})
    assert response.status_code == 200
    form = response.context["form"]
    assert form["title"].value() == long_title[:150]
    checked = re.findall(r'<input[^>]*name="topics"[^>]*>', response.content.decode())
    assert [tag for tag in checked if "checked" in tag] == [
        tag for tag in checked if f'value="{topic.pk}"' in tag
    ]
    assert any(f'value="{other.pk}"' in tag and "checked" not in tag for tag in checked)
    assert not Proposal.objects.exists()
