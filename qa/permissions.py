"""Who may do what in Q&A: named predicates, written once.

`can_*` return a bool (templates use them through the `qa_tags` filters); `check_*` raise
`PermissionDenied` with a specific French message: the first condition that fails says why
("Cette question est déjà fermée."). Views call the `check_*` under `directory.access.gate`,
which sends visitors to the login page and answers members with a 403 carrying the message;
a view never tests a `can_*` to raise its own error. Services assume the check was made.
Roles come from `directory.roles`:

- visitor: reads only when `settings.PUBLIC_READ` is on; never writes;
- member: asks, answers, comments, votes (not on own posts), flags, follows;
- author: edits own posts while the thread is not locked or deleted; the asker accepts;
  deletes (softly, restorable by moderators) their question while it has no answer, their
  answers while neither accepted nor validated, their comments (`can_delete_own_post`);
- expert: a member of the *Experts* group whose directory entry has an *expertise* on one of
  the question's topics validates answers there (not their own);
- moderator: anything in Q&A, including deleted and locked posts.
"""

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from directory.access import Refused
from directory.models import TopicInterest
from directory.roles import is_expert, is_member, is_moderator
from qa.models import Answer, Comment, Question


def _thread(post):
    return post.thread


def _is_author(user, post) -> bool:
    return bool(user.is_authenticated and post.author_id and post.author_id == user.pk)


def _post_alive(post) -> bool:
    """The post and everything it hangs on are not soft-deleted."""
    if post.deleted_at:
        return False
    if isinstance(post, Comment) and post.answer_id and post.answer.deleted_at:
        return False
    return not _thread(post).deleted_at


def expertise_topic_ids(user) -> frozenset[int]:
    """Topics on which the user is a recognised expert (cached on the user object)."""
    if not is_expert(user):
        return frozenset()
    cached = getattr(user, "_qa_expertise_topic_ids", None)
    if cached is None:
        cached = frozenset(
            TopicInterest.objects.recognised()
            .filter(person__user=user)
            .values_list("topic_id", flat=True)
        )
        user._qa_expertise_topic_ids = cached
    return cached


def _topic_ids(question) -> set[int]:
    # Uses the prefetched topics when the thread page loaded them.
    return {topic.pk for topic in question.topics.all()}


# --- Reading -------------------------------------------------------------------------------


def can_read_qa(user) -> bool:
    """Members read Q&A; visitors only when the site opens reading to the public."""
    if is_member(user):
        return True
    return bool(settings.PUBLIC_READ) and not user.is_authenticated


def can_view_question(user, question) -> bool:
    """Deleted threads stay visible to moderators only (nothing is lost, but it is hidden)."""
    if not can_read_qa(user):
        return False
    return not question.deleted_at or is_moderator(user)


def can_view_post(user, post) -> bool:
    """A post is seen where its thread is, unless it (or the answer it hangs on) was deleted:
    deleted posts stay visible to moderators only."""
    return can_view_question(user, _thread(post)) and (_post_alive(post) or is_moderator(user))


def can_download_attachment(user, attachment) -> bool:
    """A file is opened where its post is seen; a file an edit removed from its post only by
    moderators (from the history, which keeps it)."""
    return can_view_post(user, attachment.post) and (
        attachment.removed_at is None or is_moderator(user)
    )


# --- Posting -------------------------------------------------------------------------------


def can_ask(user) -> bool:
    return is_member(user)


def can_answer(user, question) -> bool:
    return (
        is_member(user)
        and not question.deleted_at
        and not question.locked_at
        and not question.closed_at
    )


def can_comment(user, post) -> bool:
    """Comments stay possible on a closed thread (to explain, to point elsewhere), not locked."""
    return is_member(user) and _post_alive(post) and not _thread(post).locked_at


def can_vote(user, post) -> bool:
    return (
        is_member(user)
        and not _is_author(user, post)
        and _post_alive(post)
        and not _thread(post).locked_at
    )


def can_same_problem(user, question) -> bool:
    return (
        is_member(user)
        and not _is_author(user, question)
        and not question.deleted_at
        and not question.locked_at
    )


def can_accept(user, answer) -> bool:
    """The asker (or a moderator) picks the answer that solved a *question*."""
    question = answer.question
    if not question.is_question or not _post_alive(answer) or question.locked_at:
        return False
    return is_moderator(user) or (is_member(user) and _is_author(user, question))


