"""One-click unsubscribe through signed links: valid, one-click POST, tampered, expired."""

from unittest import mock

import pytest
from django.core import signing

from website.notifications.kinds import Frequency, Kind
from website.notifications.models import NotificationPreference
from website.notifications.selectors import preferences_for
from website.notifications.services import preferences_set
from website.notifications.tokens import unsubscribe_token

pytestmark = pytest.mark.django_db


def _url(user, scope):
    return f"/notifications/desabonnement/{unsubscribe_token(user_id=user.pk, scope=scope)}/"


def test_opening_the_link_asks_for_confirmation_and_changes_nothing(client, member):
    response = client.get(_url(member, f"kind:{Kind.ANSWER}"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Confirmer le désabonnement" in html
    assert "Réponse à une question que je suis" in html
    assert not NotificationPreference.objects.exists()


def test_confirming_stops_that_kind_without_login(client, member):
    response = client.post(_url(member, f"kind:{Kind.ANSWER}"))
    assert response.status_code == 200
    assert "vous ne recevrez plus" in response.content.decode()
    assert preferences_for(member)[Kind.ANSWER] == Frequency.NEVER
    assert preferences_for(member)[Kind.COMMENT] == Frequency.DAILY  # others untouched


def test_mail_clients_one_click_post_works_without_csrf_token(member):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    response = client.post(
        _url(member, f"kind:{Kind.ANSWER}"),
        data="List-Unsubscribe=One-Click",
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 200
    assert preferences_for(member)[Kind.ANSWER] == Frequency.NEVER


def test_the_digest_link_stops_every_kind_sent_in_that_digest(client, member):
    preferences_set(user=member, frequencies={Kind.ANSWER: Frequency.DAILY})
    client.post(_url(member, "digest:daily"))
    prefs = preferences_for(member)
    assert prefs[Kind.ANSWER] == prefs[Kind.QUESTION_IN_TOPIC] == prefs[Kind.COMMENT] == "never"
    assert prefs[Kind.REGULATORY_UPDATE] == Frequency.WEEKLY
    assert prefs[Kind.QUESTION_ADDRESSED] == Frequency.IMMEDIATELY


def test_a_tampered_link_shows_a_clear_french_page_and_changes_nothing(client, member, make_user):
    token = unsubscribe_token(user_id=member.pk, scope="all")
    payload, _sep, signature = token.rpartition(":")
    forged = unsubscribe_token(user_id=make_user().pk, scope="all").rpartition(":")[0]
    for bad in (token[:-3] + "abc", f"{forged}:{signature}", "n-importe-quoi"):
        response = client.post(f"/notifications/desabonnement/{bad}/")
        assert response.status_code == 400
        assert "Ce lien de désabonnement n'est pas valable" in response.content.decode()
    assert not NotificationPreference.objects.exists()


def test_a_token_signed_for_another_purpose_is_refused(client, member):
    other_salt = signing.dumps({"u": member.pk, "s": "all"}, salt="autre-usage")
    response = client.get(f"/notifications/desabonnement/{other_salt}/")
    assert response.status_code == 400


def test_an_expired_link_says_so_and_changes_nothing(client, member, settings):
    import time

    token = unsubscribe_token(user_id=member.pk, scope="all")
    later = time.time() + (settings.NOTIFICATIONS_UNSUBSCRIBE_MAX_AGE_DAYS + 1) * 86400
    with mock.patch("django.core.signing.time.time", return_value=later):
        response = client.post(f"/notifications/desabonnement/{token}/")
    assert response.status_code == 400
    assert "Ce lien de désabonnement a expiré" in response.content.decode()
    assert not NotificationPreference.objects.exists()
