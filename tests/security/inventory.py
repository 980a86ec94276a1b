"""Every URL pattern of the site, walked from the URL conf: new views are included by themselves.

`url_patterns()` yields one `Route` per pattern: its dotted name, the view callable, and a
concrete path when one can be built (no parameter, or parameters filled with sample values).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.urls.exceptions import NoReverseMatch

# Sample values for path converters: they only need to match the pattern.
SAMPLES = {"int": 1, "slug": "exemple", "str": "exemple", "path": "exemple", "uuid": None}


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
            regex_groups = entry.pattern.regex.groups
            yield name, text, entry.callback, found, bool(found) or regex_groups > 0


def _build(name, converters) -> str | None:
    if not name:
        return None
    kwargs = {}
    for key, converter in converters.items():
        sample = SAMPLES.get(type(converter).__name__.replace("Converter", "").lower())
        if sample is None:
            return None
        kwargs[key] = sample
    try:
        return reverse(name, kwargs=kwargs or None)
    except NoReverseMatch:
        return None


def url_patterns() -> list[Route]:
    routes = []
    for name, text, view, converters, has_parameters in _walk(
        get_resolver().url_patterns, "", "", {}
    ):
        path = _build(name, converters) if not has_parameters or converters else None
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
