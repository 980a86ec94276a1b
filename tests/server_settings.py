"""The production settings for the server processes a test starts, with the suite's fast
password hash.

The accounts those servers see are created by the test process, with MD5 hashes
(`tests/settings.py`), which production's hashers cannot read: each failed login there cost
Django's PBKDF2 (1,000,000 iterations) once or twice for its timing defence, about 1 s of CPU
per attempt and some 25 s per run of the suite. What the tests check (limits, caches, sessions
shared by the processes) does not depend on the hash.
"""

from website.settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
