"""Writing endpoints: scope `write:posts`, then exactly what the site's forms do — the same
form validation (lengths, the text cleaning), the same `check_*` predicates, the new members'
posting budget (`qa.throttle`, `directory.budget.POSTS`) and the same services, which render
and sanitise the Markdown."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _

from qa import forms, permissions, services, throttle
from qa.models import Answer, Question
from taxonomy.models import Topic
from website.api.auth import require_scope
from website.api.problems import Problem
from website.api.read import load_question, router
from website.api.responses import created
from website.api.schemas import AnswerIn, CommentIn, Created, QuestionIn, VoteIn, VoteOut

# One router for both: ninja gives each (router, path) its own URL pattern, so a second
# router with "/questions" would never see the POSTs.
WRITE = ["écriture"]


def _write(request) -> None:
    require_scope(request, "write:posts")


def _valid(form) -> dict:
    if not form.is_valid():
        errors = [
            {"loc": ["body", field], "msg": str(message), "type": "invalid"}
            for field, messages in form.errors.items()
            for message in messages
        ]
        raise Problem(
            422,
            "invalid_input",
            _("Certaines valeurs sont refusées : voir « errors »."),
            errors=errors,
        )
    return form.cleaned_data


def _count_post(request) -> None:
    """A new member's hourly budget, counted before the post exists (as on the site)."""
    if not throttle.post_allowed(request.user) or not throttle.record_post(request.user):
        raise Problem(
            429,
            "posting_budget_spent",
            _("Vous avez atteint la limite de messages pour cette heure. Réessayez plus tard."),
            headers={"Retry-After": "3600"},
        )


def _created(request, post) -> object:
    url = request.build_absolute_uri(post.get_absolute_url())
    return created(request, {"id": post.pk, "url": url}, location=url)


@router.post("/questions", response={201: Created}, summary="Ask", tags=WRITE)
def question_ask(request, payload: QuestionIn):
    _write(request)
    permissions.check_ask(request.user)
    topics = {t.slug: t.pk for t in Topic.objects.active().filter(slug__in=payload.topics)}
    unknown = [slug for slug in payload.topics if slug not in topics]
    if unknown:
        raise Problem(
            422,
            "invalid_input",
            _("Ce sujet n'existe pas."),
            errors=[
                {"loc": ["body", "topics"], "msg": slug, "type": "unknown_topic"}
                for slug in unknown
            ],
        )
    data = _valid(
        forms.QuestionForm(
            {
                "kind": payload.kind,
                "title": payload.title,
                "body": payload.body,
                "topics": list(topics.values()),
            }
        )
    )
    _count_post(request)
    question = services.question_create(
        author=request.user,
        kind=data["kind"],
        title=data["title"],
        body=data["body"],
        topics=data["topics"],
    )
    return _created(request, question)


@router.post(
    "/questions/{int:question_id}/answers", response={201: Created}, summary="Answer", tags=WRITE
)
def answer_create(request, question_id: int, payload: AnswerIn):
    _write(request)
    question = load_question(request, question_id)
    permissions.check_answer(request.user, question)
    data = _valid(forms.AnswerForm({"body": payload.body}))
    _count_post(request)
    answer = services.answer_create(question=question, author=request.user, body=data["body"])
    return _created(request, answer)


def _comment(request, post, payload: CommentIn):
    load_question(request, post.thread.pk)
    permissions.check_comment(request.user, post)
    data = _valid(forms.CommentForm({"body": payload.body}))
    _count_post(request)
    comment = services.comment_create(post=post, author=request.user, body=data["body"])
    return _created(request, comment)


@router.post(
    "/questions/{int:question_id}/comments",
    response={201: Created},
    summary="Comment on a question",
    tags=WRITE,
)
def question_comment(request, question_id: int, payload: CommentIn):
    _write(request)
    return _comment(request, get_object_or_404(Question, pk=question_id), payload)


@router.post(
    "/answers/{int:answer_id}/comments",
    response={201: Created},
    summary="Comment on an answer",
    tags=WRITE,
)
def answer_comment(request, answer_id: int, payload: CommentIn):
    _write(request)
    answer = get_object_or_404(Answer.objects.select_related("question"), pk=answer_id)
    return _comment(request, answer, payload)


def _vote(request, post, payload: VoteIn):
    load_question(request, post.thread.pk)
    permissions.check_vote(request.user, post)
    if payload.value:
        services.vote_cast(user=request.user, post=post, value=payload.value)
    else:
        services.vote_withdraw(user=request.user, post=post)
    post.refresh_from_db(fields=["score"])
    return {"value": payload.value, "score": post.score}


@router.put(
    "/questions/{int:question_id}/vote", response=VoteOut, summary="Vote on a question", tags=WRITE
)
def question_vote(request, question_id: int, payload: VoteIn):
    """Sets your vote (idempotent): +1, −1, or 0 to withdraw it."""
    _write(request)
    return _vote(request, get_object_or_404(Question, pk=question_id), payload)


@router.put(
    "/answers/{int:answer_id}/vote", response=VoteOut, summary="Vote on an answer", tags=WRITE
)
def answer_vote(request, answer_id: int, payload: VoteIn):
    """Sets your vote (idempotent): +1, −1, or 0 to withdraw it."""
    _write(request)
    answer = get_object_or_404(Answer.objects.select_related("question"), pk=answer_id)
    return _vote(request, answer, payload)
