"""Posting: asking (with preview and the person chooser), answering, commenting."""

from __future__ import annotations

from django.conf import settings
from django.http import JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from directory.access import gate
from directory.models import Person
from directory.selectors import CHOICES_MIN_LENGTH, current_positions_prefetch, person_choices
from directory.text import key as folded
from qa import forms, permissions, selectors, services, throttle
from qa.markdown import render_markdown
from qa.models import QuestionKind
from qa.views import drafts
from qa.views.access import (
    _create_once,
    _get_post,
    _load_question,
    _thread_url,
    _too_many,
)
from qa.views.threads import _render_thread
from taxonomy.models import Topic


@gate(permissions.check_ask)
def question_ask(request):
    """Ask a question or open a discussion, with a preview and similar questions."""
    initial = {}
    draft = None if request.method == "POST" else selectors.new_question_draft(request.user)
    if draft is not None:
        # Resuming (here or on another device): the draft wins over the address's hints.
        initial.update(
            kind=draft.kind,
            title=draft.title,
            body=draft.body,
            topics=[topic.pk for topic in draft.topics.all()],
        )
    elif request.GET.get("type") == QuestionKind.DISCUSSION:
        initial["kind"] = QuestionKind.DISCUSSION
    if draft is None and request.GET.get("sujet"):
        topic = Topic.objects.active().filter(slug=request.GET["sujet"]).first()
        if topic is not None:
            initial["topics"] = [topic.pk]
            initial["body"] = topic.ask_template  # the topic page's « Poser une question »
    # "Poser une question à cette personne" / "à cette structure" from the directory.
    if request.GET.get("destinataire", "").isdigit():
        initial["addressed_to_person"] = int(request.GET["destinataire"])
    if request.GET.get("structure", "").isdigit():
        initial["addressed_to_structure"] = int(request.GET["structure"])
    form = forms.QuestionForm(
        request.POST or None, request.FILES or None, initial=initial, uploader=request.user
    )
    preview_html = None
    draft_error = ""
    similar = []
    status = 200
    if request.method == "POST" and "save_draft" in request.POST:
        json_response, draft_error = drafts.question_draft_save(request)
        if json_response is not None:
            return json_response
        status = 400 if draft_error else 200
        form = forms.QuestionForm(initial=_initial_from(request.POST))
    elif request.method == "POST":
        similar = selectors.similar_questions(request.POST.get("title", ""), request.user)
        if {"preview", "person_search", "clear_template"} & set(request.POST):
            # "Prévisualiser", "Rechercher" (a person) or "Vider le modèle" without
            # JavaScript: re-show the form, unvalidated (an unfinished form is not an error
            # yet), with the rendered text and the people matching the search.
            if "preview" in request.POST:
                preview_html = render_markdown(request.POST.get("body", ""))
            initial = _initial_from(request.POST)
            if "clear_template" in request.POST:
                initial["body"] = ""
            form = forms.QuestionForm(initial=initial)
        elif not throttle.post_allowed(request.user):  # before the files' checks cost anything
            return _too_many(request)
        elif form.is_valid():
            data = form.cleaned_data
            if data["addressed_to_structure"] and not throttle.addressed_question_allowed(
                request.user
            ):
                return _addressed_ceiling_reached(request, form, similar)

            def publish():
                question = services.question_create(
                    author=request.user,
                    kind=data["kind"],
                    title=data["title"],
                    body=data["body"],
                    topics=data["topics"],
                    addressed_to_person=data["addressed_to_person"],
                    addressed_to_structure=data["addressed_to_structure"],
                    attachments=data["attachments"],
                )
                services.draft_discard(user=request.user)
                return question

            return _create_once(
                request,
                data["submission_token"],
                publish,
                pending="qa:question_list",
                success=_("Votre question est publiée."),
            )
    source = request.POST if request.method == "POST" else initial
    chooser = _person_chooser(
        query=str(source.get("person_query", ""))[: forms.PERSON_QUERY_MAX_LENGTH],
        chosen_pk=source.get("addressed_to_person"),
    )
    return render(
        request,
        "qa/question_ask.html",
        {
            "form": form,
            "preview_html": preview_html,
            "similar": similar,
            "chooser": chooser,
            "draft": draft,
            "draft_error": draft_error,
            **drafts.topic_templates_context(form),
        },
        status=status,
    )


def _addressed_ceiling_reached(request, form, similar):
    """The ask form again, with what was typed and why it cannot go to a structure today."""
    form.add_error(
        "addressed_to_structure",
        _(
            "Vous avez atteint la limite de %(limit)d questions adressées à une structure en "
            "24 heures (chacune prévient tous ses agents et élus). Publiez-la sans destinataire "
            "ou réessayez demain."
        )
        % {"limit": settings.QA_ADDRESSED_QUESTIONS_PER_DAY},
    )
    chooser = _person_chooser(
        query=str(request.POST.get("person_query", ""))[: forms.PERSON_QUERY_MAX_LENGTH],
        chosen_pk=request.POST.get("addressed_to_person"),
    )
    return render(
        request,
        "qa/question_ask.html",
        {"form": form, "preview_html": None, "similar": similar, "chooser": chooser},
        status=429,
    )


