"""What the notification layer keeps of a post after a moderator deletes it: nothing readable.

Notifications copy a post's title and excerpt, and e-mails are rendered into the outbox when
they are queued, so a deleted post would otherwise live on in the centre, the private feed,
pending e-mails and digests (security finding 5). This runs inside the deleting transaction.
"""

from django.contrib.contenttypes.models import ContentType
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext

from website.notifications.kinds import Kind
from website.notifications.models import DELETED_POST, DeliveryStatus, EmailDelivery, Notification


def _targets(post) -> tuple[Q, bool]:
    """Notifications about the post or about what goes with it, and whether the thread goes."""
    from qa.models import Answer, Comment, Question

    types = ContentType.objects.get_for_models(Question, Answer, Comment)

    def about(model, ids) -> Q:
        return Q(target_type=types[model], target_id__in=ids)

    if isinstance(post, Question):
        answers = Answer.objects.filter(question=post).values("pk")
        comments = Comment.objects.filter(Q(question=post) | Q(answer__question=post))
        return (
            about(Question, [post.pk])
            | about(Answer, answers)
            | about(Comment, comments.values("pk")),
            True,
        )
    if isinstance(post, Answer):
        comments = Comment.objects.filter(answer=post).values("pk")
        return about(Answer, [post.pk]) | about(Comment, comments), False
    return about(Comment, [post.pk]), False


def redact_deleted_post(post) -> int:
    """Erase the deleted post's copies; returns how many notifications were redacted.

    - its excerpt (and, when the whole thread goes, the thread's title and the slug of the
      link) are emptied in every notification about it or about a post under it; the centre
      and the feed then show « Message supprimé »;
    - every e-mail carrying one of them loses its text; those not sent yet are cancelled; a
      cancelled digest gives its other notifications back to the next digest;
    - moderation notices are kept: they go to the post's own author, say what happened to
      it, and quote the moderator's reason, not the post.
    Restoring the post later brings none of this back (docs/security.md, finding 5).
    """
    targets, whole_thread = _targets(post)
    notifications = Notification.objects.filter(targets, redacted_at__isnull=True).exclude(
        kind=Kind.MODERATION
    )
    ids = list(notifications.values_list("pk", flat=True))
    if not ids:
        return 0
    redacted = Notification.objects.filter(pk__in=ids)
    deliveries = EmailDelivery.objects.filter(
        Q(immediate_notifications__in=ids) | Q(digest_notifications__in=ids)
    ).distinct()
    delivery_ids = list(deliveries.values_list("pk", flat=True))
    cancelled = list(
        EmailDelivery.objects.filter(
            pk__in=delivery_ids, status__in=[DeliveryStatus.PENDING, DeliveryStatus.SENDING]
        ).values_list("pk", flat=True)
    )
    placeholder = gettext(
        "Cet e-mail parlait d'un message que la modération a supprimé : son contenu a été effacé."
    )
    EmailDelivery.objects.filter(pk__in=cancelled).update(
        status=DeliveryStatus.CANCELLED,
        next_attempt_at=None,
        last_error="Message supprimé par la modération : e-mail annulé.",
    )
    EmailDelivery.objects.filter(pk__in=delivery_ids).update(
        subject=str(DELETED_POST), body_text=placeholder, body_html=placeholder
    )
    # A withdrawn digest carried other notifications too: they wait for the next digest.
    Notification.objects.filter(digest_delivery__in=cancelled).exclude(pk__in=ids).update(
        digest_delivery=None
    )
    changes = {"excerpt": "", "redacted_at": timezone.now()}
    if whole_thread:
        thread = post.thread
        changes.update(title="", url=f"/questions/{thread.pk}/")
    return redacted.update(**changes)
