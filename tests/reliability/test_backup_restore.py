"""Backup and restore drill: create content → back up → wipe → restore → everything is back.

Runs on the configured database (SQLite by default, PostgreSQL under `DATABASE_URL=postgres://…`).
Transactional: `pg_dump` and SQLite's backup API read committed data.
"""

import io
import json
import os
import shutil
import sqlite3
import stat
import subprocess
import tarfile
from pathlib import Path

import pytest
from allauth.account.models import EmailAddress
from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.contrib.sessions.models import Session
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import CommandError, call_command
from django.db import connection
from wagtail.documents import get_document_model
from wagtail.models import Site

from directory.models import User
from qa import services as qa_services
from qa.attachments import check_upload
from qa.models import Answer, Attachment, Question, Vote
from tests.factories import TEST_PASSWORD
from tests.qa.attachment_files import jpeg_with_gps, pdf, upload
from website.management.commands import restore as restore_command
from website.management.commands.backup import row_counts
from website.pages.models import ContentPage
from website.search import services as search_service
from website.search.backends import reset_backends

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

DOCUMENT_BYTES = b"%PDF-1.4\n% compte rendu de la commission eau\n"


@pytest.fixture
def isolated_files(settings, tmp_path):
    """Own media and search folders: restoring replaces them."""
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.SEARCH_INDEX_DIR = str(tmp_path / "search")
    reset_backends()
    yield tmp_path
    reset_backends()
    # `restore` empties the content-type cache; the test database's teardown reloads its
    # initial rows and, with a cold cache, would create content types twice: warm it again.
    ContentType.objects.clear_cache()
    ContentType.objects.get_for_models(*apps.get_models(), for_concrete_models=False)


def create_content(make_user, make_topic, make_structure, make_position):
    author = make_user(email="auteur.sauvegarde@example.org")
    voter = make_user(email="votant.sauvegarde@example.org")
    make_user(email="moderatrice.sauvegarde@example.org", roles=["Modérateurs"])
    make_user(email="en.attente@example.org", approved_at=None)
    topic = make_topic(name="Eau et assainissement")
    make_position(structure=make_structure(name="Commune de Sauvegarde"))
    question = qa_services.question_create(
        author=author,
        title="Comment mutualiser le réseau d'eau potable ?",
        body="Nous cherchons des **retours d'expérience** sur la mutualisation.",
        topics=[topic],
    )
    answer = qa_services.answer_create(
        question=question, author=voter, body="Le syndicat intercommunal peut vous aider."
    )
    qa_services.vote_cast(user=voter, post=question, value=1)
    qa_services.vote_cast(user=author, post=answer, value=1)
    document = get_document_model().objects.create(
        title="Compte rendu de commission",
        file=ContentFile(DOCUMENT_BYTES, name="compte-rendu.pdf"),
    )
    home = Site.objects.get(is_default_site=True).root_page
    page = ContentPage(title="Mentions de sauvegarde", body="<p>Texte de la page.</p>")
    home.add_child(instance=page)
    page.save_revision().publish()
    return question, document


def snapshot():
    return {
        "counts": row_counts(),
        "users": sorted(User.objects.values_list("email", "password", "approved_at")),
        "emails": sorted(EmailAddress.objects.values_list("email", "verified")),
        "questions": sorted(Question.objects.values_list("title", "score", "body_html")),
        "answers": sorted(Answer.objects.values_list("body", "score")),
        "votes": Vote.objects.count(),
        "pages": sorted(ContentPage.objects.values_list("title", "live")),
    }


def back_up(tmp_path) -> Path:
    output = tmp_path / "sauvegardes"
    call_command("backup", output=str(output), stdout=io.StringIO())
    (archive,) = output.glob("entraide-sauvegarde-*.tar.gz")
    return archive


def wipe(tmp_path):
    # Empty every table, as a lost disk would (no post-migrate content recreated).
    call_command("flush", interactive=False, verbosity=0, inhibit_post_migrate=True)
    for path in (tmp_path / "media").rglob("*"):
        if path.is_file():
            path.unlink()
    assert not User.objects.exists() and not Question.objects.exists()


def restore(archive):
    out = io.StringIO()
    call_command("restore", str(archive), interactive=False, stdout=out, stderr=out)
    return out.getvalue()


