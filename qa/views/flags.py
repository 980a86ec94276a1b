"""Flags: reporting a post, the moderators' queue."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from directory.access import gate
from qa import forms, permissions, selectors, services
from qa.models import Flag, FlagStatus
from qa.views.access import _get_post, _load_question, _thread_url


@gate()
def flag(request, post_type, pk):
    post = _get_post(post_type, pk)
    _load_question(request, post.thread.pk)
    permissions.check_flag(request.user, post)
    form = forms.FlagForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.flag_create(
            post=post,
            reporter=request.user,
            reason=form.cleaned_data["reason"],
            text=form.cleaned_data["text"],
        )
        messages.success(request, _("Merci : les modérateurs vont examiner ce signalement."))
        return redirect(_thread_url(post))
    return render(request, "qa/flag_form.html", {"form": form, "post": post})


@gate(permissions.check_moderate)
def flag_queue(request):
    """Moderators' queue of open reports, oldest first."""
    return render(request, "qa/flag_queue.html", {"flags": selectors.flag_queue()})


@require_POST
@gate()
def flag_resolve(request, pk):
    permissions.check_moderate(request.user)
    flag_obj = get_object_or_404(Flag, pk=pk, status=FlagStatus.OPEN)
    services.flag_resolve(
        flag=flag_obj,
        by=request.user,
        accepted=request.POST.get("decision") == "accept",
        note=(request.POST.get("note") or "")[:500],
    )
    messages.success(request, _("Le signalement est traité."))
    return redirect("qa:flag_queue")
