"""The optional antivirus scan of attachments: clamd's `INSTREAM` over its socket (issue 17).

`scan(content)` is called by `qa.attachments.check_upload` for every file that passed the
content checks, only when `settings.CLAMD_SOCKET` names clamd's socket ("/run/clamav/clamd.ctl",
"unix:///run/clamav/clamd.ctl" or "tcp://127.0.0.1:3310"). The protocol (clamd(8)): the
command `zINSTREAM\\0`, then the bytes in chunks each preceded by its length (4 bytes, network
order), a zero length to end; clamd answers `stream: OK`, `stream: <signature> FOUND`, or an
error such as `INSTREAM size limit exceeded. ERROR` (clamd's `StreamMaxLength`, 25 MB by default,
must be at least `QA_ATTACHMENT_MAX_SIZE`).

Fail closed: when clamd is set but cannot answer (down, timeout, an error reply), `scan` raises
`ScanUnavailable` and the caller refuses the file. An operator who turned scanning on expects
no member to receive a file that was not scanned; the refusal is logged as an error.
"""

from __future__ import annotations

import socket
import struct
from urllib.parse import urlsplit

from django.conf import settings

CHUNK_SIZE = 64 * 1024
REPLY_MAX = 4096


class ScanUnavailable(Exception):
    """clamd is set but gave no verdict (unreachable, timed out, or answered an error)."""


def is_enabled() -> bool:
    return bool(settings.CLAMD_SOCKET)


def scan(content: bytes) -> str | None:
    """None when clamd finds nothing; the signature's name when it finds a virus."""
    try:
        with _connect(settings.CLAMD_SOCKET, settings.CLAMD_TIMEOUT) as connection:
            connection.sendall(b"zINSTREAM\0")
            for start in range(0, len(content), CHUNK_SIZE):
                chunk = content[start : start + CHUNK_SIZE]
                connection.sendall(struct.pack("!I", len(chunk)) + chunk)
            connection.sendall(struct.pack("!I", 0))
            reply = _read_reply(connection)
    except OSError as error:  # refused, reset, timed out (socket.timeout is an OSError)
        raise ScanUnavailable(f"clamd at {settings.CLAMD_SOCKET!r}: {error}") from error
    if reply == "stream: OK":
        return None
    if reply.startswith("stream: ") and reply.endswith(" FOUND"):
        return reply.removeprefix("stream: ").removesuffix(" FOUND").strip()
    raise ScanUnavailable(f"clamd at {settings.CLAMD_SOCKET!r} answered {reply!r}")


def _connect(address: str, timeout: float) -> socket.socket:
    url = urlsplit(address)
    if address.startswith("/") or url.scheme == "unix":
        connection = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        target: object = url.path if url.scheme == "unix" else address
    elif url.scheme == "tcp" and url.hostname and url.port:
        connection = socket.socket(socket.AF_INET6 if ":" in url.hostname else socket.AF_INET)
        target = (url.hostname, url.port)
    else:
        raise OSError(f"CLAMD_SOCKET {address!r} is neither a socket path nor tcp://host:port")
    connection.settimeout(timeout)
    try:
        connection.connect(target)
    except OSError:
        connection.close()
        raise
    return connection


def _read_reply(connection: socket.socket) -> str:
    """clamd's answer, up to its NUL terminator (the `z` form of the command) or the end."""
    reply = b""
    while b"\0" not in reply and len(reply) < REPLY_MAX:
        data = connection.recv(REPLY_MAX)
        if not data:
            break
        reply += data
    return reply.split(b"\0", 1)[0].decode("utf-8", errors="replace").strip()