def test_a_wiped_site_comes_back_whole_from_its_backup(
    isolated_files, make_user, make_topic, make_structure, make_position, client
):
    question, document = create_content(make_user, make_topic, make_structure, make_position)
    before = snapshot()
    assert before["votes"] == 2
    archive = back_up(isolated_files)

    wipe(isolated_files)
    assert not Path(document.file.path).exists()

    output = restore(archive)
    assert "Restauration terminée" in output
    assert "Attention" not in output
    assert snapshot() == before
    restored = get_document_model().objects.get(pk=document.pk)
    assert Path(restored.file.path).read_bytes() == DOCUMENT_BYTES
    # Accounts work again: the password hash came back with the account.
    response = client.post(
        "/comptes/login/", {"login": "auteur.sauvegarde@example.org", "password": TEST_PASSWORD}
    )
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(question.author_id)
    # The search index was rebuilt from the restored database.
    author = User.objects.get(email="auteur.sauvegarde@example.org")
    outcome = search_service.search_for(author, "mutualiser")
    assert [hit.title for hit in outcome.results.hits] == [question.title]


def test_the_manifest_names_the_code_version_the_engine_and_every_checksum(
    isolated_files, make_user
):
    make_user()
    archive = back_up(isolated_files)
    with tarfile.open(archive) as tar:
        manifest = json.load(tar.extractfile("manifest.json"))
        names = set(tar.getnames())
    assert manifest["engine"] == connection.vendor
    assert manifest["version"]
    assert manifest["created_at"]
    assert set(manifest["files"]) | {"manifest.json"} == names
    assert all(len(checksum) == 64 for checksum in manifest["files"].values())
    assert manifest["row_counts"]["directory.User"] == 1


def rewrite(archive, target, *, change=None, extra=None, members=()):
    """Copy `archive` to `target`, changing one member's bytes, adding files (`extra`) or
    adding members as they are (`members`: links, modes)."""
    with tarfile.open(archive) as source, tarfile.open(target, "w:gz") as copy:
        for member in source.getmembers():
            data = source.extractfile(member).read()
            if change and member.name in change:
                data = change[member.name](data)
            member.size = len(data)
            copy.addfile(member, io.BytesIO(data))
        for name, data in (extra or {}).items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            copy.addfile(info, io.BytesIO(data))
        for info, data in members:
            copy.addfile(info, io.BytesIO(data) if data is not None else None)
    return target


def _member(name, *, kind=tarfile.REGTYPE, data=b"", mode=0o644, link=""):
    info = tarfile.TarInfo(name)
    info.type, info.mode, info.linkname, info.size = kind, mode, link, len(data)
    return info, data if kind == tarfile.REGTYPE else None


def refused(archive, message):
    with pytest.raises(CommandError) as error:
        restore(archive)
    assert message in str(error.value)
    assert "Rien n'a été modifié" in str(error.value)


def test_a_corrupt_or_tampered_archive_is_refused_and_nothing_changes(isolated_files, make_user):
    make_user(email="garde@example.org")
    archive = back_up(isolated_files)
    truncated = isolated_files / "tronquee.tar.gz"
    truncated.write_bytes(archive.read_bytes()[:200])
    refused(truncated, "corrompue")

    database = "database.sqlite3" if connection.vendor == "sqlite" else "database.pgdump"
    tampered = rewrite(
        archive, isolated_files / "alteree.tar.gz", change={database: lambda b: b[:-1] + b"x"}
    )
    refused(tampered, "empreinte")

    smuggled = rewrite(
        archive, isolated_files / "traversee.tar.gz", extra={"../../etc/entraide": b"x"}
    )
    refused(smuggled, "corrompue")
    assert User.objects.filter(email="garde@example.org").exists()


@pytest.mark.parametrize(
    "hostile",
    [
        _member("media/lien", kind=tarfile.SYMTYPE, link="/etc/passwd"),
        _member("media/dur", kind=tarfile.LNKTYPE, link="manifest.json"),
        _member("media/peripherique", kind=tarfile.CHRTYPE),
        _member("/srv/absolu", data=b"x"),
    ],
    ids=["symbolic link", "hard link", "device", "absolute path"],
)
def test_a_link_a_device_or_an_absolute_path_is_refused_before_anything_changes(
    isolated_files, make_user, hostile
):
    """What `filter="data"` would refuse or neutralise, refused by the command itself, on
    every Python 3.11 (Debian 12's 3.11.2 has no extraction filters)."""
    make_user(email="garde@example.org")
    archive = back_up(isolated_files)
    smuggled = rewrite(archive, isolated_files / "piegee.tar.gz", members=[hostile])
    refused(smuggled, "corrompue")
    assert User.objects.filter(email="garde@example.org").exists()


