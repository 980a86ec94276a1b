"""Moderation: the thread's panel (close, duplicate, lock, merge, delete, FAQ)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from directory.access import gate
from qa import forms, permissions, selectors, services
from qa.models import FaqPromotion, Question
from qa.views.access import _get_post, _load_question, _thread_url


@gate()
def moderate(request, pk):
    """The moderation panel of a thread: close, duplicate, lock, delete, merge, FAQ."""
    return _panel(request, _moderated_question(request, pk))


def _panel(request, question, *, close_form=None, duplicate_form=None, status=200):
    """The panel, also re-shown with a form's errors (the other forms empty)."""
    if duplicate_form is None:
        duplicate_form = forms.DuplicateForm(question=question)
    context = {
        "question": question,
        "close_form": close_form if close_form is not None else forms.CloseForm(),
        "duplicate_form": duplicate_form,
        "reason_form": forms.ReasonForm(),
        "faq_answers": list(selectors.faq_candidate_answers(question)),
    }
    return render(request, "qa/moderate.html", context, status=status)


def _moderated_question(request, pk):
    """The thread, for a moderator (a question's own state is checked by its `check_*`)."""
    question = _load_question(request, pk)
    permissions.check_moderate(request.user)
    return question


def _reason(request):
    form = forms.ReasonForm(request.POST)
    return form.cleaned_data["reason"] if form.is_valid() else ""


@require_POST
@gate()
def question_close(request, pk):
    question = _load_question(request, pk)
    form = forms.CloseForm(request.POST)
    permissions.check_close(request.user, question)
    if not form.is_valid():
        return _panel(request, question, close_form=form, status=400)
    services.question_close(
        question=question,
        by=request.user,
        reason=form.cleaned_data["reason"],
        note=form.cleaned_data["note"],
    )
    messages.success(request, _("La question est fermée."))
    return redirect(question)


@require_POST
@gate()
def question_reopen(request, pk):
    question = _load_question(request, pk)
    permissions.check_reopen(request.user, question)
    services.question_reopen(question=question, by=request.user, reason=_reason(request))
    messages.success(request, _("La question est rouverte."))
    return redirect(question)


@require_POST
@gate()
def question_duplicate(request, pk):
    question = _moderated_question(request, pk)
    form = forms.DuplicateForm(request.POST, question=question)
    if not form.is_valid():
        return _panel(request, question, duplicate_form=form, status=400)
    try:
        services.question_mark_duplicate(
            question=question,
            canonical=form.cleaned_data["canonical"],
            by=request.user,
            reason=form.cleaned_data["reason"],
        )
    except services.DuplicateLoopError:
        # Another moderator marked the other way round since the form was checked.
        form.add_error("canonical", forms.DUPLICATE_LOOP)
        return _panel(request, question, duplicate_form=form, status=400)
    messages.success(request, _("La question est fermée comme doublon."))
    return redirect(question)


@require_POST
@gate()
def question_lock(request, pk):
    question = _load_question(request, pk)
    permissions.check_lock(request.user, question)
    services.question_lock(question=question, by=request.user, reason=_reason(request))
    messages.success(request, _("La question est verrouillée."))
    return redirect(question)


@require_POST
@gate()
def question_unlock(request, pk):
    question = _load_question(request, pk)
    permissions.check_unlock(request.user, question)
    services.question_unlock(question=question, by=request.user, reason=_reason(request))
    messages.success(request, _("La question est déverrouillée."))
    return redirect(question)


@require_POST
@gate()
def question_merge(request, pk):
    question = _load_question(request, pk)
    permissions.check_merge(request.user, question)
    moved = services.merge_duplicate_answers(
        duplicate=question, by=request.user, reason=_reason(request)
    )
    messages.success(
        request,
        _("%(count)s réponse(s) déplacée(s) vers la question d'origine.") % {"count": moved},
    )
    return redirect(question.duplicate_of)


@require_POST
@gate()
def faq_promote(request, pk):
    question = _load_question(request, pk)
    permissions.check_promote_faq(request.user, question)
    chosen = request.POST.get("answer", "")
    candidates = selectors.faq_candidate_answers(question)
    answer = candidates.filter(pk=chosen).first() if chosen.isdigit() else None
    if answer is None:
        messages.error(
            request, _("Choisissez la réponse acceptée ou une réponse validée par un expert.")
        )
        return redirect("qa:moderate", pk=question.pk)
    services.faq_promote(question=question, answer=answer, by=request.user)
    messages.success(request, _("La question est ajoutée à la FAQ."))
    return redirect(question)


@gate(permissions.check_moderate)
def faq_review_queue(request):
    """Moderators' « FAQ à revalider »: the FAQ keeps the approved version until they act."""
    return render(request, "qa/faq_review_queue.html", {"entries": selectors.faq_review_queue()})


@require_POST
@gate()
def faq_review_approve(request, pk):
    """Publish the thread's current title and answer in the FAQ."""
    question = _moderated_question(request, pk)
    get_object_or_404(FaqPromotion.objects.awaiting_review(), question=question)
    services.faq_approve_revision(question=question, by=request.user)
    messages.success(request, _("La nouvelle version est publiée dans la FAQ."))
    return redirect("qa:faq_review_queue")


@require_POST
@gate()
def faq_withdraw(request, pk):
    question = _moderated_question(request, pk)
    services.faq_withdraw(question=question, by=request.user, reason=_reason(request))
    messages.success(request, _("La question est retirée de la FAQ."))
    return redirect(question)


@require_http_methods(["GET", "POST"])
@gate()
def post_delete(request, post_type, pk):
    """Delete a post, softly: a moderator any live post (with a reason), its author their own
    while nobody relies on it (`permissions.check_delete_own_post`). GET shows the
    confirmation, which works without JavaScript; a refusal says why, on that same page."""
    post = _get_post(post_type, pk)
    moderating = permissions.can_moderate(request.user)
    try:
        permissions.check_delete(request.user, post)
        if request.method == "POST":
            return _delete(request, post, moderating=moderating)
    except PermissionDenied as refusal:
        if not request.user.is_authenticated or not permissions.can_view_post(request.user, post):
            raise
        return _delete_page(request, post, refusal=str(refusal), status=403)
    return _delete_page(request, post, moderating=moderating)


def _delete_page(request, post, *, moderating=False, refusal="", status=200):
    context = {
        "post": post,
        "thread": post.thread,
        "moderating": moderating,
        "refusal": refusal,
        "reason_form": forms.ReasonForm(),
    }
    return render(request, "qa/post_delete.html", context, status=status)


def _delete(request, post, *, moderating):
    if moderating:
        services.post_delete(post=post, by=request.user, reason=_reason(request))
        messages.success(request, _("Le message est supprimé ; il reste restaurable."))
        return redirect(_thread_url(post))
    post = services.post_delete_own(post=post, by=request.user)
    messages.success(
        request, _("Votre message est supprimé. Un modérateur peut le restaurer si besoin.")
    )
    if isinstance(post, Question):  # the author may no longer see their deleted thread
        return redirect("qa:discussion_list" if post.is_discussion else "qa:question_list")
    return redirect(post.thread.get_absolute_url() + "#answers")


@require_POST
@gate()
def post_restore(request, post_type, pk):
    post = _get_post(post_type, pk)
    permissions.check_restore_post(request.user, post)
    services.post_restore(post=post, by=request.user, reason=_reason(request))
    messages.success(request, _("Le message est restauré."))
    return redirect(_thread_url(post))
