"""The files attached to an e-mail (a reply, a comment, a question), checked like uploads.

Every file goes through the site's upload checks (`qa.attachments`: size, type by content,
antivirus, ZIP checks, one `PixelBudget` for the images of the whole message), then the
member's storage quota (`QA_ATTACHMENT_QUOTA`) and the files a post may hold
(`QA_ATTACHMENTS_PER_POST`, `QA_ATTACHMENTS_PER_COMMENT`).

Unlike the web form, which refuses the whole post so that the member picks the files again,
an e-mail cannot be sent back: each file is accepted or refused on its own, with the reason
in French, and the message is published with the accepted ones (`inbound.py` tells the member
which were refused).

What counts as a file: a part marked `Content-Disposition: attachment`, or any other part
with a file name or a non-text type, except the message's own text (its text or HTML body)
and the images an HTML message shows inside its text (parts of a `multipart/related` with a
`Content-ID` and no « attachment » disposition: signature logos, pasted screenshots), which
are not files the member chose to send. A forwarded message (`message/rfc822`) is one file
(refused: `.eml` is not an accepted type), not read inside.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from email.message import EmailMessage

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from qa import attachments
from qa.selectors import attachment_storage


@dataclass(frozen=True)
class MailFile:
    name: str
    checked: attachments.CheckedFile | None
    refusal: str  # "" when accepted; else the French sentence naming the file and the reason


def _file_parts(part: EmailMessage, bodies: set[int], *, related: bool = False) -> Iterator:
    if part.get_content_type() == "message/rfc822":
        yield part
        return
    if part.is_multipart():
        inner_related = part.get_content_type() == "multipart/related"
        for sub in part.iter_parts():
            yield from _file_parts(sub, bodies, related=inner_related)
        return
    if id(part) in bodies:
        return
    disposition = part.get_content_disposition()
    if disposition == "attachment":
        yield part
        return
    if related and part.get("Content-ID"):
        return  # an image shown inside the HTML text (logo, pasted screenshot)
    if part.get_filename() or part.get_content_maintype() != "text":
        yield part


def _content(part: EmailMessage) -> bytes:
    try:
        if part.get_content_type() == "message/rfc822":
            return part.get_payload(0).as_bytes()
        return part.get_payload(decode=True) or b""
    except Exception:  # a broken part is one refused file, not a lost message
        return b""


def mail_files(message: EmailMessage) -> list[SimpleUploadedFile]:
    """The files of the message, in their order, as uploads for the site's checks."""
    bodies = {
        id(body)
        for body in (
            message.get_body(preferencelist=("plain",)),
            message.get_body(preferencelist=("html",)),
        )
        if body is not None and body.get_content_disposition() != "attachment"
    }
    files = []
    for part in _file_parts(message, bodies):
        try:
            name = part.get_filename()
        except Exception:
            name = None
        if not name and part.get_content_type() == "message/rfc822":
            name = _("message-transfere.eml")
        files.append(
            SimpleUploadedFile(name or _("piece-jointe"), _content(part), part.get_content_type())
        )
    return files


def checked_files(message: EmailMessage, *, limit: int, uploader) -> list[MailFile]:
    """Each file of the message, accepted (`checked`) or refused (`refusal`): the first
    `limit` files are checked in order, sharing one pixel budget, then against what is left
    of the uploader's quota; the others are refused as too many."""
    results = []
    pixels = attachments.PixelBudget()
    remaining = None
    if uploader is not None:
        remaining = attachment_storage(uploader).remaining
    for index, upload in enumerate(mail_files(message)):
        name = attachments.clean_name(upload.name)
        try:
            if index >= limit:
                raise attachments.Refused(
                    name,
                    _("un message garde au plus %(limit)d pièces jointes ; celle-ci est en trop.")
                    % {"limit": limit},
                )
            checked = attachments.check_upload(upload, pixels=pixels)
            if remaining is not None:
                if checked.size > remaining:
                    raise attachments.Refused(
                        name,
                        _(
                            "il dépasse l'espace de stockage qu'il vous reste (%(remaining)s) : "
                            "demandez à un modérateur de retirer d'anciennes pièces jointes."
                        )
                        % {"remaining": filesizeformat(remaining)},
                    )
                remaining -= checked.size
        except ValidationError as error:
            results.append(MailFile(name=name, checked=None, refusal=" ".join(error.messages)))
            continue
        results.append(MailFile(name=checked.name, checked=checked, refusal=""))
    return results


def accepted(files: list[MailFile]) -> list[attachments.CheckedFile]:
    return [file.checked for file in files if file.checked is not None]


def refused(files: list[MailFile]) -> list[MailFile]:
    return [file for file in files if file.refusal]
