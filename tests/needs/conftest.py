"""The search fixtures (a fresh index per test, on each backend the database allows): the
shared needs cluster threads with the search engine's ranking."""

from tests.search.conftest import (  # noqa: F401
    fresh_synonyms,
    search_backend,
    whoosh_backend,
)
