"""Reading endpoints: the same selectors, permissions and search service as the site.

Scope `read` when a token is given; without a token, what a visitor may read on the site
(nothing, unless `PUBLIC_READ`).
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from django.conf import settings
from django.core import signing
from django.db.models import Q
from django.utils.translation import gettext as _
from ninja import Query, Router

from qa import permissions, selectors
from qa.models import Question
from qa.templatetags.qa_tags import author_name
from taxonomy.models import Topic
from website.api.auth import require_scope
from website.api.problems import Problem
from website.api.responses import etagged
from website.api.schemas import QuestionDetail, QuestionPage, SearchPage, TopicOut
from website.search import services as search

router = Router(tags=["lecture"])

# The API's names for the site's list filters (`?filtre=` on /questions/).
STATUSES = {"unanswered": "sans-reponse", "unsolved": "non-resolue", "validated": "validee"}
CURSOR_SALT = "website.api.questions-cursor"


def _read(request) -> None:
    require_scope(request, "read")
    permissions.check_read_qa(request.user)


def _summary(request, question: Question) -> dict:
    return {
        "id": question.pk,
        "kind": question.kind,
        "title": question.title,
        "url": request.build_absolute_uri(question.get_absolute_url()),
        "author": str(author_name(question.author)),
        "author_structure": question.author_structure.name if question.author_structure else None,
        "topics": [topic.slug for topic in question.topics.all()],
        "created_at": question.created_at,
        "last_activity_at": question.last_activity_at,
        "score": question.score,
        "answer_count": question.answer_count,
        "accepted_answer_id": question.accepted_answer_id,
        "has_validated_answer": bool(getattr(question, "has_validated_answer", False)),
        "closed": question.closed_at is not None,
    }


def _cursor_for(question: Question) -> str:
    return signing.dumps([question.created_at.isoformat(), question.pk], salt=CURSOR_SALT)


def _after_cursor(cursor: str) -> Q:
    """Signed, so a client cannot forge one (to jump to ids it guessed, or slip a value in)."""
    try:
        created, pk = signing.loads(cursor, salt=CURSOR_SALT)
        created = datetime.fromisoformat(created)
        pk = int(pk)
    except (signing.BadSignature, ValueError, TypeError):
        raise Problem(
            400, "cursor_invalid", _("Ce curseur n'est pas valide : repartez de la 1re page.")
        ) from None
    return Q(created_at__lt=created) | Q(created_at=created, pk__lt=pk)


@router.get("/questions", response=QuestionPage, summary="Questions and discussions")
def question_list(
    request,
    topic: str | None = Query(None, description="A topic slug."),
    status: Literal["unanswered", "unsolved", "validated"] | None = None,
    kind: Literal["question", "discussion"] | None = None,
    cursor: str | None = Query(None, max_length=500),
    limit: int = Query(20, ge=1, le=settings.API_PAGE_SIZE),
):
    """Newest first, by cursor. The same threads the site's lists show this caller."""
    _read(request)
    topics = []
    if topic:
        found = Topic.objects.active().filter(slug=topic).first()
        if found is None:
            raise Problem(404, "topic_not_found", _("Ce sujet n'existe pas."))
        topics = [found]
    questions = selectors.question_list(
        user=request.user,
        kind=kind,
        sort="recent",
        filter=STATUSES.get(status or "", ""),
        topics=topics,
    )
    if cursor:
        questions = questions.filter(_after_cursor(cursor))
    rows = list(questions[: limit + 1])
    more = len(rows) > limit
    rows = rows[:limit]
    return etagged(
        request,
        {
            "items": [_summary(request, question) for question in rows],
            "next_cursor": _cursor_for(rows[-1]) if more else None,
        },
    )


def _comment(comment) -> dict:
    return {
        "id": comment.pk,
        "author": str(author_name(comment.author)),
        "body": comment.body,
        "body_html": comment.body_html,
        "created_at": comment.created_at,
        "deleted": comment.deleted_at is not None,
    }


def load_question(request, pk: int) -> Question:
    """The thread, if this caller may see it (404 for an unknown id, 403 for a deleted one)."""
    try:
        question = selectors.question_for_thread(pk)
    except Question.DoesNotExist:
        raise Problem(404, "not_found", _("Cette question n'existe pas.")) from None
    permissions.check_view_question(request.user, question)
    return question


@router.get("/questions/{rowid:question_id}", response=QuestionDetail, summary="A thread")
def question_detail(request, question_id: int):
    """The question with its answers (accepted, validated, then by score) and comments."""
    _read(request)
    question = load_question(request, question_id)
    thread = selectors.thread_for(question, request.user, answer_sort="votes")
    data = _summary(request, question)
    data.update(
        {
            "has_validated_answer": any(a.validated_at for a in thread.answers),
            "body": question.body,
            "body_html": question.body_html,
            "deleted": question.deleted_at is not None,
            "locked": question.locked_at is not None,
            "comments": [_comment(comment) for comment in thread.question_comments],
            "answers": [
                {
                    "id": answer.pk,
                    "author": str(author_name(answer.author)),
                    "body": answer.body,
                    "body_html": answer.body_html,
                    "created_at": answer.created_at,
                    "score": answer.score,
                    "accepted": answer.pk == question.accepted_answer_id,
                    "validated": answer.validated_at is not None,
                    "deleted": answer.deleted_at is not None,
                    "comments": [_comment(comment) for comment in answer.thread_comments],
                }
                for answer in thread.answers
            ],
        }
    )
    return etagged(request, data)


@router.get("/topics", response=list[TopicOut], summary="Topics")
def topic_list(request):
    """Every active topic with its number of questions."""
    _read(request)
    topics = selectors.topics_with_counts().order_by("name")
    return etagged(
        request,
        [{"slug": t.slug, "name": t.name, "question_count": t.question_count} for t in topics],
    )


@router.get("/search", response=SearchPage, summary="Search")
def search_view(
    request,
    q: str = Query(..., max_length=200),
    kind: str | None = Query(None, max_length=30, description="question, discussion, faq…"),
    page: int = Query(1, ge=1, le=1000),
):
    """The site's search: same ranking, and only what this caller may see (filtered inside
    the search). Paged by number, like the site's results (the ranking has no cursor)."""
    require_scope(request, "read")
    outcome = search.search_for(
        request.user, q, filters={"kind": kind or ""}, page=page, per_page=20
    )
    if outcome.unavailable:
        raise Problem(503, "search_unavailable", _("La recherche est momentanément indisponible."))
    results = outcome.results
    hits = results.hits if results else []
    return etagged(
        request,
        {
            "query": outcome.query,
            "total": results.total if results else 0,
            "page": results.page if results else 1,
            "page_count": results.page_count if results else 0,
            "hits": [
                {
                    "kind": hit.kind,
                    "title": hit.title,
                    "url": request.build_absolute_uri(hit.url),
                    "snippet_html": hit.snippet_html,
                    "date": hit.date,
                    "topics": list(hit.topics),
                }
                for hit in hits
            ],
        },
    )
