"""Moderators: the header's badges (open flags, accounts to approve) in one query, and a
notification for each new flag and each new pending account (their preference)."""

import re

import pytest
from allauth.account import signals as account_signals
from allauth.account.models import EmailAddress

from directory import services as directory_services
from qa import services as qa_services
from website.notifications.kinds import Frequency, Kind
from website.notifications.models import Notification, NotificationPreference
from website.steering.context_processors import moderation_badges

pytestmark = pytest.mark.django_db


def test_moderators_see_both_counts_as_badges_in_the_header(client, moderator, make_user, ask):
    make_user(approved_at=None)
    make_user(approved_at=None)
    question = ask(make_user())
    qa_services.flag_create(post=question, reporter=make_user(), reason="spam", text="Pub")
    client.force_login(moderator)
    html = client.get("/notifications/").content.decode()
    assert '<span id="pending-count" class="badge">2 en attente</span>' in html
    assert '<span id="flag-count" class="badge">1 à traiter</span>' in html
    assert "Tableau de pilotage" in html


def test_members_and_coordinators_get_no_badge(client, member, coordinator, make_user, ask):
    make_user(approved_at=None)
    for user in (member, coordinator):
        client.force_login(user)
        html = client.get("/notifications/").content.decode()
        assert "pending-count" not in html and "flag-count" not in html
    assert "Tableau de pilotage" in html  # the coordinator's link
    client.force_login(member)
    assert "Tableau de pilotage" not in client.get("/notifications/").content.decode()


def test_the_badges_cost_one_query_and_none_for_others(
    rf, moderator, member, make_user, django_assert_num_queries
):
    make_user(approved_at=None)
    request = rf.get("/")
    request.user = member
    with django_assert_num_queries(1):  # the member's groups, read once
        assert moderation_badges(request) == {}
    request.user = moderator
    counts = moderation_badges(request)["moderation_counts"]
    with django_assert_num_queries(1):
        assert (counts.pending, counts.flags, counts.pending) == (1, 0, 1)


def test_the_badges_follow_each_flag_and_approval(client, moderator, make_user, ask):
    """The counts are read afresh on every page: a flag raised, a flag handled, an account
    approved or deactivated shows at the next page."""

    def badges():
        html = client.get("/notifications/").content.decode()
        return {
            name: int(found.group(1)) if (found := re.search(pattern, html)) else 0
            for name, pattern in (
                ("pending", r'<span id="pending-count" class="badge">(\d+) en attente</span>'),
                ("flags", r'<span id="flag-count" class="badge">(\d+) à traiter</span>'),
            )
        }

    client.force_login(moderator)
    assert badges() == {"pending": 0, "flags": 0}
    first, second = make_user(approved_at=None), make_user(approved_at=None)
    unverified = make_user(approved_at=None)
    EmailAddress.objects.filter(user=unverified).update(verified=False)
    assert badges() == {"pending": 2, "flags": 0}
    question, reporter = ask(make_user()), make_user()
    flag = qa_services.flag_create(post=question, reporter=reporter, reason="spam")
    qa_services.flag_create(post=question, reporter=make_user(), reason="rude")
    assert badges() == {"pending": 2, "flags": 2}
    qa_services.flag_create(post=question, reporter=reporter, reason="rude")  # a rewording
    assert badges() == {"pending": 2, "flags": 2}
    qa_services.flag_resolve(flag=flag, by=moderator, accepted=False)
    assert badges() == {"pending": 2, "flags": 1}
    directory_services.account_approve(user=first, approved_by=moderator)
    assert badges() == {"pending": 1, "flags": 1}
    second.is_active = False
    second.save(update_fields=["is_active"])
    assert badges() == {"pending": 0, "flags": 1}


def test_each_new_flag_notifies_the_moderators(moderator, make_user, ask, committed, mailoutbox):
    other_moderator = make_user(roles=["Modérateurs"])
    NotificationPreference.objects.create(
        user=other_moderator, kind=Kind.FLAG_CREATED, frequency=Frequency.NEVER
    )
    member = make_user()
    question = ask(make_user(), title="Vente de sel à prix cassé")
    with committed():
        qa_services.flag_create(post=question, reporter=member, reason="spam", text="Pub")
    notified = Notification.objects.filter(kind=Kind.FLAG_CREATED)
    assert set(notified.values_list("recipient_id", flat=True)) == {
        moderator.pk,
        other_moderator.pk,
    }
    assert notified.first().title == "Vente de sel à prix cassé"
    assert notified.first().url == "/moderation/signalements/"
    assert [m.to for m in mailoutbox] == [[moderator.email]]  # the other chose « jamais »
    with committed():  # the same member rewording their open report: not a new flag
        qa_services.flag_create(post=question, reporter=member, reason="rude", text="Insultes")
    assert notified.count() == 2


def test_a_new_pending_account_notifies_the_moderators(moderator, member, make_user, committed):
    newcomer = make_user(approved_at=None, first_name="Jeanne", last_name="Durance")
    address = EmailAddress.objects.get(user=newcomer)
    with committed():
        account_signals.email_confirmed.send(
            sender=EmailAddress, request=None, email_address=address
        )
    notification = Notification.objects.get(kind=Kind.ACCOUNT_PENDING)
    assert notification.recipient == moderator
    assert notification.title == "Jeanne Durance"
    assert notification.url == "/annuaire/comptes-en-attente/"
    approved = make_user()
    with committed():  # an account already approved (an invitation) waits for no one
        account_signals.user_signed_up.send(sender=type(approved), request=None, user=approved)
    assert Notification.objects.filter(kind=Kind.ACCOUNT_PENDING).count() == 1


def test_only_moderators_are_offered_the_moderators_preferences(client, member, moderator):
    client.force_login(member)
    assert (
        "Nouveau signalement à traiter" not in client.get("/compte/preferences/").content.decode()
    )
    client.force_login(moderator)
    html = client.get("/compte/preferences/").content.decode()
    assert "Nouveau signalement à traiter (modérateurs)" in html
    assert "Nouveau compte à valider (modérateurs)" in html
