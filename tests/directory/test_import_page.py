"""The moderators' upload page: dry run, real run, and never a 500 on bad files."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from directory.models import DirectoryImport, Person

pytestmark = pytest.mark.django_db


def upload(client, data, name="liste.tsv"):
    return client.post("/annuaire/import/", {"fichier": SimpleUploadedFile(name, data)})


def test_a_moderator_uploads_checks_then_imports_the_sample_file(
    client, moderator, territory, sample_bytes
):
    client.force_login(moderator)
    response = upload(client, sample_bytes)
    batch = DirectoryImport.objects.get()
    assert response.url == f"/annuaire/import/{batch.pk}/"
    dry = client.get(response.url).content.decode()
    assert "Simulation" in dry and "adresse e-mail invalide" in dry
    assert Person.objects.count() == 0
    refused = client.post(response.url, {}).content.decode()
    assert "Rien n&#x27;a été importé" in refused or "Rien n'a été importé" in refused
    assert Person.objects.count() == 0
    done = client.post(response.url, {"valid_rows_only": "on"}).content.decode()
    assert "Import terminé" in done
    assert Person.objects.count() == 32
    again = client.post(response.url, {"valid_rows_only": "on"})
    assert again.status_code == 302
    assert Person.objects.count() == 32


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"\x00\x01\x02" * 1000, "pas un fichier texte"),
        (b"", "vide"),
        (b"Nom\tMail\nJean\tj@example.org\n", "ligne d&#x27;en-tête"),
    ],
)
def test_bad_files_get_a_french_message_and_never_a_500(
    client, moderator, territory, data, message
):
    client.force_login(moderator)
    response = upload(client, data)
    if response.status_code == 302:
        response = client.get(response.url)
    assert response.status_code == 200
    assert message in response.content.decode()


def test_a_file_over_the_import_limit_is_refused_by_the_form_in_french(client, moderator):
    """Over the import's 2 MB but under the site's request limit: the form says why."""
    client.force_login(moderator)
    response = upload(client, b"a" * (2 * 1024 * 1024 + 512 * 1024))
    assert response.status_code == 200
    assert "trop volumineux" in response.content.decode()
    assert not DirectoryImport.objects.exists()


def test_a_20_mb_file_is_refused_before_the_view_with_a_french_page(client, moderator):
    """Over the site's request limit (REQUEST_BODY_MAX_SIZE): HTTP 413 and the French page."""
    client.force_login(moderator)
    response = upload(client, b"a" * (20 * 1024 * 1024))
    assert response.status_code == 413
    assert "Envoi trop volumineux" in response.content.decode()
    assert not DirectoryImport.objects.exists()


def test_members_cannot_upload(client, member, sample_bytes):
    client.force_login(member)
    assert upload(client, sample_bytes).status_code == 403
