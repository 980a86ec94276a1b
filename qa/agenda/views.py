"""Agenda pages (`/ordre-du-jour/`): thin views over selectors, permissions and services.

Every state change is its own POST-only view; the support buttons answer htmx requests with
the button's partial, and a plain redirect otherwise (everything works without JavaScript).
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from directory.access import gate, signed_in
from qa.agenda import permissions, selectors, services
from qa.agenda.forms import DiscussedForm, MeetingForm, ProposalForm, ScheduleForm
from qa.agenda.models import Meeting, Proposal

PROPOSALS_PER_PAGE = 20


def _add_errors(form, error: ValidationError):
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


def _back(request, proposal):
    target = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return redirect(target)
    return redirect(proposal)


@gate(permissions.check_view_agenda)
def agenda_index(request):
    """Open proposals ranked by support, meetings to come with their agenda, past meetings."""
    page = Paginator(selectors.open_proposals(), PROPOSALS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "qa/agenda/index.html",
        {
            "page": page,
            "supported": selectors.supported_ids(request.user, page.object_list),
            "upcoming": selectors.upcoming_meetings(),
            "past": selectors.past_meetings(),
            "can_propose": permissions.can_propose(request.user),
            "can_manage_meetings": permissions.can_manage_meetings(request.user),
        },
    )


@gate(permissions.check_propose)
def proposal_create(request):
    """A member proposes a subject; new members are limited to a few proposals a day."""
    form = ProposalForm(request.POST or None)
    if request.method == "POST":
        try:
            services.proposal_rate_limit_check(user=request.user)
        except services.RateLimited:
            return render(request, "429.html", status=429)
        if form.is_valid():
            try:
                with services.proposal_quota(user=request.user):
                    proposal = services.proposal_create(author=request.user, **form.cleaned_data)
            except services.RateLimited:
                return render(request, "429.html", status=429)
            except ValidationError as error:
                _add_errors(form, error)
            else:
                messages.success(
                    request, _("Votre proposition est enregistrée ; vous la soutenez déjà.")
                )
                return redirect(proposal)
    status = 400 if form.errors else 200
    return render(request, "qa/agenda/proposal_form.html", {"form": form}, status=status)


@gate(permissions.check_view_agenda)
def proposal_detail(request, pk):
    proposal = get_object_or_404(
        Proposal.objects.with_listing_data().select_related("meeting"), pk=pk
    )
    return _render_detail(request, proposal)


def _render_detail(request, proposal, schedule_form=None, discussed_form=None, status=200):
    user = request.user
    context = {
        "proposal": proposal,
        "supported": selectors.supported_ids(user, [proposal]),
        "supporters": selectors.supporters(proposal),
        "can_withdraw": permissions.can_withdraw_proposal(user, proposal),
        "can_schedule": permissions.can_schedule(user, proposal),
        "can_mark_discussed": permissions.can_mark_discussed(user, proposal),
    }
    if context["can_schedule"]:
        context["schedule_form"] = schedule_form or ScheduleForm(
            initial={"meeting": proposal.meeting_id}
        )
    if context["can_mark_discussed"]:
        context["discussed_form"] = discussed_form or DiscussedForm()
    return render(request, "qa/agenda/proposal_detail.html", context, status=status)


def _support_response(request, proposal):
    if request.htmx:
        return render(
            request,
            "qa/agenda/_support.html",
            {
                "proposal": proposal,
                "supported": selectors.supported_ids(request.user, [proposal]),
                "next": request.POST.get("next", ""),
            },
        )
    return _back(request, proposal)


@gate(signed_in)
@require_POST
def proposal_support(request, pk):
    proposal = get_object_or_404(Proposal, pk=pk)
    permissions.check_support(request.user, proposal)
    try:
        if services.proposal_support(proposal=proposal, user=request.user) and not request.htmx:
            messages.success(request, _("Votre soutien est enregistré."))
    except ValidationError as error:
        messages.error(request, error.messages[0])
    return _support_response(request, proposal)


@gate(signed_in)
@require_POST
def proposal_unsupport(request, pk):
    proposal = get_object_or_404(Proposal, pk=pk)
    permissions.check_support(request.user, proposal)
    if services.proposal_unsupport(proposal=proposal, user=request.user) and not request.htmx:
        messages.success(request, _("Votre soutien est retiré."))
    return _support_response(request, proposal)


@gate(signed_in)
@require_POST
def proposal_withdraw(request, pk):
    proposal = get_object_or_404(Proposal, pk=pk)
    permissions.check_withdraw_proposal(request.user, proposal)
    try:
        services.proposal_withdraw(proposal=proposal, by=request.user)
    except ValidationError as error:
        messages.error(request, error.messages[0])
    else:
        messages.success(request, _("La proposition est retirée."))
    return redirect(proposal)


@gate(signed_in)
@require_POST
def proposal_schedule(request, pk):
    proposal = get_object_or_404(
        Proposal.objects.with_listing_data().select_related("meeting"), pk=pk
    )
    permissions.check_schedule(request.user, proposal)
    form = ScheduleForm(request.POST)
    if form.is_valid():
        try:
            services.proposal_schedule(
                proposal=proposal, meeting=form.cleaned_data["meeting"], by=request.user
            )
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(
                request,
                _("La proposition est inscrite à l'ordre du jour de « %(meeting)s ».")
                % {"meeting": proposal.meeting},
            )
            return redirect(proposal)
    return _render_detail(request, proposal, schedule_form=form, status=400)


@gate(signed_in)
@require_POST
def proposal_mark_discussed(request, pk):
    proposal = get_object_or_404(
        Proposal.objects.with_listing_data().select_related("meeting"), pk=pk
    )
    permissions.check_mark_discussed(request.user, proposal)
    form = DiscussedForm(request.POST)
    if form.is_valid():
        try:
            services.proposal_mark_discussed(
                proposal=proposal, minutes_url=form.cleaned_data["minutes_url"], by=request.user
            )
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, _("La proposition est marquée comme débattue."))
            return redirect(proposal)
    return _render_detail(request, proposal, discussed_form=form, status=400)


@gate(permissions.check_manage_meetings)
def meeting_create(request):
    """Moderators create the exchange sessions and councils that take proposals."""
    form = MeetingForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            meeting = services.meeting_create(created_by=request.user, **form.cleaned_data)
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, _("La réunion est créée."))
            return redirect(meeting)
    status = 400 if form.errors else 200
    return render(request, "qa/agenda/meeting_form.html", {"form": form}, status=status)


@gate(permissions.check_view_agenda)
def meeting_detail(request, pk):
    meeting = get_object_or_404(Meeting.objects.select_related("created_by"), pk=pk)
    agenda = selectors.meeting_agenda(meeting)
    return render(request, "qa/agenda/meeting_detail.html", {"meeting": meeting, "agenda": agenda})
