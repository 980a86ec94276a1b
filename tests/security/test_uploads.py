"""Uploads: Wagtail documents through the admin, and the directory import file.

Dangerous document types (`.html`, SVG with script, double or upper-case extensions) are
refused by the admin with a French message; a path-traversal file name is stored inside the
documents folder under a plain name; a text file full of HTML is served as `text/plain` with
`nosniff` and Wagtail's `default-src 'none'` CSP (so it can never run as a page of the site).
The directory import page refuses binary and oversized files with a French message.
"""

from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from wagtail.documents import get_document_model
from wagtail.models import Collection

from directory import importer
from directory.models import Person

pytestmark = pytest.mark.django_db

SVG_WITH_SCRIPT = (
    b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)">'
    b"<script>alert(document.domain)</script></svg>"
)
HTML_PAGE = b"<!doctype html><html><body><script>alert(document.cookie)</script></body></html>"


def _upload(client, title, name, content, content_type="application/octet-stream"):
    return client.post(
        "/admin/documents/add/",
        {
            "title": title,
            "file": SimpleUploadedFile(name, content, content_type=content_type),
            "collection": Collection.get_first_root_node().pk,
        },
    )


@pytest.mark.parametrize(
    "name,content,content_type",
    [
        ("page.html", HTML_PAGE, "text/html"),
        ("page.htm", HTML_PAGE, "text/html"),
        ("PAGE.HTML", HTML_PAGE, "text/html"),
        ("page.xhtml", HTML_PAGE, "application/xhtml+xml"),
        ("logo.svg", SVG_WITH_SCRIPT, "image/svg+xml"),
        ("logo.SvG", SVG_WITH_SCRIPT, "image/svg+xml"),
        ("rapport.pdf.html", HTML_PAGE, "text/html"),
        ("script.js", b"alert(1)", "text/javascript"),
        ("page.shtml", HTML_PAGE, "text/html"),
        ("sans-extension", HTML_PAGE, "text/html"),
    ],
)
def test_an_editor_cannot_upload_html_svg_or_script_documents(
    client, editor, name, content, content_type
):
    client.force_login(editor)
    response = _upload(client, "Fichier dangereux", name, content, content_type)
    assert response.status_code == 200
    body = response.content.decode()
    assert "extension" in body and "autorisée" in body
    assert not get_document_model().objects.filter(title="Fichier dangereux").exists()


def test_an_oversized_document_is_refused_with_a_french_message(client, editor, settings):
    settings.WAGTAILDOCS_MAX_UPLOAD_SIZE = 2048
    client.force_login(editor)
    response = _upload(client, "Trop gros", "guide.pdf", b"%PDF-1.4" + b"0" * 8192)
    assert response.status_code == 200
    assert "trop" in response.content.decode()
    assert not get_document_model().objects.filter(title="Trop gros").exists()


@pytest.mark.parametrize(
    "name",
    [
        "../../../website/settings.txt",
        "..\\..\\..\\website\\settings.txt",
        "/etc/passwd.txt",
        "....//....//evil.txt",
        "%2e%2e%2fevil.txt",
    ],
)
def test_a_path_traversal_file_name_stays_inside_the_documents_folder(client, editor, name):
    client.force_login(editor)
    response = _upload(client, "Nom piégé", name, b"Contenu inoffensif.", "text/plain")
    assert response.status_code == 302
    document = get_document_model().objects.get(title="Nom piégé")
    stored = document.file.name
    assert stored.startswith("documents/")
    assert ".." not in stored and "\\" not in stored
    path = Path(document.file.path).resolve()
    assert path.is_relative_to(Path(settings.MEDIA_ROOT).resolve() / "documents")


def test_a_text_document_full_of_html_is_served_inert(client, editor, member):
    client.force_login(editor)
    response = _upload(client, "Notes", "notes.txt", HTML_PAGE, "text/html")
    assert response.status_code == 302
    document = get_document_model().objects.get(title="Notes")
    client.force_login(member)
    served = client.get(document.url)
    assert served.status_code == 200
    assert served["Content-Type"].startswith("text/plain")
    assert served["X-Content-Type-Options"] == "nosniff"
    csp = served["Content-Security-Policy"]
    assert "default-src 'none'" in csp or "sandbox" in csp
    assert "script-src" not in csp or "'unsafe-inline'" not in csp


def test_an_office_document_is_served_as_an_attachment(client, editor, member):
    client.force_login(editor)
    response = _upload(client, "Tableau", "tableau.xlsx", b"PK\x03\x04fake", "application/zip")
    assert response.status_code == 302
    document = get_document_model().objects.get(title="Tableau")
    client.force_login(member)
    served = client.get(document.url)
    assert served.status_code == 200
    assert served["Content-Disposition"].startswith("attachment")
    assert served["X-Content-Type-Options"] == "nosniff"


# --- Directory import ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name,content",
    [
        ("liste.csv", b"Pr\x00nom;Nom\x00\x01\x02"),
        ("liste.csv", b"%PDF-1.7\n%binary"),
        ("liste.csv", b"PK\x03\x04" + b"\x00" * 64),
        ("liste.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 64),
    ],
)
def test_the_directory_import_refuses_binary_files_in_french(client, moderator, name, content):
    client.force_login(moderator)
    before = Person.objects.count()
    response = client.post(
        reverse("directory:import_upload"),
        {"fichier": SimpleUploadedFile(name, content, content_type="text/csv")},
    )
    assert response.status_code == 200
    assert "pas un fichier texte" in response.content.decode()
    assert Person.objects.count() == before


def test_the_directory_import_refuses_an_oversized_file_in_french(client, moderator):
    client.force_login(moderator)
    row = "Camille;Exemple;Commune de Test;camille@example.org;Maire\n"
    content = ("Prénom;Nom;Structure;Mail;Fonction\n" + row * 40_000).encode()
    assert len(content) > importer.MAX_IMPORT_BYTES
    response = client.post(
        reverse("directory:import_upload"),
        {"fichier": SimpleUploadedFile("liste.csv", content, content_type="text/csv")},
    )
    assert response.status_code == 200
    assert "trop volumineux" in response.content.decode()
    assert Person.objects.count() == 0


def test_only_moderators_may_upload_a_directory_import(client, member):
    client.force_login(member)
    response = client.post(
        reverse("directory:import_upload"),
        {"fichier": SimpleUploadedFile("liste.csv", b"Nom\nTest\n", content_type="text/csv")},
    )
    assert response.status_code in (302, 403)
