"""Q&A views: thin. Get the object → check the permission → call the service → redirect.

Every state change is its own POST-only view. htmx enhances the same forms: the view still
redirects, htmx follows the redirect and swaps the fragment named by `hx-select`, so each
action works identically with JavaScript off.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Exists, OuterRef, Q
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from directory.models import Person, Structure
from directory.roles import is_member, is_moderator
from directory.selectors import CHOICES_MIN_LENGTH, current_positions_prefetch, person_choices
from directory.text import key as folded
from qa import forms, permissions, selectors, services, throttle
from qa.markdown import render_markdown
from qa.models import (
    Answer,
    Comment,
    FaqPromotion,
    Flag,
    FlagStatus,
    Question,
    QuestionKind,
    Revision,
)
from qa.templatetags.qa_tags import post_anchor
from taxonomy.models import Topic

PAGE_SIZE = 20
POST_MODELS = {"questions": Question, "reponses": Answer, "commentaires": Comment}


# --- Helpers -------------------------------------------------------------------------------


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


# --- Lists ---------------------------------------------------------------------------------


def _list(request, *, kind):
    permissions_ok = permissions.can_read_qa(request.user)
    if not permissions_ok:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        permissions.check_read_qa(request.user)
    sort = request.GET.get("tri", "actif")
    if sort not in selectors.SORTS:
        sort = "actif"
    state = request.GET.get("filtre", "")
    if state not in selectors.FILTERS:
        state = ""
    topic_slugs = request.GET.getlist("sujet")[:5]
    topics = list(Topic.objects.active().filter(slug__in=topic_slugs)) if topic_slugs else []
    structure = None
    if request.GET.get("structure"):
        structure = Structure.objects.filter(slug=request.GET["structure"]).first()
    questions = selectors.question_list(
        user=request.user,
        kind=kind,
        sort=sort,
        filter=state,
        topics=topics,
        structure=structure,
    )
    page = Paginator(questions, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "kind": kind,
        "page": page,
        "sort": sort,
        "state": state,
        "selected_topics": topics,
        "structure": structure,
        "all_topics": Topic.objects.active().only("name", "slug"),
        # EXISTS probes the author_structure index once per structure; a join + DISTINCT
        # read every question (0.15 s on 100,000 of them).
        "structures": Structure.objects.filter(
            Exists(Question.objects.filter(author_structure=OuterRef("pk")))
        ).only("name", "slug"),
        "sorts": [
            ("actif", _("Activité récente")),
            ("recent", _("Les plus récentes")),
            ("votes", _("Les mieux notées")),
            ("meme-probleme", _("« Même problème »")),
        ],
        "filters": [
            ("", _("Toutes")),
            ("sans-reponse", _("Sans réponse")),
            ("non-resolue", _("Non résolues")),
            ("validee", _("Validées par un expert")),
        ],
    }
    return render(request, "qa/question_list.html", context)


def question_list(request):
    """Questions, filtered and sorted; members only unless the site opens reading."""
    return _list(request, kind=QuestionKind.QUESTION)


def discussion_list(request):
    return _list(request, kind=QuestionKind.DISCUSSION)


# --- Asking --------------------------------------------------------------------------------


@members_view
def question_ask(request):
    """Ask a question or open a discussion, with a preview and similar questions."""
    _login_or_deny(request, permissions.check_ask)
    initial = {}
    if request.GET.get("type") == QuestionKind.DISCUSSION:
        initial["kind"] = QuestionKind.DISCUSSION
    if request.GET.get("sujet"):
        initial["topics"] = Topic.objects.active().filter(slug=request.GET["sujet"])
    # "Poser une question à cette personne" / "à cette structure" from the directory.
    if request.GET.get("destinataire", "").isdigit():
        initial["addressed_to_person"] = int(request.GET["destinataire"])
    if request.GET.get("structure", "").isdigit():
        initial["addressed_to_structure"] = int(request.GET["structure"])
    form = forms.QuestionForm(request.POST or None, initial=initial)
    preview_html = None
    similar = []
    if request.method == "POST":
        similar = selectors.similar_questions(request.POST.get("title", ""), request.user)
        if "preview" in request.POST or "person_search" in request.POST:
            # "Prévisualiser" or "Rechercher" (a person) without JavaScript: re-show the form,
            # unvalidated (an unfinished form is not an error yet), with the rendered text
            # and the people matching the search.
            if "preview" in request.POST:
                preview_html = render_markdown(request.POST.get("body", ""))
            form = forms.QuestionForm(initial=_initial_from(request.POST))
        elif form.is_valid():
            if not throttle.post_allowed(request.user):
                return _too_many(request)
            data = form.cleaned_data
            if data["addressed_to_structure"] and not throttle.addressed_question_allowed(
                request.user
            ):
                return _addressed_ceiling_reached(request, form, similar)
            result = _create_once(
                request,
                data["submission_token"],
                lambda: services.question_create(
                    author=request.user,
                    kind=data["kind"],
                    title=data["title"],
                    body=data["body"],
                    topics=data["topics"],
                    addressed_to_person=data["addressed_to_person"],
                    addressed_to_structure=data["addressed_to_structure"],
                ),
            )
            if result is None:
                return redirect("qa:question_list")
            if isinstance(result, HttpResponse):
                return result
            messages.success(request, _("Votre question est publiée."))
            return redirect(result)
    source = request.POST if request.method == "POST" else initial
    chooser = _person_chooser(
        query=str(source.get("person_query", ""))[: forms.PERSON_QUERY_MAX_LENGTH],
        chosen_pk=source.get("addressed_to_person"),
    )
    return render(
        request,
        "qa/question_ask.html",
        {"form": form, "preview_html": preview_html, "similar": similar, "chooser": chooser},
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
@members_view
def person_search(request):
    """The ask form's person chooser: people matching `q` (name, function or structure,
    accents optional), at most 20. For htmx, the chooser's radio buttons (keeping the person
    already chosen); otherwise JSON. Members only, like the form."""
    _login_or_deny(request, permissions.check_ask)
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
@members_view
def preview(request):
    """htmx: the rendered Markdown of the field being typed (same renderer as on save)."""
    _login_or_deny(request, permissions.check_ask)
    text = request.POST.get("body", "")[: forms.BODY_MAX_LENGTH]
    return render(request, "qa/_preview.html", {"preview_html": render_markdown(text)})


# --- Thread --------------------------------------------------------------------------------


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


@members_view
def question_detail(request, pk, slug=None):
    """The thread: question, answers (accepted, validated, then by score), comments, log."""
    question = _load_question(request, pk)
    if slug != question.slug:
        return redirect(question, permanent=True)
    return _render_thread(request, question)


def _render_thread(request, question, *, answer_form=None, comment_forms=None, status=200):
    thread = selectors.thread_for(question, request.user)
    context = {
        "question": question,
        "thread": thread,
        "answer_form": answer_form or forms.AnswerForm(),
        "comment_forms": comment_forms or {},
        "is_moderator": is_moderator(request.user),
        "is_member": is_member(request.user),
    }
    return render(request, "qa/question_detail.html", context, status=status)


def _permalink_redirect(request, post_type, pk):
    """Send to the post's place in its thread, only to someone who may see it.

    The thread's URL carries its title: checking before the look-up keeps visitors from
    listing titles by counting ids (they get the login page for the permalink itself), and a
    member gets the same 404 for a post they may not see as for an unknown id.
    """
    if not permissions.can_read_qa(request.user):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        permissions.check_read_qa(request.user)
    post = _get_post(post_type, pk)
    if not permissions.can_view_post(request.user, post):
        raise Http404
    return redirect(post.get_absolute_url())


def answer_redirect(request, pk):
    return _permalink_redirect(request, "reponses", pk)


def comment_redirect(request, pk):
    return _permalink_redirect(request, "commentaires", pk)


@require_POST
@members_view
def answer_create(request, pk):
    question = _load_question(request, pk)
    _login_or_deny(request, permissions.check_answer, question)
    form = forms.AnswerForm(request.POST)
    if not form.is_valid():
        return _render_thread(request, question, answer_form=form, status=400)
    if not throttle.post_allowed(request.user):
        return _too_many(request)
    result = _create_once(
        request,
        form.cleaned_data["submission_token"],
        lambda: services.answer_create(
            question=question, author=request.user, body=form.cleaned_data["body"]
        ),
    )
    if result is None:
        return redirect(question)
    if isinstance(result, HttpResponse):
        return result
    if question.is_discussion:
        messages.success(request, _("Votre réponse est publiée dans la discussion."))
    else:
        messages.success(request, _("Votre réponse est publiée."))
    return redirect(_thread_url(result))


@require_POST
@members_view
def comment_create(request, post_type, pk):
    post = _get_post(post_type, pk)
    _load_question(request, post.thread.pk)
    _login_or_deny(request, permissions.check_comment, post)
    form = forms.CommentForm(request.POST)
    if not form.is_valid():
        key = post_anchor(post)
        return _render_thread(request, post.thread, comment_forms={key: form}, status=400)
    if not throttle.post_allowed(request.user):
        return _too_many(request)
    result = _create_once(
        request,
        form.cleaned_data["submission_token"],
        lambda: services.comment_create(
            post=post, author=request.user, body=form.cleaned_data["body"]
        ),
    )
    if result is None:
        return redirect(_thread_url(post))
    if isinstance(result, HttpResponse):
        return result
    return redirect(_thread_url(result))


@require_POST
@members_view
def vote(request, post_type, pk):
    """+1 / −1 / withdraw (value 0 or voting the same way twice)."""
    post = _get_post(post_type, pk)
    _load_question(request, post.thread.pk)
    _login_or_deny(request, permissions.check_vote, post)
    try:
        value = int(request.POST.get("value", "0"))
    except ValueError:
        value = 0
    if value not in (-1, 0, 1):
        value = 0
    current = post.votes.filter(user=request.user).values_list("value", flat=True).first()
    if value == 0 or value == current:
        services.vote_withdraw(user=request.user, post=post)
    else:
        services.vote_cast(user=request.user, post=post, value=value)
    return redirect(_thread_url(post))


@require_POST
@members_view
def same_problem(request, pk):
    question = _load_question(request, pk)
    _login_or_deny(request, permissions.check_same_problem, question)
    services.same_problem_toggle(user=request.user, question=question)
    return redirect(_thread_url(question))


@require_POST
@members_view
def question_follow(request, pk):
    question = _load_question(request, pk)
    _login_or_deny(request, lambda user: permissions.check_follow(user))
    if request.POST.get("action") == "unfollow":
        services.question_unfollow(user=request.user, question=question)
    else:
        services.question_follow(user=request.user, question=question)
    return redirect(_thread_url(question))


@require_POST
@members_view
def answer_accept(request, pk):
    answer = get_object_or_404(Answer.objects.select_related("question"), pk=pk)
    question = _load_question(request, answer.question_id)
    answer.question = question
    _login_or_deny(request, permissions.check_accept, answer)
    if request.POST.get("action") == "unaccept" and question.accepted_answer_id == answer.pk:
        services.answer_unaccept(question=question, by=request.user)
    else:
        services.answer_accept(answer=answer, by=request.user)
    return redirect(_thread_url(answer))


@require_POST
@members_view
def answer_validate(request, pk):
    answer = get_object_or_404(Answer.objects.select_related("question"), pk=pk)
    question = _load_question(request, answer.question_id)
    answer.question = question
    _login_or_deny(request, permissions.check_validate, answer)
    if request.POST.get("action") == "unvalidate" and answer.validated_at:
        services.answer_unvalidate(answer=answer, by=request.user)
    else:
        services.answer_validate(answer=answer, by=request.user)
        if not request.htmx:
            messages.success(request, _("Vous avez validé cette réponse en tant qu'expert."))
    return redirect(_thread_url(answer))


# --- Edits and revisions -------------------------------------------------------------------


@members_view
def post_edit(request, post_type, pk):
    post = _get_post(post_type, pk)
    _load_question(request, post.thread.pk)
    _login_or_deny(request, permissions.check_edit_post, post)
    if isinstance(post, Question):
        form_class = forms.QuestionEditForm
        initial = {"title": post.title, "body": post.body, "topics": post.topics.all()}
    elif isinstance(post, Answer):
        form_class, initial = forms.PostEditForm, {"body": post.body}
    else:
        form_class, initial = forms.CommentEditForm, {"body": post.body}
    form = form_class(request.POST or None, initial=initial)
    preview_html = None
    if request.method == "POST":
        if "preview" in request.POST:
            preview_html = render_markdown(request.POST.get("body", ""))
        elif form.is_valid():
            data = form.cleaned_data
            services.post_edit(
                post=post,
                by=request.user,
                body=data["body"],
                title=data.get("title"),
                topics=data.get("topics"),
                summary=data.get("summary", ""),
            )
            messages.success(request, _("La modification est enregistrée."))
            return redirect(_thread_url(post))
    return render(
        request,
        "qa/post_edit.html",
        {"form": form, "post": post, "preview_html": preview_html, "post_type": post_type},
    )


@members_view
def revisions(request, post_type, pk):
    """Every version of a post; the diff between any two (`?de=1&a=3`)."""
    post = _get_post(post_type, pk)
    _load_question(request, post.thread.pk)
    _login_or_deny(request, permissions.check_view_revisions, post)
    versions = selectors.revisions_of(post)
    by_number = {r.number: r for r in versions}
    latest = versions[-1].number if versions else 1

    def number(name, default):
        value = request.GET.get(name, "")
        return int(value) if value.isdigit() and int(value) in by_number else default

    new_n = number("a", latest)
    old_n = number("de", max(1, new_n - 1))
    diff = None
    if versions:
        diff = selectors.revision_diff(by_number[old_n], by_number[new_n])
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
            "latest": latest,
        },
    )


@require_POST
@members_view
def rollback(request, post_type, pk, number):
    post = _get_post(post_type, pk)
    _login_or_deny(request, permissions.check_rollback, post)
    revision = get_object_or_404(Revision, number=number, **{_post_field(post): post})
    form = forms.ReasonForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    services.post_rollback(post=post, revision=revision, by=request.user, reason=reason)
    messages.success(
        request, _("La version %(number)s est rétablie.") % {"number": revision.number}
    )
    return redirect(_thread_url(post))


def _post_field(post):
    if isinstance(post, Question):
        return "question"
    return "answer" if isinstance(post, Answer) else "comment"


# --- Flags ---------------------------------------------------------------------------------


@members_view
def flag(request, post_type, pk):
    post = _get_post(post_type, pk)
    _load_question(request, post.thread.pk)
    _login_or_deny(request, permissions.check_flag, post)
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


@members_view
def flag_queue(request):
    """Moderators' queue of open reports, oldest first."""
    _login_or_deny(request, permissions.check_moderate)
    return render(request, "qa/flag_queue.html", {"flags": selectors.flag_queue()})


