"""Directory pages. Members-only; every response is `Cache-Control: no-store` (personal data).

Views stay thin: read through `selectors`, write through `services`, check with `permissions`.
"""

import json

from allauth.account.decorators import reauthentication_required
from django.contrib import messages
from django.contrib.auth import logout
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from directory import exports, extensions, importer, selectors, services
from directory.access import gate, redirect_back
from directory.forms import (
    ApprovalForm,
    DirectorySearchForm,
    EraseAccountForm,
    ImportApplyForm,
    ImportUploadForm,
    PositionFormSet,
    ProfileForm,
    TopicsForm,
)
from directory.models import (
    DirectoryImport,
    InterestKind,
    Person,
    Structure,
    StructureKind,
    TopicInterest,
)
from directory.permissions import (
    can_follow_person,
    can_follow_structure,
    check_follow_person,
    check_follow_structure,
    check_manage_directory,
    check_view_directory,
    visibility_settings,
)
from directory.text import key

PAGE_SIZE = 30
RECENT = 5


def _viewer_person(user):
    return Person.objects.filter(user=user).first()


def _filters(request):
    form = DirectorySearchForm(request.GET or None)
    filters = selectors.PersonFilters()
    if form.is_valid():
        data = form.cleaned_data
        filters = selectors.PersonFilters(
            q=data["q"],
            topic=data["sujet"],
            structure=data["structure"],
            cc=data["cc"],
            function=data["fonction"],
            kind=data["type"],
        )
        if data["pres_de_moi"]:
            filters.near = selectors.home_structure(_viewer_person(request.user))
    return form, filters


# --- People ----------------------------------------------------------------------------------


@never_cache
@gate(check_view_directory)
def person_list(request):
    """Search the directory: name, topic, CC, structure, function, élu/agent; near me first."""
    form, filters = _filters(request)
    people = selectors.person_list_for(request.user, filters)
    page = Paginator(people, PAGE_SIZE).get_page(request.GET.get("page"))
    experts, askers = [], []
    if filters.topic is not None:
        near = filters.near or selectors.home_structure(_viewer_person(request.user))
        experts = selectors.experts_for(topics=[filters.topic], structure=near, limit=5)
        askers = selectors.people_who_asked_about(filters.topic, viewer=request.user)
    # "Who handles…": a subject typed in the search box (a function, a competence) finds
    # people and structures through the site's search ranking, beside the name matches.
    handlers = selectors.who_handles(filters.q, request.user) if filters.q else []
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "form": form,
        "page": page,
        "filters": filters,
        "experts": experts,
        "askers": askers,
        "handlers": handlers,
        "query": query.urlencode(),
        "searched": bool(request.GET),
    }
    template = "directory/_person_results.html" if request.htmx else "directory/person_list.html"
    return render(request, template, context)


MENTION_QUERY_MAX_LENGTH = 100


@require_GET
@never_cache
@gate(check_view_directory)
def mention_search(request):
    """The @mention autocomplete of the post editors: JSON, at most ten listed people whose
    name, current function or structure matches `q` (two characters at least). Members only;
    bounded: the query is cut at 100 characters and six words, four queries whatever the
    directory's size."""
    query = request.GET.get("q", "")[:MENTION_QUERY_MAX_LENGTH]
    people = selectors.mention_choices(query)
    return JsonResponse(
        {
            "results": [
                {
                    "id": person.pk,
                    "name": person.full_name,
                    "detail": " ; ".join(
                        f"{position.function}, {position.structure.name}"
                        for position in person.current_positions
                    ),
                    "url": person.get_absolute_url(),
                }
                for person in people
            ]
        }
    )


@never_cache
@gate(check_view_directory)
def person_detail(request, pk):
    """One entry: positions, expertise, competences, recent questions and answers, contact."""
    person = selectors.person_detail_for(request.user, pk)
    if person is None:
        raise Http404
    links = list(person.topic_links.all())  # held only: no pending expertise request
    context = {
        "person": person,
        "expertise": [link for link in links if link.kind == InterestKind.EXPERTISE],
        "interests": [link for link in links if link.kind == InterestKind.INTEREST],
        "is_self": person.user_id == request.user.pk,
        "can_follow": can_follow_person(request.user, person),
        # Opening the page is the « last visit » of a followed person (« Mes suivis »).
        "following": services.follow_seen(
            user=request.user, entry=person, visited=request.method == "GET"
        ),
    }
    context.update(_recent_activity(person))
    return render(request, "directory/person_detail.html", context)


