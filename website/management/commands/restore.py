"""`manage.py restore ARCHIVE`: put back what `manage.py backup` saved.

Checks first, then replaces: the archive must open, hold a manifest in a known format, every
file must match its SHA-256, and the database engine must be the one configured here. Then the
database is replaced (SQLite's backup API into the live file, or `pg_restore --clean`), the
uploaded files are replaced, and the search index is rebuilt from the restored database. An
encrypted archive (`…tar.gz.chiffre`) is first decrypted with `BACKUP_ENCRYPTION_KEY`. The
target database may be empty (never migrated) or hold an older copy of the site.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from pathlib import Path, PurePosixPath

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.cache import caches
from django.core.management import call_command, get_commands
from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from website import archive_encryption
from website.management.commands.backup import (
    DATABASE_FILES,
    FORMAT,
    MANIFEST,
    MEDIA_PREFIX,
    code_version,
    encryption_key,
    engine_name,
    pg_environment,
    pg_tool,
    row_counts,
    sha256,
)

CORRUPT = "Archive de sauvegarde illisible ou corrompue : {reason}. Rien n'a été modifié."
NO_KEY = (
    "Cette sauvegarde est chiffrée : définissez BACKUP_ENCRYPTION_KEY avec la clé utilisée "
    "pour la sauvegarder. Rien n'a été modifié."
)
WRONG_KEY = (
    "Impossible de déchiffrer la sauvegarde : la clé de chiffrement (BACKUP_ENCRYPTION_KEY) "
    "n'est pas celle de cette archive, ou l'archive a été altérée. Rien n'a été modifié."
)


def corrupt(reason: str) -> CommandError:
    return CommandError(CORRUPT.format(reason=reason))


def safe_name(name: str) -> bool:
    path = PurePosixPath(name)
    return bool(name) and not path.is_absolute() and ".." not in path.parts and "\\" not in name


def extract(archive: tarfile.TarFile, work: Path) -> None:
    """Write the archive's folders and files under `work`, after checking every member.

    Only folders and regular files with a relative name are accepted, and the files are
    written here from their content: no link, device, owner, mode or date comes from the
    archive. This holds on every Python 3.11, Debian 12's 3.11.2 included, which has no
    extraction filters (`filter="data"`, 3.11.4). A name seen twice is refused too.
    """
    members = archive.getmembers()
    for member in members:
        if not (member.isfile() or member.isdir()) or not safe_name(member.name):
            raise corrupt(f"entrée interdite « {member.name} »")
    for member in members:
        target = work / member.name
        if member.isdir():
            target.mkdir(parents=True, exist_ok=True)
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        with archive.extractfile(member) as source, target.open("xb") as copy:
            shutil.copyfileobj(source, copy)


def unpack(archive_path: Path, work: Path) -> dict:
    """Extract into `work` after checking every member; return the verified manifest."""
    try:
        with tarfile.open(archive_path, "r:gz") as archive:
            extract(archive, work)
    except (tarfile.TarError, OSError, EOFError) as error:
        raise corrupt(str(error) or error.__class__.__name__) from error
    try:
        manifest = json.loads((work / MANIFEST).read_text())
    except (OSError, ValueError) as error:
        raise corrupt("manifeste absent ou illisible") from error
    if manifest.get("format") != FORMAT or manifest.get("application") != "entraide":
        raise corrupt("format de sauvegarde inconnu")
    files = manifest.get("files") or {}
    database = manifest.get("database_file")
    if database not in files:
        raise corrupt("la base de données manque")
    extracted = {
        path.relative_to(work).as_posix() for path in work.rglob("*") if path.is_file()
    } - {MANIFEST}
    if extracted != set(files):
        raise corrupt("la liste des fichiers ne correspond pas au manifeste")
    for name, checksum in files.items():
        if sha256(work / name) != checksum:
            raise corrupt(f"l'empreinte de « {name} » ne correspond pas")
    return manifest


def decrypted(archive_path: Path, work: Path) -> Path:
    """The clear archive: `archive_path` itself, or its decryption into `work`."""
    if not archive_encryption.is_encrypted(archive_path):
        return archive_path
    key = encryption_key()
    if key is None:
        raise CommandError(NO_KEY)
    clear = work / "archive.tar.gz"
    try:
        archive_encryption.decrypt_file(archive_path, clear, key)
    except archive_encryption.WrongKey as error:
        raise CommandError(WRONG_KEY) from error
    return clear


def restore_sqlite(source: Path) -> None:
    backup = sqlite3.connect(source)
    try:
        if backup.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
            raise corrupt("la base SQLite sauvegardée est endommagée")
        connection.ensure_connection()
        # Page by page into the live database, under its lock: other processes see either
        # the old or the restored database, never a mix.
        backup.backup(connection.connection)
    except sqlite3.DatabaseError as error:
        raise corrupt(f"base SQLite illisible ({error})") from error
    finally:
        backup.close()


def restore_postgresql(source: Path) -> None:
    args, env = pg_environment()
    connection.close()
    result = subprocess.run(  # noqa: S603 (arguments built from settings, no shell)
        [
            pg_tool("pg_restore"),
            "--clean",
            "--if-exists",
            "--no-owner",
            "--no-privileges",
            "--single-transaction",
            "--exit-on-error",
            *args,
            str(source),
        ],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise CommandError(f"pg_restore a échoué, la base est inchangée : {result.stderr.strip()}")


def restore_media(work: Path) -> int:
    media_root = Path(settings.MEDIA_ROOT)
    media_root.mkdir(parents=True, exist_ok=True)
    for child in media_root.iterdir():
        if child.is_dir() and not child.is_symlink():
            shutil.rmtree(child)
        else:
            child.unlink()
    source = work / MEDIA_PREFIX.rstrip("/")
    if not source.is_dir():
        return 0
    shutil.copytree(source, media_root, dirs_exist_ok=True)
    return sum(1 for path in source.rglob("*") if path.is_file())


class Command(BaseCommand):
    help = (
        "Restaure une sauvegarde faite par `manage.py backup` : remplace la base de données "
        "et les fichiers téléversés, puis reconstruit l'index de recherche."
    )

    def add_arguments(self, parser):
        parser.add_argument("archive", help="Archive produite par `manage.py backup`.")
        parser.add_argument(
            "--noinput",
            "--no-input",
            action="store_false",
            dest="interactive",
            help="Ne pas demander de confirmation.",
        )

    def handle(self, *args, **options):
        archive = Path(options["archive"])
        if not archive.is_file():
            raise CommandError(f"Archive introuvable : {archive}")
        engine = engine_name()
        with tempfile.TemporaryDirectory(prefix="entraide-restauration-") as temporary:
            clear_archive = decrypted(archive, Path(temporary))
            work = Path(temporary) / "contenu"
            work.mkdir()
            manifest = unpack(clear_archive, work)
            if manifest.get("engine") != engine:
                raise CommandError(
                    f"Cette sauvegarde vient d'une base « {manifest.get('engine')} » alors que "
                    f"la base configurée est « {engine} » : restaurez-la sur le même moteur. "
                    "Rien n'a été modifié."
                )
            if DATABASE_FILES[engine] != manifest["database_file"]:
                raise corrupt("fichier de base inattendu")
            if options["interactive"]:
                answer = input(
                    f"La base « {connection.settings_dict['NAME']} » et les fichiers "
                    "téléversés vont être remplacés par la sauvegarde du "
                    f"{manifest['created_at']}. Tapez « oui » pour continuer : "
                )
                if answer.strip().lower() != "oui":
                    raise CommandError("Restauration annulée.")
            database = work / manifest["database_file"]
            if engine == "sqlite":
                restore_sqlite(database)
            else:
                restore_postgresql(database)
            media = restore_media(work)
        # What this process and the shared cache remember about the old database is stale.
        ContentType.objects.clear_cache()
        for alias in settings.CACHES:
            caches[alias].clear()
        self.stdout.write(
            f"Base restaurée ({engine}), {media} fichier(s) téléversé(s) remis en place."
        )
        expected = manifest.get("row_counts") or {}
        actual = row_counts()
        differences = sorted(
            label for label, count in expected.items() if actual.get(label, 0) != count
        )
        if differences:
            self.stderr.write(
                "Attention, nombres de lignes différents du manifeste pour : "
                + ", ".join(differences)
            )
        if manifest.get("version") != code_version():
            self.stderr.write(
                f"La sauvegarde vient de la version {manifest.get('version')} du code ; "
                "lancez `manage.py migrate` si le schéma a changé depuis."
            )
        if "search_rebuild" in get_commands():
            call_command("search_rebuild", stdout=self.stdout, stderr=self.stderr)
        self.stdout.write(self.style.SUCCESS("Restauration terminée."))
