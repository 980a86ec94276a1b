"""The new-member rule and its posting budgets (`directory/budget.py`): one definition for the
posts of Q&A and the agenda's proposals, with tunables read when they are checked."""

import datetime

import pytest
from django.core.cache import cache
from django.utils import timezone

from directory.budget import POSTS, PROPOSALS, has_posting_budget, is_new_member
from qa.agenda import services as agenda_services

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _empty_cache():
    cache.clear()  # the budgets live in the cache, which outlives each test's database


def _approved_days_ago(make_user, days, **kwargs):
    return make_user(approved_at=timezone.now() - datetime.timedelta(days=days), **kwargs)


def test_a_member_is_new_for_new_member_days_after_approval(make_user, settings):
    settings.NEW_MEMBER_DAYS = 7
    assert is_new_member(_approved_days_ago(make_user, 6))
    assert not is_new_member(_approved_days_ago(make_user, 8))
    settings.NEW_MEMBER_DAYS = 10
    assert is_new_member(_approved_days_ago(make_user, 8))


def test_moderators_are_exempt_from_both_budgets_even_when_new(make_user, settings):
    settings.QA_NEW_MEMBER_POSTS_PER_HOUR = 1
    settings.AGENDA_NEW_MEMBER_PROPOSALS_PER_DAY = 1
    moderator = make_user(roles=["Modérateurs"])
    assert is_new_member(moderator) and not has_posting_budget(moderator)
    for _ in range(3):
        assert POSTS.take(moderator) is not None
        assert PROPOSALS.take(moderator) is not None
        agenda_services.proposal_rate_limit_check(user=moderator)


def test_budgets_read_their_limit_when_checked(member, settings):
    settings.AGENDA_NEW_MEMBER_PROPOSALS_PER_DAY = 1
    assert PROPOSALS.take(member) is not None
    with pytest.raises(agenda_services.RateLimited):
        agenda_services.proposal_rate_limit_check(user=member)
    settings.AGENDA_NEW_MEMBER_PROPOSALS_PER_DAY = 2
    agenda_services.proposal_rate_limit_check(user=member)
    assert PROPOSALS.take(member) is not None
    assert PROPOSALS.take(member) is None


def test_a_slot_given_back_can_be_taken_again(member, settings):
    settings.QA_NEW_MEMBER_POSTS_PER_HOUR = 1
    slot = POSTS.take(member)
    assert not POSTS.allows(member)
    slot.give_back()
    assert POSTS.allows(member)


def test_the_two_budgets_count_separately(member, settings):
    settings.QA_NEW_MEMBER_POSTS_PER_HOUR = 1
    settings.AGENDA_NEW_MEMBER_PROPOSALS_PER_DAY = 1
    assert POSTS.take(member) is not None
    assert PROPOSALS.allows(member)
