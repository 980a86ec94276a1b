"""Search benchmark (issue 5 §7): rebuild speed, query latency with permissions and
highlights, the full results page with facets, similar questions, commit-to-searchable delay,
and the index memory of one web worker.

Whoosh, on the data set of `benchmarks/generate.py` (100,000 questions, 300,000 answers,
5,000 people):

    DATABASE_URL=sqlite:////work/main/var/bench.sqlite3 \\
        .venv/bin/python benchmarks/search_bench.py --dump var/search-docs.jsonl

PostgreSQL backend, fed with the same documents (dumped by the Whoosh run) into a throwaway
PostgreSQL database (migrated by the script):

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/entraide_search_bench \\
        .venv/bin/python benchmarks/search_bench.py --backend postgres \\
        --from-jsonl var/search-docs.jsonl

The index goes to `var/<database>-search-bench/` (never the index the site or `run.py` uses).
"""

import argparse
import json
import os
import random
import re
import resource
import sys
import time
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.generate import bench_name  # noqa: E402


def rss_mib(field: str = "VmRSS") -> float:
    """Resident memory; `RssAnon` is the process's own (heap) part, without the index
    files mapped by Whoosh, whose pages are shared with every other worker."""
    status = Path("/proc/self/status").read_text()
    return int(re.search(rf"{field}:\s+(\d+) kB", status).group(1)) / 1024


def percentiles(samples_ms):
    ordered = sorted(samples_ms)

    def at(p):
        return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]

    return at(50), at(95)


def timed(function, arguments):
    """p50 and p95 of the wall-clock milliseconds of the calls, and the same of their CPU
    time (`time.process_time`: what the code costs, stable on a loaded machine)."""
    wall, cpu = [], []
    for argument in arguments:
        started, started_cpu = time.perf_counter(), time.process_time()
        function(argument)
        cpu.append((time.process_time() - started_cpu) * 1000)
        wall.append((time.perf_counter() - started) * 1000)
    cpu50, cpu95 = percentiles(cpu)
    return (*percentiles(wall), f"CPU p50 {cpu50:.0f} / p95 {cpu95:.0f} ms")


