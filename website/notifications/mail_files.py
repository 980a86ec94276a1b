"""The files of the post a notification tells about, as links in its e-mail (issue 17, item 6).

An e-mail never carries a members-only file: it names the post's files and links to each one's
download address on the site (`qa.views.attachments`, which checks the reader may see the
post), never to the storage. Only the notifications about a new post or a mention in it list
files; the files are those the post has when the e-mail is rendered (not those an edit removed).
"""

from dataclasses import dataclass

from django.contrib.contenttypes.models import ContentType
from django.db.models import Q
from django.template.defaultfilters import filesizeformat

from website.notifications.emails import absolute_url
from website.notifications.kinds import Kind

POST_KINDS = {
    Kind.QUESTION_IN_TOPIC,
    Kind.QUESTION_ADDRESSED,
    Kind.QUESTION_ROUTED,
    Kind.MENTION,
    Kind.ANSWER,
    Kind.COMMENT,
}


@dataclass(frozen=True)
class MailFile:
    name: str
    size: str
    url: str  # absolute, on the checking download view


def attach_mail_files(notifications) -> None:
    """Set `notification.mail_files` (a list of `MailFile`, in the post's order) on each
    notification; one query for the files of all of them."""
    from qa.models import Answer, Attachment, Comment, Question

    types = ContentType.objects.get_for_models(Question, Answer, Comment)
    field_of = {types[model].pk: model.__name__.lower() for model in types}
    wanted: dict[tuple[str, int], list] = {}
    for notification in notifications:
        notification.mail_files = []
        field = field_of.get(notification.target_type_id)
        if field and notification.target_id and notification.kind in POST_KINDS:
            wanted.setdefault((field, notification.target_id), []).append(notification)
    if not wanted:
        return
    query = Q()
    for field, pk in wanted:
        query |= Q(**{f"{field}_id": pk})
    for attachment in Attachment.objects.current().filter(query).order_by("number"):
        post = next(
            (field, pk)
            for field in ("question", "answer", "comment")
            if (pk := getattr(attachment, f"{field}_id")) is not None
        )
        for notification in wanted.get(post, []):
            notification.mail_files.append(
                MailFile(
                    name=attachment.original_name,
                    size=filesizeformat(attachment.size),
                    url=absolute_url(attachment.get_absolute_url()),
                )
            )
