"""Worker memory, step by step (issue 16): what one gunicorn worker holds after each page.

    .venv/bin/python benchmarks/worker_memory.py                  # the full-size data set
    .venv/bin/python benchmarks/worker_memory.py --rounds 3 --env MALLOC_ARENA_MAX=2

`run.py` reads each worker's memory after each page's loop, whichever worker served it; the
worst case is a worker that has served every page itself, cold: the threads' fragments not
yet in the cache (it renders them, and searches the index for each thread's « Questions
liées »), then the searches. This starts gunicorn as `run.py` does (`--preload`, production
settings) with **one** worker, on a copy of the benchmark database whose cache table is
emptied (the database itself is never written), and requests as the benchmark member, one at a
time: home, the lists, the typical and 50-answer threads, the directory, the searches, then
the same again (`--rounds`). After each step it prints the worker's RSS (`VmRSS`, what issue
16's « worker RSS ≤ 150 MB » counts: the pages shared with the master in full), its
anonymous and file-backed parts, PSS and USS (`smaps_rollup`).
"""

import argparse
import json
import os
import re
import sqlite3
import sys
import tempfile
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent))

import generate  # noqa: E402
from run import BIN, Server, Session, default_database, run, server_environment  # noqa: E402

CACHE_TABLE = "entraide_cache"


def memory_mib(pid: int) -> dict:
    """RSS and its anonymous and file parts (`status`), PSS and USS (`smaps_rollup`)."""
    status = Path(f"/proc/{pid}/status").read_text()
    rollup = Path(f"/proc/{pid}/smaps_rollup").read_text()
    kib = dict(re.findall(r"^(\w+):\s+(\d+) kB", status + rollup, re.MULTILINE))

    def mib(*names):
        return round(sum(int(kib.get(name, 0)) for name in names) / 1024, 1)

    return {
        "rss": mib("VmRSS"),
        "anon": mib("RssAnon"),
        "file": mib("RssFile"),
        "pss": mib("Pss"),
        "uss": mib("Private_Clean", "Private_Dirty"),
    }


def mappings_mib(pid: int, top: int = 12) -> list[tuple[str, float]]:
    """The worker's RSS by mapping (`smaps`): each file (libraries, the index's files), the
    heap, and the anonymous mappings together; the largest first."""
    sizes: dict[str, float] = {}
    name = ""
    for line in Path(f"/proc/{pid}/smaps").read_text().splitlines():
        head = line.split()
        if re.match(r"^[0-9a-f]+-[0-9a-f]+ ", line):
            name = head[5] if len(head) > 5 else "[anonymous]"
        elif head[0] == "Rss:":
            sizes[name] = sizes.get(name, 0) + int(head[1]) / 1024
    return sorted(sizes.items(), key=lambda item: -item[1])[:top]


def cold_copy(database_url: str, folder: Path) -> str:
    """A copy of the SQLite benchmark database (WAL included) with an empty cache table."""
    source = database_url.removeprefix("sqlite:///")
    target = folder / "bench.sqlite3"
    with (
        sqlite3.connect(f"file:{source}?mode=ro", uri=True) as read,
        sqlite3.connect(target) as copy,
    ):
        read.backup(copy)
        copy.execute(f"DELETE FROM {CACHE_TABLE}")  # noqa: S608 (a constant)
    return f"sqlite:///{target}"


def steps(samples) -> dict[str, list[str]]:
    return {
        "home": ["/"],
        "lists": ["/questions/", "/questions/?page=2", "/questions/?page=200"],
        "threads (typical)": samples["threads"],
        "threads (50 answers)": samples["hot_threads"],
        "directory": ["/annuaire/"],
        "searches": [f"/recherche/?{urlencode({'q': q})}" for q in samples["searches"]],
    }


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=2, help="times every step is run")
    parser.add_argument("--workers", type=int, default=1, help="gunicorn workers")
    parser.add_argument(
        "--env", action="append", default=[], metavar="NAME=VALUE", help="for gunicorn"
    )
    parser.add_argument("--smaps", action="store_true", help="the worker's RSS by mapping")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON too")
    args = parser.parse_args(argv)
    database_url = os.environ.get("BENCH_DATABASE_URL", default_database(1.0))
    if not database_url.startswith("sqlite:///"):
        sys.exit("A SQLite benchmark database (it is copied; the copy's cache is emptied).")
    samples = json.loads(generate.samples_path(database_url).read_text())
    with tempfile.TemporaryDirectory(prefix="entraide-worker-memory-") as folder:
        env = server_environment(cold_copy(database_url, Path(folder)))
        env["SEARCH_INDEX_DIR"] = str(generate.search_dir(database_url))
        env.update(item.split("=", 1) for item in args.env)
        run([str(BIN / "python"), "manage.py", "collectstatic", "--noinput", "-v0"], env)
        server = Server(env, args.workers, preload=True)
        figures = []
        try:
            server.wait_ready()
            (worker, *_) = server.worker_pids()
            figures.append(("started (/sante/)", memory_mib(worker)))
            session = Session(server.port)
            session.login(samples["login"]["email"], samples["login"]["password"])
            figures.append(("logged in", memory_mib(worker)))
            for number in range(1, args.rounds + 1):
                for name, paths in steps(samples).items():
                    for path in paths:
                        response, _ = session.request("GET", path)
                        if response.status != 200:
                            raise RuntimeError(f"{path}: HTTP {response.status}")
                    figures.append((f"{name}, round {number}", memory_mib(worker)))
            master = memory_mib(server.process.pid)
            mappings = mappings_mib(worker) if args.smaps else []
        finally:
            server.stop()
    print(f"{'after':32} {'RSS':>7} {'anon':>7} {'file':>7} {'PSS':>7} {'USS':>7}  (MiB)")
    for name, sizes in figures:
        print(f"{name:32} " + " ".join(f"{sizes[k]:7.1f}" for k in sizes))
    print(f"{'master':32} " + " ".join(f"{master[k]:7.1f}" for k in master))
    for name, size in mappings:
        print(f"{size:7.1f} MiB  {name}")
    print(f"load average (1 min): {os.getloadavg()[0]:.1f}")
    if args.json:
        print(json.dumps({"steps": figures, "master": master}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
