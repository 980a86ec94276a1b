"""Fail when `make messages` would change the translation catalogues (strings not extracted),
or when a catalogue holds an untranslated or fuzzy entry (makemessages guesses a fuzzy
translation from a similar string, and Django ignores fuzzy entries: the English page would
show French).

Runs makemessages into a scratch copy of `locale/` and compares the entries, ignoring the
header dates, so the check does not depend on git.
"""

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOMAINS = ("django", "djangojs")


def entries(po_file: Path) -> list[str]:
    if not po_file.exists():
        return []
    return [
        line
        for line in po_file.read_text(encoding="utf-8").splitlines()
        if not line.startswith(('"POT-Creation-Date', '"PO-Revision-Date'))
    ]


def _statistics(po_file: Path) -> str:
    result = subprocess.run(  # noqa: S603 — fixed arguments
        ["msgfmt", "--check", "--statistics", "-o", os.devnull, str(po_file)],  # noqa: S607
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stderr.strip()


def main() -> int:
    with tempfile.TemporaryDirectory() as scratch:
        copy = Path(scratch) / "project"
        shutil.copytree(
            ROOT,
            copy,
            ignore=shutil.ignore_patterns(".venv", "var", ".git", "__pycache__", "node_modules"),
        )
        env = {**os.environ, "DJANGO_DEBUG": "true"}
        for domain in DOMAINS:
            subprocess.run(  # noqa: S603 — fixed arguments, our own interpreter
                [
                    sys.executable,
                    "manage.py",
                    "makemessages",
                    "-l",
                    "en",
                    "-d",
                    domain,
                    "--no-location",
                    "--no-obsolete",
                    "--ignore=var",
                    "-v0",
                ],
                cwd=copy,
                env=env,
                check=True,
            )
        stale = [
            domain
            for domain in DOMAINS
            if entries(ROOT / "locale/en/LC_MESSAGES" / f"{domain}.po")
            != entries(copy / "locale/en/LC_MESSAGES" / f"{domain}.po")
        ]
    if stale:
        print(f"Translation catalogues out of date ({', '.join(stale)}): run `make messages`.")
        return 1
    unfinished = [
        f"{po_file.name}: {statistics}"
        for po_file in sorted((ROOT / "locale").glob("*/LC_MESSAGES/*.po"))
        if "fuzzy" in (statistics := _statistics(po_file)) or "untranslated" in statistics
    ]
    if unfinished:
        print("Translations to finish (fill msgstr, remove '#, fuzzy'):", *unfinished, sep="\n  ")
        return 1
    print("Translation catalogues up to date.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
