"""The inbound webhooks, the third way in: a transactional mail provider receives the mail of
the reply domain and posts each message here, through django-anymail's inbound handling.
Whatever the provider, a message goes to `intake.mail_receive` (stored first, processed in a
task); if it cannot be stored the view fails with a 500 and the provider retries.

- **Mailgun** (`/courriels/entrants/mailgun/mime`): anymail checks the provider's signature
  (HMAC-SHA256 of the timestamp and token with `MAILGUN_WEBHOOK_SIGNING_KEY`) before anything
  else: an unsigned or forged call gets a 400 and stores nothing. Without a signing key the
  address answers 404.
- **Postmark, SendGrid, Brevo** (`/courriels/entrants/<provider>/`), each turned on by naming
  it in `INBOUND_WEBHOOK_PROVIDERS`: these providers sign nothing, so the credential is HTTP
  basic authentication, `INBOUND_WEBHOOK_SECRET` (`user:password`, put in the URL given to
  the provider), which anymail checks in constant time before reading the call: a missing or
  wrong one gets a 400 and stores nothing. A provider not named, or no secret set, answers
  404: these addresses are never open to anyone.

The stored message is the provider's raw MIME when it sends one (Mailgun's `body-mime`,
Postmark's `RawEmail` with « Include raw email content », SendGrid's `email` with « POST the
raw, full MIME message »), else the message anymail rebuilt from the parsed fields (Brevo,
and the others without their raw option), given the provider's event id as Message-ID when
it has none, so that a retried call is stored once.
"""

from __future__ import annotations

import logging
import warnings

from anymail.exceptions import AnymailNotSupportedWarning
from anymail.webhooks.brevo import BrevoInboundWebhookView
from anymail.webhooks.mailgun import MailgunInboundWebhookView
from anymail.webhooks.postmark import PostmarkInboundWebhookView
from anymail.webhooks.sendgrid import SendGridInboundWebhookView
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


def _with_secret(view_class):
    """The anymail view, taking its basic-auth secret from the call (`webhook_secret`), not
    from `ANYMAIL["WEBHOOK_SECRET"]`, which would also ask it of Mailgun's signed calls."""
    return type(view_class.__name__, (view_class,), {"webhook_secret": None})


class _SendGridView(SendGridInboundWebhookView):
    """anymail reads SendGrid's raw body only to decode the parsed fields of a non-UTF-8
    message again; `website.middleware.IncompleteBodyMiddleware` has parsed the form first
    (to refuse a cut body), after which Django forbids `request.body`. Those fields then
    keep Django's UTF-8 decoding; the raw-MIME setting, recommended, is not concerned."""

    def esp_to_anymail_event(self, request):
        if getattr(request, "_read_started", False) and not hasattr(request, "_body"):
            request._body = b""  # noqa: SLF001 (the parsed form stays the source)
        return super().esp_to_anymail_event(request)


# Provider in the URL → anymail's inbound view for it.
PROVIDERS = {
    "postmark": _with_secret(PostmarkInboundWebhookView),
    "sendgrid": _with_secret(_SendGridView),
    "brevo": _with_secret(BrevoInboundWebhookView),
}


def enabled_providers() -> list[str]:
    """The providers named in `INBOUND_WEBHOOK_PROVIDERS` that have a view, when a secret is
    set (else none)."""
    if not settings.INBOUND_WEBHOOK_SECRET:
        return []
    return [name for name in settings.INBOUND_WEBHOOK_PROVIDERS if name in PROVIDERS]


@csrf_exempt  # HTTP basic authentication is the credential (checked by anymail), no cookie
@require_POST
def provider_inbound(request, provider: str):
    if provider not in enabled_providers():
        raise Http404
    with warnings.catch_warnings():
        # anymail no longer tests SendGrid with a real account; its inbound format is stable.
        warnings.simplefilter("ignore", AnymailNotSupportedWarning)
        view = PROVIDERS[provider].as_view(webhook_secret=[settings.INBOUND_WEBHOOK_SECRET])
        return view(request)


def _provider_raw(event) -> str | bytes | None:
    """The raw MIME the provider posted, when it posts one."""
    esp_event = event.esp_event
    if isinstance(esp_event, dict):  # Postmark's JSON
        return esp_event.get("RawEmail") or None
    post = getattr(esp_event, "POST", None)
    if post is None:
        return None
    return post.get("body-mime") or post.get("email") or None  # Mailgun, SendGrid


def _raw(event, esp_name: str = "") -> bytes:
    """The message as the provider received it, else as anymail rebuilt it from the parsed
    fields (with the provider's event id as Message-ID when it has none)."""
    raw = _provider_raw(event)
    if raw:
        return raw.encode("utf-8", errors="surrogateescape") if isinstance(raw, str) else raw
    message = event.message
    if not message.get("Message-ID") and event.event_id:
        provider = "".join(char for char in esp_name.lower() if char.isalnum()) or "webhook"
        message["Message-ID"] = f"<{event.event_id}@{provider}.entrants>"
    try:
        return message.as_bytes()
    except Exception:
        return message.as_string().encode("utf-8", errors="replace")


def on_inbound(sender, event, esp_name, **kwargs) -> None:
    """anymail's `inbound` signal: store the message (an error here is a 500: retried)."""
    mail, created = intake.mail_receive(
        raw=_raw(event, esp_name), envelope_to=event.message.envelope_recipient or ""
    )
    logger.info("Inbound mail %s from %s webhook (new: %s)", mail.pk, esp_name, created)
