"""Votes, « même problème », accepting and validating answers."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from directory.access import gate
from qa import permissions, services
from qa.models import Answer
from qa.views.access import _get_post, _load_question, _thread_url


@require_POST
@gate()
def vote(request, post_type, pk):
    """+1 / −1 / withdraw (value 0 or voting the same way twice)."""
    post = _get_post(post_type, pk)
    _load_question(request, post.thread.pk)
    permissions.check_vote(request.user, post)
    try:
        value = int(request.POST.get("value", "0"))
    except ValueError:
        value = 0
    if value not in (-1, 0, 1):
        value = 0
    services.vote_toggle(user=request.user, post=post, value=value)
    return redirect(_thread_url(post))


@require_POST
@gate()
def same_problem(request, pk):
    question = _load_question(request, pk)
    permissions.check_same_problem(request.user, question)
    services.same_problem_toggle(user=request.user, question=question)
    return redirect(_thread_url(question))


@require_POST
@gate()
def answer_accept(request, pk):
    answer = get_object_or_404(Answer.objects.select_related("question"), pk=pk)
    question = _load_question(request, answer.question_id)
    answer.question = question
    permissions.check_accept(request.user, answer)
    if request.POST.get("action") == "unaccept" and question.accepted_answer_id == answer.pk:
        services.answer_unaccept(question=question, by=request.user)
    else:
        services.answer_accept(answer=answer, by=request.user)
    return redirect(_thread_url(answer))


@require_POST
@gate()
def answer_validate(request, pk):
    answer = get_object_or_404(Answer.objects.select_related("question"), pk=pk)
    question = _load_question(request, answer.question_id)
    answer.question = question
    permissions.check_validate(request.user, answer)
    if request.POST.get("action") == "unvalidate" and answer.validated_at:
        services.answer_unvalidate(answer=answer, by=request.user)
    else:
        services.answer_validate(answer=answer, by=request.user)
        if not request.htmx:
            messages.success(request, _("Vous avez validé cette réponse en tant qu'expert."))
    return redirect(_thread_url(answer))
