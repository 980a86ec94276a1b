"""Checking an attached file by its content, never by its name (issue 17).

`check_upload` reads an uploaded file and either refuses it with a French message
(`ValidationError`) or returns a `CheckedFile`: the cleaned original name, the detected type,
the bytes to store (images re-encoded without their metadata) and, for an image, a thumbnail.

What is refused, and why:
- a type outside the list (`ALLOWED`), or whose bytes say something else than its extension
  (a renamed `.exe`, a GIF/JS polyglot named `.jpg`, an SVG named `.png`);
- executables, whatever their name; SVG (it can carry scripts), even inside a `.txt`;
- Office files with macros (`vbaProject.bin`, a `macroEnabled` content type) and
  OpenDocument files with Basic or script folders;
- encrypted PDFs (nobody but the sender could read them, and no check can look inside);
- ZIP bombs: members are decompressed for real, stopping at a ratio and a total cap
  (`QA_ATTACHMENT_ZIP_MAX_RATIO`, `QA_ATTACHMENT_ZIP_MAX_TOTAL`), since headers can lie;
- images above `QA_ATTACHMENT_MAX_PIXELS` (decompression bombs) and truncated images, and
  the images of one post past `QA_ATTACHMENT_MAX_PIXELS_PER_POST` together (`PixelBudget`:
  the decoding work of one request is bounded, not only that of one image);
- files clamd finds a virus in, when `CLAMD_SOCKET` is set (`qa/antivirus.py`; refused too
  while clamd cannot answer: fail closed).

Every member of a ZIP goes through the same checks as a file sent alone (macros, encrypted
PDF, SVG or script in a text), and its images are re-encoded too: the archive is then written
again with the cleaned images.

Images are decoded and saved again by Pillow from their pixels alone: EXIF (and its GPS
position), comments and colour profiles do not survive. HEIC photos become JPEG, which
browsers display.
"""

from __future__ import annotations

import functools
import io
import logging
import lzma
import os
import secrets
import unicodedata
import warnings
import zipfile
import zlib
from dataclasses import dataclass

import filetype
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from PIL import Image, ImageOps

from directory.text import clean_text
from qa import antivirus

logger = logging.getLogger(__name__)

NAME_MAX_LENGTH = 120
FOLDER = "pieces-jointes"  # in the storage: every attachment and thumbnail, nothing else
THUMBNAIL_SIZE = (320, 320)

# Extension → the MIME type its bytes must be detected as (None: plain text, which
# `filetype` does not detect).
ALLOWED = {
    "pdf": "application/pdf",
    "odt": "application/vnd.oasis.opendocument.text",
    "ods": "application/vnd.oasis.opendocument.spreadsheet",
    "odp": "application/vnd.oasis.opendocument.presentation",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "txt": None,
    "csv": None,
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
    "png": "image/png",
    "webp": "image/webp",
    "heic": "image/heic",
    "zip": "application/zip",
}
# What a browser is told when the file is downloaded.
SERVED_TYPE = {
    **{ext: mime for ext, mime in ALLOWED.items() if mime},
    "txt": "text/plain; charset=utf-8",
    "csv": "text/csv; charset=utf-8",
    "heic": "image/jpeg",
}
IMAGES = {"jpg", "jpeg", "png", "webp", "heic"}
OFFICE_ZIPS = {"docx", "xlsx", "pptx", "odt", "ods", "odp"}
# A file whose bytes say "program" is refused with its own message, whatever its name.
EXECUTABLES = {
    "application/x-msdownload",
    "application/x-executable",
    "application/x-elf",
    "application/x-mach-binary",
    "application/x-shockwave-flash",
    "application/wasm",
    "application/x-google-chrome-extension",
    "application/x-deb",
    "application/x-rpm",
    "application/vnd.ms-cab-compressed",
}
# Pillow's format → (format to save as, extension of the stored file).
SAVE_AS = {"JPEG": ("JPEG", "jpg"), "PNG": ("PNG", "png"), "WEBP": ("WEBP", "webp")}


@dataclass
class CheckedFile:
    """An upload that passed every check: what the service stores."""

    name: str  # the cleaned original name, shown to readers
    extension: str  # of the stored bytes (a HEIC photo becomes "jpg")
    content_type: str
    content: bytes
    is_image: bool = False
    width: int | None = None
    height: int | None = None
    thumbnail: bytes | None = None

    @property
    def size(self) -> int:
        return len(self.content)


