"""The SSRF guard of webhooks: every refused kind of address, names resolving to one, plain
http, and the check at connect time (the socket goes to the address that was checked)."""

import socket

import pytest

from website.api.webhooks import ssrf

PUBLIC = "93.184.215.14"


@pytest.fixture
def dns(monkeypatch):
    """`dns({"name": ["addr", …]})`: what `getaddrinfo` answers for these names."""

    def install(table):
        real = socket.getaddrinfo

        def fake(host, port, *args, **kwargs):
            if host in table:
                return [
                    (
                        socket.AF_INET6 if ":" in a else socket.AF_INET,
                        socket.SOCK_STREAM,
                        6,
                        "",
                        (a, port),
                    )
                    for a in table[host]
                ]
            return real(host, port, *args, **kwargs)

        monkeypatch.setattr(socket, "getaddrinfo", fake)

    return install


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",  # loopback
        "127.8.9.10",
        "10.1.2.3",  # private
        "172.16.5.4",
        "192.168.1.10",
        "100.64.0.1",  # shared address space (carrier NAT)
        "169.254.169.254",  # link-local: cloud metadata
        "224.0.0.1",  # multicast
        "240.0.0.1",  # reserved
        "0.0.0.0",  # noqa: S104 (unspecified)
        "255.255.255.255",
        "::1",
        "fe80::1",
        "fc00::1",
        "ff02::1",
        "::ffff:127.0.0.1",  # IPv4 inside IPv6
        "::ffff:10.0.0.1",
        "2002:a00:1::1",  # 6to4 of 10.0.0.1
    ],
)
def test_a_non_public_address_is_refused(settings, address):
    settings.API_WEBHOOKS_ALLOW_LOOPBACK = False
    host = f"[{address}]" if ":" in address else address
    with pytest.raises(ssrf.UnsafeAddress, match="locale, privée ou réservée"):
        ssrf.resolve(f"https://{host}/hook")


def test_a_name_resolving_to_a_private_address_is_refused(dns):
    dns({"intranet.example.org": ["10.0.0.7"]})
    with pytest.raises(ssrf.UnsafeAddress, match="10.0.0.7"):
        ssrf.resolve("https://intranet.example.org/hook")


def test_a_name_with_one_private_address_among_public_ones_is_refused(dns):
    dns({"mixed.example.org": [PUBLIC, "192.168.0.2"]})
    with pytest.raises(ssrf.UnsafeAddress, match="192.168.0.2"):
        ssrf.resolve("https://mixed.example.org/hook")


def test_localhost_is_refused(settings):
    settings.API_WEBHOOKS_ALLOW_LOOPBACK = False
    with pytest.raises(ssrf.UnsafeAddress):
        ssrf.resolve("https://localhost/hook")


def test_a_public_name_is_accepted_and_pinned(dns):
    dns({"hooks.cc-exemple.fr": [PUBLIC]})
    target = ssrf.resolve("https://hooks.cc-exemple.fr:8443/entraide?x=1")
    assert (target.host, target.port, target.path, target.address) == (
        "hooks.cc-exemple.fr",
        8443,
        "/entraide?x=1",
        PUBLIC,
    )


def test_plain_http_is_refused_outside_development(settings, dns):
    settings.API_WEBHOOKS_ALLOW_HTTP = False
    dns({"hooks.cc-exemple.fr": [PUBLIC]})
    with pytest.raises(ssrf.UnsafeAddress, match="https://"):
        ssrf.resolve("http://hooks.cc-exemple.fr/entraide")


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("https://user:secret@hooks.cc-exemple.fr/", "identifiant"),
        ("https:///chemin", "nom d'hôte"),
        ("ftp://hooks.cc-exemple.fr/", "https://"),
        ("https://hooks.cc-exemple.fr:99999/", "port"),
        ("https://nexiste-pas.invalid/", "aucune adresse"),
    ],
)
def test_malformed_addresses_are_refused(url, message):
    with pytest.raises(ssrf.UnsafeAddress, match=message):
        ssrf.resolve(url)


def test_loopback_is_allowed_only_by_the_test_setting(settings):
    settings.API_WEBHOOKS_ALLOW_LOOPBACK = True
    settings.API_WEBHOOKS_ALLOW_HTTP = True
    assert ssrf.resolve("http://127.0.0.1:8080/").address == "127.0.0.1"
    with pytest.raises(ssrf.UnsafeAddress):
        ssrf.resolve("http://10.0.0.1/")  # only loopback, never the private ranges


def test_the_connection_goes_to_the_checked_address_and_is_checked_again(settings, monkeypatch):
    """DNS rebinding: whatever the name answers later, the socket goes to the address that
    was checked, and its peer address is checked once more before anything is sent."""
    settings.API_WEBHOOKS_ALLOW_HTTP = True
    settings.API_WEBHOOKS_ALLOW_LOOPBACK = False
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    port = server.getsockname()[1]
    # The check saw a public address, but the connection would land on loopback.
    monkeypatch.setattr(
        ssrf,
        "resolve",
        lambda url: ssrf.Target("http", "rebind.example.org", port, "/", "127.0.0.1"),
    )
    try:
        with pytest.raises(ssrf.UnsafeAddress, match="127.0.0.1"):
            ssrf.post("http://rebind.example.org/", b"{}", {}, timeout=2)
        server.settimeout(1)
        accepted, _address = server.accept()  # the TCP handshake happened, nothing more
        accepted.settimeout(1)
        assert accepted.recv(100) == b""  # closed without a byte of the request
        accepted.close()
    finally:
        server.close()
