"""IMAP polling of the reply mailbox (`manage.py mail_poll`), the second way in after the
SMTP/LMTP listener: for a host where mail is delivered to a mailbox (Dovecot, a hosted
account) rather than to a local Postfix.

One pass (`poll_once`) reads every message of the mailbox not yet flagged `\\Deleted`, without
marking it seen (`BODY.PEEK`), hands its bytes to `intake.mail_receive` (stored first, processed
in a task), and only once the row is committed flags the message `\\Deleted` and expunges it.
So:
- a message whose storage fails (database down) stays in the mailbox for the next pass;
- a message whose processing fails is already stored: it is « Erreur » in the moderators'
  « courriels non traités » list, with retry;
- two pollers running at once may both read one message: its Message-ID (or the SHA-256 of
  its bytes) is unique in `InboundMail`, so it is stored and posted once, and both delete it.
Only the first `INBOUND_MAIL_MAX_BYTES` (+1) bytes of a message are fetched: a 30 MB mail is
stored cut, and refused as too large by the processing.
"""

from __future__ import annotations

import imaplib
import logging
import re
import select
import ssl
import threading
import time
from dataclasses import dataclass
from urllib.parse import parse_qs, unquote, urlsplit

from django.conf import settings
from django.db import close_old_connections

from website.notifications import intake

logger = logging.getLogger(__name__)

LOOPBACK = {"127.0.0.1", "::1", "localhost"}


class ImapConfigurationError(ValueError):
    pass


@dataclass(frozen=True)
class ImapAccount:
    host: str
    port: int
    user: str
    password: str
    mailbox: str = "INBOX"
    security: str = "ssl"  # "ssl", "starttls" or "none" (loopback only)


def account_from_url(url: str) -> ImapAccount:
    """`imaps://user:password@host:993/INBOX`, `imap://…?starttls=1`, or `imap://` on loopback."""
    parts = urlsplit(url)
    if parts.scheme not in {"imap", "imaps"} or not parts.hostname:
        raise ImapConfigurationError("INBOUND_IMAP_URL attend imaps://utilisateur:mot@hôte/INBOX.")
    if not parts.username or parts.password is None:
        raise ImapConfigurationError("INBOUND_IMAP_URL doit nommer l'utilisateur et le mot.")
    starttls = parse_qs(parts.query).get("starttls", ["0"])[0] in {"1", "true", "yes"}
    if parts.scheme == "imaps":
        security = "ssl"
    elif starttls:
        security = "starttls"
    elif parts.hostname in LOOPBACK:
        security = "none"
    else:
        raise ImapConfigurationError(
            "IMAP sans chiffrement n'est permis que sur la boucle locale : imaps:// ou ?starttls=1."
        )
    default_port = 993 if security == "ssl" else 143
    return ImapAccount(
        host=parts.hostname,
        port=parts.port or default_port,
        user=unquote(parts.username),
        password=unquote(parts.password),
        mailbox=unquote(parts.path.lstrip("/")) or "INBOX",
        security=security,
    )


def configured_account() -> ImapAccount:
    if not settings.INBOUND_IMAP_URL:
        raise ImapConfigurationError("INBOUND_IMAP_URL n'est pas défini.")
    return account_from_url(settings.INBOUND_IMAP_URL)


def connect(account: ImapAccount, *, timeout: float = 60) -> imaplib.IMAP4:
    if account.security == "ssl":
        connection = imaplib.IMAP4_SSL(
            account.host, account.port, ssl_context=ssl.create_default_context(), timeout=timeout
        )
    else:
        connection = imaplib.IMAP4(account.host, account.port, timeout=timeout)
        if account.security == "starttls":
            connection.starttls(ssl_context=ssl.create_default_context())
    connection.login(account.user, account.password)
    typ, data = connection.select(_quoted(account.mailbox))
    if typ != "OK":
        raise imaplib.IMAP4.error(f"SELECT {account.mailbox}: {data!r}")
    return connection


def _quoted(mailbox: str) -> str:
    return '"' + mailbox.replace("\\", "\\\\").replace('"', '\\"') + '"'


@dataclass
class PollResult:
    stored: int = 0  # new rows
    already: int = 0  # already stored (another poller, a replay): deleted from the mailbox
    kept: int = 0  # could not be stored: left in the mailbox for the next pass


def _uids(connection: imaplib.IMAP4) -> list[bytes]:
    typ, data = connection.uid("SEARCH", None, "UNDELETED")
    if typ != "OK":
        raise imaplib.IMAP4.error(f"UID SEARCH: {data!r}")
    return (data[0] or b"").split()


