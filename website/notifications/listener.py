"""The SMTP or LMTP listener a local Postfix delivers replies to (`manage.py mail_listen`).

It accepts only recipients that are genuine reply (`r+`) or ask (`q+`) addresses of
`REPLY_DOMAIN`, signature checked (others, forged ones included, get a 550 before anything is
stored, so it never relays), refuses messages over `INBOUND_MAIL_MAX_BYTES` (552: the
sender's server keeps and bounces them), and answers 250 only once the raw message is stored
(`intake.mail_receive`): a database outage gives a 451 and the sending server tries again
later, so nothing is lost.
Bind it to the loopback address: it has no authentication of its own.
"""

from __future__ import annotations

import asyncio
import logging
from email.utils import parseaddr

from aiosmtpd.controller import Controller
from aiosmtpd.lmtp import LMTP
from django.conf import settings
from django.db import close_old_connections

from website.notifications import intake, replies

logger = logging.getLogger(__name__)


class ReplyHandler:
    def __init__(self, *, lmtp: bool = False):
        self.lmtp = lmtp

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        loop = asyncio.get_running_loop()
        if not await loop.run_in_executor(None, _is_genuine, address):
            return "550 5.1.1 Adresse inconnue"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        raw = envelope.original_content or envelope.content
        if isinstance(raw, str):
            raw = raw.encode("utf-8", errors="surrogateescape")
        loop = asyncio.get_running_loop()
        statuses = []
        for address in envelope.rcpt_tos:
            try:
                await loop.run_in_executor(None, _store, raw, address)
                statuses.append("250 2.0.0 Message reçu")
            except Exception:
                logger.exception("Inbound mail could not be stored")
                statuses.append("451 4.3.0 Erreur temporaire, réessayez plus tard")
        if self.lmtp:  # LMTP answers once per accepted recipient (RFC 2033)
            return "\r\n".join(statuses)
        failed = [status for status in statuses if not status.startswith("250")]
        return failed[0] if failed else statuses[0]


def _is_genuine(address: str) -> bool:
    """A reply address whose signature holds (expired ones included: their sender gets the
    French explanation). Anything else is refused at RCPT, before a byte is stored."""
    bounce_address = parseaddr(settings.NOTIFICATIONS_BOUNCE_ADDRESS)[1]
    if bounce_address and address.strip("<>").lower() == bounce_address.lower():
        return True  # delivery status notifications about our e-mails (bounces.py)
    token = replies.token_of(address)
    ask_token = replies.ask_token_of(address)
    if token is None and ask_token is None:
        return False
    close_old_connections()
    try:
        if ask_token is not None:
            replies.read_ask_token(ask_token)
        else:
            replies.read_token(token)
    except replies.ExpiredReplyAddress:
        return True
    except replies.InvalidReplyAddress:
        return False
    finally:
        close_old_connections()
    return True


def _store(raw: bytes, address: str) -> None:
    close_old_connections()
    try:
        intake.mail_receive(raw=raw, envelope_to=address)
    finally:
        close_old_connections()


class _LMTPController(Controller):
    def factory(self):
        return LMTP(self.handler, **self.SMTP_kwargs)


def make_controller(*, host: str, port: int, lmtp: bool = False) -> Controller:
    options = {
        "data_size_limit": settings.INBOUND_MAIL_MAX_BYTES,
        "decode_data": False,
        "ident": "Entraide",
    }
    if lmtp:
        return _LMTPController(ReplyHandler(lmtp=True), hostname=host, port=port, **options)
    return Controller(ReplyHandler(), hostname=host, port=port, **options)
