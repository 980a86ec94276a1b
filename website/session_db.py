"""Sessions in the database (the default store), read by a query compiled once per process.

Django's store builds `Session.objects.get(session_key=…, expire_date__gt=now)` through the ORM
on every request of a logged-in member: about 0.2 ms of CPU, for a query that runs in a tenth
of that (issue 16; `directory/compiled.py` explains the method). The row is read by its key
alone and its expiry compared here, which is the same rule: an expired or unknown session
loads empty and its key is dropped, as Django's does. Writes (login, renewal, logout) are
Django's. With Redis, `website/session_store.py` reads the cache first.
"""

from django.contrib.sessions.backends.db import SessionStore as DbStore
from django.utils import timezone

from directory.compiled import fetch_objects

# A key no session has (Django's keys are 32 lower-case letters and digits).
_SENTINEL_KEY = "-entraide-session-key-sentinel-"


class SessionStore(DbStore):
    def _get_session_from_db(self):
        if self.session_key is not None:
            found = fetch_objects(
                "website.session",
                lambda key: self.model.objects.filter(session_key=key),
                (_SENTINEL_KEY,),
                (self.session_key,),
                model=self.model,
            )
            if found and found[0].expire_date > timezone.now():
                return found[0]
        self._session_key = None
        return None
