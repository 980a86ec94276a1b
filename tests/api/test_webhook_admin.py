"""Moderators register webhooks in the Wagtail admin: the secret shown once, the address
checked by the SSRF guard with a French message, the delivery log; members get nothing."""

import re

import pytest

from directory.mfa import decrypt_secret
from tests.queries import LARGE, SMALL, counted_get
from website.api.models import WebhookDelivery, WebhookEndpoint
from website.api.webhooks import services

pytestmark = pytest.mark.django_db


def _form(**changes):
    return {
        "name": "Intranet de la CC",
        "url": "http://127.0.0.1:9/hooks",
        "events": ["question.created", "answer.validated"],
        "is_active": "on",
        **changes,
    }


@pytest.fixture
def loopback(settings):
    settings.API_WEBHOOKS_ALLOW_LOOPBACK = True
    settings.API_WEBHOOKS_ALLOW_HTTP = True


def test_a_moderator_registers_a_webhook_and_sees_its_secret_once(client, moderator, loopback):
    client.force_login(moderator)
    response = client.post("/admin/webhooks/new/", _form())
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    secret = re.search(r'id="webhook-secret">(whsec_[\w-]+)<', response.content.decode())[1]
    endpoint = WebhookEndpoint.objects.get()
    assert endpoint.owner == moderator
    assert endpoint.events == ["question.created", "answer.validated"]
    assert decrypt_secret(endpoint.secret_encrypted) == secret
    for page in ("/admin/webhooks/", f"/admin/webhooks/edit/{endpoint.pk}/"):
        shown = client.get(page)
        assert shown.status_code == 200
        assert secret not in shown.content.decode()


def test_a_private_address_is_refused_in_french_and_the_form_kept(client, moderator, settings):
    settings.API_WEBHOOKS_ALLOW_HTTP = False
    client.force_login(moderator)
    response = client.post("/admin/webhooks/new/", _form(url="https://10.0.0.8/hooks"))
    assert response.status_code == 200
    page = response.content.decode()
    assert "locale, privée ou réservée" in page
    assert 'value="Intranet de la CC"' in page
    assert not WebhookEndpoint.objects.exists()
    response = client.post("/admin/webhooks/new/", _form(url="http://hooks.example.org/"))
    assert "doit commencer par https://" in response.content.decode()
    response = client.post("/admin/webhooks/new/", _form(events=[]))
    assert "Choisissez au moins un événement." in response.content.decode()


def test_switching_a_disabled_webhook_back_on_starts_its_count_again(client, moderator, loopback):
    client.force_login(moderator)
    client.post("/admin/webhooks/new/", _form())
    endpoint = WebhookEndpoint.objects.get()
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(
        is_active=False, consecutive_failures=20, disabled_reason="Réponse HTTP 500"
    )
    response = client.post(f"/admin/webhooks/edit/{endpoint.pk}/", _form())
    assert response.status_code == 302
    endpoint.refresh_from_db()
    assert endpoint.is_active and endpoint.consecutive_failures == 0
    assert endpoint.disabled_reason == "" and endpoint.disabled_at is None


def test_the_delivery_log_is_read_only_for_moderators(client, moderator, loopback):
    client.force_login(moderator)
    client.post("/admin/webhooks/new/", _form())
    row = WebhookDelivery.objects.create(
        endpoint=WebhookEndpoint.objects.get(),
        event="question.created",
        body='{"event":"question.created"}',
        last_error="Réponse HTTP 500 : erreur",
    )
    listing = client.get("/admin/envois-webhooks/")
    assert listing.status_code == 200
    assert "Réponse HTTP 500" in listing.content.decode()
    assert client.get(f"/admin/envois-webhooks/inspect/{row.pk}/").status_code == 200
    assert client.get("/admin/envois-webhooks/new/").status_code in (302, 403)
    assert client.get(f"/admin/envois-webhooks/edit/{row.pk}/").status_code in (302, 403)


@pytest.mark.parametrize("role", [None, "Éditeurs", "Experts"])
def test_only_moderators_reach_the_webhooks(client, make_user, loopback, role):
    client.force_login(make_user(roles=[role] if role else []))
    for path in ("/admin/webhooks/", "/admin/webhooks/new/", "/admin/envois-webhooks/"):
        assert client.get(path).status_code in (302, 403)
    client.post("/admin/webhooks/new/", _form())
    assert not WebhookEndpoint.objects.exists()


@pytest.mark.parametrize("path", ["/admin/webhooks/", "/admin/envois-webhooks/"])
def test_the_webhook_lists_cost_the_same_queries_at_two_sizes(client, moderator, loopback, path):
    client.force_login(moderator)

    def grow(to):
        while WebhookEndpoint.objects.count() < to:
            n = WebhookEndpoint.objects.count()
            endpoint = services.endpoint_create(
                endpoint=WebhookEndpoint(
                    name=f"Webhook {n}", url=f"http://127.0.0.1:9/{n}", events=[], owner=moderator
                )
            ).endpoint
            WebhookDelivery.objects.create(endpoint=endpoint, event="question.created", body="{}")

    grow(SMALL)
    _response, small = counted_get(client, path)
    grow(LARGE)
    _response, large = counted_get(client, path)
    assert large == small


def test_a_moderator_renews_the_secret_in_place_and_sees_it_once(client, moderator, loopback):
    client.force_login(moderator)
    first = client.post("/admin/webhooks/new/", _form())
    old = re.search(r'id="webhook-secret">(whsec_[\w-]+)<', first.content.decode())[1]
    endpoint = WebhookEndpoint.objects.get()
    renew = f"/admin/webhooks/secret/{endpoint.pk}/"
    assert renew in client.get(f"/admin/webhooks/edit/{endpoint.pk}/").content.decode()
    confirm = client.get(renew)
    assert confirm.status_code == 200
    assert "aussi la signature de l'ancien secret" in confirm.content.decode()
    assert decrypt_secret(WebhookEndpoint.objects.get().secret_encrypted) == old  # GET: nothing

    response = client.post(renew)

    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    page = response.content.decode()
    new = re.search(r'id="webhook-secret">(whsec_[\w-]+)<', page)[1]
    assert new != old and "est renouvelé" in page and "24 heures" in page
    endpoint.refresh_from_db()
    assert decrypt_secret(endpoint.secret_encrypted) == new
    assert decrypt_secret(endpoint.previous_secret_encrypted) == old
    assert endpoint.url == "http://127.0.0.1:9/hooks" and endpoint.is_active  # same webhook
    for shown in ("/admin/webhooks/", f"/admin/webhooks/edit/{endpoint.pk}/", renew):
        assert new not in client.get(shown).content.decode()


@pytest.mark.parametrize("role", [None, "Éditeurs", "Experts"])
def test_only_moderators_renew_a_secret(client, make_user, moderator, role):
    endpoint = services.endpoint_create(
        endpoint=WebhookEndpoint(
            name="Intranet",
            url="https://hooks.example.org/",
            events=["question.created"],
            owner=moderator,
        )
    ).endpoint
    client.force_login(make_user(roles=[role] if role else []))
    for method in (client.get, client.post):
        assert method(f"/admin/webhooks/secret/{endpoint.pk}/").status_code in (302, 403)
    assert WebhookEndpoint.objects.get().secret_encrypted == endpoint.secret_encrypted
    assert WebhookEndpoint.objects.get().previous_secret_encrypted == ""
