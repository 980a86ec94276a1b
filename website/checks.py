"""System checks for deployment settings Django cannot check by itself."""

from django.conf import settings
from django.core import checks


@checks.register(checks.Tags.security, deploy=True)
def proxy_client_address_is_trusted(app_configs, **kwargs):
    """Warn when HTTPS comes from a proxy header but the client's address does not.

    `SECURE_PROXY_SSL_HEADER` says a reverse proxy sits in front of the site; REMOTE_ADDR is
    then the proxy's address for every visitor, and allauth's per-IP limits (failed logins,
    sign-ups, password resets) become one bucket that any visitor can empty for everybody.
    """
    behind_a_proxy = bool(settings.SECURE_PROXY_SSL_HEADER)
    trusts_a_proxy = settings.ALLAUTH_TRUSTED_PROXY_COUNT > 0 or bool(
        settings.ALLAUTH_TRUSTED_CLIENT_IP_HEADER
    )
    if behind_a_proxy and not trusts_a_proxy:
        return [
            checks.Warning(
                "SECURE_PROXY_SSL_HEADER is set but ALLAUTH_TRUSTED_PROXY_COUNT is 0: every "
                "visitor shares the proxy's address, so one client can exhaust the per-IP "
                "login limits for everybody.",
                hint=(
                    "Set ALLAUTH_TRUSTED_PROXY_COUNT to the number of proxies appending to "
                    "X-Forwarded-For (1 behind one reverse proxy), or "
                    "ALLAUTH_TRUSTED_CLIENT_IP_HEADER to a header the proxy fills."
                ),
                id="entraide.W001",
            )
        ]
    return []
