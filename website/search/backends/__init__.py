"""The backend interface and the choice of implementation (`settings.SEARCH_BACKEND`).

The rest of the site imports only `get_backend()` and the objects of `website.search.results`.
"""

from collections.abc import Iterable, Iterator
from typing import Protocol

from django.conf import settings

from website.search.results import (
    IndexEntry,
    SearchDocument,
    SearchRequest,
    SearchResults,
)


class SearchBackend(Protocol):
    name: str

    def index(self, documents: Iterable[SearchDocument]) -> None:
        """Add or replace documents (by uid)."""

    def delete(self, uids: Iterable[str]) -> None:
        """Remove documents; unknown uids are ignored."""

    def rebuild(self, documents: Iterable[SearchDocument]) -> int:
        """Replace the whole index with these documents; searches keep answering meanwhile."""

    def search(self, request: SearchRequest) -> SearchResults:
        """Ranked, filtered, permission-checked hits with facets and highlights."""

    def suggest(self, query: str, principals: frozenset[str]) -> str:
        """A corrected query ("did you mean") built only from visible documents, or ""."""

    def entries(self) -> Iterator[IndexEntry]:
        """Every indexed uid with its fingerprint (for `search_check`)."""

    def state(self) -> str:
        """ "ok", "missing", "rebuilding", "corrupt" or "unavailable"."""

    def repair(self) -> list[str]:
        """Remove leftovers of a crashed write; returns what was done."""


_backends: dict[str, SearchBackend] = {}


def get_backend(name: str | None = None) -> SearchBackend:
    name = name or settings.SEARCH_BACKEND
    key = f"{name}:{settings.SEARCH_INDEX_DIR}"
    if key not in _backends:
        if name == "whoosh":
            from website.search.backends.whoosh import WhooshBackend

            _backends[key] = WhooshBackend(settings.SEARCH_INDEX_DIR)
        elif name == "postgres":
            from website.search.backends.postgres import PostgresBackend

            _backends[key] = PostgresBackend()
        else:
            raise ValueError(f"Unknown SEARCH_BACKEND {name!r} (expected 'whoosh' or 'postgres')")
    return _backends[key]


def reset_backends() -> None:
    """Forget open backends (tests that switch settings)."""
    for backend in _backends.values():
        close = getattr(backend, "close", None)
        if close:
            close()
    _backends.clear()
