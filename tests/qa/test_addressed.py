"""Questions addressed to a member (by person or by structure) and the home page block."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from qa import selectors, services
from qa.models import Question

pytestmark = pytest.mark.django_db


@pytest.fixture
def me(make_user, make_person, make_position, make_structure):
    """A member whose directory entry holds a current position and an ended one."""
    user = make_user()
    person = make_person(user=user, first_name="Ondine", last_name="Fictive")
    mairie = make_structure(name="Commune de Barrême")
    former = make_structure(name="Commune d'Allons")
    make_position(person=person, structure=mairie)
    make_position(
        person=person,
        structure=former,
        start_date=datetime.date(2015, 1, 1),
        end_date=datetime.date(2019, 12, 31),
    )
    return {"user": user, "person": person, "mairie": mairie, "former": former}


@pytest.fixture
def ask(make_question):
    """`ask(title, days_ago, **addressed)`: a question created `days_ago` days ago."""

    def build(title, days_ago, **addressed):
        question = make_question(title=title, **addressed)
        Question.objects.filter(pk=question.pk).update(
            created_at=timezone.now() - datetime.timedelta(days=days_ago)
        )
        return question

    return build


def _addressed_block(body):
    block = body[body.index('id="home-addressed"') :]
    return block[: block.index("</section>")]


def test_addressed_to_merges_person_and_structures_newest_first_without_repeats(
    me, ask, make_person
):
    person, mairie = me["person"], me["mairie"]
    to_me = ask("Qui signe la convention de déneigement ?", 5, addressed_to_person=person)
    to_mairie = ask("Votre mairie prête-t-elle sa saleuse ?", 3, addressed_to_structure=mairie)
    to_both = ask(
        "Pouvez-vous relire notre document unique ?",
        1,
        addressed_to_person=person,
        addressed_to_structure=mairie,
    )
    ask("Une question pour quelqu'un d'autre", 0, addressed_to_person=make_person())
    deleted = ask("Une question supprimée depuis", 0, addressed_to_person=person)
    services.post_delete(post=deleted, by=me["user"])

    found = selectors.addressed_to(person_id=person.pk, structure_ids=[mairie.pk], limit=5)
    assert found == [to_both, to_mairie, to_me]
    assert selectors.addressed_to(person_id=person.pk, structure_ids=[], limit=5) == [
        to_both,
        to_me,
    ]
    assert selectors.addressed_to(person_id=None, structure_ids=[mairie.pk], limit=2) == [
        to_both,
        to_mairie,
    ]
    assert selectors.addressed_to(person_id=None, structure_ids=[], limit=5) == []


def test_addressed_to_keeps_the_newest_across_both_sides_within_the_limit(me, ask):
    person, mairie = me["person"], me["mairie"]
    mine = [
        ask(f"Question pour moi n° {n}", 10 + 2 * n, addressed_to_person=person) for n in range(4)
    ]
    ours = [
        ask(f"Question pour la mairie n° {n}", 11 + 2 * n, addressed_to_structure=mairie)
        for n in range(4)
    ]
    found = selectors.addressed_to(person_id=person.pk, structure_ids=[mairie.pk], limit=5)
    assert found == [mine[0], ours[0], mine[1], ours[1], mine[2]]


def test_addressed_to_runs_one_query_per_side_whatever_the_number_of_questions(me, ask):
    person, mairie = me["person"], me["mairie"]

    def count():
        with CaptureQueriesContext(connection) as context:
            selectors.addressed_to(person_id=person.pk, structure_ids=[mairie.pk], limit=5)
        return len(context.captured_queries)

    ask("Une première question pour moi", 1, addressed_to_person=person)
    assert count() == 2
    for n in range(12):
        ask(f"Encore une question n° {n}", n, addressed_to_person=person)
        ask(f"Et une pour la mairie n° {n}", n, addressed_to_structure=mairie)
    assert count() == 2


def test_the_home_page_shows_what_is_addressed_to_me_or_my_current_structure(client, me, ask):
    person, mairie, former = me["person"], me["mairie"], me["former"]
    ask("Qui signe la convention de déneigement ?", 2, addressed_to_person=person)
    ask("Votre mairie prête-t-elle sa saleuse ?", 1, addressed_to_structure=mairie)
    ask("Question à mon ancienne commune", 0, addressed_to_structure=former)
    deleted = ask("Une question supprimée depuis", 0, addressed_to_person=person)
    services.post_delete(post=deleted, by=me["user"])

    client.force_login(me["user"])
    block = _addressed_block(client.get("/").content.decode())
    assert block.index("Votre mairie prête-t-elle sa saleuse ?") < block.index(
        "Qui signe la convention de déneigement ?"
    )
    assert "Question à mon ancienne commune" not in block
    assert "Une question supprimée depuis" not in block


def test_the_home_page_queries_do_not_grow_with_addressed_questions(client, me, ask):
    person, mairie = me["person"], me["mairie"]
    client.force_login(me["user"])

    def count():
        with CaptureQueriesContext(connection) as context:
            assert client.get("/").status_code == 200
        return len(context.captured_queries)

    ask("Une première question pour moi", 1, addressed_to_person=person)
    client.get("/")
    few = count()
    for n in range(15):
        ask(f"Encore une question n° {n}", n, addressed_to_person=person)
        ask(f"Et une pour la mairie n° {n}", n, addressed_to_structure=mairie)
    client.get("/")  # the shared fragments, rendered again after the writes
    assert count() == few


def test_a_member_without_directory_entry_gets_an_empty_block(client, member, ask, make_person):
    ask("Une question pour quelqu'un d'autre", 0, addressed_to_person=make_person())
    client.force_login(member)
    block = _addressed_block(client.get("/").content.decode())
    assert "Aucune question ne vous est adressée pour le moment." in block
