"""Digest benchmark (issue 7 "Speed"): daily digests for 5,000 members, timed.

    DATABASE_URL=sqlite:////work/main/var/bench-digests.sqlite3 \
        .venv/bin/python benchmarks/digests.py [--members 5000] [--per-member 6]

The database must be given explicitly and must not be the development or a test database:
the script migrates it and empties the notification tables it fills. It creates the members
(bulk, no signals), 14 topics, `--per-member` unread "new question in a followed topic"
notifications each over the last day, 300 experts with an expertise and 300 unanswered
questions, then times `send_digests(frequency="daily")` end to end — collecting, rendering
each e-mail (text + HTML), writing the outbox rows, stamping the notifications and sending
through Django's in-memory e-mail backend with the immediate task backend — and a second run
(idempotence: it must send nothing). Prints one Markdown table row per run.
"""

import argparse
import os
import sys
import time
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def setup_django():
    url = os.environ.get("DATABASE_URL", "")
    if not url:
        sys.exit("Set DATABASE_URL to a throwaway database (see the docstring).")
    path = urlparse(url).path
    if url.startswith("sqlite") and path.endswith(("entraide.sqlite3",)):
        sys.exit("Refusing to use the development database.")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "website.settings")
    # Production code path (no query log kept in memory); a throwaway key.
    os.environ["DJANGO_DEBUG"] = "false"
    os.environ.setdefault("SECRET_KEY", "benchmark-only-not-secret")
    os.environ["EMAIL_URL"] = "memorymail://"
    os.environ["TASKS_BACKEND"] = "django_tasks.backends.immediate.ImmediateBackend"
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def generate(members: int, per_member: int):
    from django.contrib.auth.hashers import make_password
    from django.db import transaction
    from django.utils import timezone

    from directory.models import InterestKind, Person, TopicInterest, User
    from qa.models import Question
    from taxonomy.models import Topic
    from website.notifications.kinds import Kind
    from website.notifications.models import EmailDelivery, Notification

    now = timezone.now()
    with transaction.atomic():
        Notification.objects.all().delete()
        EmailDelivery.objects.all().delete()
        topics = [
            Topic.objects.get_or_create(slug=f"bench-sujet-{i}", defaults={"name": f"Sujet {i}"})[0]
            for i in range(14)
        ]
        existing = User.objects.filter(email__startswith="bench-digest-").count()
        password = make_password(None)
        User.objects.bulk_create(
            [
                User(
                    email=f"bench-digest-{i}@example.org",
                    first_name=f"Prénom{i}",
                    last_name=f"Nom{i}",
                    approved_at=now,
                    password=password,
                )
                for i in range(existing, members)
            ],
            batch_size=1000,
        )
        users = list(
            User.objects.filter(email__startswith="bench-digest-").order_by("pk")[:members]
        )
        experts = users[:300]
        Person.objects.filter(user__in=experts).delete()
        people = Person.objects.bulk_create(
            [Person(user=u, first_name=u.first_name, last_name=u.last_name) for u in experts]
        )
        TopicInterest.objects.bulk_create(
            [
                TopicInterest(person=p, topic=topics[i % len(topics)], kind=InterestKind.EXPERTISE)
                for i, p in enumerate(people)
            ],
            ignore_conflicts=True,
        )
        Question.objects.filter(title__startswith="[bench] ").delete()
        questions = Question.objects.bulk_create(
            [
                Question(
                    title=f"[bench] Question sans réponse numéro {i}",
                    slug=f"bench-question-{i}",
                    body="Une question générée.",
                    body_html="<p>Une question générée.</p>",
                    author=users[-1 - i],
                    created_at=now - timedelta(hours=i % 48),
                )
                for i in range(300)
            ]
        )
        Question.topics.through.objects.bulk_create(
            [
                Question.topics.through(question_id=q.pk, topic_id=topics[i % len(topics)].pk)
                for i, q in enumerate(questions)
            ]
        )
        rows = []
        for n, user in enumerate(users):
            for k in range(per_member):
                topic = topics[(n + k) % len(topics)]
                rows.append(
                    Notification(
                        recipient=user,
                        kind=Kind.QUESTION_IN_TOPIC,
                        event_key=f"bench:{n}:{k}",
                        actor_name="Camille Exemple",
                        title=f"Question générée {k} dans {topic.name}",
                        url=f"/questions/{k + 1}/question-generee/",
                        topic=topic,
                        created_at=now - timedelta(minutes=10 * k + 1),
                    )
                )
        Notification.objects.bulk_create(rows, batch_size=2000)
    return len(users), len(rows)


def run_once(label: str) -> str:
    from django.core import mail
    from django.db import connection

    from website.notifications.digests import send_digests

    count = {"queries": 0}

    def counter(execute, sql, params, many, context):
        count["queries"] += 1
        return execute(sql, params, many, context)

    mail.outbox = []
    with connection.execute_wrapper(counter):
        start = time.perf_counter()
        result = send_digests(frequency="daily")
        elapsed = time.perf_counter() - start
    return (
        f"| {label} | {len(result.queued)} | {len(mail.outbox)} | {result.already_done} "
        f"| {count['queries']} | {elapsed:.1f} s |"
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=5000)
    parser.add_argument("--per-member", type=int, default=6)
    args = parser.parse_args()
    setup_django()
    from django.db import connection

    members, notifications = generate(args.members, args.per_member)
    print(f"{members} members, {notifications} unread notifications, database {connection.vendor}")
    print("| run | digests queued | e-mails sent | already done | queries | time |")
    print("|---|---|---|---|---|---|")
    print(run_once("first run"))
    print(run_once("second run (same day)"))


if __name__ == "__main__":
    main()
