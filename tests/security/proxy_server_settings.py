"""Settings of the server in `test_client_address_behind_proxy.py`: production's, with a
per-IP failed-login budget that a loaded test machine spends well inside its window."""

from django.conf import global_settings

from website.settings import *  # noqa: F403

ACCOUNT_RATE_LIMITS = {**ACCOUNT_RATE_LIMITS, "login_failed": "3/10m/ip,5/5m/key"}  # noqa: F405
# The test database's accounts have fast MD5 hashes (tests/settings.py).
PASSWORD_HASHERS = [
    *global_settings.PASSWORD_HASHERS,
    "django.contrib.auth.hashers.MD5PasswordHasher",
]
