"""Moderation: the thread's panel (close, duplicate, lock, merge, delete, FAQ)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from qa import forms, permissions, selectors, services
from qa.models import Answer, FaqPromotion
from qa.views.access import _get_post, _load_question, _login_or_deny, _thread_url, members_view


@members_view
def moderate(request, pk):
    """The moderation panel of a thread: close, duplicate, lock, delete, merge, FAQ."""
    question = _load_question(request, pk)
    _login_or_deny(request, permissions.check_moderate)
    answers = list(
        Answer.objects.alive()
        .filter(question=question)
        .filter(Q(pk=question.accepted_answer_id) | Q(validated_at__isnull=False))
        .select_related("author")
    )
    return render(
        request,
        "qa/moderate.html",
        {
            "question": question,
            "close_form": forms.CloseForm(),
            "duplicate_form": forms.DuplicateForm(question=question),
            "reason_form": forms.ReasonForm(),
            "faq_answers": answers,
        },
    )


def _moderation_post(request, pk):
    question = _load_question(request, pk)
    _login_or_deny(request, permissions.check_moderate)
    return question


def _reason(request):
    form = forms.ReasonForm(request.POST)
    return form.cleaned_data["reason"] if form.is_valid() else ""


@require_POST
@members_view
def question_close(request, pk):
    question = _moderation_post(request, pk)
    form = forms.CloseForm(request.POST)
    if not permissions.can_close(request.user, question):
        raise PermissionDenied(_("Cette question est déjà fermée."))
    if not form.is_valid():
        return render(
            request,
            "qa/moderate.html",
            {
                "question": question,
                "close_form": form,
                "duplicate_form": forms.DuplicateForm(question=question),
                "reason_form": forms.ReasonForm(),
            },
            status=400,
        )
    services.question_close(
        question=question,
        by=request.user,
        reason=form.cleaned_data["reason"],
        note=form.cleaned_data["note"],
    )
    messages.success(request, _("La question est fermée."))
    return redirect(question)


@require_POST
@members_view
def question_reopen(request, pk):
    question = _moderation_post(request, pk)
    if not permissions.can_reopen(request.user, question):
        raise PermissionDenied(_("Cette question n'est pas fermée."))
    services.question_reopen(question=question, by=request.user, reason=_reason(request))
    messages.success(request, _("La question est rouverte."))
    return redirect(question)


@require_POST
@members_view
def question_duplicate(request, pk):
    question = _moderation_post(request, pk)
    form = forms.DuplicateForm(request.POST, question=question)
    if not form.is_valid():
        return render(
            request,
            "qa/moderate.html",
            {
                "question": question,
                "close_form": forms.CloseForm(),
                "duplicate_form": form,
                "reason_form": forms.ReasonForm(),
            },
            status=400,
        )
    try:
        services.question_mark_duplicate(
            question=question,
            canonical=form.cleaned_data["canonical"],
            by=request.user,
            reason=form.cleaned_data["reason"],
        )
    except ValueError:
        messages.error(request, _("Ces deux questions se désignent déjà l'une l'autre."))
        return redirect("qa:moderate", pk=question.pk)
    messages.success(request, _("La question est fermée comme doublon."))
    return redirect(question)


@require_POST
@members_view
def question_lock(request, pk):
    question = _moderation_post(request, pk)
    if not permissions.can_lock(request.user, question):
        raise PermissionDenied(_("Cette question est déjà verrouillée."))
    services.question_lock(question=question, by=request.user, reason=_reason(request))
    messages.success(request, _("La question est verrouillée."))
    return redirect(question)


@require_POST
@members_view
def question_unlock(request, pk):
    question = _moderation_post(request, pk)
    if not permissions.can_unlock(request.user, question):
        raise PermissionDenied(_("Cette question n'est pas verrouillée."))
    services.question_unlock(question=question, by=request.user, reason=_reason(request))
    messages.success(request, _("La question est déverrouillée."))
    return redirect(question)


@require_POST
@members_view
def question_merge(request, pk):
    question = _moderation_post(request, pk)
    if not permissions.can_merge(request.user, question):
        raise PermissionDenied(_("Seul un doublon peut être fusionné dans sa question d'origine."))
    moved = services.merge_duplicate_answers(
        duplicate=question, by=request.user, reason=_reason(request)
    )
    messages.success(
        request,
        _("%(count)s réponse(s) déplacée(s) vers la question d'origine.") % {"count": moved},
    )
    return redirect(question.duplicate_of)


@require_POST
@members_view
def faq_promote(request, pk):
    question = _moderation_post(request, pk)
    if not permissions.can_promote_faq(request.user, question):
        raise PermissionDenied(_("Seule une question peut entrer dans la FAQ."))
    answer = Answer.objects.alive().filter(question=question, pk=request.POST.get("answer") or 0)
    answer = answer.first()
    if answer is None or not (
        answer.pk == question.accepted_answer_id or answer.validated_at is not None
    ):
        messages.error(
            request, _("Choisissez la réponse acceptée ou une réponse validée par un expert.")
        )
        return redirect("qa:moderate", pk=question.pk)
    services.faq_promote(question=question, answer=answer, by=request.user)
    messages.success(request, _("La question est ajoutée à la FAQ."))
    return redirect(question)


@members_view
def faq_review_queue(request):
    """Moderators' « FAQ à revalider »: the FAQ keeps the approved version until they act."""
    _login_or_deny(request, permissions.check_moderate)
    return render(request, "qa/faq_review_queue.html", {"entries": selectors.faq_review_queue()})


@require_POST
@members_view
def faq_review_approve(request, pk):
    """Publish the thread's current title and answer in the FAQ."""
    question = _moderation_post(request, pk)
    get_object_or_404(FaqPromotion.objects.awaiting_review(), question=question)
    services.faq_approve_revision(question=question, by=request.user)
    messages.success(request, _("La nouvelle version est publiée dans la FAQ."))
    return redirect("qa:faq_review_queue")


@require_POST
@members_view
def faq_withdraw(request, pk):
    question = _moderation_post(request, pk)
    services.faq_withdraw(question=question, by=request.user, reason=_reason(request))
    messages.success(request, _("La question est retirée de la FAQ."))
    return redirect(question)


@require_POST
@members_view
def post_delete(request, post_type, pk):
    post = _get_post(post_type, pk)
    _login_or_deny(request, permissions.check_moderate)
    if not permissions.can_delete_post(request.user, post):
        raise PermissionDenied(_("Ce message est déjà supprimé."))
    services.post_delete(post=post, by=request.user, reason=_reason(request))
    messages.success(request, _("Le message est supprimé ; il reste restaurable."))
    return redirect(_thread_url(post))


@require_POST
@members_view
def post_restore(request, post_type, pk):
    post = _get_post(post_type, pk)
    _login_or_deny(request, permissions.check_moderate)
    if not permissions.can_restore_post(request.user, post):
        raise PermissionDenied(_("Ce message n'est pas supprimé."))
    services.post_restore(post=post, by=request.user, reason=_reason(request))
    messages.success(request, _("Le message est restauré."))
    return redirect(_thread_url(post))
