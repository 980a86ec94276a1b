"""The production guide's node environment (docs/operations.md) passes `check --deploy`."""

import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
GUIDE = ROOT / "docs" / "operations.md"
# Only what cannot be the same here: folders of the test's own (the guide's are on a server).
LOCAL = {"MEDIA_ROOT", "STATIC_ROOT", "PROMETHEUS_MULTIPROC_DIR"}


def guide_environment() -> dict[str, str]:
    block = re.search(
        r"<!-- node-environment:start -->\n```sh\n(.*?)```\n<!-- node-environment:end -->",
        GUIDE.read_text(),
        re.S,
    )
    assert block, "the node environment block is missing from docs/operations.md"
    pairs = [line.split("=", 1) for line in block.group(1).splitlines() if line.strip()]
    return dict(pairs)


def test_the_guides_environment_names_every_engine_of_a_cluster():
    environment = guide_environment()
    assert environment["DATABASE_URL"].startswith("postgres://")
    assert environment["CACHE_URL"].startswith("redis://")
    assert environment["SEARCH_BACKEND"] == "postgres"
    assert environment["TASKS_BACKEND"] == "django_tasks_db.DatabaseBackend"
    assert environment["DJANGO_DEBUG"] == "false"


def test_check_deploy_passes_with_the_guides_environment(tmp_path):
    keep = {"PATH", "HOME", "LANG", "LC_ALL", "VIRTUAL_ENV", "PYTHONPATH"}
    env = {name: value for name, value in os.environ.items() if name in keep}
    env |= guide_environment()
    env |= {name: str(tmp_path / name.lower()) for name in LOCAL}
    for name in LOCAL:
        Path(env[name]).mkdir()
    env["DJANGO_SETTINGS_MODULE"] = "website.settings"
    result = subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout
