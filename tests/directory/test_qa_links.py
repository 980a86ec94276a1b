"""What the directory shows of Q&A, reached through reverse relations only."""

import ast
import json
from pathlib import Path

import pytest

from directory.models import Person
from qa import services as qa_services
from qa.models import Question
from tests.factories import TEST_PASSWORD

pytestmark = pytest.mark.django_db


@pytest.fixture
def asker(make_user, make_person, make_position, territory):
    user = make_user(first_name="Noémie", last_name="Vallonet")
    person = make_person(user=user, first_name="Noémie", last_name="Vallonet")
    make_position(person=person, structure=territory["Barrême"])
    return person


def ask(person, topic, title="Comment mutualiser un marché de voirie ?", **kwargs):
    return qa_services.question_create(
        author=person.user,
        title=title,
        body="Nous cherchons des communes partenaires.",
        topics=[topic],
        **kwargs,
    )


def test_a_person_page_shows_their_recent_questions_and_answers(client, member, asker, make_topic):
    topic = make_topic(name="Commande publique")
    question = ask(asker, topic)
    other = qa_services.question_create(
        author=member, title="Une autre question sur la voirie", body="Texte.", topics=[topic]
    )
    qa_services.answer_create(question=other, author=asker.user, body="Voyez la CC.")
    client.force_login(member)
    html = client.get(asker.get_absolute_url()).content.decode()
    assert question.title.replace("'", "&#x27;") in html
    assert "Une autre question sur la voirie" in html


def test_a_structure_page_lists_questions_asked_by_its_members_and_addressed_to_it(
    client, member, asker, make_topic, territory
):
    topic = make_topic(name="Commande publique")
    ask(asker, topic, title="Question posée depuis Barrême")
    ask(
        asker,
        topic,
        title="Question adressée à la CC Moyen Verdon",
        addressed_to_structure=territory["CC Moyen Verdon"],
    )
    client.force_login(member)
    barreme = client.get("/annuaire/structures/barreme/").content.decode()
    assert "Question posée depuis Barrême" in barreme
    cc = client.get("/annuaire/structures/cc-moyen-verdon/").content.decode()
    assert "Question adressée à la CC Moyen Verdon" in cc


def test_filtering_by_topic_shows_who_asked_about_it(client, member, asker, make_topic):
    topic = make_topic(name="Commande publique")
    ask(asker, topic)
    client.force_login(member)
    html = client.get(f"/annuaire/?sujet={topic.slug}").content.decode()
    assert "Ont posé des questions sur ce sujet" in html
    assert "Noémie Vallonet" in html


def test_the_data_export_includes_the_members_posts(client, asker, make_topic):
    ask(asker, make_topic(name="Finances"), title="Ma question à exporter")
    client.force_login(asker.user)
    data = json.loads(client.get("/annuaire/moi/donnees/").content)
    assert data["questions"][0]["titre"] == "Ma question à exporter"


def test_after_erasure_posts_stay_without_author(client, asker, make_topic):
    question = ask(asker, make_topic(name="Finances"))
    client.force_login(asker.user)
    client.post("/annuaire/moi/effacer/", {"password": TEST_PASSWORD})
    question.refresh_from_db()
    assert question.author is None
    assert not Person.objects.filter(pk=asker.pk).exists()
    assert Question.objects.filter(pk=question.pk).exists()


def test_the_directory_never_imports_qa():
    directory_app = Path(__file__).resolve().parents[2] / "directory"
    assert directory_app.is_dir()
    for path in directory_app.rglob("*.py"):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom):
                assert not (node.module or "").startswith("qa"), path
            if isinstance(node, ast.Import):
                assert not any(alias.name.startswith("qa") for alias in node.names), path
