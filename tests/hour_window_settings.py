"""The servers' production settings (`tests/server_settings.py`) with the failed-login limit
per address counted over an hour instead of a minute, for server processes started by a test.

The limit counts exactly as in production (same rule, same shared cache); only its window
is longer, so that a loaded machine taking more than a minute to send a dozen requests does
not let the first attempts expire in the middle of the test.
"""

from tests.server_settings import *  # noqa: F403
from website.settings import ACCOUNT_RATE_LIMITS

ACCOUNT_RATE_LIMITS = {
    **ACCOUNT_RATE_LIMITS,
    "login_failed": ACCOUNT_RATE_LIMITS["login_failed"].replace("/m/ip", "/h/ip"),
}
