"""Support counts stay exact when members click at the same time (unique constraint + F()).

As in tests/qa/test_concurrency.py: on SQLite the racing threads need a file database in WAL
mode (the in-memory test database fails concurrent writers at once), so the migrated test
database is copied into a temporary file and every step runs on it; PostgreSQL runs as is.
"""

import pytest
from django.core.cache import cache

from qa.agenda import services
from qa.agenda.models import Proposal, Support
from tests import factories
from tests.concurrency import file_database, in_thread, race

pytestmark = pytest.mark.django_db(transaction=True)

THREADS = 10


@pytest.fixture
def run():
    """`run(function, *args)` on the database the racing threads will use."""
    cache.clear()
    with file_database():
        yield in_thread


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
    race(
        lambda user: services.proposal_support(proposal=proposal, user=user),
        [(user,) for user in members],
    )
    assert run(_counts, proposal) == (THREADS + 1, THREADS + 1)


def test_one_member_clicking_many_times_at_once_counts_once(run):
    proposal = run(_proposal)
    (member,) = run(_users, 1)
    race(lambda: services.proposal_support(proposal=proposal, user=member), [()] * THREADS)
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

    race(act, args)
    assert run(_counts, proposal) == (THREADS - THREADS // 2 + 1,) * 2
