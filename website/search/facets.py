"""Facet counts as links: each one adds (or removes) a filter and keeps the others."""

from django.utils.translation import gettext_lazy as _

from directory.models import Structure
from taxonomy.models import Topic
from website.search.results import KIND_LABELS

FACET_TITLES = {
    "kind": _("Type"),
    "topics": _("Sujet"),
    "structure": _("Structure"),
    "year": _("Année"),
}
MAX_VALUES = 12


def _labels(outcome) -> dict[str, dict[str, str]]:
    facets = outcome.results.facets
    topic_slugs = [f.value for f in facets.get("topics", [])[:MAX_VALUES]]
    structure_slugs = [f.value for f in facets.get("structure", [])[:MAX_VALUES]]
    for name, slugs in (("topics", topic_slugs), ("structure", structure_slugs)):
        if outcome.filters.get(name):
            slugs.append(outcome.filters[name])
    return {
        "kind": {k: str(v) for k, v in KIND_LABELS.items()},
        "topics": dict(Topic.objects.filter(slug__in=topic_slugs).values_list("slug", "name")),
        "structure": dict(
            Structure.objects.filter(slug__in=structure_slugs).values_list("slug", "name")
        ),
        "year": {},
    }


def facet_groups(request, outcome) -> list[dict]:
    labels = _labels(outcome)
    groups = []
    for name, title in FACET_TITLES.items():
        values = outcome.results.facets.get(name, [])[:MAX_VALUES]
        selected = outcome.filters.get(name, "")
        options = []
        for facet in values:
            params = request.GET.copy()
            params.pop("page", None)
            if facet.value == selected:
                params.pop(name, None)
            else:
                params[name] = facet.value
            options.append(
                {
                    "value": facet.value,
                    "label": labels[name].get(facet.value, facet.value),
                    "count": facet.count,
                    "selected": facet.value == selected,
                    "url": "?" + params.urlencode(),
                }
            )
        if selected and not any(o["selected"] for o in options):
            params = request.GET.copy()
            params.pop("page", None)
            params.pop(name, None)
            options.append(
                {
                    "value": selected,
                    "label": labels[name].get(selected, selected),
                    "count": 0,
                    "selected": True,
                    "url": "?" + params.urlencode(),
                }
            )
        if options:
            groups.append({"name": name, "title": title, "options": options})
    return groups
