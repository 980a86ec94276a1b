"""Editing posts, their revision history and rollback."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from directory.access import gate
from qa import forms, permissions, selectors, services
from qa.markdown import render_markdown
from qa.models import Answer, Question, Revision
from qa.views.access import _get_post, _load_question, _thread_url, _warn_mention_cap


@gate()
def post_edit(request, post_type, pk):
    post = _get_post(post_type, pk)
    _load_question(request, post.thread.pk)
    permissions.check_edit_post(request.user, post)
    if isinstance(post, Question):
        form_class = forms.QuestionEditForm
        initial = {"title": post.title, "body": post.body, "topics": post.topics.all()}
    elif isinstance(post, Answer):
        form_class, initial = forms.PostEditForm, {"body": post.body}
    else:
        form_class, initial = forms.CommentEditForm, {"body": post.body}
    attached = list(post.attachments.current())
    form = form_class(
        request.POST or None,
        request.FILES or None,
        initial=initial,
        uploader=request.user,
        attached=len(attached),
        first_number=selectors.next_attachment_number(post),
        removable=attached,
    )
    preview_html = None
    if request.method == "POST":
        if "preview" in request.POST:
            preview_html = render_markdown(request.POST.get("body", ""), attached)
        elif form.is_valid():
            data = form.cleaned_data
            revision = services.post_edit(
                post=post,
                by=request.user,
                body=data["body"],
                title=data.get("title"),
                topics=data.get("topics"),
                summary=data.get("summary", ""),
                attachments=data.get("attachments", ()),
                remove=data.get("remove", ()),
            )
            messages.success(request, _("La modification est enregistrée."))
            _warn_mention_cap(request, post, body=revision.body)
            return redirect(_thread_url(post))
    return render(
        request,
        "qa/post_edit.html",
        {
            "form": form,
            "post": post,
            "preview_html": preview_html,
            "post_type": post_type,
            "attached": attached,
        },
    )


@gate()
def revisions(request, post_type, pk):
    """Every version of a post; the diff between any two (`?de=1&a=3`)."""
    post = _get_post(post_type, pk)
    _load_question(request, post.thread.pk)
    permissions.check_view_revisions(request.user, post)
    versions = selectors.revisions_of(post)
    by_number = {r.number: r for r in versions}
    latest = versions[-1].number if versions else 1

    def number(name, default):
        value = request.GET.get(name, "")
        return int(value) if value.isdigit() and int(value) in by_number else default

    new_n = number("a", latest)
    old_n = number("de", max(1, new_n - 1))
    diff = files = None
    previous = None
    for version in versions:  # each version: the files it added and removed
        version.files_added = selectors.files_added(previous, version)
        version.files_removed = selectors.files_removed(previous, version)
        previous = version
    files_gone = None
    if versions:
        diff = selectors.revision_diff(by_number[old_n], by_number[new_n])
        files = selectors.files_added(by_number[old_n], by_number[new_n])
        files_gone = selectors.files_removed(by_number[old_n], by_number[new_n])
    return render(
        request,
        "qa/revisions.html",
        {
            "post": post,
            "post_type": post_type,
            "versions": versions,
            "old": by_number.get(old_n),
            "new": by_number.get(new_n),
            "diff": diff,
            "files": files,
            "files_gone": files_gone,
            "latest": latest,
        },
    )


@require_POST
@gate()
def rollback(request, post_type, pk, number):
    post = _get_post(post_type, pk)
    permissions.check_rollback(request.user, post)
    revision = get_object_or_404(Revision, number=number, **{post.post_kind: post})
    form = forms.ReasonForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    services.post_rollback(post=post, revision=revision, by=request.user, reason=reason)
    messages.success(
        request, _("La version %(number)s est rétablie.") % {"number": revision.number}
    )
    return redirect(_thread_url(post))