@require_POST
@gate(check_view_directory)
def person_follow(request, pk):
    """Follow or (`action=unfollow`) stop following a person; back to `next` or their page.

    Unfollowing works even once the person has left the lists (their page is then gone), and
    answers the same for an unknown id: it does not tell which unlisted entries exist."""
    if request.POST.get("action") == "unfollow":
        person = Person.objects.filter(pk=pk).first()
        if person is not None:
            services.unfollow(user=request.user, entry=person)
        messages.success(request, _("Vous ne suivez plus cette personne."))
        listed = person is not None and person.is_listed
        return redirect_back(request, person if listed else "directory:person_list")
    person = selectors.person_detail_for(request.user, pk)
    if person is None:
        raise Http404
    check_follow_person(request.user, person)
    services.follow(user=request.user, entry=person)
    messages.success(request, _("Vous suivez %(name)s.") % {"name": person.full_name})
    return redirect_back(request, person)


def _recent_activity(person):
    """Recent questions and answers of the person's account, through reverse relations.

    `directory` never imports `qa`: `user.questions`, `user.answers` and
    `person.questions_addressed` are the reverse sides of `qa`'s foreign keys.
    """
    user = person.user
    activity = {
        "recent_questions": [],
        "recent_answers": [],
        "questions_addressed": list(
            person.questions_addressed.alive().order_by("-created_at")[:RECENT]
        ),
    }
    if user is not None and user.is_active:
        activity["recent_questions"] = list(user.questions.alive().order_by("-created_at")[:RECENT])
        activity["recent_answers"] = list(
            user.answers.alive()
            .filter(question__deleted_at__isnull=True)
            .select_related("question")
            .order_by("-created_at")[:RECENT]
        )
    return activity


@never_cache
@gate(check_view_directory)
def person_vcard(request, pk):
    person = selectors.person_detail_for(request.user, pk)
    if person is None:
        raise Http404
    response = HttpResponse(exports.person_vcard(person), content_type="text/vcard; charset=utf-8")
    filename = key(person.full_name).replace(" ", "-") or "contact"
    response["Content-Disposition"] = f'attachment; filename="{filename}.vcf"'
    return response


# --- Structures ------------------------------------------------------------------------------


@never_cache
@gate(check_view_directory)
def structure_list(request):
    """The Pays, its CCs and their communes, then partners, syndicates and State services."""
    structures = list(selectors.structure_list())
    ccs = [s for s in structures if s.kind == StructureKind.CC]
    children = {}
    for structure in structures:
        if structure.parent_id:
            children.setdefault(structure.parent_id, []).append(structure)
    tops = [s for s in structures if s.kind == StructureKind.PAYS]
    others = [
        s
        for s in structures
        if s.kind not in (StructureKind.PAYS, StructureKind.CC)
        and not (s.parent and s.parent.kind == StructureKind.CC)
    ]
    context = {
        "pays": tops,
        "ccs": [(cc, children.get(cc.pk, [])) for cc in ccs],
        "others": [s for s in others if s.kind != StructureKind.COMMUNE or not s.parent_id],
    }
    return render(request, "directory/structure_list.html", context)


@never_cache
@gate(check_view_directory)
def structure_detail(request, slug):
    """A structure: its people, competences, member structures and its members' questions."""
    structure = get_object_or_404(Structure.objects.select_related("parent"), slug=slug)
    people = Paginator(selectors.structure_people(structure, request.user), 50).get_page(
        request.GET.get("page")
    )
    context = {
        "structure": structure,
        "people": people,
        "competences": structure.competences.select_related("topic", "contact"),
        "children": structure.children.order_by("name"),
        "can_follow": can_follow_structure(request.user),
        # Opening the page is the « last visit » of a followed structure (« Mes suivis »).
        "following": services.follow_seen(
            user=request.user, entry=structure, visited=request.method == "GET"
        ),
    }
    context.update(_structure_questions(structure))
    return render(request, "directory/structure_detail.html", context)


@require_POST
@gate(check_view_directory)
def structure_follow(request, slug):
    """Follow or (`action=unfollow`) stop following a structure; back to `next` or its page."""
    structure = get_object_or_404(Structure, slug=slug)
    if request.POST.get("action") == "unfollow":
        services.unfollow(user=request.user, entry=structure)
        messages.success(request, _("Vous ne suivez plus %(name)s.") % {"name": structure.name})
    else:
        check_follow_structure(request.user)
        services.follow(user=request.user, entry=structure)
        messages.success(request, _("Vous suivez %(name)s.") % {"name": structure.name})
    return redirect_back(request, structure)


def _structure_questions(structure):
    """Questions its members asked from it, and those addressed to it (reverse relations)."""
    return {
        "questions_asked": list(structure.questions_asked.alive().order_by("-created_at")[:10]),
        "questions_addressed": list(
            structure.questions_addressed.alive().order_by("-created_at")[:10]
        ),
    }


