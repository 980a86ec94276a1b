"""The process side of the write drill: OS processes of the site, writing through `qa.services`.

The test starts `master` with multiprocessing's *spawn* method, so nothing is inherited from
the test process but the environment given here: it configures Django from the production
settings module (`website.settings`) with the production task backend (the database queue),
closes its connections and forks the writers, as gunicorn's master does with `--preload`.
Each writer opens its own database connection. No Django import at this module's top level.
"""

import logging
import os
import random
import traceback

OPERATIONS = 200


def database_url(connection) -> str:
    """The URL of the database the test connection uses (a file on SQLite, as in production)."""
    params = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{params['NAME']}"
    password = f":{params['PASSWORD']}" if params.get("PASSWORD") else ""
    host = params.get("HOST") or "127.0.0.1"
    port = params.get("PORT") or 5432
    return f"postgres://{params['USER']}{password}@{host}:{port}/{params['NAME']}"


def child_environment(db_url: str, folder: str) -> dict:
    return {
        "DJANGO_SETTINGS_MODULE": "website.settings",
        "DJANGO_DEBUG": "false",
        "SECRET_KEY": "write-drill-only-not-secret",
        "DATABASE_URL": db_url,
        # Web processes only queue background work (docs/notifications.md, production setup).
        "TASKS_BACKEND": "django_tasks_db.DatabaseBackend",
        "CACHE_URL": "locmemcache://",
        "EMAIL_URL": "memorymail://",
        "SEARCH_INDEX_DIR": os.path.join(folder, "search"),
        "MEDIA_ROOT": os.path.join(folder, "media"),
        "STATIC_ROOT": os.path.join(folder, "static"),
        "LOG_LEVEL": "WARNING",
    }


class _Recorder(logging.Handler):
    """Errors logged instead of raised (a failed task enqueue, an on-commit callback)."""

    def __init__(self):
        super().__init__(level=logging.ERROR)
        self.messages = []

    def emit(self, record):
        self.messages.append(f"{record.name}: {record.getMessage()}")


def master(environment, ids, processes, results):
    """Set Django up once, then fork the writers (as gunicorn's `--preload` master does)."""
    import multiprocessing

    try:
        os.environ.update(environment)
        import django

        django.setup()
        from django.db import connections

        connections.close_all()  # each writer opens its own connection
    except Exception:  # noqa: BLE001 — sent back to the test, which fails on it
        results.put({"index": None, "errors": [traceback.format_exc()], "logged": []})
        return
    context = multiprocessing.get_context("fork")
    barrier = context.Barrier(processes)
    writers = [
        context.Process(target=writer, args=(index, ids, barrier, results))
        for index in range(processes)
    ]
    for process in writers:
        process.start()
    for process in writers:
        process.join()


def writer(index, ids, barrier, results):
    """Wait for the others, then make OPERATIONS mixed writes; report back."""
    recorder = _Recorder()
    logging.getLogger().addHandler(recorder)
    report = {"index": index, "errors": [], "logged": recorder.messages}
    try:
        report |= _writes(index, ids, barrier)
    except Exception:  # noqa: BLE001 — sent back to the test, which fails on it
        report["errors"].append(traceback.format_exc())
        barrier.abort()  # the others stop waiting for this one
    finally:
        from django.db import connections

        connections.close_all()
        results.put(report)


def _writes(index, ids, barrier):
    from directory.models import User
    from qa import services
    from qa.models import Answer, Question

    user = User.objects.get(pk=ids["users"][index])
    questions = list(Question.objects.filter(pk__in=ids["questions"]).order_by("pk"))
    answers = list(Answer.objects.filter(pk__in=ids["answers"]).order_by("pk"))
    rng = random.Random(index)  # noqa: S311 — a reproducible plan, not a secret
    own_answers = []
    answered = {}  # question id → answers posted here
    commented = {}  # "question:<id>" / "answer:<id>" → comments posted here
    votes = {}  # "question:<id>" / "answer:<id>" → this member's final vote
    errors = []
    barrier.wait(timeout=180)
    for number in range(OPERATIONS):
        try:
            if number % 4 == 0:
                question = rng.choice(questions)
                own_answers.append(
                    services.answer_create(
                        question=question,
                        author=user,
                        body=f"Réponse {number} du processus {index} : voici notre pratique.",
                    )
                )
                answered[question.pk] = answered.get(question.pk, 0) + 1
            elif number % 4 == 1:
                post = rng.choice(questions + answers + own_answers)
                services.comment_create(
                    post=post, author=user, body=f"Commentaire {number} du processus {index}."
                )
                key = _key(post)
                commented[key] = commented.get(key, 0) + 1
            else:
                post = rng.choice(questions + answers)
                value = rng.choice((1, -1, 0))
                if value:
                    services.vote_cast(user=user, post=post, value=value)
                    votes[_key(post)] = value
                else:
                    services.vote_withdraw(user=user, post=post)
                    votes.pop(_key(post), None)
        except Exception:  # noqa: BLE001 — every failure is reported, the drill goes on
            errors.append(f"operation {number}: {traceback.format_exc()}")
    return {
        "errors": errors,
        "answered": answered,
        "commented": commented,
        "votes": votes,
        "own_answers": [answer.pk for answer in own_answers],
    }


def _key(post) -> str:
    return f"{type(post).__name__.lower()}:{post.pk}"
