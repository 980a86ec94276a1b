"""The inbound webhook, the third way in: a transactional mail provider (Mailgun) receives the
mail of the reply domain and posts each message here, through django-anymail's inbound
handling. Anymail checks the provider's signature (HMAC-SHA256 of the timestamp and token with
`MAILGUN_WEBHOOK_SIGNING_KEY`) before anything else: an unsigned or forged call gets a 400 and
stores nothing. A signed message goes to `intake.mail_receive` (stored first, processed in a
task); if it cannot be stored the view fails with a 500 and the provider retries.
Without a signing key the address answers 404.
"""

from __future__ import annotations

import logging

from anymail.webhooks.mailgun import MailgunInboundWebhookView
from django.conf import settings
from django.http import Http404
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from website.notifications import intake

logger = logging.getLogger(__name__)

_mailgun_view = MailgunInboundWebhookView.as_view()


@csrf_exempt  # the provider's signature is the credential (checked by anymail), no cookie
@require_POST
def mailgun_inbound(request):
    if not settings.ANYMAIL.get("MAILGUN_WEBHOOK_SIGNING_KEY"):
        raise Http404
    return _mailgun_view(request)


def _raw(event) -> bytes:
    """The message as the provider received it (Mailgun's `body-mime`, from a route whose
    forward URL ends in `mime`), else as anymail rebuilt it from the parsed fields."""
    post = getattr(event.esp_event, "POST", None)
    body_mime = post.get("body-mime") if post is not None else None
    if body_mime:
        return body_mime.encode("utf-8", errors="surrogateescape")
    try:
        return event.message.as_bytes()
    except Exception:
        return event.message.as_string().encode("utf-8", errors="replace")


def on_inbound(sender, event, esp_name, **kwargs) -> None:
    """anymail's `inbound` signal: store the message (an error here is a 500: retried)."""
    mail, created = intake.mail_receive(
        raw=_raw(event), envelope_to=event.message.envelope_recipient or ""
    )
    logger.info("Inbound mail %s from %s webhook (new: %s)", mail.pk, esp_name, created)
