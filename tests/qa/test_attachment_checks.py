"""Attachments are checked by their content (qa/attachments.py, issue 17's bad-input list)."""

import io
import secrets
import zipfile

import pytest
from django.core.exceptions import ValidationError
from PIL import Image

from qa.attachments import PixelBudget, check_count, check_upload, clean_name
from tests.qa.attachment_files import (
    DOCM_TYPES,
    EXE,
    GIF_JS_POLYGLOT,
    SVG,
    huge_png_header,
    jpeg_with_gps,
    office,
    pdf,
    png,
    upload,
    zip_bomb,
    zip_of,
)


def _refusal(name, content) -> str:
    with pytest.raises(ValidationError) as error:
        check_upload(upload(name, content))
    message = " ".join(error.value.messages)
    assert "est refusé" in message
    return message


@pytest.mark.parametrize(
    "name,content,expected",
    [
        ("deliberation.pdf", pdf(), "application/pdf"),
        ("convention.docx", office("docx"), "wordprocessingml.document"),
        ("compte-rendu.odt", office("odt"), "opendocument.text"),
        ("notes.txt", "Compte rendu du conseil : déneigement.".encode(), "text/plain"),
        ("budget.csv", b"poste;montant\nsel;1200\n", "text/csv"),
        ("dossier.zip", zip_of({"a.pdf": pdf(), "b.txt": b"bonjour"}), "application/zip"),
    ],
)
def test_accepted_documents_keep_their_bytes_and_detected_type(name, content, expected):
    checked = check_upload(upload(name, content))
    assert expected in checked.content_type
    assert checked.content == content
    assert checked.name == name
    assert not checked.is_image and checked.thumbnail is None


def test_a_photo_is_reencoded_without_exif_or_gps_and_gets_a_thumbnail():
    original = jpeg_with_gps(size=(1200, 900))
    assert b"Fabricant-Secret" in original
    checked = check_upload(upload("route.jpg", original))
    assert checked.is_image and checked.content_type == "image/jpeg"
    assert b"Fabricant-Secret" not in checked.content
    with Image.open(io.BytesIO(checked.content)) as image:
        assert not image.getexif()
        assert image.size == (1200, 900)
    with Image.open(io.BytesIO(checked.thumbnail)) as thumbnail:
        assert max(thumbnail.size) <= 320


def test_a_png_with_transparency_stays_a_png():
    checked = check_upload(upload("plan.png", png()))
    assert checked.extension == "png" and checked.content_type == "image/png"


def test_a_heic_photo_becomes_a_jpeg_that_browsers_show():
    from pillow_heif import from_pillow

    heic = io.BytesIO()
    from_pillow(Image.new("RGB", (32, 32), "green")).save(heic, quality=50)
    checked = check_upload(upload("IMG_0001.HEIC", heic.getvalue()))
    assert checked.content_type == "image/jpeg" and checked.name == "IMG_0001.jpg"


def test_a_renamed_exe_is_refused_as_a_program():
    assert "exécutable" in _refusal("deliberation.pdf", EXE)


def test_a_gif_js_polyglot_is_refused_whatever_its_name():
    assert "n'est pas accepté" in _refusal("image.gif", GIF_JS_POLYGLOT)
    assert "ne correspond pas" in _refusal("photo.jpg", GIF_JS_POLYGLOT)
    assert "pas un fichier texte" in _refusal("notes.txt", GIF_JS_POLYGLOT)


def test_svg_is_refused_even_renamed():
    assert "SVG" in _refusal("logo.svg", SVG)
    assert "ne correspond pas" in _refusal("logo.png", SVG)
    assert "SVG" in _refusal("logo.txt", SVG)


def test_a_zip_bomb_is_refused(settings):
    assert "bombe ZIP" in _refusal("archives.zip", zip_bomb())


def test_a_zip_over_the_total_cap_is_refused_even_at_a_normal_ratio(settings):
    settings.QA_ATTACHMENT_ZIP_MAX_TOTAL = 10_000
    content = zip_of({f"note-{n}.txt": secrets.token_hex(2560).encode() for n in range(5)})
    assert "bombe ZIP" in _refusal("notes.zip", content)


def test_a_zip_holding_a_program_or_a_nested_zip_is_refused():
    assert "exécutable" in _refusal("dossier.zip", zip_of({"lisezmoi.pdf": EXE}))
    assert "pas accepté" in _refusal("dossier.zip", zip_of({"outil.exe": EXE}))
    assert "pas accepté" in _refusal("dossier.zip", zip_of({"sous.zip": zip_of({"a.txt": b"a"})}))


def test_a_zip_with_a_broken_compressed_stream_is_refused_in_french():
    """zlib's own error, not zipfile's, was a 500."""
    content = bytearray(zip_of({"notes.txt": ("texte " * 5000).encode()}))
    name_length, extra_length = content[26] + 256 * content[27], content[28] + 256 * content[29]
    data = 30 + name_length + extra_length  # the compressed bytes after the local header
    for index in range(data + 2, data + 40):
        content[index] ^= 0xFF
    assert "endommagée" in _refusal("notes.zip", bytes(content))


def test_a_50000_by_50000_png_is_refused_before_decoding():
    assert "trop grande" in _refusal("carte.png", huge_png_header())


