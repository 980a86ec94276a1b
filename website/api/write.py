"""Writing endpoints: scope `write:posts`, then exactly what the site's forms do — the same
form validation (lengths, the text cleaning), the same `check_*` predicates, the new members'
posting budget (`qa.throttle`, `directory.budget.POSTS`) and the same services, which render
and sanitise the Markdown. Accepting, following and flagging are the site's buttons
(`qa/views/votes.py`, `qa/views/follows.py`, `qa/views/flags.py`): no posting budget there
either."""

from __future__ import annotations

from django.http import JsonResponse
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _

from qa import forms, permissions, services, throttle
from qa.models import Answer, Comment, Question
from taxonomy.models import Topic
from website.api.auth import require_scope
from website.api.problems import Problem
from website.api.read import load_question, router
from website.api.responses import created
from website.api.schemas import (
    AcceptIn,
    AcceptOut,
    AnswerIn,
    CommentIn,
    Created,
    FlagIn,
    FlagOut,
    FollowIn,
    FollowOut,
    QuestionIn,
    VoteIn,
    VoteOut,
)

# One router for both: ninja gives each (router, path) its own URL pattern, so a second
# router with "/questions" would never see the POSTs.
WRITE = ["écriture"]


def _links(**targets: tuple[str, str, str]) -> dict:
    """OpenAPI links of a `201` answer: the id it creates feeds these operations (`name=
    (operationId, parameter, expression)`). They describe the create → read → update flows
    to clients and drive schemathesis's stateful run (tests/api/test_schemathesis.py). The
    key is the integer 201, as ninja writes the status codes."""
    return {
        "responses": {
            201: {
                "links": {
                    name: {"operationId": operation, "parameters": {parameter: expression}}
                    for name, (operation, parameter, expression) in targets.items()
                }
            }
        }
    }


CREATED_ID = "$response.body#/id"
QUESTION_LINKS = _links(
    ReadQuestion=("website_api_read_question_detail", "question_id", CREATED_ID),
    AnswerQuestion=("website_api_write_answer_create", "question_id", CREATED_ID),
    CommentQuestion=("website_api_write_question_comment", "question_id", CREATED_ID),
    FollowQuestion=("website_api_write_question_follow", "question_id", CREATED_ID),
)
ANSWER_LINKS = _links(
    ReadQuestion=("website_api_read_question_detail", "question_id", "$request.path.question_id"),
    AcceptAnswer=("website_api_write_answer_accept", "answer_id", CREATED_ID),
    CommentAnswer=("website_api_write_answer_comment", "answer_id", CREATED_ID),
    VoteAnswer=("website_api_write_answer_vote", "answer_id", CREATED_ID),
)


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


@router.post(
    "/questions",
    response={201: Created},
    summary="Ask",
    tags=WRITE,
    openapi_extra=QUESTION_LINKS,
)
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
    "/questions/{rowid:question_id}/answers",
    response={201: Created},
    summary="Answer",
    tags=WRITE,
    openapi_extra=ANSWER_LINKS,
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
    "/questions/{rowid:question_id}/comments",
    response={201: Created},
    summary="Comment on a question",
    tags=WRITE,
)
def question_comment(request, question_id: int, payload: CommentIn):
    _write(request)
    return _comment(request, get_object_or_404(Question, pk=question_id), payload)


@router.post(
    "/answers/{rowid:answer_id}/comments",
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
    "/questions/{rowid:question_id}/vote",
    response=VoteOut,
    summary="Vote on a question",
    tags=WRITE,
)
def question_vote(request, question_id: int, payload: VoteIn):
    """Sets your vote (idempotent): +1, −1, or 0 to withdraw it."""
    _write(request)
    return _vote(request, get_object_or_404(Question, pk=question_id), payload)


@router.put(
    "/answers/{rowid:answer_id}/vote", response=VoteOut, summary="Vote on an answer", tags=WRITE
)
def answer_vote(request, answer_id: int, payload: VoteIn):
    """Sets your vote (idempotent): +1, −1, or 0 to withdraw it."""
    _write(request)
    answer = get_object_or_404(Answer.objects.select_related("question"), pk=answer_id)
    return _vote(request, answer, payload)


