"""What the directory shows of Q&A, reached through reverse relations only."""

import ast
import json
from pathlib import Path

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

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


def _queries_of(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_the_question_lists_of_a_person_and_a_structure_load_titles_not_bodies(
    client, member, asker, make_topic, territory, rendered_context
):
    """Each list shows a title, a date and a link: the bodies stay in the database, and showing
    more questions costs no query more (a deferred column read in the template would cost one
    per question)."""
    topic = make_topic(name="Commande publique")
    cc = territory["CC Moyen Verdon"]
    ask(
        asker,
        topic,
        title="Première question",
        addressed_to_structure=cc,
        addressed_to_person=asker,
    )
    client.force_login(member)
    pages = (asker.get_absolute_url(), "/annuaire/structures/barreme/", cc.get_absolute_url())
    for url in pages:  # a first visit may write (the session's daily renewal, a follow's visit)
        client.get(url)
    before = [_queries_of(client, url) for url in pages]
    for number in range(4):
        ask(
            asker,
            topic,
            title=f"Question numéro {number}",
            addressed_to_structure=cc,
            addressed_to_person=asker,
        )
    assert [_queries_of(client, url) for url in pages] == before

    response = client.get(cc.get_absolute_url())
    listed = response.context["questions_addressed"]
    assert [question.title for question in listed][:2] == ["Question numéro 3", "Question numéro 2"]
    assert {"body", "body_html"} <= listed[0].get_deferred_fields()
    assert listed[0].get_absolute_url() in response.content.decode()
    for page, names in (
        (asker.get_absolute_url(), ("recent_questions", "questions_addressed")),
        ("/annuaire/structures/barreme/", ("questions_asked",)),
    ):
        context = client.get(page).context
        for name in names:
            assert len(context[name]) == 5, (page, name)
            assert "body" in context[name][0].get_deferred_fields(), (page, name)


def test_a_person_page_lists_their_answers_without_loading_bodies(
    client, member, asker, make_topic, rendered_context
):
    topic = make_topic(name="Commande publique")
    client.force_login(member)

    def answered(number):
        question = qa_services.question_create(
            author=member, title=f"Question sur la voirie {number}", body="Texte.", topics=[topic]
        )
        qa_services.answer_create(question=question, author=asker.user, body="Voyez la CC.")

    answered(0)
    client.get(asker.get_absolute_url())  # a first visit may write (the session's renewal)
    before = _queries_of(client, asker.get_absolute_url())
    answered(1)
    answered(2)
    assert _queries_of(client, asker.get_absolute_url()) == before
    response = client.get(asker.get_absolute_url())
    answers = response.context["recent_answers"]
    assert [answer.question.title for answer in answers] == [
        f"Question sur la voirie {number}" for number in (2, 1, 0)
    ]
    assert {"body", "body_html"} <= answers[0].get_deferred_fields()
    assert {"body", "body_html"} <= answers[0].question.get_deferred_fields()
    assert f"{answers[0].question.get_absolute_url()}#reponse-{answers[0].pk}" in (
        response.content.decode()
    )


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
