"""Following a question or a topic, and « Mes suivis » (/compte/suivis/): everything the
member follows, people and structures of the directory included, with what is new."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from directory.access import gate, redirect_back
from qa import permissions, selectors, services
from qa.views.access import _load_question, _thread_url
from taxonomy.models import Topic


@require_POST
@gate()
def question_follow(request, pk):
    question = _load_question(request, pk)
    permissions.check_follow(request.user)
    if request.POST.get("action") == "unfollow":
        services.question_unfollow(user=request.user, question=question)
    else:
        services.question_follow(user=request.user, question=question)
    return redirect_back(request, _thread_url(question))


@require_POST
@gate()
def topic_follow(request, slug):
    topic = get_object_or_404(Topic.objects.active(), slug=slug)
    permissions.check_follow(request.user)
    if request.POST.get("action") == "unfollow":
        services.topic_unfollow(user=request.user, topic=topic)
        if not request.htmx:
            messages.success(request, _("Vous ne suivez plus ce sujet."))
    else:
        services.topic_follow(user=request.user, topic=topic)
        if not request.htmx:
            messages.success(request, _("Vous suivez ce sujet."))
    return redirect_back(request, topic.get_absolute_url())


FOLLOWED_QUESTIONS_PER_PAGE = 30


@never_cache
@gate(permissions.check_follow)
def my_follows(request):
    """« Mes suivis »: followed threads, topics, people and structures, each with what is new
    since the member's last visit of its page, and a button to stop following it."""
    questions = Paginator(
        selectors.followed_questions(request.user), FOLLOWED_QUESTIONS_PER_PAGE
    ).get_page(request.GET.get("page"))
    return render(
        request,
        "qa/my_follows.html",
        {
            "questions": questions,
            "topics": selectors.followed_topics(request.user),
            "people": selectors.followed_people(request.user),
            "structures": selectors.followed_structures(request.user),
            "here": request.get_full_path(),
        },
    )