class PixelBudget:
    """The pixels the images of one post may still decode (`QA_ATTACHMENT_MAX_PIXELS_PER_POST`).

    Each image's size is read from its header and taken from the budget before its pixels are
    decoded, so one request never decodes more than the budget, whatever its files hold."""

    def __init__(self, pixels: int | None = None):
        self.left = settings.QA_ATTACHMENT_MAX_PIXELS_PER_POST if pixels is None else pixels

    def take(self, name: str, pixels: int) -> None:
        if pixels > self.left:
            _refuse(
                name,
                _(
                    "les images de ce message dépassent ensemble %(pixels)s millions de pixels : "
                    "envoyez-en moins, ou réduisez-les."
                )
                % {"pixels": settings.QA_ATTACHMENT_MAX_PIXELS_PER_POST // 1_000_000},
            )
        self.left -= pixels


class _Inflation:
    """The bytes one uploaded file may still decompress (`QA_ATTACHMENT_ZIP_MAX_TOTAL`): an
    archive and the Office or OpenDocument files inside it share it."""

    def __init__(self):
        self.left = settings.QA_ATTACHMENT_ZIP_MAX_TOTAL


class Refused(ValidationError):
    """A file refused, with the reason alone (`reason`) to quote it for an archive's member."""

    def __init__(self, name: str, reason: str):
        self.reason = reason
        super().__init__(
            _("Le fichier « %(name)s » est refusé : %(reason)s") % {"name": name, "reason": reason},
            code="refused",
        )


def storage_name(extension: str) -> str:
    """A name nobody can guess or choose: 128 random bits, the checked extension."""
    return f"{FOLDER}/{secrets.token_hex(16)}.{extension}"


def clean_name(name: str) -> str:
    """The name as readers will see it: no folders, no control or bidi characters, no
    leading dots, at most `NAME_MAX_LENGTH` characters (the extension kept)."""
    name = clean_text(str(name or "")).replace("\n", " ").replace("\t", " ")
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(char for char in name if unicodedata.category(char)[0] != "C")
    name = " ".join(name.split())
    stem, dot, extension = name.rpartition(".")
    if not dot:
        stem, extension = name, ""
    extension = extension.strip()[:10]
    stem = stem.lstrip(". ")[: NAME_MAX_LENGTH - len(extension) - 1].rstrip(". ")
    stem = stem or _("fichier")
    return f"{stem}.{extension}" if extension else stem[:NAME_MAX_LENGTH]


def count_label(count: int) -> str:
    """« 2 pièces jointes », as notifications and feeds mention a post's files; "" for none."""
    if not count:
        return ""
    return ngettext("%(count)d pièce jointe", "%(count)d pièces jointes", count) % {"count": count}


def megabytes(size: int) -> str:
    """A limit as people say it: "15 Mo" (1 Mo = 1,048,576 octets here)."""
    return _("%(size)s Mo") % {"size": f"{size / 1024 / 1024:.3g}".replace(".", ",")}


def check_count(files, limit: int | None = None) -> None:
    """At most `limit` files (a question or an answer: `QA_ATTACHMENTS_PER_POST`)."""
    limit = settings.QA_ATTACHMENTS_PER_POST if limit is None else limit
    if len(files) > limit:
        raise ValidationError(
            _("Vous pouvez joindre au plus %(limit)d fichiers à un message (%(count)d choisis).")
            % {"limit": limit, "count": len(files)},
            code="too_many",
        )


def check_upload(upload, *, pixels: PixelBudget | None = None) -> CheckedFile:
    """The checked file, or a `ValidationError` naming the file and the reason. `pixels` is
    the budget shared by the files of one post (a fresh one for a file alone)."""
    name = clean_name(getattr(upload, "name", ""))
    extension = name.rpartition(".")[2].lower() if "." in name else ""
    limit = settings.QA_ATTACHMENT_MAX_SIZE
    if upload.size > limit:
        _refuse(name, _("il dépasse %(limit)s.") % {"limit": megabytes(limit)})
    if not upload.size:
        _refuse(name, _("il est vide."))
    upload.seek(0)
    content = upload.read(limit + 1)
    checked = _check_content(name, extension, content, pixels or PixelBudget(), _Inflation())
    if antivirus.is_enabled():
        _scan(name, content)
    return checked


def _check_content(
    name: str, extension: str, content: bytes, pixels: PixelBudget, inflation: _Inflation
) -> CheckedFile:
    """Every check but the size and the antivirus: for a file sent alone or an archive's
    member."""
    detected = filetype.guess_mime(content[:8192])
    if detected in EXECUTABLES:
        _refuse(name, _("c'est un programme exécutable."))
    if extension == "svg" or detected == "image/svg+xml":
        _refuse(name, _("les images SVG sont refusées, car elles peuvent contenir des scripts."))
    if extension not in ALLOWED:
        _refuse(name, _not_allowed())
    expected = ALLOWED[extension]
    if expected is None:
        _check_text(name, content, detected)
        return CheckedFile(name, extension, SERVED_TYPE[extension], content)
    if detected != expected:
        _refuse(
            name,
            _("son contenu ne correspond pas à son extension « .%(extension)s ».")
            % {"extension": extension},
        )
    if extension in IMAGES:
        return _reencode_image(name, content, pixels)
    if extension == "pdf":
        _check_pdf(name, content)
    elif extension == "zip":
        content = _check_archive(name, content, pixels, inflation)
    else:
        _inflate(name, content, inflation)
        _check_no_macros(name, content, extension)
    return CheckedFile(name, extension, SERVED_TYPE[extension], content)


def _scan(name: str, content: bytes) -> None:
    try:
        signature = antivirus.scan(content)
    except antivirus.ScanUnavailable as error:
        logger.error("Attachment « %s » refused, not scanned: %s", name, error)
        _refuse(
            name,
            _(
                "l'analyse antivirus est momentanément indisponible. Réessayez dans quelques "
                "minutes."
            ),
        )
    if signature:
        logger.warning("Attachment « %s » refused: clamd found %s", name, signature)
        _refuse(
            name,
            _("l'antivirus y a détecté un logiciel malveillant (%(signature)s).")
            % {"signature": signature},
        )


def _refuse(name: str, reason: str):
    raise Refused(name, reason)


def _not_allowed() -> str:
    return _(
        "ce type de fichier n'est pas accepté. Types acceptés : PDF, ODT, ODS, ODP, DOCX, "
        "XLSX, PPTX, TXT, CSV, JPEG, PNG, WebP, HEIC, et ZIP de ces fichiers."
    )


def _check_text(name: str, content: bytes, detected: str | None) -> None:
    if detected is not None or b"\x00" in content:
        _refuse(name, _("ce n'est pas un fichier texte."))
    try:
        text = content.decode("utf-8")
    except UnicodeDecodeError:
        text = content.decode("cp1252", errors="replace")
    lowered = text.lower()
    if "<svg" in lowered or "<script" in lowered:
        _refuse(name, _("un fichier texte ne peut pas contenir de code SVG ou de script."))


def _check_pdf(name: str, content: bytes) -> None:
    # Imported when a PDF comes: pypdf holds about 25 MiB in every worker that loads it
    # (benchmarks/README.md, « Worker memory »), and pages never need it.
    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    try:
        encrypted = PdfReader(io.BytesIO(content)).is_encrypted
    except (PyPdfError, ValueError, KeyError, TypeError, OSError):
        _refuse(name, _("ce PDF est illisible ou endommagé."))
    if encrypted:
        _refuse(
            name,
            _("ce PDF est protégé par un mot de passe. Enregistrez-le sans protection."),
        )


def _members(name: str, content: bytes, inflation: _Inflation):
    """(member, its decompressed bytes) of every file of a ZIP, decompressed for real (headers
    can lie) within the ratio, the member count and the file's inflation budget."""
    ratio_cap = settings.QA_ATTACHMENT_ZIP_MAX_RATIO
    bomb = _("cette archive se décompresse en un volume anormal (bombe ZIP).")
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive_file:
            members = archive_file.infolist()
            if len(members) > settings.QA_ATTACHMENT_ZIP_MAX_MEMBERS:
                _refuse(name, _("cette archive contient trop de fichiers."))
            for member in members:
                if member.flag_bits & 0x1:
                    _refuse(name, _("cette archive est protégée par un mot de passe."))
                if member.is_dir():
                    continue
                chunks, size = [], 0
                with archive_file.open(member) as stream:
                    while chunk := stream.read(64 * 1024):
                        chunks.append(chunk)
                        size += len(chunk)
                        inflation.left -= len(chunk)
                        if inflation.left < 0 or size > ratio_cap * max(member.compress_size, 1):
                            _refuse(name, bomb)
                yield member, b"".join(chunks)
    except (
        zipfile.BadZipFile,
        zipfile.LargeZipFile,
        EOFError,
        NotImplementedError,  # a compression method zipfile cannot read (not a to-do)
        zlib.error,  # a broken deflate stream
        lzma.LZMAError,
        OSError,  # a broken bzip2 stream
    ):
        _refuse(name, _("cette archive est illisible ou endommagée."))
    except RuntimeError:  # an encrypted member without the flag
        _refuse(name, _("cette archive est protégée par un mot de passe."))


def _inflate(name: str, content: bytes, inflation: _Inflation) -> None:
    """An Office or OpenDocument file is a ZIP: the same caps, nothing else asked of members."""
    for _member in _members(name, content, inflation):
        pass


def _check_archive(name: str, content: bytes, pixels: PixelBudget, inflation: _Inflation) -> bytes:
    """Each member of a ZIP the member sends must be an accepted, non-archive type and pass the
    checks of a file sent alone. Returns the bytes to store: the archive itself, or, when it
    holds images, the archive written again with the images re-encoded (no EXIF, no GPS)."""
    checked_members, reencoded = [], False
    for member, data in _members(name, content, inflation):
        member_name = clean_name(member.filename)
        extension = member_name.rpartition(".")[2].lower() if "." in member_name else ""
        if extension == "zip" or extension not in ALLOWED:
            _refuse(
                name,
                _("l'archive contient « %(member)s », d'un type qui n'est pas accepté.")
                % {"member": member_name},
            )
        try:
            checked = _check_content(member_name, extension, data, pixels, inflation)
        except Refused as refusal:
            _refuse(
                name,
                _("dans l'archive, « %(member)s » : %(reason)s")
                % {"member": member_name, "reason": refusal.reason},
            )
        arcname = member.filename
        if checked.is_image:
            reencoded = True
            if checked.extension != extension:  # a HEIC photo, now a JPEG
                arcname = f"{os.path.splitext(arcname)[0]}.{checked.extension}"
        checked_members.append((arcname, checked.content))
    if not reencoded:
        return content
    output = io.BytesIO()
    with zipfile.ZipFile(output, "w", zipfile.ZIP_DEFLATED) as archive_file:
        for arcname, data in checked_members:
            archive_file.writestr(arcname, data)
    return output.getvalue()


def _check_no_macros(name: str, content: bytes, extension: str) -> None:
    macros = _("les documents contenant des macros sont refusés.")
    with zipfile.ZipFile(io.BytesIO(content)) as document:
        names = [entry.lower() for entry in document.namelist()]
        if any(entry.endswith("vbaproject.bin") for entry in names):
            _refuse(name, macros)
        if extension in {"docx", "xlsx", "pptx"} and "[content_types].xml" in names:
            types = document.read(document.getinfo(_real(document, "[content_types].xml")))
            if b"macroenabled" in types.lower() or b"vbaproject" in types.lower():
                _refuse(name, macros)
        if extension in {"odt", "ods", "odp"} and any(
            entry.startswith(("basic/", "scripts/")) for entry in names
        ):
            _refuse(name, macros)


def _real(document: zipfile.ZipFile, lowered: str) -> str:
    return next(entry for entry in document.namelist() if entry.lower() == lowered)


@functools.cache
def _open_heic() -> None:
    """HEIC photos (phones) open in Pillow; they are saved as JPEG. Registered when the first
    image comes (pillow_heif holds about 11 MiB; pages never need it)."""
    from pillow_heif import register_heif_opener

    register_heif_opener()


def _reencode_image(name: str, content: bytes, pixels: PixelBudget) -> CheckedFile:
    _open_heic()
    too_big = _("l'image est trop grande (au plus %(pixels)s millions de pixels).") % {
        "pixels": settings.QA_ATTACHMENT_MAX_PIXELS // 1_000_000
    }
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(content)) as image:
                width, height = image.size
                if width * height > settings.QA_ATTACHMENT_MAX_PIXELS:
                    _refuse(name, too_big)
                pixels.take(name, width * height)
                source_format = image.format
                image.load()
                image = ImageOps.exif_transpose(image)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        _refuse(name, too_big)
    except (OSError, SyntaxError, ValueError):
        _refuse(name, _("l'image est tronquée ou endommagée."))
    save_format, extension = SAVE_AS.get(source_format, ("JPEG", "jpg"))
    clean = _pixels_only(image, save_format)
    output = io.BytesIO()
    options = {"quality": 88} if save_format in {"JPEG", "WEBP"} else {}
    clean.save(output, format=save_format, **options)
    thumbnail = clean.convert("RGB") if clean.mode not in {"RGB", "L"} else clean.copy()
    thumbnail.thumbnail(THUMBNAIL_SIZE)
    thumbnail_bytes = io.BytesIO()
    thumbnail.save(thumbnail_bytes, format="JPEG", quality=80)
    if source_format not in SAVE_AS:  # a HEIC photo, now a JPEG
        name = f"{os.path.splitext(name)[0]}.jpg"
    return CheckedFile(
        name=name,
        extension=extension,
        content_type=Image.MIME[save_format],
        content=output.getvalue(),
        is_image=True,
        width=clean.width,
        height=clean.height,
        thumbnail=thumbnail_bytes.getvalue(),
    )


def _pixels_only(image: Image.Image, save_format: str) -> Image.Image:
    """A new image holding only the pixels: no EXIF, GPS, XMP, comment or profile."""
    mode = image.mode
    if save_format == "JPEG" and mode not in {"RGB", "L"}:
        image, mode = image.convert("RGB"), "RGB"
    elif mode not in {"RGB", "RGBA", "L", "LA", "P"}:
        image, mode = image.convert("RGBA"), "RGBA"
    clean = Image.new(mode, image.size)
    if mode == "P":
        clean.putpalette(image.getpalette())
    clean.paste(image)
    return clean
