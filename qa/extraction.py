"""The text inside an attached file, for search (issue 17, item 4).

Also the reader of the editors' Wagtail documents (`website.pages.services.
document_text_extract`): the CMS sits above this app, so it uses this module, with the same
caps, rather than a copy of it.

`extract_text(content, extension)` returns the plain text of a PDF (`pypdf`), a DOCX (the
paragraphs of its `word/document.xml`, streamed with `zipfile` and `defusedxml`: python-docx
loaded the pictures and the whole tree, 80 MB for a 17 MB DOCX), an OpenDocument file (ODT,
ODS, ODP: the paragraphs of its `content.xml`, read the same way — `odfdo` and `odfpy` are
not available to this project offline) or a TXT/CSV file (UTF-8, else Windows-1252). Other
types (images, XLSX, PPTX, ZIP) have no text here.

Capped, and never failing:
- at most `QA_ATTACHMENT_TEXT_MAX_CHARS` characters (200,000), cut on a word boundary;
- at most `QA_ATTACHMENT_TEXT_MAX_PAGES` PDF pages, paragraphs or cells read (2,000);
- at most `QA_ATTACHMENT_TEXT_SECONDS` (20) of work: the clock is checked between pages and
  paragraphs, and what was read by then is kept (one page that takes longer by itself is not
  interrupted: the task runs in a worker, never in a web request);
- an unreadable file gives an empty text (logged), never an error for its post.
"""

from __future__ import annotations

import io
import logging
import time
import zipfile
from collections.abc import Iterator

from defusedxml import ElementTree
from django.conf import settings

logger = logging.getLogger(__name__)

ODF_TEXT = "urn:oasis:names:tc:opendocument:xmlns:text:1.0"
# Elements that hold one paragraph of text, and those that stand for a space inside one.
ODF_PARAGRAPHS = {f"{{{ODF_TEXT}}}p", f"{{{ODF_TEXT}}}h"}
ODF_SPACES = {f"{{{ODF_TEXT}}}s", f"{{{ODF_TEXT}}}tab", f"{{{ODF_TEXT}}}line-break"}
# `content.xml` (ODF) and `word/document.xml` (DOCX) are read at most this far (the upload
# checks already capped the archive).
ODF_MAX_XML = 50 * 1024 * 1024
# A DOCX's text: the paragraphs of its main part, their runs' text, tabs and breaks as spaces.
DOCX_BODY = "word/document.xml"
WORD = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
DOCX_PARAGRAPH = f"{{{WORD}}}p"
DOCX_SPACES = {f"{{{WORD}}}tab", f"{{{WORD}}}br", f"{{{WORD}}}cr"}
DOCX_TEXTS = {f"{{{WORD}}}t", *DOCX_SPACES}


class _Budget:
    """Characters, pieces and seconds left for one file."""

    def __init__(self):
        self.chars = settings.QA_ATTACHMENT_TEXT_MAX_CHARS
        self.pieces = settings.QA_ATTACHMENT_TEXT_MAX_PAGES
        self.deadline = time.monotonic() + settings.QA_ATTACHMENT_TEXT_SECONDS

    def collect(self, pieces: Iterator[str]) -> str:
        parts, length = [], 0
        for piece in pieces:
            piece = " ".join(piece.split())
            if piece:
                parts.append(piece)
                length += len(piece) + 1
            self.pieces -= 1
            if length > self.chars or self.pieces <= 0 or time.monotonic() > self.deadline:
                break
        return _cut("\n".join(parts), self.chars)


def _cut(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    text = text[:limit]
    space = text.rfind(" ")
    return text[:space] if space > limit * 0.9 else text


def extract_text(content: bytes, extension: str) -> str:
    """The plain text of a file, capped; "" for a type without text or an unreadable file."""
    reader = READERS.get(extension.lower())
    if reader is None:
        return ""
    try:
        return _Budget().collect(reader(content))
    except Exception:  # a broken file must never break its post
        logger.warning("No text extracted from a .%s attachment", extension, exc_info=True)
        return ""


def _pdf(content: bytes) -> Iterator[str]:
    from pypdf import PdfReader

    for page in PdfReader(io.BytesIO(content)).pages:
        yield page.extract_text() or ""


def _docx(content: bytes) -> Iterator[str]:
    """The paragraphs of `word/document.xml` (table cells included), in order, streamed
    (`iterparse`): the pictures, most of a heavy DOCX, are never loaded, nor the whole tree."""
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        if archive.getinfo(DOCX_BODY).file_size > ODF_MAX_XML:
            return
        with archive.open(DOCX_BODY) as xml:
            for _event, element in ElementTree.iterparse(xml):
                if element.tag in DOCX_SPACES:
                    element.text = " "
                elif element.tag == DOCX_PARAGRAPH:
                    yield "".join(
                        node.text or "" for node in element.iter() if node.tag in DOCX_TEXTS
                    )
                    element.clear()


def _odf(content: bytes) -> Iterator[str]:
    """The paragraphs and headings of `content.xml`, in order, streamed (`iterparse`)."""
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        if archive.getinfo("content.xml").file_size > ODF_MAX_XML:
            return
        with archive.open("content.xml") as xml:
            for _event, element in ElementTree.iterparse(xml):
                if element.tag in ODF_SPACES:
                    element.text = " " + (element.text or "")
                elif element.tag in ODF_PARAGRAPHS:
                    yield "".join(element.itertext())
                    element.clear()


def _plain(content: bytes) -> Iterator[str]:
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = content.decode("cp1252", errors="replace")
    yield from text.splitlines()


READERS = {
    "pdf": _pdf,
    "docx": _docx,
    "odt": _odf,
    "ods": _odf,
    "odp": _odf,
    "txt": _plain,
    "csv": _plain,
}
