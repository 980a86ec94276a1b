"""The helpers every Q&A view shares: post and thread look-ups, double-submit protection.

Access goes through `directory.access.gate` and the `check_*` of `qa.permissions`.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from qa import mentions, permissions, selectors, throttle
from qa.models import Answer, Comment, Question

PAGE_SIZE = 20
POST_MODELS = {model.url_prefix: model for model in (Question, Answer, Comment)}


def _get_post(post_type: str, pk: int):
    model = POST_MODELS[post_type]
    qs = model.objects.all()
    if model is Answer:
        qs = qs.select_related("question")
    elif model is Comment:
        qs = qs.select_related("question", "answer", "answer__question")
    return get_object_or_404(qs, pk=pk)


def _thread_url(post) -> str:
    return f"{post.thread.get_absolute_url()}#{post.anchor}"


def _too_many(request):
    return render(request, "429.html", status=429)


def _create_once(request, token, create, *, pending, success: str = "") -> HttpResponse:
    """Double-submit protection: a token creates one post; sending it again leads to that post.

    Always a response: the new post (with the `success` message), what the token already
    created, `pending` (a URL or URL name) while a first click is still being processed, or
    the 429 page when the new-member limit is reached.
    """
    user = request.user
    url = throttle.already_submitted(user, token)
    if url:
        return redirect(url)
    if not throttle.claim_token(user, token):
        return redirect(pending)  # the first click is still being processed
    if not throttle.record_post(user):  # counted before, so that concurrent posts cannot pass
        throttle.release_token(user, token)
        return _too_many(request)
    try:
        post = create()
    except Exception:
        throttle.release_token(user, token)
        raise
    url = post.get_absolute_url()
    throttle.remember_submission(user, token, url)
    if success:
        messages.success(request, success)
    _warn_mention_cap(request, post)
    return redirect(url)


def _warn_mention_cap(request, post, *, body: str | None = None) -> None:
    """Tell the author when the post (or its new `body`) mentions more people than are
    notified."""
    count = mentions.mentions_beyond_cap(post, body=body)
    if count:
        messages.warning(
            request,
            _(
                "Vous mentionnez %(count)d personnes : seules les %(limit)d premières "
                "mentionnées sont prévenues."
            )
            % {"count": count, "limit": settings.QA_MENTIONS_NOTIFIED_PER_POST},
        )


def _load_question(request, pk):
    try:
        question = selectors.question_for_thread(pk)
    except Question.DoesNotExist:
        raise Http404 from None
    permissions.check_view_question(request.user, question)
    return question
