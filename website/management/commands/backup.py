"""`manage.py backup`: the database, the uploaded files and a manifest, in one archive.

The archive (`entraide-sauvegarde-<date>.tar.gz`) holds:
- `manifest.json`: format, code version, date, database engine, SHA-256 of every file, row
  counts per model;
- `database.sqlite3` (SQLite's online backup API: consistent while the site keeps writing) or
  `database.pgdump` (`pg_dump --format=custom`, one consistent snapshot);
- `media/…`: the uploaded files (documents, images).
`manage.py restore ARCHIVE` puts it all back (docs/operations.md).

The archive is readable by its owner only (mode 0600) and holds no live session (the rows of
`django_session` and of the database cache tables are left out: a session key is a login). With
`BACKUP_ENCRYPTION_KEY` set it is encrypted (`…tar.gz.chiffre`, website/archive_encryption.py).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.contrib.sessions.models import Session
from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from website import archive_encryption

FORMAT = 1
MANIFEST = "manifest.json"
DATABASE_FILES = {"sqlite": "database.sqlite3", "postgresql": "database.pgdump"}
MEDIA_PREFIX = "media/"
ENCRYPTED_SUFFIX = ".chiffre"
# Saved without their rows: live sessions (a session key is a login).
MODELS_WITHOUT_ROWS = {Session._meta.label}


def tables_without_rows() -> list[str]:
    """`django_session`, and the database cache tables (they may hold sessions or limits)."""
    tables = [Session._meta.db_table]
    for cache in settings.CACHES.values():
        if cache["BACKEND"].endswith("DatabaseCache"):
            tables.append(cache["LOCATION"])
    return tables


def encryption_key() -> bytes | None:
    text = settings.BACKUP_ENCRYPTION_KEY
    if not text:
        return None
    try:
        return archive_encryption.parse_key(text)
    except archive_encryption.BadKey as error:
        raise CommandError(
            "BACKUP_ENCRYPTION_KEY n'est pas une clé valide (32 octets en base64, voir "
            f"docs/operations.md) : {error}."
        ) from error


def owner_only_file(path: Path):
    """A new file readable and writable by its owner only, whatever the umask."""
    return os.fdopen(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "wb")


def engine_name(conn=connection) -> str:
    vendor = conn.vendor
    if vendor not in DATABASE_FILES:
        raise CommandError(f"Moteur de base de données non pris en charge : {vendor}.")
    return vendor


def code_version() -> str:
    """`git describe` of the running code when it is a checkout, else the package version."""
    base = Path(settings.BASE_DIR)
    git = shutil.which("git")
    if git and (base / ".git").exists():
        result = subprocess.run(  # noqa: S603 (fixed arguments)
            [git, "describe", "--tags", "--always", "--dirty"],
            cwd=base,
            capture_output=True,
            text=True,
            check=False,
        )
        if result.returncode == 0 and result.stdout.strip():
            return result.stdout.strip()
    try:
        return metadata.version("entraide")
    except metadata.PackageNotFoundError:
        return "inconnue"


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1024 * 1024), b""):
            digest.update(chunk)
    return digest.hexdigest()


def row_counts() -> dict[str, int]:
    """Rows per model: the manifest says what the archive should give back."""
    return {
        model._meta.label: model._base_manager.count()
        for model in apps.get_models()
        if model._meta.managed and not model._meta.proxy
    }


def pg_environment(conn=connection) -> tuple[list[str], dict[str, str]]:
    """Connection arguments for pg_dump/pg_restore; the password goes through the environment."""
    params = conn.settings_dict
    args = []
    if params.get("HOST"):
        args += ["--host", str(params["HOST"])]
    if params.get("PORT"):
        args += ["--port", str(params["PORT"])]
    if params.get("USER"):
        args += ["--username", str(params["USER"])]
    env = {**os.environ}
    if params.get("PASSWORD"):
        env["PGPASSWORD"] = str(params["PASSWORD"])
    return [*args, "--dbname", str(params["NAME"])], env


def pg_tool(name: str) -> str:
    path = shutil.which(name)
    if not path:
        raise CommandError(f"« {name} » est introuvable : installez les outils clients PostgreSQL.")
    return path


def dump_database(engine: str, target: Path) -> None:
    if engine == "sqlite":
        connection.ensure_connection()
        destination = sqlite3.connect(target)
        try:
            # The online backup API copies a consistent snapshot while others keep writing.
            connection.connection.backup(destination)
            existing = {
                row[0]
                for row in destination.execute("SELECT name FROM sqlite_master WHERE type='table'")
            }
            # secure_delete and VACUUM: the deleted rows do not linger in free pages.
            destination.execute("PRAGMA secure_delete = ON")
            for table in tables_without_rows():
                if table in existing:
                    destination.execute(f'DELETE FROM "{table}"')  # noqa: S608 (names from settings)
            destination.commit()
            destination.execute("VACUUM")
        finally:
            destination.close()
        return
    args, env = pg_environment()
    result = subprocess.run(  # noqa: S603 (arguments built from settings, no shell)
        [
            pg_tool("pg_dump"),
            "--format=custom",
            "--no-owner",
            "--no-privileges",
            *(f"--exclude-table-data={table}" for table in tables_without_rows()),
            "--file",
            str(target),
            *args,
        ],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise CommandError(f"pg_dump a échoué : {result.stderr.strip()}")


class Command(BaseCommand):
    help = "Sauvegarde la base de données et les fichiers téléversés dans une seule archive."

    def add_arguments(self, parser):
        parser.add_argument(
            "--output",
            default=str(Path(settings.BASE_DIR) / "var" / "backups"),
            help="Dossier où écrire l'archive (par défaut var/backups/).",
        )

    def handle(self, *args, **options):
        output = Path(options["output"])
        output.mkdir(mode=0o700, parents=True, exist_ok=True)
        engine = engine_name()
        key = encryption_key()
        created = datetime.now(UTC)
        name = f"entraide-sauvegarde-{created:%Y%m%d-%H%M%S-%f}.tar.gz"
        with tempfile.TemporaryDirectory(dir=output, prefix=".sauvegarde-") as work:
            work = Path(work)
            database = work / DATABASE_FILES[engine]
            counts = row_counts() | dict.fromkeys(MODELS_WITHOUT_ROWS, 0)
            dump_database(engine, database)
            files = {database.name: sha256(database)}
            media_root = Path(settings.MEDIA_ROOT)
            media_files = []
            if media_root.is_dir():
                for path in sorted(media_root.rglob("*")):
                    if path.is_file() and not path.is_symlink():
                        arcname = MEDIA_PREFIX + path.relative_to(media_root).as_posix()
                        files[arcname] = sha256(path)
                        media_files.append((path, arcname))
            manifest = {
                "format": FORMAT,
                "application": "entraide",
                "version": code_version(),
                "created_at": created.isoformat(),
                "engine": engine,
                "database_file": database.name,
                "files": files,
                "row_counts": counts,
            }
            (work / MANIFEST).write_text(json.dumps(manifest, indent=2, ensure_ascii=False))
            partial = work / (name + ".partial")
            with (
                owner_only_file(partial) as handle,
                tarfile.open(fileobj=handle, mode="w:gz") as archive,
            ):
                archive.add(work / MANIFEST, arcname=MANIFEST)
                archive.add(database, arcname=database.name)
                for path, arcname in media_files:
                    archive.add(path, arcname=arcname)
            if key is not None:
                name += ENCRYPTED_SUFFIX
                encrypted = work / (name + ".partial")
                archive_encryption.encrypt_file(partial, encrypted, key)
                partial = encrypted
            final = output / name
            # Written aside then renamed: a half-written archive never carries the final name.
            os.replace(partial, final)
        self.stdout.write(
            self.style.SUCCESS(
                f"Sauvegarde écrite : {final} ({engine}, {len(media_files)} fichier(s) "
                f"téléversé(s), version {manifest['version']}"
                f"{', chiffrée' if key is not None else ''})."
            )
        )
        return None