def test_a_name_given_twice_is_refused_even_with_the_same_bytes(isolated_files, make_user):
    """A second copy of the database file, byte for byte the same: every checksum would still
    match, but an archive of `backup` never holds a name twice, so it is not one of ours."""
    make_user(email="garde@example.org")
    archive = back_up(isolated_files)
    database = "database.sqlite3" if connection.vendor == "sqlite" else "database.pgdump"
    with tarfile.open(archive) as tar:
        copy = _member(database, data=tar.extractfile(database).read())
    doubled = rewrite(archive, isolated_files / "doublee.tar.gz", members=[copy])
    refused(doubled, "corrompue")
    assert User.objects.filter(email="garde@example.org").exists()


def test_no_mode_from_the_archive_is_applied_to_the_files_it_restores(isolated_files, tmp_path):
    """A file marked set-user-ID and writable by everybody in the archive is written with
    this process's own mode (umask), as `filter="data"` does."""
    archive = isolated_files / "modes.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        info, data = _member("media/outil", data=b"#!/bin/sh\n", mode=0o4777)
        tar.addfile(info, io.BytesIO(data))
    previous = os.umask(0o022)
    try:
        with tarfile.open(archive) as tar:
            restore_command.extract(tar, tmp_path)
    finally:
        os.umask(previous)
    restored = tmp_path / "media" / "outil"
    assert restored.read_bytes() == b"#!/bin/sh\n"
    assert stat.S_IMODE(restored.stat().st_mode) == 0o644


def test_a_backup_from_another_database_engine_is_refused(isolated_files, make_user):
    make_user()
    archive = back_up(isolated_files)
    other = "postgresql" if connection.vendor == "sqlite" else "sqlite"

    def other_engine(data):
        manifest = json.loads(data)
        manifest["engine"] = other
        return json.dumps(manifest).encode()

    foreign = rewrite(
        archive, isolated_files / "autre.tar.gz", change={"manifest.json": other_engine}
    )
    refused(foreign, "même moteur")


# --- Secrets at rest (docs/security.md, finding 9) -----------------------------------------


def test_the_archive_is_readable_by_its_owner_only(isolated_files, make_user):
    make_user()
    previous = os.umask(0o022)  # the usual umask: files readable by everybody
    try:
        archive = back_up(isolated_files)
    finally:
        os.umask(previous)
    assert stat.S_IMODE(archive.stat().st_mode) == 0o600


def archived_session_rows(archive, tmp_path) -> str:
    """What the archive's database holds of `django_session`, as text."""
    with tarfile.open(archive) as tar:
        if connection.vendor == "sqlite":
            database = tmp_path / "database.sqlite3"
            database.write_bytes(tar.extractfile("database.sqlite3").read())
            rows = sqlite3.connect(database).execute("SELECT * FROM django_session").fetchall()
            # Deleted rows must not linger in free pages either.
            return repr(rows) + database.read_bytes().decode("latin-1")
        (tmp_path / "database.pgdump").write_bytes(tar.extractfile("database.pgdump").read())
        result = subprocess.run(  # noqa: S603 (fixed arguments)
            [shutil.which("pg_restore"), "--data-only", "--table=django_session", "--file=-"]
            + [str(tmp_path / "database.pgdump")],
            capture_output=True,
            text=True,
            check=True,
        )
        return result.stdout


def test_live_sessions_stay_out_of_the_archive(isolated_files, make_user, client):
    member = make_user(email="session.vivante@example.org")
    response = client.post("/comptes/login/", {"login": member.email, "password": TEST_PASSWORD})
    assert response.status_code == 302
    session_key = client.session.session_key
    assert Session.objects.filter(session_key=session_key).exists()

    archive = back_up(isolated_files)
    assert session_key not in archived_session_rows(archive, isolated_files)

    wipe(isolated_files)
    output = restore(archive)
    assert "Attention" not in output  # the manifest counts no session either
    assert not Session.objects.exists()
    assert User.objects.filter(email=member.email).exists()
    # The copied cookie of the live session opens nothing on the restored site.
    response = client.get("/questions/")
    assert response.status_code == 302
    assert response["Location"].startswith("/comptes/login/")


