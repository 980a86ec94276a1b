"""The webhook receiver of docs/api.md, taken from the document as it is, receives real
deliveries: a correct secret is accepted (204), a wrong one refused (401), an old timestamp
refused. The example cannot drift from what Entraide sends."""

import time
from http.server import ThreadingHTTPServer
from pathlib import Path

import pytest

from tests.processes import free_port, serve_in_background
from website.api.models import DeliveryStatus, WebhookDelivery, WebhookEndpoint
from website.api.webhooks import delivery, services
from website.api.webhooks.signature import sign

pytestmark = pytest.mark.django_db

DOC = Path(__file__).resolve().parents[2] / "docs" / "api.md"
MARKER = "<!-- webhook-receiver-example -->\n```python\n"


def doc_example() -> str:
    text = DOC.read_text(encoding="utf-8")
    start = text.index(MARKER) + len(MARKER)
    return text[start : text.index("```", start)]


@pytest.fixture
def doc_receiver(settings, monkeypatch):
    """The document's `Receiver` class, served on a free loopback port; its secret in the
    environment variable the example reads."""
    settings.API_WEBHOOKS_ALLOW_LOOPBACK = True
    settings.API_WEBHOOKS_ALLOW_HTTP = True
    secret = "whsec_" + "d" * 43
    monkeypatch.setenv("ENTRAIDE_WEBHOOK_SECRET", secret)
    namespace = {"__name__": "docs_api_example"}
    exec(compile(doc_example(), str(DOC), "exec"), namespace)  # noqa: S102 (our own document)
    port = free_port()
    server = ThreadingHTTPServer(("127.0.0.1", port), namespace["Receiver"])
    serve_in_background(server)
    yield namespace, secret, f"http://127.0.0.1:{port}/entraide"
    server.shutdown()
    server.server_close()


def _endpoint(owner, url, secret=None):
    new = services.endpoint_create(
        endpoint=WebhookEndpoint(
            name="Récepteur de la documentation",
            url=url,
            events=["question.created"],
            owner=owner,
        )
    )
    if secret is not None:
        from directory.mfa import encrypt_secret

        WebhookEndpoint.objects.filter(pk=new.endpoint.pk).update(
            secret_encrypted=encrypt_secret(secret)
        )
    return new.endpoint


def test_the_documented_receiver_accepts_a_real_delivery(
    doc_receiver, moderator, make_question, capsys
):
    _namespace, secret, url = doc_receiver
    _endpoint(moderator, url, secret=secret)
    question = make_question()
    row = WebhookDelivery.objects.get()
    assert delivery.deliver(row.pk).status == DeliveryStatus.DELIVERED
    row.refresh_from_db()
    assert row.last_status_code == 204
    printed = capsys.readouterr().out
    assert str(row.event_id) in printed and "question.created" in printed
    assert str(question.pk) in printed


def test_the_documented_receiver_refuses_another_secret(doc_receiver, moderator, make_question):
    _namespace, _secret, url = doc_receiver
    _endpoint(moderator, url)  # a secret of its own, not the receiver's
    make_question()
    row = WebhookDelivery.objects.get()
    assert delivery.deliver(row.pk).status == DeliveryStatus.PENDING
    row.refresh_from_db()
    assert row.last_status_code == 401


def test_the_documented_check_refuses_an_old_timestamp(doc_receiver):
    namespace, secret, _url = doc_receiver
    body = b'{"event":"question.created"}'
    for age, accepted in ((0, True), (299, True), (301, False)):
        timestamp = int(time.time()) - age
        headers = {
            "Entraide-Webhook-Timestamp": str(timestamp),
            "Entraide-Webhook-Signature": sign(secret, timestamp, body),
        }
        assert namespace["verify"](headers, body) is accepted
    headers["Entraide-Webhook-Timestamp"] = str(int(time.time()))
    assert namespace["verify"](headers, body) is False  # signature of another timestamp


def test_the_documented_receiver_keeps_its_old_secret_through_a_renewal(
    doc_receiver, moderator, make_question
):
    """During the grace period the receiver still holding the old secret accepts deliveries
    (they carry both signatures); after it, it refuses them until it takes the new one."""
    _namespace, secret, url = doc_receiver
    endpoint = _endpoint(moderator, url, secret=secret)
    services.endpoint_secret_renew(endpoint=endpoint)
    make_question()
    row = WebhookDelivery.objects.get()
    assert delivery.deliver(row.pk).status == DeliveryStatus.DELIVERED
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(previous_secret_until=None)
    WebhookDelivery.objects.all().delete()
    make_question(title="Une autre question après le délai")
    row = WebhookDelivery.objects.get()
    assert delivery.deliver(row.pk).status == DeliveryStatus.PENDING
    row.refresh_from_db()
    assert row.last_status_code == 401