@router.put(
    "/answers/{rowid:answer_id}/accept", response=AcceptOut, summary="Accept an answer", tags=WRITE
)
def answer_accept(request, answer_id: int, payload: AcceptIn):
    """The asker (or a moderator) marks the answer that solved a question (idempotent);
    `false` withdraws the acceptance if this answer is the accepted one."""
    _write(request)
    answer = get_object_or_404(Answer.objects.select_related("question"), pk=answer_id)
    question = load_question(request, answer.question_id)
    answer.question = question
    permissions.check_accept(request.user, answer)
    if payload.accepted:
        if question.accepted_answer_id != answer.pk:
            services.answer_accept(answer=answer, by=request.user)
    elif question.accepted_answer_id == answer.pk:
        services.answer_unaccept(question=question, by=request.user)
    return {"accepted_answer_id": question.accepted_answer_id}


@router.put(
    "/questions/{rowid:question_id}/follow",
    response=FollowOut,
    summary="Follow a question",
    tags=WRITE,
)
def question_follow(request, question_id: int, payload: FollowIn):
    """Follow (`true`) or stop following (`false`) a thread; idempotent."""
    _write(request)
    question = load_question(request, question_id)
    permissions.check_follow(request.user)
    if payload.following:
        services.question_follow(user=request.user, question=question)
    else:
        services.question_unfollow(user=request.user, question=question)
    return {"following": payload.following}


@router.put(
    "/topics/{slug:topic_slug}/follow", response=FollowOut, summary="Follow a topic", tags=WRITE
)
def topic_follow(request, topic_slug: str, payload: FollowIn):
    """Follow (`true`) or stop following (`false`) a topic; idempotent."""
    _write(request)
    topic = Topic.objects.active().filter(slug=topic_slug).first()
    if topic is None:
        raise Problem(404, "topic_not_found", _("Ce sujet n'existe pas."))
    permissions.check_follow(request.user)
    if payload.following:
        services.topic_follow(user=request.user, topic=topic)
    else:
        services.topic_unfollow(user=request.user, topic=topic)
    return {"following": payload.following}


def _flag(request, post, payload: FlagIn):
    load_question(request, post.thread.pk)
    permissions.check_flag(request.user, post)
    data = _valid(forms.FlagForm({"reason": payload.reason, "text": payload.text}))
    before = timezone.now()
    flag = services.flag_create(
        post=post, reporter=request.user, reason=data["reason"], text=data["text"]
    )
    # 201 for a new report; 200 when it updated the caller's report still open on this post.
    status = 201 if flag.created_at >= before else 200
    return JsonResponse(
        {"id": flag.pk, "reason": flag.reason, "status": flag.status}, status=status
    )


FLAG_RESPONSES = {200: FlagOut, 201: FlagOut}


@router.post(
    "/questions/{rowid:question_id}/flags",
    response=FLAG_RESPONSES,
    summary="Report a question",
    tags=WRITE,
)
def question_flag(request, question_id: int, payload: FlagIn):
    """Report a question to the moderators (reporting it again updates your open report)."""
    _write(request)
    return _flag(request, get_object_or_404(Question, pk=question_id), payload)


@router.post(
    "/answers/{rowid:answer_id}/flags",
    response=FLAG_RESPONSES,
    summary="Report an answer",
    tags=WRITE,
)
def answer_flag(request, answer_id: int, payload: FlagIn):
    """Report an answer to the moderators (reporting it again updates your open report)."""
    _write(request)
    answer = get_object_or_404(Answer.objects.select_related("question"), pk=answer_id)
    return _flag(request, answer, payload)


@router.post(
    "/comments/{rowid:comment_id}/flags",
    response=FLAG_RESPONSES,
    summary="Report a comment",
    tags=WRITE,
)
def comment_flag(request, comment_id: int, payload: FlagIn):
    """Report a comment to the moderators (reporting it again updates your open report)."""
    _write(request)
    comment = get_object_or_404(
        Comment.objects.select_related("question", "answer", "answer__question"), pk=comment_id
    )
    return _flag(request, comment, payload)
