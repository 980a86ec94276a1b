"""Error reports to a Sentry-compatible server (Sentry, or GlitchTip self-hosted) when
`SENTRY_DSN` is set, with personal data removed before anything leaves the server.

The directory holds civil servants' names, e-mails and phones, and posts may hold anything:
reports carry the error, the stack, the view, the request id and the account id, never the
request's body, cookies, query string or headers that identify someone, nor the e-mail
addresses in messages.
"""

import re

import sentry_sdk
from sentry_sdk.integrations.django import DjangoIntegration

from website.observability import request_id

EMAIL = re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+")
REDACTED = "[retiré]"
# Headers kept as they are: none of them names or authenticates anyone.
SAFE_HEADERS = {"accept", "accept-language", "content-type", "content-length", "host"}


def _redact(text):
    return EMAIL.sub(REDACTED, text) if isinstance(text, str) else text


def scrub(event, hint=None):
    """`before_send`: what the report keeps of the request, the user and the messages."""
    request = event.get("request")
    if request:
        for part in ("data", "cookies", "query_string", "env"):
            if request.get(part):
                request[part] = REDACTED
        headers = request.get("headers") or {}
        request["headers"] = {
            name: value if name.lower() in SAFE_HEADERS else REDACTED
            for name, value in headers.items()
        }
        if request.get("url"):
            request["url"] = request["url"].split("?", 1)[0]
    user = event.get("user")
    if user:
        event["user"] = {"id": user["id"]} if user.get("id") else {}
    for exception in (event.get("exception") or {}).get("values", []):
        exception["value"] = _redact(exception.get("value"))
        for frame in (exception.get("stacktrace") or {}).get("frames", []):
            frame.pop("vars", None)
    logentry = event.get("logentry")
    if logentry:
        logentry["message"] = _redact(logentry.get("message"))
        logentry.pop("params", None)
        logentry["formatted"] = _redact(logentry.get("formatted"))
    if event.get("message"):
        event["message"] = _redact(event["message"])
    event.pop("breadcrumbs", None)
    current = request_id.current()
    if current:
        event.setdefault("tags", {})["request_id"] = current
    return event


def start(dsn: str, environment: str, release: str) -> None:
    """Called by the settings when a DSN is configured."""
    sentry_sdk.init(
        dsn=dsn,
        environment=environment or None,
        release=release or None,
        integrations=[DjangoIntegration()],
        send_default_pii=False,
        include_local_variables=False,
        max_breadcrumbs=0,
        traces_sample_rate=0,
        before_send=scrub,
    )