def is_expert_for(user, question) -> bool:
    # Most members are no expert: their (empty) expertise is enough to answer, without
    # building the question's topics, which the thread page asks for under every answer.
    expertise = expertise_topic_ids(user)
    return bool(expertise) and bool(expertise & _topic_ids(question))


def can_validate(user, answer) -> bool:
    """An expert of one of the question's topics vouches for someone else's answer."""
    question = answer.question
    return (
        question.is_question
        and _post_alive(answer)
        and not question.locked_at
        and not _is_author(user, answer)
        and is_expert_for(user, question)
    )


def can_edit_post(user, post) -> bool:
    if is_moderator(user):
        return True
    return (
        is_member(user)
        and _is_author(user, post)
        and _post_alive(post)
        and not _thread(post).locked_at
    )


def can_view_revisions(user, post) -> bool:
    return can_view_post(user, post)


def can_rollback(user, post) -> bool:
    return is_moderator(user)


def can_flag(user, post) -> bool:
    return is_member(user) and not _is_author(user, post) and _post_alive(post)


def can_follow(user) -> bool:
    return is_member(user)


# --- Moderation ----------------------------------------------------------------------------


def can_moderate(user) -> bool:
    return is_moderator(user)


def can_close(user, question) -> bool:
    return is_moderator(user) and not question.closed_at and not question.deleted_at


def can_reopen(user, question) -> bool:
    return is_moderator(user) and bool(question.closed_at) and not question.deleted_at


def can_lock(user, question) -> bool:
    return is_moderator(user) and not question.locked_at and not question.deleted_at


def can_unlock(user, question) -> bool:
    return is_moderator(user) and bool(question.locked_at)


def can_delete_post(user, post) -> bool:
    return is_moderator(user) and not post.deleted_at


def can_restore_post(user, post) -> bool:
    return is_moderator(user) and bool(post.deleted_at)


def _own_post_settled(post) -> str:
    """Why the author may no longer delete the post alone ("" when nothing settles it):
    others rely on it once a question is answered or an answer accepted or validated."""
    if isinstance(post, Question) and post.answer_count:
        return _(
            "Cette question a reçu une réponse : vous ne pouvez plus la supprimer vous-même. "
            "Demandez-le à un modérateur."
        )
    if isinstance(post, Answer) and post.question.accepted_answer_id == post.pk:
        return _(
            "Cette réponse a été acceptée : vous ne pouvez plus la supprimer vous-même. "
            "Demandez-le à un modérateur."
        )
    if isinstance(post, Answer) and post.validated_at:
        return _(
            "Cette réponse a été validée par un expert : vous ne pouvez plus la supprimer "
            "vous-même. Demandez-le à un modérateur."
        )
    return ""


def can_delete_own_post(user, post) -> bool:
    """The author deletes their own post while nobody relies on it yet (`_own_post_settled`),
    on a thread that is not locked; a moderator can restore it."""
    return (
        is_member(user)
        and _is_author(user, post)
        and _post_alive(post)
        and not _thread(post).locked_at
        and not _own_post_settled(post)
    )


def can_offer_own_delete(user, post) -> bool:
    """The « Supprimer » link an author sees on their own live post: it leads to the
    confirmation page, or to the reason why only a moderator can delete it now."""
    return is_member(user) and _is_author(user, post) and _post_alive(post)


def can_merge(user, question) -> bool:
    """Only a question marked as a duplicate can give its answers to the canonical one."""
    return is_moderator(user) and bool(question.duplicate_of_id) and not question.deleted_at


def can_promote_faq(user, question) -> bool:
    return is_moderator(user) and question.is_question and not question.deleted_at


# --- check_ functions for views ------------------------------------------------------------


def _deny(message):
    raise PermissionDenied(message)


def check_read_qa(user):
    if not can_read_qa(user):
        _deny(_("Les questions sont réservées aux membres. Connectez-vous pour les lire."))


def check_view_question(user, question):
    check_read_qa(user)
    if not can_view_question(user, question):
        # Only moderators see it: a 403 even for a visitor of a site open to the public.
        raise Refused(_("Cette question a été supprimée par la modération."))


