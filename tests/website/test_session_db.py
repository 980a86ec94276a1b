"""`website/session_db.py`: the database store whose read is compiled once per process loads
what Django's store loads: a live session's data, nothing for an expired or unknown key."""

from datetime import timedelta

import pytest
from django.contrib.sessions.backends.db import SessionStore as DjangoStore
from django.contrib.sessions.models import Session
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from website.session_db import SessionStore

pytestmark = pytest.mark.django_db


def _saved(**data):
    store = SessionStore()
    store.update(data)
    store.save()
    return store.session_key


def test_a_live_session_loads_its_data_in_one_query():
    key = _saved(answer_order="date", number=3)
    with CaptureQueriesContext(connection) as context:
        loaded = SessionStore(key).load()
    assert loaded == DjangoStore(key).load() == {"answer_order": "date", "number": 3}
    assert len(context.captured_queries) == 1


def test_an_expired_session_loads_empty_and_drops_its_key():
    key = _saved(answer_order="date")
    Session.objects.filter(session_key=key).update(
        expire_date=timezone.now() - timedelta(seconds=1)
    )
    store = SessionStore(key)
    assert store.load() == DjangoStore(key).load() == {}
    assert store.session_key is None


def test_an_unknown_or_missing_key_loads_empty():
    store = SessionStore("x" * 32)
    assert store.load() == {}
    assert store.session_key is None
    assert SessionStore(None).load() == {}


def test_the_settings_use_it_and_a_member_stays_logged_in(client, settings, member):
    assert settings.SESSION_ENGINE == "website.session_db"
    client.force_login(member)
    assert client.get("/questions/").status_code == 200
    assert client.session["_auth_user_id"] == str(member.pk)
    client.post("/comptes/logout/")
    assert not Session.objects.exists()
