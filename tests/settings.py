"""Test settings: the real settings with thin, commented overrides."""

import os
import tempfile

# Tests run the production code path (DEBUG off) with a throwaway key, whatever `.env` says.
os.environ["DJANGO_DEBUG"] = "false"
os.environ.setdefault("SECRET_KEY", "tests-only-not-secret")
os.environ["SECURE_SSL_REDIRECT"] = "false"  # the test client speaks plain HTTP

from website.settings import *  # noqa: E402, F403

# Fast hashing: password strength is not what these tests measure.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# Mails land in `mailoutbox`.
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# One process: a local-memory cache is shared by the test and the live server thread.
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# Tasks run at once, inside the test.
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend", "QUEUES": []}}
# A throwaway search index per test run.
SEARCH_INDEX_DIR = tempfile.mkdtemp(prefix="entraide-search-")
MEDIA_ROOT = tempfile.mkdtemp(prefix="entraide-media-")
STATIC_ROOT = tempfile.mkdtemp(prefix="entraide-static-")
# allauth's limits would trip repeated sign-ups; the tests that check them switch them on.
ACCOUNT_RATE_LIMITS = False
# Role fixtures log in without TOTP; tests/security/test_mfa_and_sessions.py switches it on.
MFA_REQUIRED_FOR_STAFF = False
# No manifest: tests do not run collectstatic.
STORAGES = {
    **STORAGES,  # noqa: F405
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}  # noqa: F405
# Cookies over plain HTTP in the live server of browser tests.
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
LANGUAGE_COOKIE_SECURE = False
SECURE_HSTS_SECONDS = 0