def drop_every_table():
    """A database that was never migrated: no table at all, not even django_migrations."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public;")
        else:
            cursor.execute("PRAGMA foreign_keys = OFF")
            for table in connection.introspection.table_names(cursor, include_views=True):
                cursor.execute(f'DROP TABLE IF EXISTS "{table}"')
            cursor.execute("PRAGMA foreign_keys = ON")
        assert connection.introspection.table_names(cursor) == []


def test_a_backup_restores_into_an_empty_database_never_migrated(
    isolated_files, make_user, make_topic, make_structure, make_position, client
):
    question, document = create_content(make_user, make_topic, make_structure, make_position)
    before = snapshot()
    archive = back_up(isolated_files)

    drop_every_table()
    for path in (isolated_files / "media").rglob("*"):
        if path.is_file():
            path.unlink()

    output = restore(archive)
    assert "Restauration terminée" in output
    assert "Attention" not in output
    assert snapshot() == before
    restored = get_document_model().objects.get(pk=document.pk)
    assert Path(restored.file.path).read_bytes() == DOCUMENT_BYTES
    response = client.post(
        "/comptes/login/", {"login": "auteur.sauvegarde@example.org", "password": TEST_PASSWORD}
    )
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(question.author_id)


# --- Encrypted archives ---------------------------------------------------------------------

KEY = "Y2xlLWRlLXRlc3QtZGVzLXNhdXZlZ2FyZGVzLTMyb2M="  # 32 bytes, base64: a test value
OTHER_KEY = "dW5lLWF1dHJlLWNsZS1kZS0zMi1vY3RldHMtaWNpISE="


def test_with_a_key_the_archive_is_encrypted_and_restores(
    isolated_files, make_user, make_topic, make_structure, make_position, settings
):
    settings.BACKUP_ENCRYPTION_KEY = KEY
    create_content(make_user, make_topic, make_structure, make_position)
    before = snapshot()
    output = isolated_files / "sauvegardes"
    call_command("backup", output=str(output), stdout=io.StringIO())
    (archive,) = output.glob("entraide-sauvegarde-*")
    assert archive.name.endswith(".tar.gz.chiffre")
    assert stat.S_IMODE(archive.stat().st_mode) == 0o600
    data = archive.read_bytes()
    assert not data.startswith(b"\x1f\x8b")  # not a gzip stream
    with pytest.raises(tarfile.TarError):
        tarfile.open(archive).close()
    assert DOCUMENT_BYTES not in data and b"auteur.sauvegarde" not in data

    wipe(isolated_files)
    assert "Restauration terminée" in restore(archive)
    assert snapshot() == before


def test_a_wrong_or_missing_key_is_refused_in_french_and_nothing_changes(
    isolated_files, make_user, settings
):
    settings.BACKUP_ENCRYPTION_KEY = KEY
    make_user(email="garde.chiffre@example.org")
    output = isolated_files / "sauvegardes"
    call_command("backup", output=str(output), stdout=io.StringIO())
    (archive,) = output.glob("entraide-sauvegarde-*")
    make_user(email="apres.la.sauvegarde@example.org")

    settings.BACKUP_ENCRYPTION_KEY = OTHER_KEY
    refused(archive, "clé de chiffrement")
    settings.BACKUP_ENCRYPTION_KEY = ""
    refused(archive, "BACKUP_ENCRYPTION_KEY")
    assert User.objects.filter(email="apres.la.sauvegarde@example.org").exists()


def test_attachments_and_their_extracted_text_come_back_with_their_post(
    isolated_files, make_user, make_topic, client
):
    """Issue 17: backup and restore include the members' attachments (files, thumbnails,
    the text read from them) and the download view serves them again."""
    author = make_user(email="piece.jointe@example.org")
    question = qa_services.question_create(
        author=author,
        title="Modèle de convention de groupement de commandes",
        body="Voici la convention que nous avons signée.",
        topics=[make_topic(name="Achats")],
        attachments=[
            check_upload(upload("convention.pdf", pdf())),
            check_upload(upload("route.jpg", jpeg_with_gps())),
        ],
    )
    document, photo = question.attachments.order_by("number")
    stored = {
        name: default_storage.open(name).read()
        for name in (document.file.name, photo.file.name, photo.thumbnail.name)
    }
    archive = back_up(isolated_files)

    wipe(isolated_files)
    assert not any(default_storage.exists(name) for name in stored)

    restore(archive)
    for name, content in stored.items():
        assert default_storage.open(name).read() == content
    restored = Attachment.objects.get(pk=document.pk)
    assert restored.original_name == "convention.pdf"
    assert restored.extracted_text == document.extracted_text
    client.force_login(User.objects.get(email="piece.jointe@example.org"))
    response = client.get(restored.get_absolute_url())
    assert response.status_code == 200
    body = b"".join(response.streaming_content) if response.streaming else response.content
    assert body == stored[document.file.name]