# --- My entry --------------------------------------------------------------------------------


def _changes_visibility(request) -> bool:
    """Whether this POST, once valid, changes what members see of the requester's entry."""
    if request.method != "POST":
        return False
    person = Person.objects.filter(user=request.user).first()
    if person is None:
        return False
    before = visibility_settings(person)
    form = ProfileForm(request.POST, instance=person, prefix="fiche")
    return form.is_valid() and visibility_settings(form.instance) != before


@never_cache
@gate(check_view_directory)
@reauthentication_required(enabled=_changes_visibility)
def my_profile(request):
    """The member's own entry, editable: identity, bio, contact details, topics, positions.

    A change of visibility (listing, who sees the e-mail or phone, or a visible contact's
    value) needs a recent re-authentication: allauth's middleware keeps the POST, asks for the
    password (or a code), then replays it here, so nothing typed is lost.
    """
    person = Person.objects.filter(user=request.user).first()
    if person is None:
        return render(request, "directory/my_profile_missing.html")
    links = TopicInterest.objects.filter(person=person)
    initial_topics = {
        "interests": [link.topic_id for link in links if link.kind == InterestKind.INTEREST],
        "expertise": [link.topic_id for link in links if link.kind == InterestKind.EXPERTISE],
    }
    data = request.POST if request.method == "POST" else None
    form = ProfileForm(data, instance=person, prefix="fiche")
    topics_form = TopicsForm(data, initial=initial_topics, prefix="sujets")
    positions = PositionFormSet(data, instance=person, prefix="fonctions")
    if request.method == "POST":
        if form.is_valid() and topics_form.is_valid() and positions.is_valid():
            with transaction.atomic():
                services.person_update_profile(person=person, data=form.cleaned_data)
                services.person_set_topics(
                    person=person,
                    interests=topics_form.cleaned_data["interests"],
                    expertise_requests=topics_form.cleaned_data["expertise"],
                )
                positions.save()
            messages.success(request, _("Votre fiche est enregistrée."))
            return redirect("directory:my_profile")
        messages.error(request, _("La fiche n'est pas enregistrée : corrigez les erreurs."))
    context = {
        "person": person,
        "form": form,
        "topics_form": topics_form,
        "positions": positions,
        "pending_expertise": [
            link for link in links.select_related("topic") if link.kind == "expertise"
        ],
        "account_sections": extensions.account_sections(request.user),
    }
    return render(request, "directory/my_profile.html", context)


@never_cache
@gate(check_view_directory)
@require_POST
def my_profile_create(request):
    services.person_create_for_user(user=request.user)
    messages.success(request, _("Votre fiche est créée : complétez-la."))
    return redirect("directory:my_profile")


@never_cache
@gate(check_view_directory)
def my_data(request):
    """Everything the directory holds about me, as a JSON download."""
    data = selectors.person_data_export(request.user)
    data["exporte_le"] = timezone.now().isoformat()
    response = HttpResponse(
        json.dumps(data, ensure_ascii=False, indent=2),
        content_type="application/json; charset=utf-8",
    )
    response["Content-Disposition"] = 'attachment; filename="mes-donnees-entraide.json"'
    return response


def _erasing_without_password(request) -> bool:
    return request.method == "POST" and not request.user.has_usable_password()


@never_cache
@gate(check_view_directory)
@reauthentication_required(enabled=_erasing_without_password)
def my_erase(request):
    """Erase my account after confirming my password; posts stay under "Ancien membre".

    An account without a usable password (ProConnect) confirms with a box, and its POST
    needs a recent re-authentication: allauth keeps it, e-mails a code, then replays it.
    """
    form = EraseAccountForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        user = request.user
        logout(request)
        services.account_erase(user=user)
        return redirect("directory:erased")
    return render(request, "directory/my_erase.html", {"form": form})


@never_cache
def erased(request):
    return render(request, "directory/erased.html")


# --- Moderators ------------------------------------------------------------------------------


def _moderation_context(active):
    return {"moderation_tab": active}


@never_cache
@gate(check_manage_directory)
def pending_accounts(request):
    """Moderators' queue of accounts waiting for approval, oldest first, with entry matches."""
    accounts = selectors.pending_accounts()
    rows = [
        (
            account,
            ApprovalForm(
                suggestions=selectors.person_suggestions_for(account),
                auto_id=f"id_compte{account.pk}_%s",
            ),
        )
        for account in accounts
    ]
    return render(
        request,
        "directory/pending_accounts.html",
        {"rows": rows, "accounts": accounts, **_moderation_context("pending")},
    )


