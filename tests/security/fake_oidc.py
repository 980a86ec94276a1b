"""A fake ProConnect served on 127.0.0.1 inside the test: discovery, JWKS, token, userinfo.

Each test sets what the next token answer holds (`claims`, signing key, extra headers) to
play a well-behaved or a malicious provider.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from urllib.parse import parse_qs
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa

from tests.processes import serve_in_background

CLIENT_ID = "entraide-client-id"
CLIENT_SECRET = "entraide-client-secret"  # noqa: S105


def new_key():
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


# One provider key for the whole run: generating RSA keys is slow.
PROVIDER_KEY = new_key()


class QuietHandler(WSGIRequestHandler):
    def log_message(self, format, *args):  # noqa: A002
        pass


@dataclass
class FakeProConnect:
    base_url: str = ""
    key: object = PROVIDER_KEY
    kid: str = "cle-test-1"
    # What the next ID token says; `None` values are removed from the claims.
    overrides: dict = field(default_factory=dict)
    # Key used to sign ID tokens (another key = bad signature).
    signing_key: object = None
    signing_algorithm: str = "RS256"
    userinfo: dict = field(default_factory=dict)
    nonce: str | None = None
    token_requests: list = field(default_factory=list)

    @property
    def issuer(self):
        return f"{self.base_url}/api/v2"

    def jwk(self):
        public = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(self.key.public_key()))
        return {**public, "kid": self.kid, "use": "sig", "alg": "RS256"}

    def sign(self, claims, *, key=None, algorithm=None):
        return jwt.encode(
            claims,
            key or self.signing_key or self.key,
            algorithm=algorithm or self.signing_algorithm,
            headers={"kid": self.kid},
        )

    def id_token_claims(self):
        now = int(time.time())
        claims = {
            "iss": self.issuer,
            "aud": CLIENT_ID,
            "sub": "sub-agent-0001",
            "iat": now,
            "exp": now + 60,
            "nonce": self.nonce,
            "acr": "eidas1",
        }
        claims.update(self.overrides)
        return {k: v for k, v in claims.items() if v is not None}

    def userinfo_claims(self):
        return {
            "iss": self.issuer,
            "aud": CLIENT_ID,
            "sub": self.id_token_claims().get("sub", "sub-agent-0001"),
            "email": "agent.public@example.org",
            "given_name": "Dominique",
            "usual_name": "Exemple",
            "siret": "21040001600011",
            "organization_label": "Commune d'Exemple",
            "idp_id": "idp-test",
            **self.userinfo,
        }

    def __call__(self, environ, start_response):
        path = environ["PATH_INFO"]
        if path == "/api/v2/.well-known/openid-configuration":
            return self.json(start_response, self.discovery())
        if path == "/api/v2/jwks":
            return self.json(start_response, {"keys": [self.jwk()]})
        if path == "/api/v2/token" and environ["REQUEST_METHOD"] == "POST":
            size = int(environ.get("CONTENT_LENGTH") or 0)
            form = parse_qs(environ["wsgi.input"].read(size).decode())
            self.token_requests.append(form)
            answer = {
                "access_token": "jeton-acces",
                "token_type": "Bearer",
                "expires_in": 60,
                "id_token": self.sign(self.id_token_claims()),
            }
            return self.json(start_response, answer)
        if path == "/api/v2/userinfo":
            body = jwt.encode(
                self.userinfo_claims(), self.key, algorithm="RS256", headers={"kid": self.kid}
            )
            start_response("200 OK", [("Content-Type", "application/jwt")])
            return [body.encode()]
        start_response("404 Not Found", [("Content-Type", "text/plain")])
        return [b"not found"]

    def discovery(self):
        return {
            "issuer": self.issuer,
            "authorization_endpoint": f"{self.issuer}/authorize",
            "token_endpoint": f"{self.issuer}/token",
            "userinfo_endpoint": f"{self.issuer}/userinfo",
            "jwks_uri": f"{self.issuer}/jwks",
            "end_session_endpoint": f"{self.issuer}/session/end",
            "id_token_signing_alg_values_supported": ["RS256"],
            "token_endpoint_auth_methods_supported": ["client_secret_post"],
        }

    @staticmethod
    def json(start_response, data):
        start_response("200 OK", [("Content-Type", "application/json")])
        return [json.dumps(data).encode()]


class ThreadedServer:
    def __init__(self, app):
        self.server: WSGIServer = make_server("127.0.0.1", 0, app, handler_class=QuietHandler)

    @property
    def url(self):
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    def __enter__(self):
        serve_in_background(self.server)
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


def use_provider(settings, url):
    """Point allauth's ProConnect app at the fake provider listening on `url`."""
    settings.SOCIALACCOUNT_PROVIDERS = {
        "proconnect": {
            "APPS": [
                {
                    "provider_id": "proconnect",
                    "name": "ProConnect",
                    "client_id": CLIENT_ID,
                    "secret": CLIENT_SECRET,
                    "settings": {"domain": url},
                }
            ]
        }
    }