@require_POST
@members_view
def flag_resolve(request, pk):
    _login_or_deny(request, permissions.check_moderate)
    flag_obj = get_object_or_404(Flag, pk=pk, status=FlagStatus.OPEN)
    services.flag_resolve(
        flag=flag_obj,
        by=request.user,
        accepted=request.POST.get("decision") == "accept",
        note=(request.POST.get("note") or "")[:500],
    )
    messages.success(request, _("Le signalement est traité."))
    return redirect("qa:flag_queue")


# --- Moderation ----------------------------------------------------------------------------


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


# --- Topics --------------------------------------------------------------------------------


@members_view
def topic_list(request):
    """All topics with their number of questions; members see which ones they follow."""
    _login_or_deny(request, permissions.check_read_qa)
    return render(
        request,
        "qa/topic_list.html",
        {
            "topics": selectors.topics_with_counts(),
            "followed": selectors.followed_topic_ids(request.user),
        },
    )


@members_view
def topic_detail(request, slug):
    """A topic: description, its experts (directory), its questions, a follow button."""
    topic = get_object_or_404(Topic.objects.active(), slug=slug)
    _login_or_deny(request, permissions.check_read_qa)
    questions = selectors.question_list(
        user=request.user, kind=None, sort=request.GET.get("tri", "actif"), topics=[topic]
    )
    page = Paginator(questions, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "qa/topic_detail.html",
        {
            "topic": topic,
            "page": page,
            "experts": selectors.topic_experts(topic),
            "following": topic.pk in selectors.followed_topic_ids(request.user),
            "follower_count": topic.follows.count(),
        },
    )


@require_POST
@members_view
def topic_follow(request, slug):
    topic = get_object_or_404(Topic.objects.active(), slug=slug)
    _login_or_deny(request, lambda user: permissions.check_follow(user))
    if request.POST.get("action") == "unfollow":
        services.topic_unfollow(user=request.user, topic=topic)
        if not request.htmx:
            messages.success(request, _("Vous ne suivez plus ce sujet."))
    else:
        services.topic_follow(user=request.user, topic=topic)
        if not request.htmx:
            messages.success(request, _("Vous suivez ce sujet."))
    return redirect(reverse("qa:topic_detail", kwargs={"slug": topic.slug}))