def check_view_post(user, post):
    """Seeing one post (an attachment's, say): where its thread is seen, and deleted posts by
    moderators only."""
    check_view_question(user, _thread(post))
    if not can_view_post(user, post):
        raise Refused(_("Ce message a été supprimé par la modération."))


def check_download_attachment(user, attachment):
    check_view_post(user, attachment.post)
    if not can_download_attachment(user, attachment):
        raise Refused(_("Ce fichier a été retiré de son message."))


def check_ask(user):
    if not can_ask(user):
        _deny(_("Seuls les membres peuvent poser une question."))


def check_answer(user, question):
    if not can_answer(user, question):
        if question.closed_at or question.locked_at:
            _deny(_("Cette question est fermée : on ne peut plus y répondre."))
        _deny(_("Seuls les membres peuvent répondre."))


def check_comment(user, post):
    if not can_comment(user, post):
        _deny(_("Vous ne pouvez pas commenter ce message."))


def check_vote(user, post):
    if not can_vote(user, post):
        if _is_author(user, post):
            _deny(_("On ne vote pas pour ses propres messages."))
        _deny(_("Vous ne pouvez pas voter sur ce message."))


def check_same_problem(user, question):
    if not can_same_problem(user, question):
        _deny(_("Vous ne pouvez pas signaler avoir le même problème sur cette question."))


def check_accept(user, answer):
    if not can_accept(user, answer):
        _deny(_("Seul l'auteur de la question ou un modérateur peut accepter une réponse."))


def check_validate(user, answer):
    if not can_validate(user, answer):
        _deny(_("Seul un expert d'un des sujets de la question peut valider cette réponse."))


def check_edit_post(user, post):
    if not can_edit_post(user, post):
        _deny(_("Vous ne pouvez pas modifier ce message."))


def check_view_revisions(user, post):
    if not can_view_revisions(user, post):
        _deny(_("Vous ne pouvez pas consulter l'historique de ce message."))


def check_rollback(user, post):
    if not can_rollback(user, post):
        _deny(_("Seuls les modérateurs peuvent rétablir une version antérieure."))


def check_flag(user, post):
    if not can_flag(user, post):
        _deny(_("Vous ne pouvez pas signaler ce message."))


def check_follow(user):
    if not can_follow(user):
        _deny(_("Seuls les membres peuvent suivre une question ou un sujet."))


def check_moderate(user):
    if not can_moderate(user):
        _deny(_("Cette action est réservée aux modérateurs."))


def check_close(user, question):
    check_moderate(user)
    if not can_close(user, question):
        _deny(_("Cette question est déjà fermée."))


def check_reopen(user, question):
    check_moderate(user)
    if not can_reopen(user, question):
        _deny(_("Cette question n'est pas fermée."))


def check_lock(user, question):
    check_moderate(user)
    if not can_lock(user, question):
        _deny(_("Cette question est déjà verrouillée."))


def check_unlock(user, question):
    check_moderate(user)
    if not can_unlock(user, question):
        _deny(_("Cette question n'est pas verrouillée."))


def check_merge(user, question):
    check_moderate(user)
    if not can_merge(user, question):
        _deny(_("Seul un doublon peut être fusionné dans sa question d'origine."))


def check_promote_faq(user, question):
    check_moderate(user)
    if not can_promote_faq(user, question):
        _deny(_("Seule une question peut entrer dans la FAQ."))


def check_delete_post(user, post):
    check_moderate(user)
    if not can_delete_post(user, post):
        _deny(_("Ce message est déjà supprimé."))


def check_delete_own_post(user, post):
    if can_delete_own_post(user, post):
        return
    if not is_member(user) or not _is_author(user, post):
        _deny(_("Vous ne pouvez supprimer que vos propres messages."))
    if not _post_alive(post):
        _deny(_("Ce message est déjà supprimé."))
    if _thread(post).locked_at:
        _deny(
            _(
                "Ce fil est verrouillé : vous ne pouvez plus y supprimer un message vous-même. "
                "Demandez-le à un modérateur."
            )
        )
    _deny(_own_post_settled(post))


def check_delete(user, post):
    """The delete page: a moderator deletes any live post, an author their own (above)."""
    if is_moderator(user):
        check_delete_post(user, post)
    else:
        check_delete_own_post(user, post)


def check_restore_post(user, post):
    check_moderate(user)
    if not can_restore_post(user, post):
        _deny(_("Ce message n'est pas supprimé."))
