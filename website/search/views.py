"""The results page and the similar-questions endpoint. Thin: the service does the work."""

from django.core.paginator import Paginator
from django.http import JsonResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from website.search import services, tasks
from website.search.empty import empty_help_for
from website.search.facets import facet_groups
from website.search.results import KIND_LABELS

PER_PAGE = 10


def _page_number(raw) -> int:
    try:
        number = int(str(raw)[:6])
    except (TypeError, ValueError):
        return 1
    return max(1, number)


@require_GET
def search(request):
    """Everything the user may see, filtered inside the search (visitors: public pages)."""
    outcome = services.search_for(
        request.user,
        request.GET.get("q", ""),
        filters=request.GET,
        sort=request.GET.get("tri", "relevance"),
        page=_page_number(request.GET.get("page")),
        per_page=PER_PAGE,
        force=request.GET.get("forcer") == "1",
    )
    if outcome.unavailable:
        tasks.request_rebuild()
    context = {"outcome": outcome, "kind_labels": KIND_LABELS}
    results = outcome.results
    if results is not None:
        context["facet_groups"] = facet_groups(request, outcome)
        context["page_links"] = _page_links(request, results)
        context["page_start"] = (results.page - 1) * PER_PAGE + 1
        context["hits"] = [
            {"hit": hit, "kind_label": KIND_LABELS.get(hit.kind, hit.kind)} for hit in results.hits
        ]
        if not results.total:
            context["empty_help"] = empty_help_for(request.user, outcome)
    template = "search/_results.html" if request.htmx else "search/results.html"
    return render(request, template, context)


def _page_links(request, results):
    """Previous / numbered / next links that keep the query and filters."""
    paginator = Paginator(range(results.total), PER_PAGE)
    numbers = paginator.get_elided_page_range(results.page, on_each_side=2, on_ends=1)
    params = request.GET.copy()

    def url(number):
        params["page"] = number
        return "?" + params.urlencode()

    links = []
    for number in numbers:
        links.append(
            {
                "number": number,
                "url": url(number) if isinstance(number, int) else "",
                "current": number == results.page,
            }
        )
    return {
        "links": links,
        "previous": url(results.page - 1) if results.page > 1 else "",
        "next": url(results.page + 1) if results.page < results.page_count else "",
    }


@require_GET
def similar(request):
    """Questions close to the title being typed (from three words), among those the asker
    may see. JSON by default; for htmx, the Q&A ask form's own fragment (`qa/_similar.html`),
    so the form switches to the index by changing only its `hx-get` URL."""
    title = (request.GET.get("titre") or request.GET.get("title") or "")[:300]
    exclude = request.GET.get("exclure") or ""
    questions = services.similar_questions_for(
        request.user, title, exclude_pk=int(exclude) if exclude.isdigit() else None
    )
    if request.htmx:
        return render(request, "qa/_similar.html", {"similar": questions, "title": title})
    return JsonResponse(
        {
            "results": [
                {
                    "id": q.pk,
                    "title": q.title,
                    "url": q.get_absolute_url(),
                    "kind": q.kind,
                    "answer_count": q.answer_count,
                    "accepted": bool(q.accepted_answer_id),
                }
                for q in questions
            ]
        }
    )
