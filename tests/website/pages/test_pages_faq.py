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


# --- Finding 3: the FAQ shows the version a moderator approved ---------------------------


def _faq(client):
    client.logout()
    return client.get("/faq/").content.decode()


def test_an_edit_or_a_new_accepted_answer_changes_nothing_public(
    client, faq_index, promoted, make_answer
):
    from qa.services import answer_accept, post_edit

    promoted_answer = promoted.accepted_answer
    post_edit(post=promoted_answer, by=promoted_answer.author, body="MARQUEUR-EDIT appelez le 06")
    post_edit(post=promoted, by=promoted.author, title="MARQUEUR-TITRE", body=promoted.body)
    other = make_answer(promoted, body="MARQUEUR-X téléchargez https://phishing.example/")
    answer_accept(answer=other, by=promoted.author)
    body = _faq(client)
    assert "Comment mutualiser une crèche entre deux communes ?" in body
    assert "<strong>convention</strong>" in body
    assert "MARQUEUR" not in body and "phishing.example" not in body


def test_a_changed_entry_waits_in_the_moderators_queue(
    client, faq_index, promoted, make_answer, moderator, member
):
    from qa.services import answer_accept

    other = make_answer(promoted, body="MARQUEUR-X : un service commun porté par la CC.")
    answer_accept(answer=other, by=promoted.author)
    client.force_login(moderator)
    body = client.get("/moderation/faq-a-revalider/").content.decode()
    assert "Comment mutualiser une crèche" in body
    assert "<strong>convention</strong>" in body  # the published version…
    assert "MARQUEUR-X : un service commun" in body  # …and the one awaiting approval
    assert f"/questions/{promoted.pk}/faq/revalider/" in body
    client.force_login(member)
    assert client.get("/moderation/faq-a-revalider/").status_code == 403


def test_an_unchanged_entry_is_not_in_the_queue(client, faq_index, promoted, moderator):
    client.force_login(moderator)
    body = client.get("/moderation/faq-a-revalider/").content.decode()
    assert "Aucune entrée de la FAQ à revalider." in body
    assert "Comment mutualiser une crèche" not in body


def test_approving_takes_the_new_version_into_the_public_faq(
    client, faq_index, promoted, make_answer, moderator, member
):
    from qa.models import FaqPromotion
    from qa.services import answer_accept, post_edit

    other = make_answer(promoted, body="Désormais : un **service commun** porté par la CC.")
    answer_accept(answer=other, by=promoted.author)
    post_edit(
        post=promoted,
        by=promoted.author,
        title="Crèche intercommunale : comment faire ?",
        body=promoted.body,
    )
    url = f"/questions/{promoted.pk}/faq/revalider/"
    client.force_login(member)
    assert client.post(url).status_code == 403
    assert "un <strong>service commun</strong>" not in _faq(client)
    client.force_login(moderator)
    response = client.post(url)
    assert response.status_code == 302
    body = _faq(client)
    assert "Crèche intercommunale : comment faire ?" in body
    assert "un <strong>service commun</strong> porté par la CC" in body
    assert "entente intercommunale" not in body
    promotion = FaqPromotion.objects.get()
    assert promotion.answer == other and promotion.review_requested_at is None
    client.force_login(moderator)
    assert "Aucune entrée" in client.get("/moderation/faq-a-revalider/").content.decode()


def test_a_moderator_may_withdraw_a_changed_entry(
    client, faq_index, promoted, make_answer, moderator
):
    from qa.services import post_edit

    answer = promoted.accepted_answer
    post_edit(post=answer, by=answer.author, body="MARQUEUR-EDIT")
    client.force_login(moderator)
    client.post(f"/questions/{promoted.pk}/faq/retirer/")
    assert "Comment mutualiser une crèche" not in _faq(client)
    client.force_login(moderator)
    assert "Aucune entrée" in client.get("/moderation/faq-a-revalider/").content.decode()


def test_the_review_queue_runs_the_same_number_of_queries_for_2_or_10_entries(
    client, faq_index, make_question, make_answer, moderator
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from qa.services import answer_accept, faq_promote, post_edit

    def add_changed_entries(count):
        for _ in range(count):
            question = make_question()
            answer = make_answer(question)
            answer_accept(answer=answer, by=question.author)
            question.refresh_from_db()
            faq_promote(question=question, answer=answer, by=moderator)
            post_edit(post=answer, by=answer.author, body="Une précision.")

    client.force_login(moderator)
    counts = []
    for added, total in ((2, 2), (8, 10)):
        add_changed_entries(added)
        with CaptureQueriesContext(connection) as queries:
            body = client.get("/moderation/faq-a-revalider/").content.decode()
        assert body.count("/faq/revalider/") == total
        counts.append(len(queries))
    assert counts[0] == counts[1]


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


def test_the_faq_runs_the_same_queries_for_10_or_30_promoted_threads(
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
    last = f"{LARGE - 1:03d}"
    assert "Question de FAQ numéro 000" in body and f"Question de FAQ numéro {last}" in body
    assert f"Réponse validée numéro {last}." in body
    assert body.count("data-faq-entry>") == LARGE
    assert large == small, queries_by_statement(client, "/faq/")


def test_the_faq_never_names_a_restricted_update(client, faq_index, promoted, make_update):
    """Security review, finding 7: the public FAQ flags a stale entry only with a public text."""
    from django.contrib.auth.models import Group
    from wagtail.models import PageViewRestriction

    update = make_update(title="Texte réservé aux éditeurs", questions=[promoted], publish=False)
    restriction = PageViewRestriction.objects.create(page=update, restriction_type="groups")
    restriction.groups.set(Group.objects.filter(name="Éditeurs"))
    update.save_revision().publish()
    body = client.get("/faq/").content.decode()
    assert "Comment mutualiser une crèche" in body
    assert "Texte réservé aux éditeurs" not in body and "Réponse à revérifier" not in body
