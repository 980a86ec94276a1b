"""Business rules of qa.services: counters, revisions, moderation, FAQ, follows, signals."""

import pytest
from django.db import IntegrityError

from qa import services, signals
from qa.models import (
    Answer,
    CloseReason,
    Comment,
    FaqPromotion,
    Flag,
    FlagStatus,
    ModerationAction,
    ModerationKind,
    Question,
    QuestionFollow,
    Revision,
    SameProblem,
    TopicFollow,
    Vote,
)

pytestmark = pytest.mark.django_db


def test_question_create_renders_markdown_stores_first_revision_and_follows(question, member):
    assert question.body_html.startswith("<p>")
    assert question.slug == "comment-monter-un-groupement-de-commandes"
    assert question.revisions.get().number == 1
    assert QuestionFollow.objects.filter(user=member, question=question).exists()


def test_question_remembers_the_askers_structure_and_function(
    make_question, make_user, make_person, make_position, make_structure
):
    user = make_user()
    barreme = make_structure(name="Barrême", slug="barreme")
    make_position(person=make_person(user=user), structure=barreme, function="Secrétaire de mairie")
    question = make_question(author=user)
    assert question.author_structure == barreme
    assert question.author_function == "Secrétaire de mairie"


def test_question_slug_never_collides_with_an_action_url(make_question):
    question = make_question(title="Modifier !!!!!!!!!!")
    assert question.slug == "modifier-q"


def test_answer_create_counts_answers_and_moves_activity(question, make_answer):
    before = question.last_activity_at
    make_answer(question=question)
    make_answer(question=question)
    question.refresh_from_db()
    assert question.answer_count == 2
    assert question.last_activity_at > before


def test_comment_on_answer_renders_inline_markdown_only(question, make_answer, make_comment):
    answer = make_answer(question=question)
    comment = make_comment(post=answer, body="**gras**\n\n# pas un titre")
    assert "<strong>gras</strong>" in comment.body_html
    assert "<h" not in comment.body_html
    assert comment.thread == question


def test_comment_must_hang_on_exactly_one_post(question, make_answer, member):
    answer = make_answer(question=question)
    with pytest.raises(IntegrityError):
        Comment.objects.create(question=question, answer=answer, author=member, body="x")


def test_vote_cast_change_and_withdraw_keep_the_score_exact(question, make_user):
    voter = make_user()
    services.vote_cast(user=voter, post=question, value=1)
    services.vote_cast(user=voter, post=question, value=1)
    question.refresh_from_db()
    assert question.score == 1
    services.vote_cast(user=voter, post=question, value=-1)
    question.refresh_from_db()
    assert question.score == -1
    services.vote_withdraw(user=voter, post=question)
    question.refresh_from_db()
    assert question.score == 0
    assert not Vote.objects.exists()


def test_vote_value_outside_plus_minus_one_is_refused(question, make_user):
    with pytest.raises(ValueError):
        services.vote_cast(user=make_user(), post=question, value=2)
    with pytest.raises(IntegrityError):
        Vote.objects.create(user=make_user(), question=question, value=3)


def test_database_refuses_two_votes_of_one_member_on_one_post(question, make_user):
    voter = make_user()
    Vote.objects.create(user=voter, question=question, value=1)
    with pytest.raises(IntegrityError):
        Vote.objects.create(user=voter, question=question, value=-1)


def test_same_problem_toggle_counts_members(question, make_user):
    first, second = make_user(), make_user()
    assert services.same_problem_toggle(user=first, question=question) is True
    assert services.same_problem_toggle(user=second, question=question) is True
    assert services.same_problem_toggle(user=first, question=question) is False
    question.refresh_from_db()
    assert question.same_problem_count == 1
    assert SameProblem.objects.count() == 1


def test_accept_then_unaccept(question, make_answer, member):
    answer = make_answer(question=question)
    services.answer_accept(answer=answer, by=member)
    question.refresh_from_db()
    assert question.accepted_answer == answer
    services.answer_unaccept(question=question, by=member)
    question.refresh_from_db()
    assert question.accepted_answer is None


def test_expert_validation_is_separate_from_acceptance(question, make_answer, expert):
    answer = make_answer(question=question)
    services.answer_validate(answer=answer, by=expert)
    answer.refresh_from_db()
    question.refresh_from_db()
    assert answer.validated_by == expert and answer.validated_at
    assert question.accepted_answer is None


