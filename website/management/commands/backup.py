"""`manage.py backup`: the database, the uploaded files and a manifest, in one archive.

The archive (`entraide-sauvegarde-<date>.tar.gz`) holds:
- `manifest.json`: format, code version, date, database engine, SHA-256 of every file, row
  counts per model;
- `database.sqlite3` (SQLite's online backup API: consistent while the site keeps writing) or
  `database.pgdump` (`pg_dump --format=custom`, one consistent snapshot);
- `media/…`: the uploaded files (documents, images).
`manage.py restore ARCHIVE` puts it all back (docs/operations.md).
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
from django.core.management.base import BaseCommand, CommandError
from django.db import connection

FORMAT = 1
MANIFEST = "manifest.json"
DATABASE_FILES = {"sqlite": "database.sqlite3", "postgresql": "database.pgdump"}
MEDIA_PREFIX = "media/"


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
        output.mkdir(parents=True, exist_ok=True)
        engine = engine_name()
        created = datetime.now(UTC)
        name = f"entraide-sauvegarde-{created:%Y%m%d-%H%M%S-%f}.tar.gz"
        with tempfile.TemporaryDirectory(dir=output, prefix=".sauvegarde-") as work:
            work = Path(work)
            database = work / DATABASE_FILES[engine]
            counts = row_counts()
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
            with tarfile.open(partial, "w:gz") as archive:
                archive.add(work / MANIFEST, arcname=MANIFEST)
                archive.add(database, arcname=database.name)
                for path, arcname in media_files:
                    archive.add(path, arcname=arcname)
            final = output / name
            # Written aside then renamed: a half-written archive never carries the final name.
            os.replace(partial, final)
        self.stdout.write(
            self.style.SUCCESS(
                f"Sauvegarde écrite : {final} ({engine}, {len(media_files)} fichier(s) "
                f"téléversé(s), version {manifest['version']})."
            )
        )
        return None
