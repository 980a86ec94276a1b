"""Shared-needs benchmark (issue 19, « Speed »): `/besoins-partages/` at 100,000 questions
and 5,000 people, target ≤ 300 ms p95.

On a COPY of the database of `generate.py` (it adds « même problème » marks, agenda proposals
and supports when there are none, so the aggregates have something to count):

    cp /work/main/var/bench.sqlite3 /work/main/var/bench-samples.json var/   # in a worktree
    cp -r /work/main/var/bench-search var/
    DATABASE_URL=sqlite:///$PWD/var/bench.sqlite3 .venv/bin/python manage.py migrate
    DATABASE_URL=sqlite:///$PWD/var/bench.sqlite3 .venv/bin/python benchmarks/needs_bench.py

Each page (no filter, a CC, a topic, a period, the CSV; then the coordinators' dashboard
`/pilotage/` and two of its CSV exports, as the same member put in the « Coordinateurs »
group of the copy) is requested `--repeat` times through
Django's test client as the benchmark member, in process; the table gives the wall time
(median, p95), the CPU time of the process (median) and the SQL queries of one request (a
warm one: the first request of a filter also searches its seed threads' similar threads). The
first request of all (a cold cache: one search per seed thread) is reported apart.
"""

import argparse
import json
import os
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import generate  # noqa: E402

MARKS = 30_000
PROPOSALS = 200
SUPPORTS = 5_000


def add_expressions():
    """Marks, proposals and supports, skewed like votes (a few threads gather many)."""
    from django.contrib.auth import get_user_model
    from django.db import transaction
    from django.db.models import Count

    from qa.agenda.models import Proposal, Support
    from qa.models import Question, SameProblem
    from taxonomy.models import Topic

    if SameProblem.objects.exists():
        return
    rng = random.Random(19)
    users = list(get_user_model().objects.values_list("pk", flat=True))
    questions = list(Question.objects.values_list("pk", flat=True))
    topics = list(Topic.objects.values_list("pk", flat=True))
    with transaction.atomic():
        pairs = set()
        while len(pairs) < MARKS:
            question = questions[min(int(rng.paretovariate(1.2)) * 37, len(questions) - 1)]
            pairs.add((rng.choice(users), rng.choice([question, rng.choice(questions)])))
        SameProblem.objects.bulk_create(
            [SameProblem(user_id=u, question_id=q) for u, q in pairs], batch_size=5000
        )
        for pk, n in (
            SameProblem.objects.values("question")
            .annotate(n=Count("pk"))
            .values_list("question", "n")
        ):
            Question.objects.filter(pk=pk).update(same_problem_count=n)
        proposals = Proposal.objects.bulk_create(
            [
                Proposal(
                    title=f"Sujet proposé numéro {n} pour le conseil",
                    rationale="Généré pour le banc d'essai.",
                    author_id=rng.choice(users),
                )
                for n in range(PROPOSALS)
            ]
        )
        Proposal.topics.through.objects.bulk_create(
            [
                Proposal.topics.through(proposal_id=p.pk, topic_id=rng.choice(topics))
                for p in proposals
            ]
        )
        supports = {(rng.choice(proposals).pk, rng.choice(users)) for _ in range(SUPPORTS)}
        Support.objects.bulk_create(
            [Support(proposal_id=p, user_id=u) for p, u in supports], batch_size=5000
        )


def measure(client, path, repeat):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    response = client.get(path)  # warms the page's caches (the similar threads of a filter)
    if response.status_code != 200:
        raise RuntimeError(f"{path}: HTTP {response.status_code}")
    with CaptureQueriesContext(connection) as captured:
        client.get(path)
    # Counted now: `captured` slices the connection's query log when read, and the next
    # request empties that log (Django's `reset_queries`), so read later it was always 0.
    queries = len(captured)
    walls, cpus = [], []
    for _ in range(repeat):
        wall, cpu = time.perf_counter(), time.process_time()
        client.get(path)
        walls.append((time.perf_counter() - wall) * 1000)
        cpus.append((time.process_time() - cpu) * 1000)
    walls.sort()
    return {
        "wall_ms": round(statistics.median(walls), 1),
        "wall_p95_ms": round(walls[min(int(len(walls) * 0.95), len(walls) - 1)], 1),
        "cpu_ms": round(statistics.median(cpus), 1),
        "queries": queries,
    }


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=20, help="requests per page")
    parser.add_argument("--json", action="store_true", help="print JSON only")
    args = parser.parse_args(argv)
    url = generate.configure_environment()
    os.environ.setdefault("ALLOWED_HOSTS", "127.0.0.1")
    os.environ.setdefault("SECURE_SSL_REDIRECT", "false")  # plain HTTP, as run.py serves it

    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.core.cache import cache
    from django.test import Client
    from django.test.utils import override_settings

    from directory.models import Structure, StructureKind
    from taxonomy.models import Topic

    add_expressions()
    # Static addresses without the manifest (no collectstatic for an in-process render).
    override_settings(
        STORAGES={
            **settings.STORAGES,
            "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
        }
    ).enable()
    samples = json.loads(generate.samples_path(url).read_text())
    member = get_user_model().objects.get(email=samples["login"]["email"])
    client = Client(SERVER_NAME="127.0.0.1")
    client.force_login(member)
    cc = Structure.objects.filter(kind=StructureKind.CC).first()
    topic = Topic.objects.first()
    pages = {
        "no filter": "/besoins-partages/",
        "a CC": f"/besoins-partages/?cc={cc.slug}" if cc else "/besoins-partages/",
        "a topic": f"/besoins-partages/?sujet={topic.slug}",
        "12 months": "/besoins-partages/?periode=12",
        "CSV": "/besoins-partages/export.csv",
    }
    coordinator = client  # the same member, made a coordinator below, after the needs pages
    cache.clear()
    started = time.perf_counter()
    client.get(pages["no filter"])
    cold = round((time.perf_counter() - started) * 1000, 1)
    results = {}

    def run(name, who, path):
        results[name] = measure(who, path, args.repeat)
        if not args.json:  # as it goes: the dashboard's pages may be slow
            r = results[name]
            print(
                f"{name:18} {r['wall_ms']:9.1f} {r['wall_p95_ms']:8.1f} {r['cpu_ms']:8.1f}"
                f" {r['queries']:8}",
                flush=True,
            )

    if not args.json:
        print(f"first request, cold cache: {cold} ms")
        print(f"{'page':18} {'wall ms':>9} {'p95':>8} {'CPU ms':>8} {'queries':>8}")
    for name, path in pages.items():
        run(name, client, path)
    from django.contrib.auth.models import Group

    from directory.roles import COORDINATORS

    member.groups.add(Group.objects.get_or_create(name=COORDINATORS)[0])
    dashboard = {
        "dashboard": "/pilotage/",
        "dash topics CSV": "/pilotage/export/sujets.csv",
        "dash communes CSV": "/pilotage/export/communes.csv",
    }
    for name, path in dashboard.items():
        run(name, coordinator, path)
    if args.json:
        print(json.dumps({"cold_ms": cold, "pages": results}))
        return 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
