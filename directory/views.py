"""Directory pages. Members-only; every response is `Cache-Control: no-store` (personal data).

Views stay thin: read through `selectors`, write through `services`, check with `permissions`.
"""

import hashlib
import json

from allauth.account.adapter import get_adapter
from allauth.account.decorators import reauthentication_required
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.core import signing
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from directory import exports, extensions, importer, selectors, services
from directory.access import gate, redirect_back
from directory.forms import (
    ApprovalForm,
    DirectorySearchForm,
    EraseAccountForm,
    ImportApplyForm,
    ImportedInvitationForm,
    ImportUploadForm,
    InvitationForm,
    ModeratorEntryForm,
    ModeratorPositionFormSet,
    PersonMergeForm,
    PositionEndForm,
    PositionFormSet,
    ProfileForm,
    TopicsForm,
)
from directory.fragments import shared_fragment, shared_fragments
from directory.models import (
    DirectoryImport,
    InterestKind,
    Invitation,
    Person,
    Position,
    Structure,
    StructureKind,
    TopicInterest,
)
from directory.permissions import (
    can_follow_person,
    can_follow_structure,
    can_manage_directory,
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


def _digest(value: str) -> str:
    return hashlib.blake2b(value.encode(), digest_size=8).hexdigest()


def _filter_html(form, name: str) -> str:
    field = form[name]
    return str(field) if field.widget_type == "checkbox" else field.as_field_group()


def _shared_filters(request, form) -> dict:
    """The filters' HTML by field name, from the shared fragments (one cache read).

    Each field is kept per value the address chose (it marks the selected option, fills the
    text box, shows an error): the same for every viewer, so a hit reads no topic and no
    structure, and renders none of the 300 options."""
    keys = {f"{name}:{_digest(request.GET.get(name, ''))}": name for name in form.fields}
    html = shared_fragments(
        request, "directory-filter", keys, lambda key: _filter_html(form, keys[key])
    )
    return {name: html[key] for key, name in keys.items()}


def _shared_people(request, filters, query: str):
    """The count, the page of people and the pagination: the same for every viewer of the
    same role class (moderators also list unlisted people) with the same filters, page and
    home structure (« près de chez moi »)."""
    page_number = request.GET.get("page", "")

    def render_people():
        people = selectors.person_list_for(request.user, filters)
        page = Paginator(people, PAGE_SIZE).get_page(page_number)
        return render_to_string("directory/_person_page.html", {"page": page, "query": query})

    role = "moderator" if can_manage_directory(request.user) else "member"
    near = filters.near.pk if filters.near else ""
    return shared_fragment(
        request, "directory-people", render_people, vary=(role, near, query, page_number)
    )


@never_cache
@gate(check_view_directory)
def person_list(request):
    """Search the directory: name, topic, CC, structure, function, élu/agent; near me first."""
    form, filters = _filters(request)
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
    query = query.urlencode()
    context = {
        "form": form,
        "people": _shared_people(request, filters, query),
        "filters": filters,
        "experts": experts,
        "askers": askers,
        "handlers": handlers,
        "query": query,
        "searched": bool(request.GET),
    }
    if request.htmx:
        return render(request, "directory/_person_results.html", context)
    context["shared_filters"] = _shared_filters(request, form)
    return render(request, "directory/person_list.html", context)


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
        "former_positions": selectors.former_positions(person),
        "can_moderate": can_manage_directory(request.user),
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
            person.questions_addressed.alive().as_links().order_by("-created_at")[:RECENT]
        ),
    }
    if user is not None and user.is_active:
        activity["recent_questions"] = list(
            user.questions.alive().as_links().order_by("-created_at")[:RECENT]
        )
        activity["recent_answers"] = list(
            user.answers.alive()
            .filter(question__deleted_at__isnull=True)
            .as_links()
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
        "questions_asked": list(
            structure.questions_asked.alive().as_links().order_by("-created_at")[:10]
        ),
        "questions_addressed": list(
            structure.questions_addressed.alive().as_links().order_by("-created_at")[:10]
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
    stale = None
    if request.method == "POST":
        if form.is_valid() and topics_form.is_valid() and positions.is_valid():
            try:
                with transaction.atomic():
                    services.person_update_profile(
                        person=person,
                        data=form.cleaned_data,
                        expected_version=form.cleaned_data["version"],
                    )
                    services.person_set_topics(
                        person=person,
                        interests=topics_form.cleaned_data["interests"],
                        expertise_requests=topics_form.cleaned_data["expertise"],
                    )
                    positions.save()
            except services.EntryChanged as error:
                stale = _stale(error, form)
                form = form.with_version(error.person.version)
            else:
                messages.success(request, _("Votre fiche est enregistrée."))
                return redirect("directory:my_profile")
        else:
            messages.error(request, _("La fiche n'est pas enregistrée : corrigez les erreurs."))
    context = {
        "stale": stale,
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


def _stale(error, form) -> dict:
    """What the page says after a refused stale save: the message, and the current value of
    each field where it differs from what was typed (which the form keeps)."""
    current = error.person
    differences = []
    for name in form._meta.fields:
        if name not in form.cleaned_data or getattr(current, name) == form.cleaned_data[name]:
            continue
        display = getattr(current, f"get_{name}_display", None)
        differences.append(
            (form.fields[name].label, display() if display else getattr(current, name))
        )
    return {"message": str(error), "differences": differences}


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


# --- Moderators correct entries ----------------------------------------------------------------


def _entry_page(request, person, *, form=None, positions=None, end_forms=None, stale=None):
    end_forms = end_forms or {}
    current = [
        (position, end_forms.get(position.pk) or PositionEndForm(prefix=f"fin{position.pk}"))
        for position in person.positions.current().select_related("structure")
    ]
    context = {
        "person": person,
        "form": form or ModeratorEntryForm(instance=person, prefix="fiche"),
        "positions": positions or ModeratorPositionFormSet(instance=person, prefix="fonctions"),
        "current_positions": current,
        "changes": person.changes.select_related("changed_by")[:50],
        "stale": stale,
        **_moderation_context("entries"),
    }
    return render(request, "directory/person_edit.html", context)


@never_cache
@gate(check_manage_directory)
def person_edit(request, pk):
    """A moderator corrects someone's entry and positions, with a reason kept in its history.

    If the owner (or another moderator) saved the entry after this form was shown, nothing is
    written: the page comes back with what was typed and the current values beside it."""
    person = get_object_or_404(Person, pk=pk)
    if request.method != "POST":
        return _entry_page(request, person)
    form = ModeratorEntryForm(request.POST, instance=person, prefix="fiche")
    positions = ModeratorPositionFormSet(request.POST, instance=person, prefix="fonctions")
    if not (form.is_valid() and positions.is_valid()):
        messages.error(request, _("La fiche n'est pas enregistrée : corrigez les erreurs."))
        return _entry_page(request, person, form=form, positions=positions)
    try:
        change = services.person_moderate(
            person=person,
            data=form.cleaned_data,
            positions=positions,
            changed_by=request.user,
            reason=form.cleaned_data["reason"],
            expected_version=form.cleaned_data["version"] or 0,
        )
    except services.EntryChanged as error:
        stale = _stale(error, form)
        return _entry_page(
            request,
            error.person,
            form=form.with_version(error.person.version),
            positions=positions,
            stale=stale,
        )
    if change is None:
        messages.info(request, _("Rien n'a changé : la fiche est telle quelle."))
    else:
        messages.success(request, _("La fiche est corrigée ; le motif est dans son historique."))
    return redirect("directory:person_edit", pk=person.pk)


@never_cache
@gate(check_manage_directory)
@require_POST
def position_end(request, pk):
    """End a mandate or a post on a past date (a mayor who left at the elections)."""
    position = get_object_or_404(Position.objects.select_related("person", "structure"), pk=pk)
    person = position.person
    form = PositionEndForm(request.POST, prefix=f"fin{position.pk}")
    if form.is_valid():
        try:
            services.position_end(
                position=position,
                end_date=form.cleaned_data["end_date"],
                ended_by=request.user,
                reason=form.cleaned_data["reason"],
            )
        except services.PositionEndError as error:
            form.add_error("end_date", str(error))
        else:
            messages.success(
                request,
                _("La fonction « %(position)s » est terminée.") % {"position": position},
            )
            return redirect("directory:person_edit", pk=person.pk)
    messages.error(request, _("La fonction n'est pas terminée : corrigez les erreurs."))
    return _entry_page(request, person, end_forms={position.pk: form})


@never_cache
@gate(check_manage_directory)
def person_merge(request, pk):
    """Merge this entry (a duplicate) into another one, which is kept."""
    duplicate = get_object_or_404(Person, pk=pk)
    form = PersonMergeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        kept = form.cleaned_data["kept"]
        try:
            services.person_merge(
                duplicate=duplicate,
                kept=kept,
                merged_by=request.user,
                reason=form.cleaned_data["reason"],
            )
        except services.MergeError as error:
            form.add_error("kept", str(error))
        else:
            messages.success(
                request,
                _("La fiche en double est fusionnée dans celle de %(name)s.")
                % {"name": kept.full_name},
            )
            return redirect("directory:person_edit", pk=kept.pk)
    context = {
        "person": duplicate,
        "form": form,
        "suggestions": selectors.duplicates_of(duplicate),
        **_moderation_context("entries"),
    }
    return render(request, "directory/person_merge.html", context)


# --- Invitations -------------------------------------------------------------------------------


@never_cache
@gate(check_manage_directory)
def invitations(request):
    """Invite one address, or imported people in a batch; follow who was invited, accepted,
    bounced or let the link expire, and resend."""
    single = InvitationForm(request.POST if request.POST.get("action") == "single" else None)
    invitable = selectors.invitable_people()
    imported = ImportedInvitationForm(
        request.POST if request.POST.get("action") == "imported" else None,
        queryset=invitable,
    )
    if request.method == "POST":
        if single.is_bound and single.is_valid():
            try:
                invitation = services.invitation_create(
                    email=single.cleaned_data["email"], invited_by=request.user
                )
            except services.InvitationError as error:
                single.add_error("email", str(error))
            else:
                messages.success(
                    request, _("Invitation envoyée à %(email)s.") % {"email": invitation.email}
                )
                return redirect("directory:invitations")
        elif imported.is_bound and imported.is_valid():
            sent, refused = [], []
            for person in imported.cleaned_data["people"]:
                try:
                    services.invitation_create(
                        email=person.email, invited_by=request.user, person=person
                    )
                except services.InvitationError as error:
                    refused.append(str(error))
                else:
                    sent.append(person.full_name)
            if sent:
                messages.success(
                    request,
                    _("Invitations envoyées (%(count)d) : %(names)s.")
                    % {"count": len(sent), "names": ", ".join(sent)},
                )
            for reason in refused:
                messages.error(request, reason)
            return redirect("directory:invitations")
    page = Paginator(selectors.invitations(), 50).get_page(request.GET.get("page"))
    context = {
        "single": single,
        "imported": imported,
        "invitable_count": invitable.count(),
        "days": settings.DIRECTORY_INVITATION_VALID_DAYS,
        "page": page,
        **_moderation_context("invitations"),
    }
    return render(request, "directory/invitations.html", context)


@never_cache
@gate(check_manage_directory)
@require_POST
def invitation_resend(request, pk):
    invitation = get_object_or_404(Invitation, pk=pk)
    try:
        services.invitation_send(invitation=invitation)
    except services.InvitationError as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request, _("Invitation renvoyée à %(email)s.") % {"email": invitation.email}
        )
    return redirect("directory:invitations")


@require_GET
@never_cache
def invitation_open(request, token):
    """The link of an invitation e-mail (visitors): the address is taken as verified and the
    sign-up needs no approval; a link already used, replaced or expired says so."""
    try:
        invitation = services.invitation_check(token=token)
    except services.InvitationError as error:
        return render(
            request, "directory/invitation_invalid.html", {"error": str(error)}, status=410
        )
    get_adapter(request).stash_verified_email(request, invitation.email)
    return render(request, "directory/invitation_open.html", {"invitation": invitation})


# --- « Vérifiez votre fiche » -----------------------------------------------------------------


@csrf_exempt  # the signed token is the credential: the e-mail's link works without a session
@require_http_methods(["GET", "POST"])
@never_cache
def entry_check(request, token):
    """The yearly check's link. GET shows the entry's positions and one button; POST confirms.
    A GET never confirms: mail scanners open links on their own."""
    try:
        person = services.entry_check_read(token)
    except signing.SignatureExpired:
        return render(request, "directory/entry_check_invalid.html", {"expired": True}, status=400)
    except signing.BadSignature:
        return render(request, "directory/entry_check_invalid.html", {"expired": False}, status=400)
    done = request.method == "POST"
    if done:
        services.entry_confirm(person=person)
    positions = person.positions.current().select_related("structure")
    return render(
        request,
        "directory/entry_check.html",
        {"person": person, "positions": positions, "done": done},
    )
