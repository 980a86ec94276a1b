"""Following a question or a topic."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from directory.access import gate
from qa import permissions, services
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
    return redirect(_thread_url(question))


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
    return redirect(reverse("qa:topic_detail", kwargs={"slug": topic.slug}))