def test_post_edit_stores_a_revision_and_rerenders(question, member):
    revision = services.post_edit(
        post=question,
        by=member,
        title="Un titre tout neuf et précis",
        body="*nouveau*",
        summary="précision",
    )
    question.refresh_from_db()
    assert revision.number == 2
    assert question.title == "Un titre tout neuf et précis"
    assert question.slug == "un-titre-tout-neuf-et-precis"
    assert question.body_html == "<p><em>nouveau</em></p>"
    assert list(question.revisions.values_list("number", flat=True)) == [1, 2]
    # The author's own edit is not a moderation action.
    assert not ModerationAction.objects.exists()


def test_moderator_edit_of_someone_elses_post_is_logged(question, moderator):
    services.post_edit(post=question, by=moderator, body="Texte corrigé par la modération.")
    action = ModerationAction.objects.get()
    assert action.kind == ModerationKind.EDIT and action.moderator == moderator


def test_rollback_restores_an_old_version_as_a_new_one(question, member, moderator):
    original = question.body
    services.post_edit(post=question, by=member, body="Version vandalisée.")
    first = question.revisions.get(number=1)
    new = services.post_rollback(post=question, revision=first, by=moderator, reason="vandalisme")
    question.refresh_from_db()
    assert question.body == original
    assert new.number == 3
    assert ModerationAction.objects.filter(kind=ModerationKind.ROLLBACK).exists()


def test_comment_edit_keeps_its_history(question, make_comment, member):
    comment = make_comment(post=question, author=member, body="Premier jet")
    services.post_edit(post=comment, by=member, body="Second jet")
    assert [r.body for r in Revision.objects.filter(comment=comment)] == [
        "Premier jet",
        "Second jet",
    ]


def test_flag_twice_updates_the_open_flag(question, make_user):
    reporter = make_user()
    services.flag_create(post=question, reporter=reporter, reason="spam")
    services.flag_create(post=question, reporter=reporter, reason="rude", text="insultant")
    flag = Flag.objects.get()
    assert flag.reason == "rude" and flag.text == "insultant"


def test_flag_resolve_is_logged_on_the_thread(question, make_user, moderator):
    flag = services.flag_create(post=question, reporter=make_user(), reason="outdated")
    services.flag_resolve(flag=flag, by=moderator, accepted=True)
    flag.refresh_from_db()
    assert flag.status == FlagStatus.ACCEPTED and flag.handled_by == moderator
    assert question.moderation_actions.get().kind == ModerationKind.FLAG


def test_close_and_reopen_are_logged(question, moderator):
    services.question_close(question=question, by=moderator, reason=CloseReason.RESOLVED)
    assert question.is_closed
    services.question_reopen(question=question, by=moderator)
    question.refresh_from_db()
    assert not question.is_closed
    kinds = list(question.moderation_actions.values_list("kind", flat=True))
    assert kinds == [ModerationKind.CLOSE, ModerationKind.REOPEN]


def test_duplicate_points_to_the_canonical_question(make_question, moderator):
    canonical = make_question(title="Question d'origine sur les marchés")
    duplicate = make_question(title="Même question posée une seconde fois")
    services.question_mark_duplicate(question=duplicate, canonical=canonical, by=moderator)
    duplicate.refresh_from_db()
    assert duplicate.duplicate_of == canonical
    assert duplicate.close_reason == CloseReason.DUPLICATE
    action = duplicate.moderation_actions.get()
    assert action.kind == ModerationKind.DUPLICATE and action.other_question == canonical


def test_duplicate_of_a_duplicate_points_to_the_end_of_the_chain(make_question, moderator):
    a = make_question(title="Première question de la chaîne")
    b = make_question(title="Deuxième question de la chaîne")
    c = make_question(title="Troisième question de la chaîne")
    services.question_mark_duplicate(question=b, canonical=a, by=moderator)
    services.question_mark_duplicate(question=c, canonical=b, by=moderator)
    c.refresh_from_db()
    assert c.duplicate_of == a
    with pytest.raises(services.DuplicateLoopError):
        services.question_mark_duplicate(question=a, canonical=a, by=moderator)
    with pytest.raises(services.DuplicateLoopError):  # c → a: a cannot point back to c
        services.question_mark_duplicate(question=a, canonical=c, by=moderator)
    a.refresh_from_db()
    assert a.duplicate_of is None and not a.is_closed


