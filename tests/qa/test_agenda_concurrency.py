"""Support counts stay exact when members click at the same time (unique constraint + F()).

As in tests/qa/test_concurrency.py: on SQLite the racing threads need a file database in WAL
mode (the in-memory test database fails concurrent writers at once), so the migrated test
database is copied into a temporary file and every step runs on it; PostgreSQL runs as is.
"""

import sqlite3
import tempfile
import threading
from pathlib import Path

import pytest
from django.core.cache import cache
from django.db import connection, connections

from qa.agenda import services
from qa.agenda.models import Proposal, Support
from tests import factories

pytestmark = pytest.mark.django_db(transaction=True)

THREADS = 10


def _in_thread(function, *args):
    result, errors = [], []

    def worker():
        try:
            result.append(function(*args))
        except Exception as error:  # noqa: BLE001 — re-raised below
            errors.append(error)
        finally:
            connection.close()

    thread = threading.Thread(target=worker)
    thread.start()
    thread.join()
    if errors:
        raise errors[0]
    return result[0]


@pytest.fixture
def run():
    cache.clear()
    if connection.vendor != "sqlite":
        yield _in_thread
        return
    settings_dict = connections.settings["default"]
    saved = settings_dict["NAME"]
    with tempfile.TemporaryDirectory(prefix="entraide-agenda-") as folder:
        path = str(Path(folder) / "agenda.sqlite3")
        connection.ensure_connection()
        target = sqlite3.connect(path)
        connection.connection.backup(target)
        target.close()
        settings_dict["NAME"] = path
        try:
            yield _in_thread
        finally:
            settings_dict["NAME"] = saved


def _race(target, args_list):
    barrier = threading.Barrier(len(args_list))
    errors = []

    def worker(*args):
        try:
            barrier.wait()
            target(*args)
        except Exception as error:  # noqa: BLE001 — reported by the assertion below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=args) for args in args_list]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []


def _proposal():
    return services.proposal_create(
        author=factories.UserFactory(),
        title="Un sujet que tout le monde soutient",
        rationale="Tout le monde clique en même temps.",
        topics=[factories.TopicFactory()],
    )


def _users(count):
    return [factories.UserFactory() for _ in range(count)]


def _counts(proposal):
    return Proposal.objects.get(pk=proposal.pk).support_count, Support.objects.count()


def test_many_members_supporting_at_once_give_the_exact_count(run):
    proposal = run(_proposal)
    members = run(_users, THREADS)
    _race(
        lambda user: services.proposal_support(proposal=proposal, user=user),
        [(user,) for user in members],
    )
    assert run(_counts, proposal) == (THREADS + 1, THREADS + 1)


def test_one_member_clicking_many_times_at_once_counts_once(run):
    proposal = run(_proposal)
    (member,) = run(_users, 1)
    _race(lambda: services.proposal_support(proposal=proposal, user=member), [()] * THREADS)
    assert run(_counts, proposal) == (2, 2)


def test_supports_and_withdrawals_racing_stay_consistent(run):
    proposal = run(_proposal)
    members = run(_users, THREADS)
    for user in members[: THREADS // 2]:
        run(lambda user=user: services.proposal_support(proposal=proposal, user=user))
    # The first half withdraws while the second half supports.
    args = [(user, n < THREADS // 2) for n, user in enumerate(members)]

    def act(user, withdraw):
        if withdraw:
            services.proposal_unsupport(proposal=proposal, user=user)
        else:
            services.proposal_support(proposal=proposal, user=user)

    _race(act, args)
    assert run(_counts, proposal) == (THREADS - THREADS // 2 + 1,) * 2