def cpu_seconds() -> tuple[float, float]:
    """CPU seconds of this process and of its finished child processes (the rebuild's)."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime, children.ru_utime + children.ru_stime


def load_average() -> str:
    return " ".join(f"{value:.2f}" for value in os.getloadavg())


def setup(backend: str):
    url = os.environ.get("DATABASE_URL", "")
    if not url:
        sys.exit("DATABASE_URL is required (see the docstring)")
    name = bench_name(url)
    if name in ("entraide", "") or name.startswith("test"):
        sys.exit(f"Refusing to use {url!r}: use a benchmark database.")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "website.settings")
    os.environ.setdefault("DJANGO_DEBUG", "false")
    os.environ.setdefault("SECRET_KEY", "benchmark-only-not-secret")
    os.environ.setdefault("SECURE_SSL_REDIRECT", "false")
    os.environ.setdefault("ALLOWED_HOSTS", "testserver,127.0.0.1")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    os.environ.setdefault("STATIC_ROOT", str(ROOT / "var" / "search-bench-static"))
    os.environ["SEARCH_BACKEND"] = backend
    os.environ.setdefault("SEARCH_INDEX_DIR", str(ROOT / "var" / f"{name}-search-bench"))
    import django

    django.setup()
    return name


class Recorder:
    """Wraps the document stream of a rebuild: keeps sample titles, optionally dumps JSONL."""

    def __init__(self, documents, dump_path=None):
        self.documents = documents
        self.titles = []
        self.samples = []
        self.count = 0
        self.dump = open(dump_path, "w") if dump_path else None  # noqa: SIM115

    def __iter__(self):
        rng = random.Random(7)
        for doc in self.documents:
            self.count += 1
            if doc.kind in ("question", "discussion") and rng.random() < 0.05:
                self.titles.append(doc.title)
                if len(self.samples) < 50:
                    self.samples.append(doc)
            if self.dump:
                data = {k: getattr(doc, k) for k in doc.__dataclass_fields__}
                data["date"] = doc.date.isoformat() if doc.date else None
                self.dump.write(json.dumps(data, ensure_ascii=False) + "\n")
            yield doc
        if self.dump:
            self.dump.close()


def documents_from_jsonl(path):
    from website.search.results import SearchDocument

    with open(path) as handle:
        for line in handle:
            data = json.loads(line)
            data["date"] = datetime.fromisoformat(data["date"]) if data["date"] else None
            for key in ("acl", "topics"):
                data[key] = tuple(data[key])
            yield SearchDocument(**data)


def query_sets(titles, rng, count):
    from website.search.analysis import french_tokens

    words_of = [
        [w for w in re.findall(r"\w+", t) if len(w) > 3 and french_tokens(w)] for t in titles
    ]
    words_of = [w for w in words_of if len(w) >= 3]
    one, two, three, phrase = [], [], [], []
    for _ in range(count):
        words = rng.choice(words_of)
        start = rng.randrange(0, len(words) - 2)
        one.append(rng.choice(words))
        two.append(" ".join(words[start : start + 2]))
        three.append(" ".join(words[start : start + 3]))
        title_words = rng.choice(titles).split()
        at = rng.randrange(0, max(1, len(title_words) - 2))
        phrase.append('"' + " ".join(title_words[at : at + 2]) + '"')
    similar = []
    for _ in range(count):
        title_words = rng.choice(titles).split()
        similar.append(" ".join(title_words[: rng.randint(3, 6)]))
    return {"1 word": one, "2 words": two, "3 words": three, "phrase": phrase}, similar


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--backend", choices=["whoosh", "postgres"], default="whoosh")
    parser.add_argument("--queries", type=int, default=150, help="queries per set")
    parser.add_argument("--skip-rebuild", action="store_true")
    parser.add_argument("--dump", help="write the documents to this JSONL file")
    parser.add_argument("--from-jsonl", help="index these documents instead of the database")
    parser.add_argument("--json", default=str(ROOT / "var" / "search-bench-results.json"))
    args = parser.parse_args(argv)
    name = setup(args.backend)

    from django.core.management import call_command

    from website.search import documents, services
    from website.search.backends import get_backend
    from website.search.results import SearchRequest

    if args.backend == "postgres":
        call_command("migrate", verbosity=0)
        call_command("createcachetable", verbosity=0)
    backend = get_backend()
    rows = []
    meta = {"backend": args.backend, "database": name, "started": time.strftime("%F %T")}
    meta["load average at start"] = load_average()
    rng = random.Random(2026)
    rss_start, anon_start = rss_mib(), rss_mib("RssAnon")

    source = documents_from_jsonl(args.from_jsonl) if args.from_jsonl else documents.all_documents()
    recorder = Recorder(source, args.dump)
    if args.skip_rebuild and args.from_jsonl:
        for _ in recorder:  # the sample titles and documents, without indexing them
            pass
    if not args.skip_rebuild:
        started, started_cpu = time.perf_counter(), cpu_seconds()
        count = backend.rebuild(recorder, replay=documents.build_many)
        elapsed = time.perf_counter() - started
        parent, children = (
            end - start for end, start in zip(cpu_seconds(), started_cpu, strict=True)
        )
        rows.append(
            (
                "rebuild",
                f"{count:,} docs in {elapsed:.0f} s",
                f"{count / elapsed:,.0f} docs/s",
                f"CPU {1000 * parent / count:.2f} ms/doc here"
                f" + {1000 * children / count:.2f} ms/doc in child processes",
            )
        )
        meta["documents"] = count
    titles = recorder.titles
    if not titles:
        # Drawn like the rebuild's (`Recorder`), with a fixed seed: every run without the
        # rebuild asks the same queries, so two versions of the code compare (a random
        # draw made the phrase row's p95 depend on the titles drawn: 37 and 86 ms).
        from qa.models import Question

        draw = random.Random(7)
        titles = [
            title
            for title in Question.objects.order_by("pk").values_list("title", flat=True)
            if draw.random() < 0.05
        ]
    rss_before_open, anon_before_open = rss_mib(), rss_mib("RssAnon")

    member_principals = frozenset({"public", "members", "user:1", "group:Membres"})
    sets, similar_texts = query_sets(titles, rng, args.queries)

    def box(query):
        backend.search(
            SearchRequest(query=query, principals=member_principals, facets=False, per_page=10)
        )

    box("mutualisation")  # open the searcher once, as a warm web worker has
    for label, queries in sets.items():
        p50, p95, cpu = timed(box, queries)
        rows.append(
            (
                f"search box, {label} (ACL + highlights)",
                f"p50 {p50:.0f} ms",
                f"p95 {p95:.0f} ms",
                cpu,
            )
        )

    def page(query):
        backend.search(SearchRequest(query=query, principals=member_principals, per_page=10))

    for label in ("1 word", "2 words"):
        p50, p95, cpu = timed(page, sets[label])
        rows.append(
            (
                f"results page, {label} (ACL + highlights + facets)",
                f"p50 {p50:.0f} ms",
                f"p95 {p95:.0f} ms",
                cpu,
            )
        )

    # The index's share of a web worker's memory: heap growth over the service's queries
    # (what the HTML page below adds is Django's, not the index's).
    anon_after_queries = rss_mib("RssAnon")

    if args.backend == "whoosh" and not args.from_jsonl:
        from django.test import Client

        from benchmarks.generate import BENCH_LOGIN
        from directory.models import User

        member = User.objects.get(email=BENCH_LOGIN)
        call_command("collectstatic", interactive=False, verbosity=0)
        client = Client()
        client.force_login(member)

        def full_page(query):
            response = client.get("/recherche/", {"q": query}, secure=True)
            if response.status_code != 200:
                raise RuntimeError(
                    f"/recherche/ answered {response.status_code} {response.get('Location')}"
                )

        p50, p95, cpu = timed(full_page, sets["2 words"][: args.queries // 2])
        rows.append(
            (
                "full HTML page /recherche/ (view + template)",
                f"p50 {p50:.0f} ms",
                f"p95 {p95:.0f} ms",
                cpu,
            )
        )

    def similar(text):
        # What the ask form runs (services.similar_for): the search ranking, per kind.
        services.rank_kinds(text, member_principals, services.QUESTION_KINDS, limit=5)

    p50, p95, cpu = timed(similar, similar_texts)
    rows.append(
        ("similar questions (3–6 typed words)", f"p50 {p50:.0f} ms", f"p95 {p95:.0f} ms", cpu)
    )

    def suggest(query):
        backend.suggest(
            query[:-2] + query[-1] + query[-2] if len(query) > 4 else query, member_principals
        )

    p50, p95, cpu = timed(suggest, sets["1 word"][:50])
    rows.append(("did you mean (a swapped letter)", f"p50 {p50:.0f} ms", f"p95 {p95:.0f} ms", cpu))

    def corrected(query):
        """What the results page does for a misspelt word (issue 12): the search, "did you
        mean", then the corrected query at once."""
        typo = query[:-2] + query[-1] + query[-2] if len(query) > 4 else query
        box(typo)
        suggestion = backend.suggest(typo, member_principals)
        if suggestion:
            box(suggestion)

    p50, p95, cpu = timed(corrected, sets["1 word"][:50])
    rows.append(
        (
            "misspelt word: search + did you mean + corrected query",
            f"p50 {p50:.0f} ms",
            f"p95 {p95:.0f} ms",
            cpu,
        )
    )

    # Commit to searchable: what the search worker does after a commit (build + write), then a
    # web worker's next query reopens its searcher and finds the new text.
    delays = []
    for n, doc in enumerate(recorder.samples[:10]):
        token = f"zqxjeton{n}k"
        changed = type(doc)(**{**doc.__dict__, "body": doc.body + f" {token}"})
        started = time.perf_counter()
        backend.index([changed])
        while not backend.search(
            SearchRequest(query=token, principals=member_principals, facets=False)
        ).hits:
            time.sleep(0.005)
        delays.append((time.perf_counter() - started) * 1000)
        backend.index([doc])
    if delays:
        p50, p95 = percentiles(delays)
        rows.append(
            (
                "commit → searchable (update + reopen + query)",
                f"p50 {p50:.0f} ms",
                f"p95 {p95:.0f} ms",
                cpu,
            )
        )

    rss_end, anon_end = rss_mib(), rss_mib("RssAnon")
    rows.append(
        (
            "process memory (RSS)",
            f"start {rss_start:.0f} MiB, before searching {rss_before_open:.0f} MiB",
            f"after all queries {rss_end:.0f} MiB",
        )
    )
    rows.append(
        (
            "process heap (RssAnon, without mapped index files)",
            f"start {anon_start:.0f} MiB, before searching {anon_before_open:.0f} MiB",
            f"after all queries {anon_end:.0f} MiB",
        )
    )
    rows.append(
        (
            "index memory of a worker (heap growth over the search queries)",
            f"{anon_after_queries - anon_before_open:+.0f} MiB",
            "",
        )
    )
    if args.backend == "whoosh":
        size = sum(f.stat().st_size for f in Path(backend.current_path()).iterdir())
        rows.append(("index size on disk", f"{size / 2**20:.0f} MiB", ""))

    meta["load average at end"] = load_average()
    width = max(len(r[0]) for r in rows)
    print(f"\nSearch benchmark — backend {args.backend}, database {name}")
    print(f"load average (1, 5, 15 min): {meta['load average at start']} at the start,")
    print(f"{meta['load average at end']} at the end; wall times are only comparable at a low load")
    for label, a, b, *cpu in rows:
        print(f"{label.ljust(width)}  {a:<28} {b:<12} {' '.join(cpu)}".rstrip())
    results = {}
    if Path(args.json).exists():
        results = json.loads(Path(args.json).read_text())
    results[args.backend] = {"meta": meta, "rows": rows}
    Path(args.json).write_text(json.dumps(results, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
