from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "website.notifications"
    label = "notifications"
    verbose_name = _("Notifications")

    def ready(self):
        from allauth.account import signals as account_signals

        from directory import extensions
        from qa import extensions as qa_extensions
        from website.notifications import exports, mail_notes, receivers, services
        from website.pages import feed_tokens

        extensions.register_account_export("notifications", exports.account_export)
        receivers.connect()
        extensions.use_outbox(directory_email)
        qa_extensions.register_post_notes(mail_notes.mail_notes)
        feed_tokens.use_feed_tokens(reader=services.feed_reader, token_for=services.feed_token_for)
        for name in (
            "password_changed",
            "password_reset",
            "password_set",
            "email_changed",
            "email_removed",
        ):
            getattr(account_signals, name).connect(
                services.reply_addresses_revoke_on_account_change,
                dispatch_uid=f"notifications_reply_key_on_{name}",
            )


def directory_email(*, key: str, to: str, subject: str, body: str, message_id: str) -> None:
    """The directory's e-mails to an address without an account (its invitations), plain
    text, through the outbox: written in the caller's transaction, sent after the commit,
    retried until sent. The Message-ID is the invitation's: a bounce names it."""
    from website.notifications import emails, tasks

    rendered = emails.RenderedEmail(subject=subject, text=body, html="")
    tasks.queue_once(key=key, to=to, rendered=rendered, message_id=message_id)
