"""The whole XSS corpus through the directory import: file cells become names, functions,
structure names, and (when invalid) e-mail and phone values quoted in the error report.

The dry-run report, the person and structure pages they create and the lists are checked
against the allow-list; markers beside each payload prove the cells reached the pages.
"""

import csv
import io
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from directory import importer
from directory.models import DirectoryImport, Person, Structure
from tests.security.xss import assert_no_xss, payloads

pytestmark = pytest.mark.django_db

HEADER = ["Prénom, Nom", "Structure", "Mail", "Fonction", "Téléphone"]


def _one_structure(cell: str) -> str:
    """The cell, unless the importer would read two structures in it (`/`, `;`, `&`…): then
    with those separators turned into spaces, so that the row is imported."""
    if importer._TWO_STRUCTURES.search(cell):
        return re.sub(r"[/;+&|,]", " ", cell)
    return cell


def participant_file(corpus) -> bytes:
    """Two rows per payload: a valid one (imported) and one whose structure cell is kept
    whole and whose e-mail and phone are invalid, so that the report quotes them back."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter="\t", lineterminator="\n")
    writer.writerow(HEADER)
    for number, payload in enumerate(corpus):
        writer.writerow(
            [
                f"Xssprenom{number} {payload}"[:95],
                _one_structure(f"Xssstructure{number} {payload}"[:150]),
                f"xss{number}@example.org",
                f"Xssfonction{number} {payload}"[:190],
                "04 92 00 00 00",
            ]
        )
        compact = re.sub(r"[\s,;]", "", payload)
        writer.writerow(
            [
                f"Erreurprenom{number} ERREUR",
                f"Erreurstructure{number} {payload}"[:150],
                compact[:200] or "x",
                "Agent",
                payload[:30],
            ]
        )
    return buffer.getvalue().encode("utf-8")


def _get_safe(client, url, context=""):
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    assert_no_xss(response.content, context=context or url)
    return response.content.decode()


@pytest.mark.long
def test_every_payload_in_import_cells_renders_safely(client, moderator):
    corpus = payloads()
    client.force_login(moderator)
    response = client.post(
        reverse("directory:import_upload"),
        {"fichier": SimpleUploadedFile("liste.tsv", participant_file(corpus))},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    batch = DirectoryImport.objects.get()

    # The dry run quotes every cell, the invalid e-mails and phones among them.
    report = _get_safe(client, response.url, "dry-run report")
    assert report.count("Xssfonction") == len(corpus)
    assert report.count("Erreurprenom") == len(corpus)
    assert report.count("Erreurstructure") >= len(corpus)
    assert report.count("adresse e-mail invalide") >= len(corpus)
    assert report.count("numéro de téléphone invalide") >= len(corpus)

    # The real run (valid rows only) and its report.
    done = client.post(response.url, {"valid_rows_only": "on"})
    assert done.status_code == 200
    assert_no_xss(done.content, context="applied report")
    batch.refresh_from_db()
    assert batch.applied_at is not None
    people = list(Person.objects.filter(positions__function__startswith="Xssfonction").distinct())
    assert len(people) == len(corpus), len(people)

    # The pages the import fed: every person, every new structure, the lists.
    for person in people:
        body = _get_safe(client, reverse("directory:person_detail", args=[person.pk]))
        assert "Xssfonction" in body
    structures = Structure.objects.filter(name__contains="Xssstructure")
    assert structures.count() >= len(corpus) // 2, structures.count()
    for structure in structures:
        body = _get_safe(client, reverse("directory:structure_detail", args=[structure.slug]))
        assert "Xssstructure" in body
    listing = _get_safe(client, reverse("directory:structure_list"))
    assert listing.count("Xssstructure") >= structures.count()
    page = 1
    seen = 0
    while True:
        body = _get_safe(client, reverse("directory:person_list") + f"?q=Xssprenom&page={page}")
        seen += body.count("Xssprenom")
        if f"page={page + 1}" not in body:
            break
        page += 1
    assert seen >= len(people)
