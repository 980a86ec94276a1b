"""CPU and SQL of one request, in process: what each page costs the server, load aside.

    DATABASE_URL=sqlite:////work/main/var/bench.sqlite3 .venv/bin/python benchmarks/cpu.py
    .venv/bin/python benchmarks/cpu.py --json      # what `run.py` reads

On a database filled by `generate.py` (its samples file names the pages and the member), with
the production settings `run.py` gives the server, it sends each page `--repeat` times through
Django's test client as the benchmark member and reports the median CPU time of the process
per request (`time.process_time`: user + system, so other processes on the machine change it
little) and the SQL queries of one request. Wall time on a shared two-core machine moves with
the load; CPU per request does not, which is why issue 16's targets are in CPU milliseconds.
"""

import argparse
import json
import os
import secrets
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import generate  # noqa: E402


def pages(samples) -> dict[str, list[str]]:
    """The pages `run.py` loads, by the same names, plus the stack's own floor."""
    return {
        "minimal view `/sante/` (full middleware)": ["/sante/"],
        "home `/`": ["/"],
        "question list `/questions/`": ["/questions/", "/questions/?page=2"],
        "thread (typical)": samples["threads"],
        "thread (50 answers)": samples["hot_threads"],
        "directory `/annuaire/`": ["/annuaire/"],
        "search `/recherche/?q=`": [
            f"/recherche/?{urlencode({'q': q})}" for q in samples["searches"]
        ],
    }


def _timed(client, path) -> float:
    started = time.process_time()
    client.get(path)
    return (time.process_time() - started) * 1000


def _after_a_write() -> None:
    """What any write does to the pages' shared fragments: a new site generation."""
    from django.core.cache import cache

    from website import http_cache

    cache.set(http_cache.GENERATION_KEY, secrets.token_hex(8), None)


def measure(client, paths, repeat):
    """The steady state between writes (every page requested once first, so its shared
    fragments are in the cache), and the first request after a write (a new generation before
    each request, outside the timing: the fragments are rendered again)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for path in paths:
        client.get(path)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(paths[0])
    queries = len(captured)  # now: the next request's `reset_queries` empties the log
    if response.status_code != 200:
        raise RuntimeError(f"{paths[0]}: HTTP {response.status_code}")
    costs = [_timed(client, paths[number % len(paths)]) for number in range(repeat)]
    after_write = []
    for number in range(max(10, repeat // 3)):
        _after_a_write()
        after_write.append(_timed(client, paths[number % len(paths)]))
    return {
        "cpu_ms": round(statistics.median(costs), 1),
        "cpu_p90_ms": round(sorted(costs)[int(len(costs) * 0.9)], 1),
        "cpu_after_write_ms": round(statistics.median(after_write), 1),
        "queries": queries,
    }


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=40, help="requests per page")
    parser.add_argument("--json", action="store_true", help="print JSON only")
    args = parser.parse_args(argv)
    database_url = os.environ.get("DATABASE_URL")
    if not database_url:
        sys.exit("DATABASE_URL must name a database filled by benchmarks/generate.py")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "website.settings")
    os.environ.setdefault("SEARCH_INDEX_DIR", str(generate.search_dir(database_url)))

    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.test import Client

    samples = json.loads(generate.samples_path(database_url).read_text())
    member = get_user_model().objects.get(email=samples["login"]["email"])
    client = Client(SERVER_NAME="127.0.0.1")
    client.force_login(member)
    results = {name: measure(client, paths, args.repeat) for name, paths in pages(samples).items()}
    if args.json:
        print(json.dumps(results))
        return 0
    print(f"{'page':44} {'CPU ms (median)':>16} {'p90':>8} {'after a write':>14} {'queries':>8}")
    for name, result in results.items():
        print(
            f"{name:44} {result['cpu_ms']:16.1f} {result['cpu_p90_ms']:8.1f} "
            f"{result['cpu_after_write_ms']:14.1f} {result['queries']:8}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
