"""`directory.access.gate`: visitors to the login page, refused accounts to a 403 that says why."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.test import RequestFactory

from directory.access import Refused, gate, signed_in


def _deny(user):
    raise PermissionDenied("Réservé aux membres.")


@gate(_deny)
def refused_view(request):
    return HttpResponse("jamais")


@gate()
def refused_inside(request, error):
    raise error


@gate(signed_in)
def signed_in_view(request):
    return HttpResponse("bonjour")


def _request(user):
    request = RequestFactory().get("/page/?a=1")
    request.user = user
    return request


def test_a_visitor_is_sent_to_the_login_page_with_next():
    response = refused_view(_request(AnonymousUser()))
    assert response.status_code == 302
    assert "next=/page/%3Fa%3D1" in response["Location"]


@pytest.mark.django_db
def test_a_refused_account_gets_the_predicates_message(make_user):
    with pytest.raises(PermissionDenied, match="Réservé aux membres."):
        refused_view(_request(make_user()))
    with pytest.raises(PermissionDenied, match="déjà fermée"):
        refused_inside(_request(make_user()), PermissionDenied("Cette question est déjà fermée."))


def test_a_refusal_that_logging_in_would_not_lift_is_a_403_for_visitors_too():
    with pytest.raises(Refused):
        refused_inside(_request(AnonymousUser()), Refused("Supprimée par la modération."))
    response = refused_inside(_request(AnonymousUser()), PermissionDenied("Membres."))
    assert response.status_code == 302


@pytest.mark.django_db
def test_signed_in_lets_any_account_through(make_user):
    assert signed_in_view(_request(AnonymousUser())).status_code == 302
    assert signed_in_view(_request(make_user())).content == b"bonjour"
