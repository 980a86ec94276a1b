"""Reading lists: questions and discussions (sorted, filtered, their filters and results stored
as shared fragments), the topics and a topic's page."""

from __future__ import annotations

from functools import cache, lru_cache, reduce
from operator import add

from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, render
from django.template.loader import render_to_string
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from directory.access import gate
from directory.fragments import shared_fragments
from directory.models import Structure
from qa import extensions, permissions, selectors, services
from qa.models import QuestionKind
from qa.unread_slots import with_unread_marks
from qa.views.access import PAGE_SIZE
from taxonomy.models import Topic


@lru_cache(maxsize=4096)
def _option(value: str, label: str, selected: bool):
    """One `<option>`, escaped once per process and label (the structures rarely change)."""
    return format_html(
        '<option value="{}"{}>{}</option>', value, " selected" if selected else "", label
    )


# The list pages stored as shared fragments: the sorts, the state filters and the first pages,
# without topic or structure filter (their slugs are free text). Anything else, a parameter of
# nobody's or a deep page included, is rendered and not stored: a request cannot fill the
# shared cache with keys of its own making (the database cache, full, culls its entries in key
# order, rate-limit counters among them).
STORED_PAGES = 50


def _storable(request) -> bool:
    query = request.GET
    page = query.get("page", "1")
    return (
        set(query) <= {"tri", "filtre", "page"}
        and all(len(query.getlist(name)) == 1 for name in query)
        and query.get("tri", "actif") in selectors.SORTS
        and query.get("filtre", "") in ("", *selectors.FILTERS)
        and page.isdigit()
        and 1 <= int(page) <= STORED_PAGES
    )


def _list(request, *, kind):
    """The list page. Its filter form and its results (count, rows, pagination) are shared
    fragments (directory/fragments.py), keyed on the page's path and query string: on a hit,
    the list's queries do not run; the viewer's unread marks are filled in per request."""
    sort = request.GET.get("tri", "actif")
    if sort not in selectors.SORTS:
        sort = "actif"
    state = request.GET.get("filtre", "")
    if state not in selectors.FILTERS:
        state = ""
    topic_slugs = request.GET.getlist("sujet")[:5]
    structure_slug = request.GET.get("structure", "")

    @cache
    def chosen():
        topics = list(Topic.objects.active().filter(slug__in=topic_slugs)) if topic_slugs else []
        structure = None
        if structure_slug:
            structure = Structure.objects.filter(slug=structure_slug).first()
        return topics, structure

    def render_part(part):
        topics, structure = chosen()
        if part == "results":
            questions = selectors.question_list(
                user=request.user,
                kind=kind,
                sort=sort,
                filter=state,
                topics=topics,
                structure=structure,
            )
            page = Paginator(questions, PAGE_SIZE).get_page(request.GET.get("page"))
            return render_to_string("qa/_list_results.html", {"page": page, "request": request})
        all_topics, structures = selectors.list_filter_choices()
        return render_to_string(
            "qa/_list_filters.html",
            {
                "sort": sort,
                "state": state,
                "topic_slugs": [topic.slug for topic in topics],
                "all_topics": all_topics,
                # Hundreds of options: written here, not by a template loop (issue 16).
                "structure_options": reduce(
                    add,
                    (
                        _option(slug, name, structure is not None and pk == structure.pk)
                        for pk, name, slug in structures
                    ),  # fmt: skip
                    SafeString(),
                ),
                "sorts": [
                    ("actif", _("Activité récente")),
                    ("recent", _("Les plus récentes")),
                    ("votes", _("Les mieux notées")),
                    ("meme-probleme", _("« Même problème »")),
                ],
                "filters": [
                    ("", _("Toutes")),
                    ("sans-reponse", _("Sans réponse")),
                    ("non-resolue", _("Non résolues")),
                    ("validee", _("Validées par un expert")),
                ],
            },
        )

    if _storable(request):
        shared = shared_fragments(
            request, "qa-list", ["filters", "results"], render_part, vary=[request.get_full_path()]
        )
    else:
        shared = {part: render_part(part) for part in ("filters", "results")}
    shared["results"] = with_unread_marks(shared["results"], request.user)
    context = {"kind": kind, "feed": extensions.feed_link(request), "shared": shared}
    return render(request, "qa/question_list.html", context)


@gate(permissions.check_read_qa)
def question_list(request):
    """Questions, filtered and sorted; members only unless the site opens reading."""
    return _list(request, kind=QuestionKind.QUESTION)


@gate(permissions.check_read_qa)
def discussion_list(request):
    return _list(request, kind=QuestionKind.DISCUSSION)


@gate(permissions.check_read_qa)
def topic_list(request):
    """All topics with their number of questions; members see which ones they follow."""
    return render(
        request,
        "qa/topic_list.html",
        {
            "topics": selectors.topics_with_counts(),
            "followed": selectors.followed_topic_ids(request.user),
        },
    )


@gate()
def topic_detail(request, slug):
    """A topic: description, its experts (directory), its questions, a follow button."""
    topic = get_object_or_404(Topic.objects.active(), slug=slug)
    permissions.check_read_qa(request.user)
    questions = selectors.question_list(
        user=request.user, kind=None, sort=request.GET.get("tri", "actif"), topics=[topic]
    )
    page = Paginator(questions, PAGE_SIZE).get_page(request.GET.get("page"))
    page.object_list = selectors.mark_unread_rows(page.object_list, request.user)
    return render(
        request,
        "qa/topic_detail.html",
        {
            "topic": topic,
            "page": page,
            "feed": extensions.feed_link(request, topic=topic),
            "experts": selectors.topic_experts(topic),
            # Opening the page is the « last visit » of a followed topic (« Mes suivis »).
            "following": services.topic_follow_seen(
                user=request.user, topic=topic, visited=request.method == "GET"
            ),
            "follower_count": topic.follows.count(),
        },
    )