@never_cache
@gate(check_manage_directory)
@require_POST
def account_approve(request, pk):
    user = get_object_or_404(selectors.pending_accounts(), pk=pk)
    suggestions = selectors.person_suggestions_for(user)
    form = ApprovalForm(request.POST or None, suggestions=suggestions)
    if "fiche" in request.POST and not form.is_valid():
        messages.error(request, _("Choisissez une fiche proposée."))
        return redirect("directory:pending_accounts")
    choice = form.cleaned_data["fiche"] if form.is_bound and form.is_valid() else None
    person = form.linked_person() if choice else None
    try:
        services.account_approve_and_link(
            user=user,
            approved_by=request.user,
            person=person,
            create_person=choice == ApprovalForm.NEW,
        )
    except services.LinkError as error:
        messages.error(request, str(error))
        return redirect("directory:pending_accounts")
    messages.success(request, _("Le compte de %(name)s est approuvé.") % {"name": user})
    return redirect("directory:pending_accounts")


@never_cache
@gate(check_manage_directory)
def export_csv(request):
    """The filtered list as CSV (contact details only where their owner made them visible)."""
    _form, filters = _filters(request)
    # People who objected to being listed are left out, even for moderators.
    people = selectors.person_list_for(request.user, filters).listed()
    response = HttpResponse(exports.people_csv(people), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="annuaire-entraide.csv"'
    return response


@never_cache
@gate(check_manage_directory)
def import_upload(request):
    """Upload a participant list; the next page shows what would change (dry run)."""
    form = ImportUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["fichier"]
        if upload.size > importer.MAX_IMPORT_BYTES:
            form.add_error(
                "fichier",
                _("Le fichier est trop volumineux (%(size).1f Mo) : %(max)d Mo au maximum.")
                % {
                    "size": upload.size / 1024 / 1024,
                    "max": importer.MAX_IMPORT_BYTES // 1024 // 1024,
                },
            )
        else:
            try:
                batch = services.directory_import_upload(
                    filename=upload.name, data=upload.read(), uploaded_by=request.user
                )
            except importer.ImportFileError as error:
                form.add_error("fichier", str(error))
            else:
                return redirect("directory:import_detail", pk=batch.pk)
    recent = DirectoryImport.objects.select_related("uploaded_by")[:10]
    return render(
        request,
        "directory/import_upload.html",
        {"form": form, "recent": recent, **_moderation_context("import")},
    )


@never_cache
@gate(check_manage_directory)
def import_detail(request, pk):
    """Dry run of an uploaded file (GET) and the real, all-or-nothing import (POST)."""
    batch = get_object_or_404(DirectoryImport, pk=pk)
    form = ImportApplyForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            report = services.directory_import_apply(
                batch=batch,
                valid_rows_only=form.cleaned_data["valid_rows_only"],
                applied_by=request.user,
            )
        except services.ImportAlreadyApplied as error:
            messages.error(request, str(error))
            return redirect("directory:import_detail", pk=batch.pk)
        if report.applied:
            messages.success(
                request, _("Import terminé. %(summary)s") % {"summary": report.summary()}
            )
        else:
            messages.error(
                request,
                _("Rien n'a été importé : le fichier contient des erreurs (voir le bilan)."),
            )
        batch.refresh_from_db()
    elif batch.applied_at is not None:
        report = None  # the file is gone once applied: its summary is what remains
    else:
        report = services.directory_import(
            text=batch.content, dry_run=True, encoding=batch.encoding
        )
    return render(
        request,
        "directory/import_detail.html",
        {"batch": batch, "report": report, "form": form, **_moderation_context("import")},
    )


@never_cache
@gate(check_manage_directory)
def inactive_accounts(request):
    """Accounts without a login for two years: candidates for a reminder or erasure."""
    accounts = Paginator(selectors.inactive_accounts(), 50).get_page(request.GET.get("page"))
    return render(
        request,
        "directory/inactive_accounts.html",
        {"accounts": accounts, **_moderation_context("inactive")},
    )


@never_cache
@gate(check_manage_directory)
def expertise_requests(request):
    return render(
        request,
        "directory/expertise_requests.html",
        {"requests": selectors.expertise_requests(), **_moderation_context("expertise")},
    )


@never_cache
@gate(check_manage_directory)
@require_POST
def expertise_decide(request, pk, decision):
    if decision not in ("confirmer", "refuser"):
        raise Http404
    link = get_object_or_404(TopicInterest.objects.requested(), pk=pk)
    if decision == "confirmer":
        services.expertise_confirm(link=link, confirmed_by=request.user)
        messages.success(
            request,
            _("%(person)s est reconnu·e expert·e : %(topic)s.")
            % {"person": link.person, "topic": link.topic},
        )
    else:
        services.expertise_refuse(link=link, refused_by=request.user)
        messages.success(request, _("Demande refusée."))
    return redirect("directory:expertise_requests")