def test_soft_delete_and_restore_answer_keep_counts(question, make_answer, moderator, member):
    answer = make_answer(question=question)
    services.answer_accept(answer=answer, by=member)
    services.post_delete(post=answer, by=moderator, reason="hors sujet")
    question.refresh_from_db()
    assert question.answer_count == 0 and question.accepted_answer is None
    assert Answer.objects.filter(pk=answer.pk).exists()
    services.post_restore(post=answer, by=moderator)
    question.refresh_from_db()
    assert question.answer_count == 1


def test_merge_moves_answers_votes_and_comments(
    make_question, make_answer, make_comment, make_user, moderator
):
    canonical = make_question(title="Question d'origine sur le sel")
    duplicate = make_question(title="Doublon de la question sur le sel")
    make_answer(question=canonical)
    moved = make_answer(question=duplicate)
    make_comment(post=moved)
    services.vote_cast(user=make_user(), post=moved, value=1)
    services.question_mark_duplicate(question=duplicate, canonical=canonical, by=moderator)
    assert services.merge_duplicate_answers(duplicate=duplicate, by=moderator) == 1
    moved.refresh_from_db()
    canonical.refresh_from_db()
    duplicate.refresh_from_db()
    assert moved.question == canonical and moved.moved_from == duplicate
    assert moved.score == 1 and moved.comments.count() == 1
    assert canonical.answer_count == 2 and duplicate.answer_count == 0
    assert canonical.moderation_actions.filter(kind=ModerationKind.MERGE).exists()


def test_lock_and_unlock(question, moderator):
    services.question_lock(question=question, by=moderator, reason="débat clos")
    assert question.is_locked
    services.question_unlock(question=question, by=moderator)
    question.refresh_from_db()
    assert not question.is_locked


def test_faq_promotion_needs_an_accepted_or_validated_answer(
    question, make_answer, moderator, member
):
    answer = make_answer(question=question)
    with pytest.raises(ValueError):
        services.faq_promote(question=question, answer=answer, by=moderator)
    services.answer_accept(answer=answer, by=member)
    promotion = services.faq_promote(question=question, answer=answer, by=moderator)
    assert list(FaqPromotion.objects.listed()) == [promotion]
    services.post_delete(post=question, by=moderator)
    assert not FaqPromotion.objects.listed().exists()
    services.faq_withdraw(question=question, by=moderator)
    assert not FaqPromotion.objects.exists()


def test_follow_and_unfollow_topics_and_questions(question, topic, make_user):
    user = make_user()
    services.topic_follow(user=user, topic=topic)
    services.topic_follow(user=user, topic=topic)
    assert TopicFollow.objects.filter(user=user).count() == 1
    services.topic_unfollow(user=user, topic=topic)
    assert not TopicFollow.objects.filter(user=user).exists()
    services.question_follow(user=user, question=question)
    services.question_unfollow(user=user, question=question)
    assert not QuestionFollow.objects.filter(user=user).exists()


def test_signals_are_sent_after_commit_with_documented_kwargs(
    django_capture_on_commit_callbacks, make_question, make_answer, make_user, expert
):
    received = []

    def receiver(signal, sender, **kwargs):
        received.append((signal, set(kwargs)))

    watched = [
        signals.question_created,
        signals.answer_created,
        signals.comment_created,
        signals.answer_accepted,
        signals.answer_validated,
    ]
    for signal in watched:
        signal.connect(receiver)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            question = make_question()
        assert received == [(signals.question_created, {"question"})]
        with django_capture_on_commit_callbacks(execute=True):
            answer = make_answer(question=question)
            services.comment_create(post=answer, author=make_user(), body="Bien vu")
            services.answer_accept(answer=answer, by=question.author)
            services.answer_validate(answer=answer, by=expert)
        assert [r[1] for r in received[1:]] == [
            {"answer"},
            {"comment"},
            {"answer", "by"},
            {"answer", "by"},
        ]
    finally:
        for signal in watched:
            signal.disconnect(receiver)


def test_erased_author_leaves_posts_under_former_member(question, member):
    member.delete()
    question.refresh_from_db()
    assert question.author is None
    assert Question.objects.filter(pk=question.pk).exists()
