"""An upload cut halfway (issue 17, « Bad input »): a real socket to the live server announces
a `Content-Length`, sends half the multipart body, then stops.

Django's multipart parser does not notice a short body: it drops the file being received and
hands the view the fields and files read so far, so without a check the answer would be
published without its files (half-created). `website.middleware.IncompleteBodyMiddleware`
refuses such a request with 400 before any view: no answer, no attachment row, no stored
file, and no 500.
"""

import contextlib
import logging
import re
import socket
import threading
import uuid
from pathlib import Path

import pytest
import requests
from django.conf import settings
from django.core.signals import request_finished, request_started

from qa import services
from qa.models import Answer, Attachment
from tests.qa.attachment_files import pdf

pytestmark = pytest.mark.django_db(transaction=True)

BOUNDARY = "----entraide-coupure"


def _stored_files() -> set[Path]:
    return set(Path(settings.MEDIA_ROOT).rglob("*"))


def _part(name: str, value: str) -> bytes:
    return (
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'
    ).encode()


def _file_part(name: str, content_type: str, content: bytes) -> bytes:
    return (
        (
            f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="attachments"; '
            f'filename="{name}"\r\nContent-Type: {content_type}\r\n\r\n'
        ).encode()
        + content
        + b"\r\n"
    )


@pytest.fixture
def answer_form(live_server, client, member, question):
    """What a browser holds before sending the answer form: the member's cookies, the CSRF
    token and the form's fields."""
    client.force_login(member)
    session = requests.Session()
    session.cookies.set(
        settings.SESSION_COOKIE_NAME, client.cookies[settings.SESSION_COOKIE_NAME].value
    )
    page = session.get(live_server.url + question.get_absolute_url(), timeout=60)
    assert page.status_code == 200
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
    cookies = "; ".join(f"{name}={value}" for name, value in session.cookies.items())
    body = (
        _part("csrfmiddlewaretoken", token)
        + _part("submission_token", uuid.uuid4().hex)
        + _part("body", "Voici notre délibération et le tableau des coûts, en pièces jointes.")
        + _file_part("délibération.pdf", "application/pdf", pdf())
        + _file_part("couts.csv", "text/csv", b"poste;montant\r\n" + b"enrobe;1200\r\n" * 250_000)
        + f"--{BOUNDARY}--\r\n".encode()
    )
    return live_server.url, f"/questions/{question.pk}/repondre/", cookies, body


def _send_half(url: str, path: str, cookies: str, body: bytes, *, read_answer: bool) -> bytes:
    """Announce the whole body, send the first half, then stop sending (`read_answer`: keep
    the socket open to read what the server says), or close the connection."""
    host, port = url.removeprefix("http://").split(":")
    head = (
        f"POST {path} HTTP/1.1\r\nHost: {host}:{port}\r\nCookie: {cookies}\r\n"
        f"Origin: {url}\r\nReferer: {url}{path}\r\n"
        f"Content-Type: multipart/form-data; boundary={BOUNDARY}\r\n"
        f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
    ).encode()
    with socket.create_connection((host, int(port)), timeout=120) as sock:
        sock.sendall(head + body[: len(body) // 2])
        if not read_answer:
            return b""
        sock.shutdown(socket.SHUT_WR)
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
        return answer


@contextlib.contextmanager
def _request_handled(path: str, timeout=60):
    """The server thread handles the cut request after the client left: wait until it has
    finished with it (Django's `request_finished`, sent when the response is closed, from the
    thread whose `request_started` was for `path`)."""
    threads = set()
    finished = threading.Event()

    def note_started(environ=None, **kwargs):
        if environ is not None and environ.get("PATH_INFO") == path:
            threads.add(threading.get_ident())

    def note_finished(**kwargs):
        if threading.get_ident() in threads:
            finished.set()

    request_started.connect(note_started)
    request_finished.connect(note_finished)
    try:
        yield
        assert finished.wait(timeout), "the server never finished the cut request"
    finally:
        request_started.disconnect(note_started)
        request_finished.disconnect(note_finished)


def test_the_whole_body_is_published_with_its_files(answer_form, question):
    """The control: the same body, sent whole, publishes the answer with both files."""
    url, path, cookies, body = answer_form
    host, port = url.removeprefix("http://").split(":")
    head = (
        f"POST {path} HTTP/1.1\r\nHost: {host}:{port}\r\nCookie: {cookies}\r\n"
        f"Origin: {url}\r\nReferer: {url}{path}\r\n"
        f"Content-Type: multipart/form-data; boundary={BOUNDARY}\r\n"
        f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
    ).encode()
    with socket.create_connection((host, int(port)), timeout=120) as sock:
        sock.sendall(head + body)
        status = sock.recv(65536).split(b"\r\n", 1)[0]
    assert status == b"HTTP/1.1 302 Found"
    answer = Answer.objects.get(question=question)
    assert sorted(a.original_name for a in answer.attachments.all()) == [
        "couts.csv",
        "délibération.pdf",
    ]


def test_a_body_cut_halfway_gets_400_and_stores_nothing(answer_form, caplog):
    url, path, cookies, body = answer_form
    before = _stored_files()
    with caplog.at_level(logging.WARNING, logger="django.request"):
        answer = _send_half(url, path, cookies, body, read_answer=True)
    assert answer.split(b"\r\n", 1)[0] == b"HTTP/1.1 400 Bad Request"
    assert "envoi du formulaire a été interrompu".encode() in answer
    assert not Answer.objects.exists()
    assert not Attachment.objects.exists()
    assert _stored_files() == before
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


def test_a_client_that_leaves_halfway_leaves_nothing_behind(answer_form, caplog):
    url, path, cookies, body = answer_form
    before = _stored_files()
    with caplog.at_level(logging.WARNING, logger="django.request"):
        with _request_handled(path):
            _send_half(url, path, cookies, body, read_answer=False)
    assert not Answer.objects.exists()
    assert not Attachment.objects.exists()
    assert _stored_files() == before
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


@pytest.fixture
def question(make_user, make_topic):
    return services.question_create(
        author=make_user(email="demandeur@example.org"),
        title="Comment financer la réfection d'une route communale ?",
        body="Quelles aides avez-vous obtenues ?",
        topics=[make_topic(name="Voirie", slug="voirie")],
    )