def test_a_truncated_jpeg_is_refused():
    content = jpeg_with_gps(size=(400, 300))
    assert "tronquée" in _refusal("photo.jpg", content[: len(content) // 2])


def test_an_encrypted_pdf_is_refused():
    assert "mot de passe" in _refusal("budget.pdf", pdf(password="secret"))


def test_office_documents_with_macros_are_refused():
    assert "macros" in _refusal("convention.docx", office("docx", macros=True))
    assert "macros" in _refusal("convention.docx", office("docx", content_types=DOCM_TYPES))
    assert "macros" in _refusal("compte-rendu.odt", office("odt", macros=True))


def test_a_file_over_the_size_limit_is_refused_before_it_is_read():
    message = _refusal("plan.pdf", b"%PDF-1.7\n" + b"0" * (16 * 1024 * 1024))
    assert "il dépasse 15 Mo" in message


def test_more_files_than_allowed_are_refused(settings):
    with pytest.raises(ValidationError) as error:
        check_count([object()] * 11)
    assert "au plus 10 fichiers" in error.value.messages[0]


def test_a_long_name_with_folders_and_bidi_characters_is_cleaned():
    name = "../../" + "a" * 150 + "\u202egpj.exe\u2066" + "b" * 150 + "\x00.pdf"
    cleaned = clean_name(name)
    assert len(cleaned) <= 120
    assert cleaned.endswith(".pdf")
    assert "/" not in cleaned and ".." not in cleaned
    assert not any(char in cleaned for char in "\u202e\u2066\x00")
    checked = check_upload(upload(name, pdf()))
    assert checked.name == cleaned


def test_a_name_made_only_of_dots_and_folders_gets_a_plain_name():
    assert clean_name("../..") == "fichier"
    assert clean_name("dossier\\..\\.htaccess.pdf") == "htaccess.pdf"
    assert clean_name("<script>/.txt") == "fichier.txt"


# --- A ZIP's members get the checks of a file sent alone (review of stop 23) ---------------


def test_a_docx_with_macros_inside_a_zip_is_refused():
    content = zip_of({"convention.docx": office("docx", macros=True)})
    message = _refusal("dossier.zip", content)
    assert "« convention.docx »" in message and "macros" in message


def test_an_odt_with_basic_macros_inside_a_zip_is_refused():
    assert "macros" in _refusal("dossier.zip", zip_of({"cr.odt": office("odt", macros=True)}))


def test_an_encrypted_pdf_inside_a_zip_is_refused():
    content = zip_of({"budget.pdf": pdf(password="secret"), "lisezmoi.txt": b"bonjour"})
    assert "mot de passe" in _refusal("dossier.zip", content)


def test_a_script_in_a_text_file_inside_a_zip_is_refused():
    content = zip_of({"notes.txt": b"<script>alert(1)</script>"})
    assert "script" in _refusal("dossier.zip", content)


def test_a_photo_inside_a_zip_loses_its_exif_and_gps():
    content = zip_of({"photos/route.jpg": jpeg_with_gps(), "note.txt": b"la route"})
    checked = check_upload(upload("photos.zip", content))
    assert b"Fabricant-Secret" not in checked.content
    with zipfile.ZipFile(io.BytesIO(checked.content)) as archive:
        assert archive.namelist() == ["photos/route.jpg", "note.txt"]
        assert archive.read("note.txt") == b"la route"
        with Image.open(io.BytesIO(archive.read("photos/route.jpg"))) as photo:
            assert photo.size == (64, 48) and not photo.getexif()


def test_a_zip_of_office_files_shares_one_decompression_cap(settings):
    """An archive of documents that are archives themselves: their insides count too."""
    settings.QA_ATTACHMENT_ZIP_MAX_TOTAL = 60_000
    output = io.BytesIO(office("docx"))
    with zipfile.ZipFile(output, "a", zipfile.ZIP_DEFLATED) as docx:
        docx.writestr("word/settings.xml", secrets.token_hex(25_000))
    document = output.getvalue()
    assert check_upload(upload("a.docx", document))
    content = zip_of({"a.docx": document, "b.docx": document})
    assert "bombe ZIP" in _refusal("dossier.zip", content)


# --- The decoding work of one post is capped (review of stop 23) ---------------------------


def test_the_images_of_one_post_share_a_pixel_budget(settings):
    settings.QA_ATTACHMENT_MAX_PIXELS_PER_POST = 1_000_000
    budget = PixelBudget()
    check_upload(upload("a.jpg", jpeg_with_gps(size=(1000, 600))), pixels=budget)
    with pytest.raises(ValidationError) as error:
        check_upload(upload("b.jpg", jpeg_with_gps(size=(1000, 600))), pixels=budget)
    assert "dépassent ensemble 1 millions de pixels" in error.value.messages[0]


def test_the_pixel_budget_is_taken_before_the_image_is_decoded(settings, monkeypatch):
    settings.QA_ATTACHMENT_MAX_PIXELS_PER_POST = 100
    content, decoded = png(size=(20, 20)), []
    monkeypatch.setattr(Image.Image, "load", lambda image: decoded.append(image))
    with pytest.raises(ValidationError):
        check_upload(upload("a.png", content))
    assert decoded == []


def test_images_inside_a_zip_count_in_the_pixel_budget(settings):
    settings.QA_ATTACHMENT_MAX_PIXELS_PER_POST = 5_000
    content = zip_of({f"p{n}.jpg": jpeg_with_gps() for n in range(3)})  # 3 × 3,072 pixels
    assert "millions de pixels" in _refusal("photos.zip", content)
