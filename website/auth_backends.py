"""The signed-in user of a request, read in one query with what every page asks of them.

Django's backends read the user (`SELECT … FROM directory_user WHERE id = ?`), then the pages
ask, each with a query of its own, for the user's groups (`directory.roles.role_names`, every
page through the account gate), whether they have an authenticator app (the gate, for staff),
their unread-notification count (the header) and their feed token (every Q&A page's Atom link).
These backends read all four as columns of the user's query (subqueries and a join), and set
them on the user object, which lives for one request only: the next request reads them again,
so a role given or taken, a notification read or a token renewed shows on the next page.

Within one request, what the request itself changes is forgotten where it is written:
`website.notifications.services` drops the unread count when it marks notifications read, and
`forget_request_state(user)` drops everything (used after a group change on the same object).

Two subclasses, one per backend of `AUTHENTICATION_BACKENDS`. A session remembers the path of
the backend that logged it in, and Django logs out a session whose path is no longer listed:
`LegacyBackendPathMiddleware` gives the sessions opened before this change the new paths (one
session write each, once), so nobody is logged out by it.
"""

import functools

from allauth.account.auth_backends import AuthenticationBackend as AllauthBackend
from allauth.mfa.models import Authenticator
from django.contrib.auth import BACKEND_SESSION_KEY, get_user_model
from django.contrib.auth.backends import ModelBackend as DjangoModelBackend
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import connections, router
from django.db.models import Aggregate, CharField, Count, Exists, IntegerField, OuterRef, Subquery
from django.db.models.functions import Coalesce

from website.notifications.models import FeedToken, Notification

# Group names are joined with the ASCII unit separator, which no name typed in the admin holds.
SEPARATOR = "\x1f"
STATE_ATTRIBUTES = ("_role_names", "_has_totp", "_unread_notifications", "_feed_token")


class _JoinedNames(Aggregate):
    """`GROUP_CONCAT(name, sep)` on SQLite, `STRING_AGG(name, sep)` on PostgreSQL."""

    function = "GROUP_CONCAT"
    template = "%(function)s(%(expressions)s, '" + SEPARATOR + "')"
    output_field = CharField()

    def as_postgresql(self, compiler, connection, **extra_context):
        return self.as_sql(compiler, connection, function="STRING_AGG", **extra_context)


FEED_FIELDS = ("id", "token", "created_at", "last_used_at")


def with_request_state(queryset):
    """The users with their group names, TOTP, unread count and feed token in the same query."""
    group_names = (
        Group.objects.filter(user=OuterRef("pk"))
        .order_by()
        .values("user")
        .annotate(names=_JoinedNames("name"))
        .values("names")
    )
    unread = (
        Notification.objects.filter(recipient=OuterRef("pk"), read_at__isnull=True)
        .order_by()
        .values("recipient")
        .annotate(count=Count("pk"))
        .values("count")
    )
    feed = FeedToken.objects.filter(user=OuterRef("pk"))
    return queryset.annotate(
        _group_names=Subquery(group_names, output_field=CharField()),
        _totp=Exists(
            Authenticator.objects.filter(user=OuterRef("pk"), type=Authenticator.Type.TOTP)
        ),
        _unread=Coalesce(Subquery(unread, output_field=IntegerField()), 0),
        **{f"_feed_{name}": Subquery(feed.values(name)[:1]) for name in FEED_FIELDS},
    )


# Building and compiling that query through the ORM cost more CPU (about 3 ms) than running
# the five queries it replaces: it is compiled once per database and process, with a sentinel
# in place of the user id, and then run with the id bound as a parameter.
_SENTINEL_ID = -730_194_602


@functools.cache
def _compiled(alias: str) -> tuple[str, tuple, int]:
    queryset = with_request_state(get_user_model()._default_manager.filter(pk=_SENTINEL_ID))
    sql, params = queryset.query.get_compiler(using=alias).as_sql()
    return sql, tuple(params), params.index(_SENTINEL_ID)


def user_with_request_state(user_id):
    """The user with the state above (in the columns `_group_names`, `_totp`, …), or None."""
    alias = router.db_for_read(get_user_model())
    sql, params, position = _compiled(alias)
    params = list(params)
    params[position] = get_user_model()._meta.pk.to_python(user_id)
    return next(iter(get_user_model()._default_manager.db_manager(alias).raw(sql, params)), None)


def _datetime(value, connection):
    """A subquery's datetime column: SQLite returns text, which Django converts per field."""
    convert = getattr(connection.ops, "convert_datetimefield_value", None)
    return convert(value, None, connection) if value is not None and convert else value


def set_request_state(user):
    """Move the query's columns onto the attributes the selectors read (see module doc)."""
    names = user.__dict__.pop("_group_names", None)
    user._role_names = frozenset(names.split(SEPARATOR)) if names else frozenset()
    user._has_totp = bool(user.__dict__.pop("_totp"))
    user._unread_notifications = int(user.__dict__.pop("_unread"))
    feed = {name: user.__dict__.pop(f"_feed_{name}") for name in FEED_FIELDS}
    token = None
    if feed["id"] is not None:
        connection = connections[user._state.db]
        token = FeedToken.from_db(
            user._state.db,
            None,
            [
                feed["id"],
                user.pk,
                feed["token"],
                _datetime(feed["created_at"], connection),
                _datetime(feed["last_used_at"], connection),
            ],
        )
    # In a box: `(None,)` means "no token yet", no attribute means "not read".
    user._feed_token = (token,)
    return user


def forget_request_state(user) -> None:
    """Let the next question about this user object read the database again."""
    for attribute in STATE_ATTRIBUTES:
        if hasattr(user, attribute):
            delattr(user, attribute)  # through the request's SimpleLazyObject too


class _RequestStateMixin:
    def get_user(self, user_id):
        try:
            user = user_with_request_state(user_id)
        except (ValueError, TypeError, ValidationError):
            return None  # not an id at all (as Django's `get(pk=…)` would fail to find it)
        if user is None:
            return None
        return set_request_state(user) if self.user_can_authenticate(user) else None


class ModelBackend(_RequestStateMixin, DjangoModelBackend):
    """Django's backend, with the request's state read with the user."""


class AuthenticationBackend(_RequestStateMixin, AllauthBackend):
    """allauth's backend (e-mail login), with the request's state read with the user."""


LEGACY_BACKENDS = {
    "django.contrib.auth.backends.ModelBackend": "website.auth_backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend": (
        "website.auth_backends.AuthenticationBackend"
    ),
}


class LegacyBackendPathMiddleware:
    """Before the authentication middleware: a session logged in through one of Django's or
    allauth's own backends now names its subclass here (see the module doc)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        session = getattr(request, "session", None)
        if session is not None:
            new_path = LEGACY_BACKENDS.get(session.get(BACKEND_SESSION_KEY))
            if new_path is not None:
                session[BACKEND_SESSION_KEY] = new_path
        return self.get_response(request)
