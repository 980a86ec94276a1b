"""An author deletes their own post while nobody relies on it (issue 20, item 4): softly,
logged, restorable by a moderator; otherwise a French refusal that keeps everything."""

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import translation

from qa import permissions, services
from qa.models import Answer, Comment, ModerationKind, Question

pytestmark = pytest.mark.django_db


@pytest.fixture
def answer(question, make_answer, make_user):
    return make_answer(question=question, author=make_user(), body="Voyez la convention type.")


# --- Permissions -----------------------------------------------------------------------------


def test_an_author_may_delete_a_question_without_answers_but_not_once_answered(
    member, question, make_answer
):
    assert permissions.can_delete_own_post(member, question)
    make_answer(question=question)
    question.refresh_from_db()
    assert not permissions.can_delete_own_post(member, question)
    with pytest.raises(PermissionDenied, match="a reçu une réponse.*modérateur"):
        permissions.check_delete_own_post(member, question)


def test_an_answer_stays_deletable_until_accepted_or_validated(
    question, answer, member, make_topic_expert, topic
):
    author = answer.author
    assert permissions.can_delete_own_post(author, answer)
    services.answer_accept(answer=answer, by=member)
    with pytest.raises(PermissionDenied, match="a été acceptée"):
        permissions.check_delete_own_post(author, answer)
    services.answer_unaccept(question=question, by=member)
    services.answer_validate(answer=answer, by=make_topic_expert(topic))
    with pytest.raises(PermissionDenied, match="validée par un expert"):
        permissions.check_delete_own_post(author, answer)


def test_only_the_author_deletes_and_not_on_a_locked_thread(
    question, answer, make_comment, member, moderator
):
    comment = make_comment(post=answer, author=member)
    assert permissions.can_delete_own_post(member, comment)
    with pytest.raises(PermissionDenied, match="que vos propres messages"):
        permissions.check_delete_own_post(answer.author, comment)
    services.question_lock(question=question, by=moderator)
    comment = Comment.objects.select_related("answer__question").get(pk=comment.pk)
    with pytest.raises(PermissionDenied, match="verrouillé"):
        permissions.check_delete_own_post(member, comment)


# --- Service ---------------------------------------------------------------------------------


def test_the_service_deletes_softly_logs_under_the_author_and_a_moderator_restores(
    question, answer, moderator
):
    services.post_delete_own(post=answer, by=answer.author)
    answer.refresh_from_db()
    question.refresh_from_db()
    assert answer.deleted_at is not None
    assert question.answer_count == 0
    action = question.moderation_actions.get(kind=ModerationKind.DELETE)
    assert (action.moderator, action.answer) == (answer.author, answer)
    assert action.reason == "Supprimé par son auteur."
    services.post_restore(post=answer, by=moderator)
    answer.refresh_from_db()
    question.refresh_from_db()
    assert answer.deleted_at is None and question.answer_count == 1


def test_a_question_answered_after_the_check_is_refused_under_the_lock(
    question, member, make_answer
):
    """The view checked a stale copy (no answer); an answer came in since: nothing is lost."""
    stale = Question.objects.get(pk=question.pk)
    make_answer(question=question)
    with pytest.raises(PermissionDenied, match="a reçu une réponse"):
        services.post_delete_own(post=stale, by=member)
    question.refresh_from_db()
    assert question.deleted_at is None
    assert not question.moderation_actions.exists()


def test_an_answer_accepted_after_the_check_is_refused_under_the_lock(question, answer, member):
    stale = Answer.objects.select_related("question").get(pk=answer.pk)
    services.answer_accept(answer=answer, by=member)
    with pytest.raises(PermissionDenied, match="a été acceptée"):
        services.post_delete_own(post=stale, by=answer.author)
    answer.refresh_from_db()
    assert answer.deleted_at is None


def test_the_logged_reason_is_stored_in_the_source_language_and_shown_in_the_readers(
    question, answer
):
    """An author reading the site in English deletes: the log keeps the French source text,
    and each reader sees it in their own language."""
    with translation.override("en"):
        services.post_delete_own(post=answer, by=answer.author)
    action = question.moderation_actions.get(kind=ModerationKind.DELETE)
    assert action.reason == "Supprimé par son auteur."
    with translation.override("en"):
        assert action.shown_reason == "Deleted by its author."
    assert action.shown_reason == "Supprimé par son auteur."


# --- Views -----------------------------------------------------------------------------------


def test_the_thread_offers_the_author_a_delete_link_to_a_confirmation_page(
    client, question, answer
):
    client.force_login(answer.author)
    html = client.get(question.get_absolute_url()).content.decode()
    assert f'href="/reponses/{answer.pk}/supprimer/"' in html
    assert f'href="/questions/{question.pk}/supprimer/"' not in html  # not the asker
    page = client.get(f"/reponses/{answer.pk}/supprimer/")
    body = page.content.decode()
    assert page.status_code == 200
    assert "Supprimer cette réponse ?" in body
    assert "Voyez la convention type." in body
    assert 'name="csrfmiddlewaretoken"' in body
    answer.refresh_from_db()
    assert answer.deleted_at is None  # showing the confirmation deletes nothing


