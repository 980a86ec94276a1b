"""No raw SQL and no "trust this HTML" without a review written down.

Python: `.raw(`, `.extra(`, `RawSQL(`, `mark_safe(`, `SafeString(`.
HTML templates: the `|safe` / `|safeseq` filters and `{% autoescape off %}`.
(Plain-text e-mail templates, `*.txt`, are not HTML: `autoescape off` is right there.)
Every use must appear in `reviewed_sql_and_safe.txt` with its reason. ruff's bandit rules
(`S`, in `make test`'s lint step) cover the rest: subprocess, pickle, hard-coded secrets…
"""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
REVIEWED = Path(__file__).with_name("reviewed_sql_and_safe.txt")
SKIPPED_DIRS = {".venv", "var", "node_modules", ".git", "__pycache__", "locale"}
THIS_FILE = Path(__file__).resolve()

PYTHON_PATTERNS = re.compile(r"\.raw\(|\.extra\(|\bRawSQL\(|\bmark_safe\(|\bSafeString\(")
TEMPLATE_PATTERNS = re.compile(r"\|\s*safe(seq)?\b|{%\s*autoescape\s+off")


def project_files(suffix):
    for path in ROOT.rglob(f"*{suffix}"):
        parts = set(path.relative_to(ROOT).parts)
        if not parts & SKIPPED_DIRS and path.resolve() != THIS_FILE:
            yield path


def usages() -> set[tuple[str, str]]:
    found = set()
    for suffix, pattern in ((".py", PYTHON_PATTERNS), (".html", TEMPLATE_PATTERNS)):
        for path in project_files(suffix):
            for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
                if pattern.search(line):
                    found.add((path.relative_to(ROOT).as_posix(), line.strip()))
    return found


def reviewed() -> dict[tuple[str, str], str]:
    entries = {}
    for line in REVIEWED.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        path, _, rest = line.partition(":")
        code, _, reason = rest.rpartition(" -- ")
        entries[(path.strip(), code.strip())] = reason.strip()
    return entries


def test_every_raw_sql_or_safe_html_use_has_been_reviewed():
    missing = sorted(usages() - set(reviewed()))
    assert not missing, (
        "Unreviewed raw SQL / safe HTML — review it, then add "
        "`path:code -- reason` to tests/security/reviewed_sql_and_safe.txt:\n"
        + "\n".join(f"{path}:{code}" for path, code in missing)
    )


def test_every_reviewed_entry_gives_a_reason():
    assert all(len(reason) >= 10 for reason in reviewed().values())


def test_the_reviewed_list_holds_no_stale_entry():
    stale = sorted(set(reviewed()) - usages())
    assert not stale, "No longer in the code, remove from the list:\n" + "\n".join(
        f"{path}:{code}" for path, code in stale
    )


def test_the_scanner_sees_what_it_looks_for():
    assert PYTHON_PATTERNS.search("qs = Question.objects.raw('SELECT 1')")
    assert PYTHON_PATTERNS.search("html = mark_safe(text)")
    assert PYTHON_PATTERNS.search("qs.extra(where=['1=1'])")
    assert PYTHON_PATTERNS.search("annotate(x=RawSQL('1', []))")
    assert TEMPLATE_PATTERNS.search("{{ body|safe }}")
    assert TEMPLATE_PATTERNS.search("{% autoescape off %}")
    assert not TEMPLATE_PATTERNS.search("{{ body|safer_than_ever }}")
