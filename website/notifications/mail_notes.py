"""Under a post published by e-mail, for moderators: the « texte cité » the cleaning removed
(collapsible), and a warning when the `From` was not one of the account's addresses.

Registered with `qa.extensions.register_post_notes`: one query per thread page, for moderators
only (none for anyone else).
"""

from django.db.models import Q
from django.template.loader import render_to_string

from qa.permissions import can_moderate
from website.notifications.models import InboundMail, InboundStatus


def mail_notes(request, question) -> dict[str, str]:
    """`{anchor: html}` for the posts of this thread that came by e-mail with something to
    show a moderator."""
    if request is None or not can_moderate(request.user):
        return {}
    mails = (
        InboundMail.objects.filter(posted_question=question, status=InboundStatus.POSTED)
        .filter(~Q(quoted_text="") | Q(from_mismatch=True))
        .only("pk", "posted_anchor", "quoted_text", "from_mismatch", "sender")
    )
    return {
        mail.posted_anchor: render_to_string("notifications/_mail_note.html", {"mail": mail})
        for mail in mails
    }
