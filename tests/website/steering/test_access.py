"""Who may open the dashboard, its pages and exports, and route a question again:
moderators and coordinators; visitors go to the login page, pending accounts to their
waiting page, every other member gets a 403 (with nothing changed)."""

import pytest
from django.urls import reverse

from directory.roles import can_steer, is_coordinator
from website.steering.models import Escalation

pytestmark = pytest.mark.django_db

PAGES = [
    reverse("steering:dashboard"),
    reverse("steering:unanswered"),
    *(
        reverse("steering:export_csv", args=[table])
        for table in ("sujets", "territoires", "delais", "experts", "communes", "sans-reponse")
    ),
]


@pytest.fixture
def people(make_user, coordinator):
    return {
        "visitor": None,
        "pending": make_user(approved_at=None),
        "member": make_user(),
        "expert": make_user(roles=["Experts"]),
        "editor": make_user(roles=["Éditeurs"]),
        "pending_coordinator": make_user(roles=["Coordinateurs"], approved_at=None),
        "coordinator": coordinator,
        "moderator": make_user(roles=["Modérateurs"]),
    }


def _client(client, user):
    if user is not None:
        client.force_login(user)
    return client


def test_the_coordinators_group_is_created_by_the_migrations():
    from django.contrib.auth.models import Group

    assert Group.objects.filter(name="Coordinateurs").exists()


def test_the_role_predicates(people):
    assert is_coordinator(people["coordinator"]) and can_steer(people["coordinator"])
    assert can_steer(people["moderator"]) and not is_coordinator(people["moderator"])
    for role in ("member", "expert", "editor", "pending", "pending_coordinator"):
        assert not can_steer(people[role]), role


@pytest.mark.parametrize("path", PAGES)
def test_moderators_and_coordinators_open_every_page(client, people, path):
    for role in ("coordinator", "moderator"):
        client.force_login(people[role])
        response = client.get(path)
        assert response.status_code == 200, (role, path)


@pytest.mark.parametrize("path", PAGES)
def test_everyone_else_is_refused_every_page(client, people, path):
    response = client.get(path)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login") + "?next=")
    for role in ("pending", "pending_coordinator"):
        client.force_login(people[role])
        response = client.get(path)
        assert (response.status_code, response["Location"]) == (302, reverse("pending")), role
    for role in ("member", "expert", "editor"):
        client.force_login(people[role])
        response = client.get(path)
        assert response.status_code == 403, (role, path)
        assert "réservé aux coordinateurs" in response.content.decode()


def test_only_moderators_and_coordinators_route_a_question_again(
    client, people, ask, make_topic, make_expert
):
    topic = make_topic()
    make_expert(topic)
    question = ask(people["member"], topics=[topic], days_ago=8)
    make_expert(topic)  # joined after the first routing: the next circle
    path = reverse("steering:question_escalate", args=[question.pk])
    for role in ("visitor", "pending", "pending_coordinator", "member", "expert", "editor"):
        response = _client(client, people[role]).post(path)
        assert response.status_code in (302, 403), role
        if role == "visitor":
            assert response["Location"].startswith(reverse("account_login"))
        elif role.startswith("pending"):
            assert response["Location"] == reverse("pending")
        else:
            assert response.status_code == 403, role
        assert not Escalation.objects.exists(), role
        client.logout()
    client.force_login(people["coordinator"])
    assert client.get(path).status_code == 405  # a GET changes nothing
    response = client.post(path)
    assert response.status_code == 302
    assert Escalation.objects.count() == 1


def test_a_moderator_routes_a_question_again(client, people, ask, make_topic, make_expert):
    topic = make_topic()
    question = ask(people["member"], topics=[topic], days_ago=8)
    make_expert(topic)
    client.force_login(people["moderator"])
    client.post(reverse("steering:question_escalate", args=[question.pk]))
    assert Escalation.objects.get().by == people["moderator"]


def test_the_post_needs_a_csrf_token(people, ask, make_topic, make_expert):
    from django.test import Client

    topic = make_topic()
    question = ask(people["member"], topics=[topic], days_ago=8)
    make_expert(topic)
    client = Client(enforce_csrf_checks=True)
    client.force_login(people["coordinator"])
    response = client.post(reverse("steering:question_escalate", args=[question.pk]))
    assert response.status_code == 403
    assert not Escalation.objects.exists()
