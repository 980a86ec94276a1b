"""Every URL pattern of the site, walked from the URL conf: new views are included by themselves.

`url_patterns()` yields one `Route` per pattern: its dotted name, the view callable, and a
concrete path when one can be built (no parameter, or parameters filled with sample values).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.urls.exceptions import NoReverseMatch

# Candidate values tried for each parameter until the URL reverses: they only need to match.
CANDIDATES = ("1", "exemple", "1-exemple", "00000000-0000-0000-0000-000000000000")


@dataclass(frozen=True)
class Route:
    name: str  # "namespace:name", or the pattern text when unnamed
    pattern: str
    view: object
    path: str | None  # a concrete path, None when it cannot be built
    has_parameters: bool

    @property
    def view_name(self) -> str:
        view = getattr(self.view, "view_class", None) or self.view
        return f"{view.__module__}.{getattr(view, '__qualname__', view.__class__.__name__)}"


def _converters(pattern) -> dict:
    return dict(getattr(pattern.pattern, "converters", {}) or {})


def _walk(patterns, namespace: str, prefix: str, converters: dict):
    for entry in patterns:
        text = prefix + str(entry.pattern)
        found = {**converters, **_converters(entry)}
        if isinstance(entry, URLResolver):
            ns = namespace
            if entry.namespace:
                ns = f"{namespace}:{entry.namespace}" if namespace else entry.namespace
            yield from _walk(entry.url_patterns, ns, text, found)
        elif isinstance(entry, URLPattern):
            name = f"{namespace}:{entry.name}" if namespace and entry.name else entry.name
            groups = entry.pattern.regex.groupindex
            has_parameters = bool(found) or entry.pattern.regex.groups > 0
            yield name, text, entry.callback, found, groups, has_parameters


def _alternatives(converter) -> list[str]:
    """Values a custom converter accepts when its regex is a plain alternation (a|b)."""
    regex = getattr(converter, "regex", "")
    options = regex.strip("()").split("|")
    return [o for o in options if o and re.fullmatch(r"[\w-]+", o)]


def _build(name, converters, regex_groups) -> str | None:
    if not name:
        return None
    keys = list(converters) or list(regex_groups)
    if not keys:
        try:
            return reverse(name)
        except NoReverseMatch:
            return None
    per_key = [_alternatives(converters[k])[:1] if k in converters else [] for k in keys]
    for candidate in CANDIDATES:
        kwargs = {k: (own[0] if own else candidate) for k, own in zip(keys, per_key, strict=True)}
        try:
            return reverse(name, kwargs=kwargs)
        except NoReverseMatch:
            continue
    return None


def url_patterns() -> list[Route]:
    routes = []
    for name, text, view, converters, groups, has_parameters in _walk(
        get_resolver().url_patterns, "", "", {}
    ):
        path = _build(name, converters, groups)
        if path is None and not name and not has_parameters and re.fullmatch(r"[\w/.-]*", text):
            path = "/" + text  # an unnamed plain route
        routes.append(
            Route(
                name=name or text,
                pattern=text,
                view=view,
                path=path,
                has_parameters=has_parameters,
            )
        )
    return routes


def parameterless_paths(exclude_prefixes=()) -> list[str]:
    """Concrete paths of the patterns without any parameter, once each, sorted."""
    paths = {
        route.path
        for route in url_patterns()
        if route.path and not route.has_parameters
        if not route.path.startswith(tuple(exclude_prefixes))
    }
    return sorted(paths)
