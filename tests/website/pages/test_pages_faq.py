import pytest

from tests.queries import LARGE, SMALL, counted_get, queries_by_statement
from website.pages.models import FaqEntry

pytestmark = pytest.mark.django_db


@pytest.fixture
def promoted(make_question, make_answer, moderator, make_topic):
    """A Q&A thread whose accepted answer a moderator promoted to the FAQ."""
    from qa.services import answer_accept, faq_promote

    question = make_question(
        topics=[make_topic(name="Petite enfance")],
        title="Comment mutualiser une crèche entre deux communes ?",
    )
    answer = make_answer(question, body="Par une **convention** d'entente intercommunale.")
    answer_accept(answer=answer, by=question.author)
    question.refresh_from_db()
    faq_promote(question=question, answer=answer, by=moderator)
    return question


def test_editor_entries_appear_in_topic_sections_with_anchors_and_dates(
    client, faq_index, make_topic
):
    topic = make_topic(name="Urbanisme")
    faq_index.entries = [
        FaqEntry(
            topic=topic,
            question="Qui signe le permis ?",
            answer="<p>Le maire.</p>",
            sources="Code de l'urbanisme, article L. 422-1",
        )
    ]
    faq_index.save_revision().publish()
    entry = FaqEntry.objects.get()
    body = client.get("/faq/").content.decode()
    assert 'id="section-urbanisme"' in body
    assert f'id="faq-{entry.pk}"' in body and f'href="#faq-{entry.pk}"' in body
    assert "Le maire." in body and "Code de l&#x27;urbanisme" in body
    assert "Vérifiée le" in body
    assert "data-faq-filter" in body and "js/pages.js" in body


def test_a_promoted_thread_appears_and_links_back_to_it(client, faq_index, promoted):
    body = client.get("/faq/").content.decode()
    assert "Comment mutualiser une crèche" in body
    assert "<strong>convention</strong>" in body
    assert promoted.get_absolute_url() in body
    assert 'id="section-petite-enfance"' in body


def test_the_promoted_entry_follows_the_thread_accepted_answer(
    client, faq_index, promoted, make_answer
):
    from qa.services import answer_accept

    better = make_answer(promoted, body="Désormais : un service commun porté par la CC.")
    answer_accept(answer=better, by=promoted.author)
    body = client.get("/faq/").content.decode()
    assert "un service commun porté par la CC" in body
    assert "entente intercommunale" not in body


def test_a_withdrawn_or_deleted_thread_leaves_the_faq(client, faq_index, promoted, moderator):
    from qa.services import faq_withdraw

    faq_withdraw(question=promoted, by=moderator)
    assert "Comment mutualiser une crèche" not in client.get("/faq/").content.decode()


def test_a_promoted_thread_awaiting_recheck_is_flagged_in_the_faq(
    client, faq_index, promoted, make_update
):
    update = make_update(title="Réforme des modes d'accueil", questions=[promoted])
    body = client.get("/faq/").content.decode()
    assert "Réponse à revérifier" in body and update.url in body


def test_the_faq_runs_the_same_queries_for_10_or_100_promoted_threads(
    client, faq_index, make_question, make_answer, moderator
):
    from qa.services import answer_accept, faq_promote

    def promote(numbers):
        for number in numbers:
            question = make_question(title=f"Question de FAQ numéro {number:03d} ?")
            answer = make_answer(question, body=f"Réponse validée numéro {number:03d}.")
            answer_accept(answer=answer, by=question.author)
            question.refresh_from_db()
            faq_promote(question=question, answer=answer, by=moderator)

    promote(range(SMALL))
    client.get("/faq/")  # warm the per-process caches (site root, locales)
    response, small = counted_get(client, "/faq/")
    assert "Question de FAQ numéro 009" in response.content.decode()

    promote(range(SMALL, LARGE))
    response, large = counted_get(client, "/faq/")
    body = response.content.decode()
    assert "Question de FAQ numéro 000" in body and "Question de FAQ numéro 099" in body
    assert "Réponse validée numéro 099." in body
    assert body.count("data-faq-entry>") == LARGE
    assert large == small, queries_by_statement(client, "/faq/")
