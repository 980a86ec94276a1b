"""The helpers every Q&A view shares: the access gate, post look-ups, double-submit protection."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render

from qa import permissions, selectors, throttle
from qa.models import Answer, Comment, Question
from qa.templatetags.qa_tags import post_anchor

PAGE_SIZE = 20
POST_MODELS = {"questions": Question, "reponses": Answer, "commentaires": Comment}


def _login_or_deny(request, check, *args):
    """Visitors are sent to the login page; logged-in members without the right get a 403."""
    try:
        check(request.user, *args)
    except PermissionDenied:
        if not request.user.is_authenticated:
            raise _LoginRequired from None
        raise


class _LoginRequired(Exception):
    pass


def members_view(view):
    """Turns `_LoginRequired` into the login redirect (with `next`)."""

    def wrapper(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except _LoginRequired:
            return redirect_to_login(request.get_full_path())

    wrapper.__name__ = view.__name__
    wrapper.__doc__ = view.__doc__
    return wrapper


def _get_post(post_type: str, pk: int):
    model = POST_MODELS[post_type]
    qs = model.objects.all()
    if model is Answer:
        qs = qs.select_related("question")
    elif model is Comment:
        qs = qs.select_related("question", "answer", "answer__question")
    return get_object_or_404(qs, pk=pk)


def _thread_url(post) -> str:
    return f"{post.thread.get_absolute_url()}#{post_anchor(post)}"


def _too_many(request):
    return render(request, "429.html", status=429)


def _create_once(request, token, create):
    """Double-submit protection: a token creates one post; resending redirects to it.

    The created post, or a response: a redirect to what the token created, the 429 page when
    the new-member limit is reached; None while a first click is still being processed."""
    user = request.user
    url = throttle.already_submitted(user, token)
    if url:
        return redirect(url)
    if not throttle.claim_token(user, token):
        return None  # the first click is still being processed
    if not throttle.record_post(user):  # counted before, so that concurrent posts cannot pass
        throttle.release_token(user, token)
        return _too_many(request)
    try:
        obj = create()
    except Exception:
        throttle.release_token(user, token)
        raise
    url = _thread_url(obj) if not isinstance(obj, Question) else obj.get_absolute_url()
    throttle.remember_submission(user, token, url)
    return obj


def _load_question(request, pk):
    try:
        question = selectors.question_for_thread(pk)
    except Question.DoesNotExist:
        raise Http404 from None
    if not permissions.can_view_question(request.user, question):
        if not request.user.is_authenticated and not settings.PUBLIC_READ:
            raise _LoginRequired
        permissions.check_view_question(request.user, question)
    return question
