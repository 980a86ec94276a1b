"""The SSRF guard of webhook deliveries: Entraide only calls public addresses.

A webhook address is checked when it is registered and again at every delivery: the host is
resolved, and every address it resolves to must be public (not loopback, private, link-local,
multicast, reserved or unspecified, IPv4 inside IPv6 included). The connection is then opened
to the address that was checked, never by resolving the name a second time, so a name that
changes its answer between the check and the connection (DNS rebinding) reaches nothing
else; the peer address of the open socket is checked once more. TLS still verifies the
certificate for the host name. `http.client` follows no redirect.

Plain http is allowed only with `API_WEBHOOKS_ALLOW_HTTP` (development), loopback addresses
only with `API_WEBHOOKS_ALLOW_LOOPBACK` (the test suite's local receiver).
"""

from __future__ import annotations

import http.client
import ipaddress
import socket
import ssl
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings
from django.utils.translation import gettext as _


class UnsafeAddress(Exception):
    """The address is refused; `str()` is the French (translated) reason."""


@dataclass(frozen=True)
class Target:
    scheme: str
    host: str
    port: int
    path: str  # path and query string, as sent in the request line
    address: str  # the checked IP address the connection goes to


def check_ip(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address:
    """The address if a delivery may go there, else `UnsafeAddress`."""
    ip = ipaddress.ip_address(text.split("%", 1)[0])
    mapped = getattr(ip, "ipv4_mapped", None) or getattr(ip, "sixtofour", None)
    for candidate in (ip, mapped) if mapped else (ip,):
        if candidate.is_loopback and settings.API_WEBHOOKS_ALLOW_LOOPBACK:
            continue
        if (
            candidate.is_loopback
            or candidate.is_private
            or candidate.is_link_local
            or candidate.is_multicast
            or candidate.is_reserved
            or candidate.is_unspecified
            or not candidate.is_global
        ):
            raise UnsafeAddress(
                _("L'adresse %(ip)s est locale, privée ou réservée : elle est refusée.")
                % {"ip": ip}
            )
    return ip


def resolve(url: str) -> Target:
    """Check the URL's form and resolve its host; every address must be public."""
    parts = urlsplit(url)
    allowed = ("https", "http") if settings.API_WEBHOOKS_ALLOW_HTTP else ("https",)
    if parts.scheme not in allowed:
        raise UnsafeAddress(_("L'adresse doit commencer par https://."))
    if parts.username or parts.password:
        raise UnsafeAddress(_("L'adresse ne doit pas contenir d'identifiant ni de mot de passe."))
    host = parts.hostname
    if not host:
        raise UnsafeAddress(_("L'adresse n'a pas de nom d'hôte."))
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        raise UnsafeAddress(_("Le port de l'adresse n'est pas valide.")) from None
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError):
        raise UnsafeAddress(
            _("Le nom « %(host)s » ne correspond à aucune adresse.") % {"host": host}
        ) from None
    addresses = list(dict.fromkeys(info[4][0] for info in infos))
    if not addresses:
        raise UnsafeAddress(
            _("Le nom « %(host)s » ne correspond à aucune adresse.") % {"host": host}
        )
    for address in addresses:
        check_ip(address)
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    return Target(parts.scheme, host, port, path, addresses[0])


def _connect(target: Target, timeout: float) -> socket.socket:
    sock = socket.create_connection((target.address, target.port), timeout=timeout)
    try:
        check_ip(sock.getpeername()[0])
    except UnsafeAddress:
        sock.close()
        raise
    return sock


class _PinnedHTTPConnection(http.client.HTTPConnection):
    def __init__(self, target: Target, timeout: float):
        super().__init__(target.host, target.port, timeout=timeout)
        self.target = target

    def connect(self):
        self.sock = _connect(self.target, self.timeout)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    def __init__(self, target: Target, timeout: float):
        super().__init__(
            target.host, target.port, timeout=timeout, context=ssl.create_default_context()
        )
        self.target = target

    def connect(self):
        sock = _connect(self.target, self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.target.host)


@dataclass(frozen=True)
class Answer:
    status: int
    location: str
    excerpt: str  # the first bytes of the body, for the delivery log


def post(url: str, body: bytes, headers: dict[str, str], *, timeout: float) -> Answer:
    """POST `body` to a checked address; redirects are answered, never followed."""
    target = resolve(url)
    connection_class = _PinnedHTTPSConnection if target.scheme == "https" else _PinnedHTTPConnection
    connection = connection_class(target, timeout)
    try:
        connection.request("POST", target.path, body=body, headers=headers)
        response = connection.getresponse()
        excerpt = response.read(500).decode("utf-8", "replace")
        return Answer(response.status, response.getheader("Location", ""), excerpt)
    finally:
        connection.close()