def _fetch(connection: imaplib.IMAP4, uid: bytes) -> bytes | None:
    """The message's first bytes, or None when it is gone (another poller expunged it)."""
    limit = settings.INBOUND_MAIL_MAX_BYTES + 1
    typ, data = connection.uid("FETCH", uid, f"(BODY.PEEK[]<0.{limit}>)")
    if typ != "OK":
        return None
    for item in data:
        if isinstance(item, tuple) and len(item) == 2:
            return item[1]
    return None


def poll_once(connection: imaplib.IMAP4) -> PollResult:
    """Store every waiting message of the selected mailbox once, then remove it from there."""
    result = PollResult()
    done = []
    for uid in _uids(connection):
        raw = _fetch(connection, uid)
        if raw is None:
            continue
        close_old_connections()
        try:
            _mail, created = intake.mail_receive(raw=raw)
        except Exception:
            logger.exception("IMAP message UID %s could not be stored: left in the mailbox", uid)
            result.kept += 1
            continue
        finally:
            close_old_connections()
        if created:
            result.stored += 1
        else:
            result.already += 1
        done.append(uid)
    if done:
        connection.uid("STORE", b",".join(done), "+FLAGS.SILENT", r"(\Deleted)")
        connection.expunge()
    return result


IDLE_TAG = b"ENTRAIDEIDLE"
_EXISTS = re.compile(rb"^\* \d+ EXISTS")


def supports_idle(connection: imaplib.IMAP4) -> bool:
    return "IDLE" in connection.capabilities


def idle(connection: imaplib.IMAP4, *, seconds: float, stop: threading.Event) -> bool:
    """IMAP IDLE (RFC 2177) until new mail, `seconds` or `stop`; True when new mail came.

    Python 3.11's imaplib has no IDLE: the command is written and read here, with a tag
    imaplib never uses, and every line up to its tagged answer is read before returning."""
    connection.send(IDLE_TAG + b" IDLE\r\n")
    line = connection.readline()
    if not line.startswith(b"+"):
        raise imaplib.IMAP4.error(f"IDLE refused: {line!r}")
    sock = connection.socket()
    deadline = time.monotonic() + seconds
    new_mail = False
    while not new_mail and not stop.is_set() and time.monotonic() < deadline:
        # A timeout on the socket would spoil imaplib's file object: wait with select instead
        # (and first look at what TLS already decrypted, which select cannot see).
        decrypted = isinstance(sock, ssl.SSLSocket) and sock.pending()
        if not decrypted and not select.select([sock], [], [], 1)[0]:
            continue
        line = connection.readline()
        if not line:
            raise imaplib.IMAP4.abort("connection closed during IDLE")
        new_mail = bool(_EXISTS.match(line))
    connection.send(b"DONE\r\n")
    while True:
        line = connection.readline()
        if not line:
            raise imaplib.IMAP4.abort("connection closed after IDLE")
        if line.startswith(IDLE_TAG + b" "):
            return new_mail


def run(
    account: ImapAccount,
    *,
    stop: threading.Event,
    once: bool = False,
    idle_seconds: float | None = None,
    retry_seconds: float = 30,
) -> PollResult:
    """Poll until `stop`: one pass, then IDLE (or sleep) and again. `once`: one pass and return.

    A lost connection or a server error is logged and retried after `retry_seconds`; the
    messages are still in the mailbox then."""
    idle_seconds = idle_seconds if idle_seconds is not None else settings.INBOUND_IMAP_IDLE_SECONDS
    total = PollResult()
    while not stop.is_set():
        try:
            connection = connect(account)
        except (OSError, imaplib.IMAP4.error) as error:
            if once:
                raise
            logger.warning("IMAP connection to %s failed: %s", account.host, error)
            stop.wait(retry_seconds)
            continue
        try:
            while not stop.is_set():
                result = poll_once(connection)
                total.stored += result.stored
                total.already += result.already
                total.kept += result.kept
                if result.stored or result.kept:
                    logger.info("IMAP pass: %s", result)
                if once:
                    return total
                if supports_idle(connection):
                    idle(connection, seconds=idle_seconds, stop=stop)
                else:
                    stop.wait(idle_seconds)
        except (OSError, imaplib.IMAP4.error) as error:
            if once:
                raise
            logger.warning("IMAP polling of %s interrupted: %s", account.host, error)
            stop.wait(retry_seconds)
        finally:
            try:
                connection.logout()
            except (OSError, imaplib.IMAP4.error):
                pass
    return total
