"""The clamd hook (qa/antivirus.py): a real socket server on loopback speaking clamd's INSTREAM.

The server is a stand-in for `clamav-daemon`, whose signature database must be downloaded
before it starts (docs/security.md, « Antivirus »): it reads the command and the length-framed
chunks exactly as clamd does and finds the EICAR test string, as every antivirus does.
"""

import io
import socket
import socketserver
import struct
import uuid
import zipfile

import pytest

from qa import antivirus
from qa.antivirus import CHUNK_SIZE
from qa.attachments import check_upload
from qa.models import Answer, Attachment
from tests.processes import serve_in_background
from tests.qa.attachment_files import pdf, upload, zip_of
from tests.qa.test_attachment_checks import _refusal

# The EICAR antivirus test file, in two halves so that this source file is not flagged itself.
EICAR = b"X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-" + b"STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"


class FakeClamd(socketserver.ThreadingMixIn, socketserver.BaseServer):
    """What a test server saw: the commands and the bytes of each stream."""

    daemon_threads = True


class _Handler(socketserver.BaseRequestHandler):
    def handle(self):
        connection = self.request
        command = b""
        while not command.endswith((b"\0", b"\n")):
            command += connection.recv(1)
        data = b""
        while True:
            (length,) = struct.unpack("!I", _read(connection, 4))
            if not length:
                break
            data += _read(connection, length)
        self.server.received.append((command, data))
        reply = self.server.reply or (
            b"stream: Eicar-Signature FOUND" if _infected(data) else b"stream: OK"
        )
        connection.sendall(reply + b"\0")


def _infected(data: bytes) -> bool:
    """EICAR in the bytes, or in a ZIP's members: clamd unpacks archives too."""
    if EICAR in data:
        return True
    if data.startswith(b"PK"):
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return any(_infected(archive.read(name)) for name in archive.namelist())
    return False


def _read(connection, size: int) -> bytes:
    data = b""
    while len(data) < size:
        chunk = connection.recv(size - len(data))
        if not chunk:
            raise ConnectionError("the client closed the stream")
        data += chunk
    return data


class _TcpClamd(FakeClamd, socketserver.TCPServer):
    pass


class _UnixClamd(FakeClamd, socketserver.UnixStreamServer):
    pass


def _serve(server):
    server.received, server.reply = [], b""
    serve_in_background(server)
    return server


@pytest.fixture
def clamd(settings):
    server = _serve(_TcpClamd(("127.0.0.1", 0), _Handler))
    settings.CLAMD_SOCKET = f"tcp://127.0.0.1:{server.server_address[1]}"
    yield server
    server.shutdown()
    server.server_close()


def test_a_clean_file_is_streamed_to_clamd_and_accepted(clamd):
    big = b"ligne de compte rendu\n" * (CHUNK_SIZE // 10)  # several chunks of the protocol
    assert check_upload(upload("notes.txt", big)).content == big
    check_upload(upload("deliberation.pdf", pdf()))
    assert [command for command, _data in clamd.received] == [b"zINSTREAM\0"] * 2
    assert clamd.received[0][1] == big


def test_the_eicar_test_file_is_refused_as_a_virus(clamd, caplog):
    message = _refusal("lisezmoi.txt", EICAR)
    assert "logiciel malveillant (Eicar-Signature)" in message
    assert "clamd found Eicar-Signature" in caplog.text


def test_the_eicar_file_inside_a_zip_is_refused(clamd):
    assert "Eicar-Signature" in _refusal("dossier.zip", zip_of({"eicar.txt": EICAR}))


def test_clamd_over_a_unix_socket(settings, tmp_path):
    path = tmp_path / "clamd.ctl"
    server = _serve(_UnixClamd(str(path), _Handler))
    try:
        settings.CLAMD_SOCKET = str(path)
        assert "Eicar-Signature" in _refusal("lisezmoi.txt", EICAR)
        settings.CLAMD_SOCKET = f"unix://{path}"
        assert "Eicar-Signature" in _refusal("lisezmoi.txt", EICAR)
    finally:
        server.shutdown()
        server.server_close()
    assert len(server.received) == 2


def test_clamd_unreachable_refuses_the_file_and_logs_an_error(settings, caplog):
    """Fail closed: scanning is on, so an unscanned file is not accepted."""
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings.CLAMD_SOCKET = f"tcp://127.0.0.1:{port}"
    message = _refusal("deliberation.pdf", pdf())
    assert "analyse antivirus est momentanément indisponible" in message
    assert any(
        record.levelname == "ERROR" and "not scanned" in record.getMessage()
        for record in caplog.records
    )


def test_a_clamd_error_reply_refuses_the_file(clamd):
    clamd.reply = b"INSTREAM size limit exceeded. ERROR"
    assert "momentanément indisponible" in _refusal("deliberation.pdf", pdf())


def test_clamd_that_never_answers_times_out(settings):
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    settings.CLAMD_SOCKET = f"tcp://127.0.0.1:{listener.getsockname()[1]}"
    settings.CLAMD_TIMEOUT = 1
    try:
        assert "momentanément indisponible" in _refusal("deliberation.pdf", pdf())
    finally:
        listener.close()


def test_without_clamd_socket_nothing_is_scanned(settings, monkeypatch):
    settings.CLAMD_SOCKET = ""
    monkeypatch.setattr(antivirus, "scan", pytest.fail)
    check_upload(upload("lisezmoi.txt", EICAR))


@pytest.mark.django_db
def test_an_infected_file_on_the_answer_form_stores_nothing_and_keeps_the_text(
    clamd, client, member, question
):
    client.force_login(member)
    body = "Voici le fichier que la préfecture nous a transmis hier."
    response = client.post(
        f"/questions/{question.pk}/repondre/",
        {
            "body": body,
            "submission_token": uuid.uuid4().hex,
            "attachments": [upload("deliberation.pdf", pdf()), upload("virus.txt", EICAR)],
        },
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "logiciel malveillant" in html and body in html
    assert not Answer.objects.exists() and not Attachment.objects.exists()
