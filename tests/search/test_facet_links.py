"""The facet links' query strings: what a changed copy of `request.GET` would encode."""

import pytest
from django.http import QueryDict

from website.search.facets import _Links

QUERY_STRINGS = [
    "q=facturation",
    "q=facturation&page=3",
    "page=2&q=eau+potable&topics=eau-potable&tri=date",
    "q=%C3%A9t%C3%A9&kind=question&kind=discussion&x=%C3%A9+y&page=2",
    "q=a%26b%3Dc&structure=mairie-de-l%27ile&year=2025",
    "q=",
]


def _with_copy(query: QueryDict, name: str, value: str | None) -> str:
    """How the links were made before: a copy of the QueryDict for each option."""
    params = query.copy()
    params.pop("page", None)
    if value is None:
        params.pop(name, None)
    else:
        params[name] = value
    return "?" + params.urlencode()


@pytest.mark.parametrize("raw", QUERY_STRINGS)
@pytest.mark.parametrize("name", ["kind", "topics", "structure", "year", "q"])
@pytest.mark.parametrize("value", [None, "question", "eau-potable", "l'île & co", "2025"])
def test_a_link_is_the_query_string_with_one_filter_set_or_removed(raw, name, value):
    query = QueryDict(raw)
    assert _Links(query).url(name, value) == _with_copy(query, name, value)


def test_a_set_filter_keeps_its_place_and_a_new_one_comes_last():
    links = _Links(QueryDict("topics=eau&q=facturation&page=2"))
    assert links.url("topics", "voirie") == "?topics=voirie&q=facturation"
    assert links.url("kind", "question") == "?topics=eau&q=facturation&kind=question"
    assert links.url("topics", None) == "?q=facturation"
