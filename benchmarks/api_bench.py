"""API CPU benchmark (issue 21, "Speed"): the CPU each request of the question list and of a
thread costs through the API, beside the HTML page that shows the same thing.

In-process, through Django's test client on the benchmark database of `generate.py`, with
the production settings: one process, so `time.process_time()` around a request is the CPU
that request cost (view, templates or JSON, ORM, and on SQLite the database engine itself).
Wall time is printed too. The HTML requests are a logged-in member's; the API requests carry
that member's personal token (created in the benchmark database).

    DATABASE_URL=sqlite:////work/main/var/bench.sqlite3 \\
        .venv/bin/python benchmarks/api_bench.py [--scale 1] [--rounds 3]

It generates the data first if needed (`generate.py --scale`, which stops when the data is
there). Output: a table on stdout and `var/<database>-api-bench.json`.
"""

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.generate import bench_name, samples_path  # noqa: E402

THREAD_ID = re.compile(r"/questions/(\d+)/")


def setup(scale: float) -> dict:
    url = os.environ.get("DATABASE_URL", "")
    if not url:
        sys.exit("DATABASE_URL is required (see the docstring)")
    name = bench_name(url)
    if name in ("entraide", "") or name.startswith("test"):
        sys.exit(f"Refusing to use {url!r}: use a benchmark database.")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "website.settings")
    os.environ.setdefault("DJANGO_DEBUG", "false")
    os.environ.setdefault("SECRET_KEY", "benchmark-only-not-secret-" + "x" * 24)
    os.environ.setdefault("SECURE_SSL_REDIRECT", "false")
    os.environ.setdefault("ALLOWED_HOSTS", "testserver")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    os.environ.setdefault("EMAIL_URL", "dummymail://")
    # The pages link the manifest's static files (DEBUG off), collected apart from the site's.
    os.environ.setdefault("STATIC_ROOT", str(ROOT / "var" / "api-bench-static"))
    # Thousands of requests with one token: the per-token limit is not what is measured.
    os.environ["API_RATE_LIMIT_REQUESTS"] = "10000000"
    for command in (
        ["benchmarks/generate.py", "--scale", str(scale)],
        ["manage.py", "collectstatic", "--noinput", "-v0"],
    ):
        subprocess.run([sys.executable, *command], cwd=ROOT, check=True)  # noqa: S603
    import django

    django.setup()
    return json.loads(samples_path(url).read_text())


def clients(samples):
    from django.test import Client

    from directory.models import User
    from website.api import services

    member = User.objects.get(email=samples["login"]["email"])
    html = Client()
    html.force_login(member)
    token = services.token_create(user=member, name="api_bench", scopes=["read"], days=1)
    api = Client(HTTP_AUTHORIZATION=f"Bearer {token.secret}")
    return html, api


def _expect_ok(response, path):
    if response.status_code != 200:
        sys.exit(f"{path} answered {response.status_code}: not a benchmark of a working page")


def measure(client, paths, rounds):
    """CPU and wall milliseconds of each request, after one warm-up pass."""
    for path in paths:
        _expect_ok(client.get(path), path)
    cpu, wall = [], []
    for _ in range(rounds):
        for path in paths:
            started_cpu, started_wall = time.process_time(), time.perf_counter()
            response = client.get(path)
            cpu.append((time.process_time() - started_cpu) * 1000)
            wall.append((time.perf_counter() - started_wall) * 1000)
            _expect_ok(response, path)
    return {
        "requests": len(cpu),
        "cpu_ms_mean": round(statistics.fmean(cpu), 2),
        "cpu_ms_p50": round(statistics.median(cpu), 2),
        "wall_ms_p50": round(statistics.median(wall), 2),
    }


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=float, default=1.0, help="data set size (1 = full)")
    parser.add_argument("--rounds", type=int, default=3, help="passes over the sample paths")
    args = parser.parse_args(argv)
    samples = setup(args.scale)
    from qa.views.access import PAGE_SIZE

    html, api = clients(samples)
    typical = [THREAD_ID.search(url).group(1) for url in samples["threads"]]
    hot = [THREAD_ID.search(url).group(1) for url in samples["hot_threads"]]
    pairs = {
        "question list, page 1": (["/questions/"], [f"/api/v1/questions?limit={PAGE_SIZE}"]),
        "typical threads": (
            samples["threads"],
            [f"/api/v1/questions/{pk}" for pk in typical],
        ),
        "threads with 50 answers": (
            samples["hot_threads"],
            [f"/api/v1/questions/{pk}" for pk in hot],
        ),
    }
    results = {}
    print(f"{'what':<26} {'HTML cpu ms':>12} {'API cpu ms':>11} {'API/HTML':>9}")
    for label, (pages, endpoints) in pairs.items():
        page = measure(html, pages, args.rounds)
        endpoint = measure(api, endpoints, args.rounds)
        ratio = endpoint["cpu_ms_mean"] / page["cpu_ms_mean"]
        results[label] = {"html": page, "api": endpoint, "api_over_html": round(ratio, 3)}
        print(
            f"{label:<26} {page['cpu_ms_mean']:>12.1f} {endpoint['cpu_ms_mean']:>11.1f} "
            f"{ratio:>9.2f}"
        )
    output = {
        "scale": args.scale,
        "counts": samples["counts"],
        "rounds": args.rounds,
        "at": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "load_average": os.getloadavg(),
        "results": results,
    }
    target = ROOT / "var" / f"{bench_name(os.environ['DATABASE_URL'])}-api-bench.json"
    target.write_text(json.dumps(output, indent=2, ensure_ascii=False))
    print(f"Written to {target}")


if __name__ == "__main__":
    main()
