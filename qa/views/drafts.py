"""Drafts: « Mes brouillons » (/compte/brouillons/), deleting one, and the answer of a save.

Saving goes through the forms' own addresses (`/questions/poser/`, `/questions/<id>/repondre/`)
with the « Enregistrer le brouillon » button (`save_draft`), so it works without JavaScript;
`static/js/drafts.js` posts the same form in the background and asks for JSON.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from directory.access import gate
from qa import forms, permissions, selectors, services
from qa.models import Draft
from qa.views.threads import _render_thread


def wants_json(request) -> bool:
    """The background save of `drafts.js` (a browser's own submission asks for HTML)."""
    return "application/json" in request.headers.get("Accept", "")


def saved_message(draft: Draft | None) -> str:
    if draft is None:
        return _("Le texte est vide : aucun brouillon n'est gardé.")
    when = timezone.localtime(draft.updated_at)
    return _("Brouillon enregistré à %(hour)s h %(minute)s.") % {
        "hour": when.strftime("%H"),
        "minute": when.strftime("%M"),
    }


def saved_response(draft: Draft | None) -> JsonResponse:
    return JsonResponse({"saved": True, "message": saved_message(draft)})


def refused_response(form) -> JsonResponse:
    """The draft form's errors, in French, for the status line; the text stays typed."""
    return JsonResponse({"saved": False, "message": _errors(form)}, status=400)


@require_GET
@gate(permissions.check_ask)
def draft_list(request):
    """« Mes brouillons »: what the member may still publish, newest first."""
    return render(request, "qa/draft_list.html", {"drafts": selectors.drafts_for(request.user)})


@require_POST
@gate(permissions.check_ask)
def draft_delete(request, pk):
    """Delete one of my drafts; someone else's is a 404 (its existence is not told)."""
    draft = get_object_or_404(Draft, pk=pk, user=request.user)
    services.draft_delete(draft=draft, by=request.user)
    messages.success(request, _("Le brouillon est supprimé."))
    next_url = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(next_url)
    return redirect("qa:draft_list")


def question_draft_save(request) -> tuple[JsonResponse | None, str]:
    """« Enregistrer le brouillon » on the ask form (or `drafts.js` in the background): keep
    kind, title, body and topics, publish nothing. Returns the JSON answer for `drafts.js`, or
    None and the French refusal ('' when saved) for the page, which shows the form again."""
    draft_form = forms.QuestionDraftForm(request.POST)
    if not draft_form.is_valid():
        if wants_json(request):
            return refused_response(draft_form), ""
        return None, _errors(draft_form)
    data = draft_form.cleaned_data
    saved = services.draft_save(
        user=request.user,
        kind=data["kind"],
        title=data["title"],
        body=data["body"],
        topics=data["topics"],
    )
    if wants_json(request):
        return saved_response(saved), ""
    messages.success(request, saved_message(saved))
    return None, ""


def answer_draft_save(request, question):
    """« Enregistrer le brouillon » under the answer form (or `drafts.js` in the background):
    keep the text, publish nothing. The caller checked that the member may answer here."""
    draft_form = forms.AnswerDraftForm(request.POST)
    if not draft_form.is_valid():
        if wants_json(request):
            return refused_response(draft_form)
        return _render_thread(
            request,
            question,
            answer_form=forms.AnswerForm(initial={"body": request.POST.get("body", "")}),
            draft_error=_errors(draft_form),
            status=400,
        )
    draft = services.draft_save(
        user=request.user, question=question, body=draft_form.cleaned_data["body"]
    )
    if wants_json(request):
        return saved_response(draft)
    messages.success(request, saved_message(draft))
    return redirect(f"{question.get_absolute_url()}#answer-form-title")


def _errors(form) -> str:
    return " ".join(str(error) for errors in form.errors.values() for error in errors)


def topic_templates_context(form) -> dict:
    """The topics' guides and body templates for the ask form (plain text: escaped in the
    page, handed to `static/js/question_templates.js` through `json_script`, which sets them
    as text), which guides show (the topics chosen), and whether the body is still a template
    (then « Vider le modèle » is offered, also without JavaScript)."""
    topics = selectors.topic_templates()
    chosen = {str(getattr(item, "pk", item)) for item in form["topics"].value() or []}
    body = _normal(form["body"].value())
    return {
        "topic_guides": [
            (topic, str(topic.pk) in chosen) for topic in topics if topic.ask_guide.strip()
        ],
        "topic_templates": {
            str(topic.pk): topic.ask_template for topic in topics if topic.ask_template.strip()
        },
        "body_is_template": bool(body)
        and any(body == _normal(topic.ask_template) for topic in topics),
    }


def _normal(text) -> str:
    return str(text or "").replace("\r\n", "\n").strip()