def test_confirming_deletes_the_answer_and_the_thread_says_so(client, question, answer):
    client.force_login(answer.author)
    response = client.post(f"/reponses/{answer.pk}/supprimer/", follow=True)
    answer.refresh_from_db()
    assert answer.deleted_at is not None
    html = response.content.decode()
    assert response.redirect_chain[-1][0] == question.get_absolute_url() + "#answers"
    assert "Votre message est supprimé. Un modérateur peut le restaurer si besoin." in html
    assert "Voyez la convention type." not in html


def test_the_asker_deletes_an_unanswered_question_and_lands_on_the_list(client, question, member):
    client.force_login(member)
    response = client.post(f"/questions/{question.pk}/supprimer/")
    assert response.status_code == 302 and response["Location"] == "/questions/"
    question.refresh_from_db()
    assert question.deleted_at is not None


def test_deleting_a_question_answered_meanwhile_is_refused_in_french_and_keeps_it(
    client, question, member, make_answer
):
    client.force_login(member)
    assert client.get(f"/questions/{question.pk}/supprimer/").status_code == 200
    make_answer(question=question)  # someone answers while the asker reads the confirmation
    response = client.post(f"/questions/{question.pk}/supprimer/")
    html = response.content.decode()
    assert response.status_code == 403
    assert "Suppression impossible" in html
    assert "Cette question a reçu une réponse" in html and "modérateur" in html
    assert "Votre message est conservé tel quel." in html
    assert question.get_absolute_url() in html
    question.refresh_from_db()
    assert question.deleted_at is None


def test_another_member_is_refused_and_a_visitor_sent_to_log_in(client, question, answer, member):
    client.force_login(member)
    response = client.post(f"/reponses/{answer.pk}/supprimer/")
    assert response.status_code == 403
    assert "Vous ne pouvez supprimer que vos propres messages." in response.content.decode()
    client.logout()
    response = client.post(f"/reponses/{answer.pk}/supprimer/")
    assert response.status_code == 302 and "/comptes/login/" in response["Location"]
    answer.refresh_from_db()
    assert answer.deleted_at is None


def test_a_moderator_confirms_with_a_reason_and_restores(client, question, answer, moderator):
    client.force_login(moderator)
    page = client.get(f"/reponses/{answer.pk}/supprimer/").content.decode()
    assert "Motif (visible dans le journal de modération)" in page
    client.post(f"/reponses/{answer.pk}/supprimer/", {"reason": "Hors sujet"})
    answer.refresh_from_db()
    assert answer.deleted_at is not None
    assert question.moderation_actions.get().reason == "Hors sujet"
    client.post(f"/reponses/{answer.pk}/restaurer/")
    answer.refresh_from_db()
    assert answer.deleted_at is None


# --- The other side of the race: posts decided under the same thread lock ------------------


def test_an_answer_to_a_question_deleted_since_the_check_is_refused(question, member, make_user):
    """The answer form was checked against a stale copy; the asker deleted the question
    meanwhile: the answer is refused instead of hanging, unseen, on a deleted thread."""
    stale = Question.objects.get(pk=question.pk)
    services.post_delete_own(post=question, by=member)
    with pytest.raises(PermissionDenied):
        services.answer_create(question=stale, author=make_user(), body="Trop tard ?")
    assert not Answer.objects.filter(question=question).exists()
    assert Question.objects.get(pk=question.pk).answer_count == 0


def test_a_comment_on_an_answer_deleted_since_the_check_is_refused(question, answer, make_user):
    stale = Answer.objects.select_related("question").get(pk=answer.pk)
    services.post_delete_own(post=answer, by=answer.author)
    with pytest.raises(PermissionDenied):
        services.comment_create(post=stale, author=make_user(), body="Et pourquoi ?")
    assert not Comment.objects.filter(answer=answer).exists()


def test_accepting_or_validating_an_answer_deleted_since_the_check_is_refused(
    question, answer, member, make_topic_expert, topic
):
    stale = Answer.objects.select_related("question").get(pk=answer.pk)
    services.post_delete_own(post=answer, by=answer.author)
    with pytest.raises(PermissionDenied):
        services.answer_accept(answer=stale, by=member)
    with pytest.raises(PermissionDenied):
        services.answer_validate(answer=stale, by=make_topic_expert(topic))
    question.refresh_from_db()
    answer.refresh_from_db()
    assert question.accepted_answer_id is None
    assert answer.validated_at is None
