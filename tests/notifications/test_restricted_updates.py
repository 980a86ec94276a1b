"""A regulatory update behind a Wagtail view restriction reaches only those who may view it
(security review, finding 7): its notification, the re-check notifications it causes and the
« à revérifier » banner on the threads it affects.

Password-protected updates notify nobody: the password is handed out outside the site, which
cannot know who holds it.
"""

import pytest
from django.contrib.auth.models import Group
from wagtail.models import PageViewRestriction

from website.notifications.kinds import Kind
from website.notifications.models import Notification

pytestmark = pytest.mark.django_db

TITLE = "Projet de décret embargo sur les cantines"


@pytest.fixture
def world(make_user, make_topic, follow_topic, ask, answer):
    """Followers of a topic (a plain member, an editor, a superuser) and a thread on it, asked
    by a plain member and answered by an editor."""
    topic = make_topic(name="Restauration scolaire")
    people = {
        "member": make_user(),
        "editor": make_user(roles=["Éditeurs"]),
        "superuser": make_user(is_superuser=True),
    }
    for user in people.values():
        follow_topic(user, topic)
    question = ask(make_user(), topics=[topic], title="Quel prestataire pour la cantine ?")
    answer(people["editor"], question)
    Notification.objects.all().delete()
    return {"topic": topic, "question": question, "asker": question.author, **people}


def publish_restricted(make_update, committed, world, restriction_type, groups=(), on=None):
    """Publish an update affecting the thread, restricted (itself, or its section `on`)."""
    update = make_update(
        topics=[world["topic"]], questions=[world["question"]], title=TITLE, publish=False
    )
    target = on or update
    restriction = PageViewRestriction.objects.create(
        page=target, restriction_type=restriction_type, password="secret"
    )
    restriction.groups.set(Group.objects.filter(name__in=groups))
    with committed():
        update.save_revision().publish()
    return update


def recipients(kind):
    return set(Notification.objects.filter(kind=kind).values_list("recipient_id", flat=True))


def test_an_update_restricted_to_editors_notifies_only_editors_and_superusers(
    world, make_update, committed
):
    publish_restricted(make_update, committed, world, "groups", groups=["Éditeurs"])
    assert recipients(Kind.REGULATORY_UPDATE) == {world["editor"].pk, world["superuser"].pk}
    assert not Notification.objects.filter(recipient=world["member"]).exists()
    assert not Notification.objects.filter(recipient=world["asker"]).exists()


def test_a_restriction_on_the_watch_section_applies_to_its_updates(
    world, make_update, committed, regulatory_index
):
    publish_restricted(
        make_update, committed, world, "groups", groups=["Éditeurs"], on=regulatory_index
    )
    assert recipients(Kind.REGULATORY_UPDATE) == {world["editor"].pk, world["superuser"].pk}


def test_a_login_restricted_update_notifies_every_follower(world, make_update, committed):
    publish_restricted(make_update, committed, world, "login")
    assert recipients(Kind.REGULATORY_UPDATE) == {
        world["member"].pk,
        world["editor"].pk,
        world["superuser"].pk,
    }


def test_a_password_protected_update_notifies_nobody(world, make_update, committed):
    publish_restricted(make_update, committed, world, "password")
    assert not Notification.objects.exists()


def test_recheck_notifications_go_only_to_those_who_may_view_the_update(
    world, make_update, committed
):
    publish_restricted(make_update, committed, world, "groups", groups=["Éditeurs"])
    rechecks = Notification.objects.filter(kind=Kind.RECHECK)
    assert set(rechecks.values_list("recipient_id", flat=True)) == {world["editor"].pk}
    assert TITLE in rechecks.get().excerpt


def test_the_banner_names_a_restricted_update_only_to_those_who_may_view_it(
    world, make_update, committed, client
):
    update = publish_restricted(make_update, committed, world, "groups", groups=["Éditeurs"])
    url = world["question"].get_absolute_url()
    client.force_login(world["asker"])
    body = client.get(url).content.decode()
    assert "Quel prestataire pour la cantine" in body
    assert "À revérifier" not in body and TITLE not in body and update.url not in body
    client.force_login(world["editor"])
    body = client.get(url).content.decode()
    assert "À revérifier" in body and TITLE in body and update.url in body