def _person_chooser(*, query: str, chosen_pk) -> dict:
    """What the "addressed to a person" chooser shows: the person chosen, then the matches."""
    chosen = None
    if str(chosen_pk or "").isdigit():
        chosen = (
            Person.objects.listed()
            .filter(pk=chosen_pk)
            .prefetch_related(current_positions_prefetch())
            .first()
        )
    results, more = person_choices(query)
    typed = folded(query).replace(" ", "")
    return {
        "query": query,
        "searched": bool(typed),
        "too_short": 0 < len(typed) < CHOICES_MIN_LENGTH,
        "count": len(results),
        "more": more,
        "chosen": chosen,
        "results": [person for person in results if chosen is None or person.pk != chosen.pk],
    }


@require_GET
@gate(permissions.check_ask)
def person_search(request):
    """The ask form's person chooser: people matching `q` (name, function or structure,
    accents optional), at most 20. For htmx, the chooser's radio buttons (keeping the person
    already chosen); otherwise JSON. Members only, like the form."""
    query = (request.GET.get("q") or request.GET.get("person_query") or "")[
        : forms.PERSON_QUERY_MAX_LENGTH
    ]
    chooser = _person_chooser(query=query, chosen_pk=request.GET.get("addressed_to_person"))
    if request.htmx:
        return render(request, "qa/_person_choices.html", {"chooser": chooser, "oob": True})
    people = ([chooser["chosen"]] if chooser["chosen"] else []) + chooser["results"]
    return JsonResponse(
        {
            "results": [
                {
                    "id": person.pk,
                    "name": person.full_name,
                    "positions": [
                        {"function": position.function, "structure": position.structure.name}
                        for position in person.current_positions
                    ],
                    "url": person.get_absolute_url(),
                }
                for person in people
            ],
            "more": chooser["more"],
        }
    )


def _initial_from(data):
    initial = {
        key: data.get(key, "")
        for key in ("kind", "title", "body", "submission_token", "person_query")
    }
    initial["topics"] = [pk for pk in data.getlist("topics") if pk.isdigit()]
    for key in ("addressed_to_person", "addressed_to_structure"):
        if (data.get(key) or "").isdigit():
            initial[key] = data[key]
    return initial


@require_POST
@gate(permissions.check_ask)
def preview(request):
    """htmx: the rendered Markdown of the field being typed (same renderer as on save)."""
    text = request.POST.get("body", "")[: forms.BODY_MAX_LENGTH]
    return render(request, "qa/_preview.html", {"preview_html": render_markdown(text)})


@require_POST
@gate()
def answer_create(request, pk):
    question = _load_question(request, pk)
    permissions.check_answer(request.user, question)
    if "save_draft" in request.POST:
        return drafts.answer_draft_save(request, question)
    if not throttle.post_allowed(request.user):  # before the files' checks cost anything
        return _too_many(request)
    form = forms.AnswerForm(request.POST, request.FILES, uploader=request.user)
    if not form.is_valid():
        return _render_thread(request, question, answer_form=form, status=400)
    if question.is_discussion:
        success = _("Votre réponse est publiée dans la discussion.")
    else:
        success = _("Votre réponse est publiée.")
    return _create_once(
        request,
        form.cleaned_data["submission_token"],
        lambda: _publish_answer(request, question, form.cleaned_data),
        pending=question.get_absolute_url(),
        success=success,
    )


def _publish_answer(request, question, data):
    answer = services.answer_create(
        question=question,
        author=request.user,
        body=data["body"],
        attachments=data["attachments"],
    )
    services.draft_discard(user=request.user, question=question)
    return answer


@require_POST
@gate()
def comment_create(request, post_type, pk):
    post = _get_post(post_type, pk)
    _load_question(request, post.thread.pk)
    permissions.check_comment(request.user, post)
    if not throttle.post_allowed(request.user):  # before the files' checks cost anything
        return _too_many(request)
    form = forms.CommentForm(request.POST, request.FILES, uploader=request.user)
    if not form.is_valid():
        return _render_thread(request, post.thread, comment_forms={post.anchor: form}, status=400)
    return _create_once(
        request,
        form.cleaned_data["submission_token"],
        lambda: services.comment_create(
            post=post,
            author=request.user,
            body=form.cleaned_data["body"],
            attachments=form.cleaned_data["attachments"],
        ),
        pending=_thread_url(post),
    )
