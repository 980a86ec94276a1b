"""Finding 10 of the December 2026 review: `load_demo` ran in production without a guard.

It created `admin@demo.entraide.example.org`, a superuser whose password is printed in the
README; whoever logged in first also enrolled its second factor. Now, with `DEBUG` off, the
command refuses (and creates nothing) unless `--allow-production` is given; then every demo
account gets one random password, printed once, never the published one — and accounts left
by an earlier development run lose the published password too. `make demo` (DEBUG on) keeps
the published password.
"""

import re
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from directory.demo import DEMO_DOMAIN, DEMO_PASSWORD, PEOPLE
from directory.models import Person, User
from qa.models import Question
from website.search.backends import reset_backends

pytestmark = pytest.mark.django_db

ADMIN = f"admin@{DEMO_DOMAIN}"


@pytest.fixture(autouse=True)
def own_search_index(settings, tmp_path):
    """`load_demo` builds the search index: a throwaway one, not the test session's."""
    settings.SEARCH_INDEX_DIR = str(tmp_path / "search")
    reset_backends()
    yield
    reset_backends()


def _load(*args):
    out = StringIO()
    call_command("load_demo", *args, stdout=out)
    return out.getvalue()


def _demo_accounts():
    return list(User.objects.filter(email__endswith=f"@{DEMO_DOMAIN}"))


def _printed_password(output):
    match = re.search(r"mot de passe aléatoire[^:]*: (\S+)", output)
    assert match, output
    return match.group(1)


def test_without_debug_it_refuses_and_creates_nothing(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="--allow-production"):
        _load()
    assert not User.objects.exists()
    assert not Person.objects.exists()
    assert not Question.objects.exists()


def test_with_the_flag_every_demo_account_gets_a_random_password_printed_once(settings):
    settings.DEBUG = False
    output = _load("--allow-production")
    password = _printed_password(output)
    assert DEMO_PASSWORD not in output
    assert len(password) >= 20 and output.count(password) == 1

    admin = User.objects.get(email=ADMIN)
    assert admin.is_superuser
    accounts = _demo_accounts()
    assert len(accounts) == len(PEOPLE) + 1  # and the pending account
    for account in accounts:
        assert not account.check_password(DEMO_PASSWORD), account.email
    assert admin.check_password(password)

    # A second run draws a new one: the first, printed once, is gone.
    second = _printed_password(_load("--allow-production"))
    admin.refresh_from_db()
    assert second != password
    assert admin.check_password(second) and not admin.check_password(password)


def test_accounts_left_by_a_development_run_lose_the_published_password(settings):
    settings.DEBUG = True
    _load()
    assert User.objects.get(email=ADMIN).check_password(DEMO_PASSWORD)

    settings.DEBUG = False
    password = _printed_password(_load("--allow-production"))
    for account in _demo_accounts():
        assert not account.check_password(DEMO_PASSWORD), account.email
        assert account.check_password(password), account.email


def test_in_development_the_published_password_stays(settings):
    settings.DEBUG = True
    output = _load()
    assert f"mot de passe pour tous : {DEMO_PASSWORD}" in output
    admin = User.objects.get(email=ADMIN)
    assert admin.is_superuser and admin.check_password(DEMO_PASSWORD)
