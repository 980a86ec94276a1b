"""What the layers above the directory add to it, without the directory importing them.

The directory sits below `qa` and the site: it may not name their URLs or list their data. Each
upper app registers its part when it starts (`AppConfig.ready()`):

- `ask_person_url` / `ask_structure_url`: the address of the form that asks a person or a
  structure a question (`qa`);
- `register_account_export` / `register_person_export`: its part of a member's data export
  (GDPR, `selectors.person_data_export`), as a function `(user) -> dict` or `(person) -> dict`
  whose keys join the export in registration order (the order of `INSTALLED_APPS`);
- `register_account_section`: a part of the member's own page (« Ma fiche »), as a function
  `(user) -> str` returning safe HTML (the attachments' storage, `qa`);
- `use_outbox`: how the directory's e-mails to an address (the invitations) leave: the
  notifications' outbox, retried until sent (`website.notifications`).
"""

import logging
from collections.abc import Callable

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction

logger = logging.getLogger(__name__)

_ask_person_url: Callable | None = None
_ask_structure_url: Callable | None = None
_account_exports: dict[str, Callable] = {}
_person_exports: dict[str, Callable] = {}
_account_sections: dict[str, Callable] = {}
_outbox: Callable | None = None


def use_ask_person_url(build: Callable) -> None:
    """`build(person)` returns the address of the form that asks this person a question."""
    global _ask_person_url
    _ask_person_url = build


def ask_person_url(person) -> str:
    """Where "Ask this person a question" leads, or "" when no app offers it."""
    return _ask_person_url(person) if _ask_person_url is not None else ""


def use_ask_structure_url(build: Callable) -> None:
    """`build(structure)` returns the address of the form that asks this structure a question."""
    global _ask_structure_url
    _ask_structure_url = build


def ask_structure_url(structure) -> str:
    """Where « Poser une question à cette structure » leads, or "" when no app offers it."""
    return _ask_structure_url(structure) if _ask_structure_url is not None else ""


def register_account_export(name: str, part: Callable) -> None:
    """`part(user)` returns the keys this app adds at the top of the account's export."""
    _account_exports[name] = part


def register_person_export(name: str, part: Callable) -> None:
    """`part(person)` returns the keys this app adds to the directory entry's export."""
    _person_exports[name] = part


def register_account_section(name: str, part: Callable) -> None:
    """`part(user)` returns the HTML this app adds to the member's own page."""
    _account_sections[name] = part


def account_sections(user) -> list[str]:
    return [part(user) for part in _account_sections.values()]


def account_export_parts(user) -> dict:
    data: dict = {}
    for part in _account_exports.values():
        data.update(part(user))
    return data


def person_export_parts(person) -> dict:
    data: dict = {}
    for part in _person_exports.values():
        data.update(part(person))
    return data


def use_outbox(queue: Callable) -> None:
    """`queue(key=, to=, subject=, body=, message_id=)` writes the e-mail to an outbox in the
    current transaction and sends it after the commit, retrying a failed send; `key` makes a
    second call for the same e-mail a no-op."""
    global _outbox
    _outbox = queue


def send_email(*, key: str, to: str, subject: str, body: str, message_id: str) -> None:
    """Send one e-mail of the directory to an address, once the transaction commits.

    Through the registered outbox (never lost: a failed send is retried); without one (the
    directory alone), sent directly after the commit, a failure only logged."""
    if _outbox is not None:
        _outbox(key=key, to=to, subject=subject, body=body, message_id=message_id)
        return
    headers = {"Message-ID": message_id, "Auto-Submitted": "auto-generated"}
    message = EmailMessage(subject=subject, body=body, to=[to], headers=headers)
    message.from_email = settings.DEFAULT_FROM_EMAIL

    def send():
        try:
            message.send()
        except OSError:
            logger.exception("directory e-mail %s not sent", key)

    transaction.on_commit(send)
