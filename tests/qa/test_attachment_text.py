"""Text extraction of attachments for search (issue 17, item 4): each type, the caps, and
broken files that give no text instead of an error."""

import io
import random
import tracemalloc

import pytest
from docx import Document
from PIL import Image

from qa.attachments import check_upload
from qa.extraction import extract_text
from tests.qa.attachment_files import upload
from tests.qa.text_files import docx_with_text, odf_with_text, pdf_with_text


def test_the_text_of_every_page_of_a_pdf_is_read():
    text = extract_text(pdf_with_text("Convention de groupement", "Article deux"), "pdf")

    assert "Convention de groupement" in text
    assert "Article deux" in text


@pytest.mark.parametrize("kind", ["odt", "ods", "odp"])
def test_opendocument_paragraphs_and_headings_are_read_with_their_spaces(kind):
    text = extract_text(odf_with_text("Délibération du conseil", kind=kind), kind)

    assert text.splitlines() == ["Délibération du conseil", "Titre du document"]


def test_a_docx_gives_its_paragraphs_and_table_cells():
    text = extract_text(docx_with_text("Arrêté municipal", cell="Tarif cantine"), "docx")

    assert text.splitlines() == ["Arrêté municipal", "Tarif cantine"]


def test_a_heavy_docx_is_read_as_a_stream_of_its_text_only():
    """A DOCX is mostly its pictures: the reader streams `word/document.xml` and never loads
    them, nor the whole document tree (the 20 MB DOCX of the benchmark, benchmarks/README.md)."""
    photo = io.BytesIO()
    Image.frombytes("RGB", (1200, 1200), random.Random(1).randbytes(1200 * 1200 * 3)).save(
        photo, format="PNG"
    )
    document = Document()
    document.add_paragraph("Délibération\tdu conseil")
    for number in range(1_500):
        document.add_paragraph(f"Paragraphe {number} du règlement de voirie communale.")
    document.add_picture(io.BytesIO(photo.getvalue()))
    output = io.BytesIO()
    document.save(output)
    content = output.getvalue()
    assert len(content) > 4_000_000  # the picture

    tracemalloc.start()
    try:
        text = extract_text(content, "docx")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()

    assert text.splitlines()[:2] == [
        "Délibération du conseil",
        "Paragraphe 0 du règlement de voirie communale.",
    ]
    assert "Paragraphe 1499 du règlement" in text
    assert peak < 1_000_000  # far below the 4 MB picture


def test_text_files_are_decoded_utf8_or_windows_1252():
    assert extract_text("Élagage;haies\n".encode(), "csv") == "Élagage;haies"
    assert extract_text("Élagage des haies".encode("cp1252"), "txt") == "Élagage des haies"


def test_the_files_built_here_pass_the_upload_checks():
    for name, content in [
        ("a.pdf", pdf_with_text("x")),
        ("a.odt", odf_with_text("x")),
        ("a.docx", docx_with_text("x")),
    ]:
        assert check_upload(upload(name, content)).name == name


def test_a_huge_text_is_cut_on_a_word_at_the_cap(settings):
    settings.QA_ATTACHMENT_TEXT_MAX_CHARS = 1_000

    text = extract_text(("mutualisation " * 500).encode(), "txt")

    assert 900 < len(text) <= 1_000
    assert text.endswith("mutualisation")


def test_reading_stops_after_the_pages_limit(settings):
    settings.QA_ATTACHMENT_TEXT_MAX_PAGES = 2

    text = extract_text(pdf_with_text("un", "deux", "trois", "quatre"), "pdf")

    assert text.split() == ["un", "deux"]


def test_reading_stops_when_the_time_is_up(settings):
    settings.QA_ATTACHMENT_TEXT_SECONDS = -1  # already past: only the first piece is kept

    assert extract_text(b"premier\nsecond\n", "txt") == "premier"


@pytest.mark.parametrize(
    ("content", "extension"),
    [
        (b"%PDF-1.4\n1 0 obj broken", "pdf"),
        (pdf_with_text("x")[:120], "pdf"),
        (b"PK\x03\x04 not a zip", "odt"),
        (b"PK\x03\x04 not a zip", "docx"),
        (b"", "pdf"),
    ],
)
def test_a_broken_file_gives_an_empty_text_never_an_error(content, extension):
    assert extract_text(content, extension) == ""


def test_types_without_text_give_nothing():
    assert extract_text(b"\xff\xd8\xff", "jpg") == ""
    assert extract_text(b"PK", "zip") == ""
