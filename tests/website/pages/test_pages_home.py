import datetime

import pytest
from django.db.models import F
from django.utils import timezone

from directory.models import InterestKind, TopicInterest
from qa.models import Question
from tests.queries import LARGE, SMALL, counted_get, queries_by_statement

pytestmark = pytest.mark.django_db

# An expert's home page (issue 16): the session, the user, the site's write generation,
# Wagtail's site, page and view restrictions (3), the shared fragments (none: the tests' cache
# is in memory), the member's directory facts (one query), their unanswered questions, their
# re-checks, the two sides of « adressées à », their agenda, and the unread marks.
MEMBER_HOME_QUERIES = 13
# After a write the shared fragments are rendered again: the introduction, the updates, their
# topics and the site's root paths, the next meeting with its agenda and their topics, the top
# proposals with their topics, the recent activity.
MEMBER_HOME_QUERIES_AFTER_A_WRITE = 22


def test_a_visitor_sees_the_presentation_the_login_and_public_news(client, make_update):
    make_update(title="Loi NOTRe et tourisme")
    body = client.get("/").content.decode()
    assert "Se connecter" in body and "Demander un compte" in body
    assert "Loi NOTRe et tourisme" in body
    assert "Sans réponse dans vos sujets" not in body
    assert 'rel="alternate"' in body


def test_a_member_sees_unanswered_questions_of_their_topics_and_those_addressed_to_them(
    client, make_home_member, make_topic, make_question, make_answer, make_update
):
    user, mairie, mine = make_home_member(structure="Commune de Barrême", topic="Petite enfance")
    other = make_topic(name="Culture")
    make_question(topics=[mine], title="Quel agrément pour une micro-crèche ?")
    answered = make_question(topics=[mine], title="Qui finance le relais petite enfance ?")
    make_answer(answered)
    make_question(topics=[other], title="Une saison culturelle partagée ?")
    make_question(title="Pouvez-vous nous aider pour la cantine ?", addressed_to_structure=mairie)
    make_update(title="Décret sur les modes d'accueil")

    client.force_login(user)
    body = client.get("/").content.decode()
    unanswered = body[
        body.index("Sans réponse dans vos sujets") : body.index("Questions adressées")
    ]
    assert "Quel agrément pour une micro-crèche" in unanswered
    assert "Qui finance le relais" not in unanswered
    assert "Une saison culturelle" not in unanswered
    assert "Pouvez-vous nous aider pour la cantine" in body
    assert "Décret sur les modes d" in body
    assert "Activité récente" in body


def test_an_expertise_request_waiting_for_a_moderator_does_not_fill_the_dashboard(
    client, make_user, make_person, make_topic, make_question
):
    """A member's own request counts nowhere until a moderator confirms it
    (`TopicInterest.objects.held()`): the home page lists no topic for it."""
    user = make_user()
    person = make_person(user=user)
    topic = make_topic(name="Urbanisme")
    TopicInterest.objects.create(
        person=person, topic=topic, kind=InterestKind.EXPERTISE, is_confirmed=False
    )
    make_question(topics=[topic], title="Qui instruit nos permis de construire ?")
    client.force_login(user)
    body = client.get("/").content.decode()
    assert "Qui instruit nos permis" not in body.split("Activité récente")[0]


def test_an_expert_sees_stale_threads_of_their_expertise(
    client, make_expert, make_topic, make_question, make_update
):
    topic = make_topic(name="Urbanisme")
    expert = make_expert(topics=[topic])
    question = make_question(topics=[topic], title="Le PLU de notre commune reste-t-il valable ?")
    make_update(questions=[question], topics=[topic])
    client.force_login(expert)
    body = client.get("/").content.decode()
    assert "À revérifier dans vos sujets" in body
    assert "Le PLU de notre commune" in body


def test_the_member_home_shows_the_next_meeting_and_top_proposals(client, member, make_topic):
    from qa.agenda.models import Meeting, Proposal

    Meeting.objects.create(
        title="Temps d'échange de printemps",
        place="Saint-André-les-Alpes",
        starts_at=timezone.now() + datetime.timedelta(days=10),
    )
    proposal = Proposal.objects.create(
        title="Mutualiser un assistant de prévention",
        rationale="Les petites communes n'en ont pas.",
        author=member,
        support_count=4,
    )
    proposal.topics.add(make_topic())
    client.force_login(member)
    body = client.get("/").content.decode()
    assert "Temps d&#x27;échange de printemps" in body
    assert "Mutualiser un assistant de prévention" in body


def test_the_member_home_runs_the_same_queries_for_10_or_30_threads_and_updates(
    client, make_home_member, make_question, make_update
):
    expert, mairie, topic = make_home_member(
        structure="Commune de Thorame-Basse",
        topic="Voirie communale",
        kind=InterestKind.EXPERTISE,
        roles=["Experts"],
    )

    def grow(numbers):
        for number in numbers:
            stale = make_question(topics=[topic], title=f"Fil de voirie numéro {number:03d} ?")
            make_question(
                title=f"Question adressée numéro {number:03d} ?", addressed_to_structure=mairie
            )
            make_update(
                title=f"Texte sur la voirie numéro {number:03d}",
                publication_date=datetime.date(2026, 1, 1) + datetime.timedelta(days=number),
                questions=[stale],
                topics=[topic],
            )

    def written_then_read():
        """The queries of the page right after a write, then of the page again (its shared
        fragments from the cache, directory/fragments.py)."""
        Question.objects.filter(pk=Question.objects.first().pk).update(score=F("score"))
        return counted_get(client, "/"), counted_get(client, "/")

    client.force_login(expert)
    grow(range(SMALL))
    client.get("/")  # warm the per-process caches (site root, locales)
    (_, small_written), (response, small) = written_then_read()
    assert "Texte sur la voirie numéro 009" in response.content.decode()

    grow(range(SMALL, LARGE))
    (_, large_written), (response, large) = written_then_read()
    body = response.content.decode()
    # The newest of each list: unanswered and stale threads, addressed questions, updates.
    assert "À revérifier dans vos sujets" in body and "Sans réponse dans vos sujets" in body
    newest, sixth = f"{LARGE - 1:03d}", f"{LARGE - 6:03d}"
    assert f"Fil de voirie numéro {newest}" in body
    assert f"Question adressée numéro {newest}" in body
    assert f"Texte sur la voirie numéro {newest}" in body
    # Lists stay short: the 5 newest updates, the 5 oldest rechecks.
    assert f"Texte sur la voirie numéro {sixth}" not in body
    assert large == small == MEMBER_HOME_QUERIES, queries_by_statement(client, "/")
    assert large_written == small_written == MEMBER_HOME_QUERIES_AFTER_A_WRITE


def test_an_empty_panel_offers_the_one_action_that_fills_it(client, make_user, make_person):
    """Issue 20, item 11: « Sans réponse dans vos sujets » with no topic chosen links straight
    to the topics of the member's entry; an empty « Activité récente » offers to ask."""
    user = make_user()
    make_person(user=user)
    client.force_login(user)
    body = client.get("/").content.decode()
    unanswered = body[body.index('id="home-unanswered"') : body.index('id="home-addressed"')]
    assert '<a class="button" href="/annuaire/moi/#sujets">Choisir mes sujets</a>' in unanswered
    recent = body[body.index('id="home-recent"') :]
    assert '<a class="button" href="/questions/poser/">Poser la première question</a>' in recent

    profile = client.get("/annuaire/moi/").content.decode()
    topics = profile[profile.index('<fieldset id="sujets">') :]
    assert topics.index("<legend>Sujets</legend>") < topics.index("</fieldset>")
