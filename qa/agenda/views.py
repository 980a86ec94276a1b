"""Agenda pages (`/ordre-du-jour/`): thin views over selectors, permissions and services.

Every state change is its own POST-only view; the support buttons answer htmx requests with
the button's partial, and a plain redirect otherwise (everything works without JavaScript).
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from directory.access import gate, signed_in
from qa import extensions
from qa.agenda import ical, permissions, selectors, services
from qa.agenda.forms import (
    DiscussedForm,
    MeetingCancelForm,
    MeetingForm,
    MinutesForm,
    ProposalCommentForm,
    ProposalForm,
    ScheduleForm,
)
from qa.agenda.models import TITLE_MAX_LENGTH, Meeting, Proposal, ProposalComment

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
            "meeting_feeds": extensions.meeting_feed_links(request),
        },
    )


@gate(permissions.check_propose)
def proposal_create(request):
    """A member proposes a subject; new members are limited to a few proposals a day.

    On GET the form starts from `?title=…&topics=<id>…` when given: other pages (the shared
    needs) offer « Proposer … à l'ordre du jour » with the subject already filled in.
    """
    form = ProposalForm(request.POST or None, initial=_prefill(request.GET))
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


def _prefill(query) -> dict:
    """Initial values from the address: a title cut to the field's length, numeric topic ids
    (anything else is ignored; the form validates what is posted)."""
    return {
        "title": query.get("title", "")[:TITLE_MAX_LENGTH],
        "topics": [value for value in query.getlist("topics") if value.isdigit()],
    }


@gate(permissions.check_view_agenda)
def proposal_detail(request, pk):
    proposal = get_object_or_404(
        Proposal.objects.with_listing_data().select_related("meeting"), pk=pk
    )
    return _render_detail(request, proposal)


def _render_detail(
    request,
    proposal,
    schedule_form=None,
    discussed_form=None,
    minutes_form=None,
    comment_form=None,
    status=200,
):
    user = request.user
    comments = selectors.proposal_comments(proposal)
    for comment in comments:
        comment.proposal = proposal  # no query per comment
        comment.can_change = permissions.can_change_proposal_comment(user, comment)
    context = {
        "proposal": proposal,
        "supported": selectors.supported_ids(user, [proposal]),
        "supporters": selectors.supporters(proposal),
        "comments": comments,
        "can_withdraw": permissions.can_withdraw_proposal(user, proposal),
        "can_schedule": permissions.can_schedule(user, proposal),
        "can_mark_discussed": permissions.can_mark_discussed(user, proposal),
        "can_publish_minutes": permissions.can_publish_minutes(user, proposal),
        "can_edit": permissions.can_edit_proposal(user, proposal),
        "can_comment": permissions.can_comment_proposal(user, proposal),
    }
    if context["can_comment"]:
        context["comment_form"] = comment_form or ProposalCommentForm()
    if context["can_publish_minutes"]:
        context["minutes_form"] = minutes_form or MinutesForm(
            initial={"minutes_url": proposal.minutes_link}
        )
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


def _proposal_action(request, pk, *, check, form_class, form_name, act, success):
    """A moderator's POST on a proposal: `check` the right, validate `form_class`, `act` on the
    proposal with the cleaned data, then redirect with the `success` message (a function of the
    updated proposal); invalid or refused, the detail page again with the form and its errors."""
    proposal = get_object_or_404(
        Proposal.objects.with_listing_data().select_related("meeting"), pk=pk
    )
    check(request.user, proposal)
    form = form_class(request.POST)
    if form.is_valid():
        try:
            act(proposal, form.cleaned_data)
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, success(proposal))
            return redirect(proposal)
    return _render_detail(request, proposal, status=400, **{form_name: form})


@gate(signed_in)
@require_POST
def proposal_schedule(request, pk):
    return _proposal_action(
        request,
        pk,
        check=permissions.check_schedule,
        form_class=ScheduleForm,
        form_name="schedule_form",
        act=lambda proposal, data: services.proposal_schedule(
            proposal=proposal, meeting=data["meeting"], by=request.user
        ),
        success=lambda proposal: (
            _("La proposition est inscrite à l'ordre du jour de « %(meeting)s ».")
            % {"meeting": proposal.meeting}
        ),
    )


@gate(signed_in)
@require_POST
def proposal_mark_discussed(request, pk):
    return _proposal_action(
        request,
        pk,
        check=permissions.check_mark_discussed,
        form_class=DiscussedForm,
        form_name="discussed_form",
        act=lambda proposal, data: services.proposal_mark_discussed(
            proposal=proposal,
            minutes_url=data["minutes_url"],
            by=request.user,
            host=request.get_host(),
        ),
        success=lambda proposal: _("La proposition est marquée comme débattue."),
    )


@gate(signed_in)
@require_POST
def proposal_minutes_publish(request, pk):
    """A moderator publishes (or replaces) the minutes of a discussed subject."""
    return _proposal_action(
        request,
        pk,
        check=permissions.check_publish_minutes,
        form_class=MinutesForm,
        form_name="minutes_form",
        act=lambda proposal, data: services.proposal_minutes_publish(
            proposal=proposal,
            minutes_url=data["minutes_url"],
            by=request.user,
            host=request.get_host(),
        ),
        success=lambda proposal: _("Le compte rendu est publié."),
    )


@gate(signed_in)
def proposal_update(request, pk):
    """Its author edits an open proposal (not once it is on an agenda)."""
    proposal = get_object_or_404(Proposal.objects.with_listing_data(), pk=pk)
    permissions.check_edit_proposal(request.user, proposal)
    initial = {
        "title": proposal.title,
        "rationale": proposal.rationale,
        "topics": list(proposal.topics.all()),
    }
    form = ProposalForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.proposal_update(proposal=proposal, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, _("Votre proposition est modifiée."))
            return redirect(proposal)
    status = 400 if form.errors else 200
    return render(
        request,
        "qa/agenda/proposal_form.html",
        {"form": form, "proposal": proposal},
        status=status,
    )


@gate(signed_in)
@require_POST
def proposal_comment(request, pk):
    proposal = get_object_or_404(
        Proposal.objects.with_listing_data().select_related("meeting"), pk=pk
    )
    permissions.check_comment_proposal(request.user, proposal)
    form = ProposalCommentForm(request.POST)
    if form.is_valid():
        try:
            comment = services.proposal_comment_create(
                proposal=proposal, author=request.user, body=form.cleaned_data["body"]
            )
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, _("Votre commentaire est publié."))
            return redirect(f"{proposal.get_absolute_url()}#commentaire-{comment.pk}")
    return _render_detail(request, proposal, comment_form=form, status=400)


def _comment(pk):
    return get_object_or_404(ProposalComment.objects.select_related("proposal", "author"), pk=pk)


@gate(signed_in)
def proposal_comment_update(request, pk):
    """Its author (or a moderator) changes a comment's text: a page with the form, no script."""
    comment = _comment(pk)
    permissions.check_change_proposal_comment(request.user, comment)
    form = ProposalCommentForm(request.POST or None, initial={"body": comment.body})
    if request.method == "POST" and form.is_valid():
        try:
            services.proposal_comment_update(
                comment=comment, by=request.user, body=form.cleaned_data["body"]
            )
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, _("Le commentaire est modifié."))
            return redirect(comment.get_absolute_url())
    return render(
        request,
        "qa/agenda/comment_form.html",
        {"form": form, "comment": comment, "proposal": comment.proposal},
        status=400 if form.errors else 200,
    )


@gate(signed_in)
def proposal_comment_delete(request, pk):
    """Its author (or a moderator) deletes a comment, after a confirmation page (GET)."""
    comment = _comment(pk)
    permissions.check_change_proposal_comment(request.user, comment)
    if request.method == "POST":
        services.proposal_comment_delete(comment=comment, by=request.user)
        messages.success(request, _("Le commentaire est supprimé."))
        return redirect(f"{comment.proposal.get_absolute_url()}#agenda-comments-title")
    return render(
        request,
        "qa/agenda/comment_delete.html",
        {"comment": comment, "proposal": comment.proposal},
    )


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


def _meeting_initial(meeting):
    return {
        "title": meeting.title,
        "structure": meeting.structure_id,
        "kind": meeting.kind,
        "starts_at": meeting.starts_at,
        "place": meeting.place,
        "video_url": meeting.video_url,
        "description": meeting.description,
    }


@gate(permissions.check_manage_meetings)
def meeting_update(request, pk):
    """Moderators edit a meeting to come; a past or cancelled one is refused on the form."""
    meeting = get_object_or_404(Meeting, pk=pk)
    form = MeetingForm(request.POST or None, initial=_meeting_initial(meeting))
    if request.method == "POST" and form.is_valid():
        try:
            meeting = services.meeting_update(meeting=meeting, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, _("La réunion est modifiée."))
            return redirect(meeting)
    status = 400 if form.errors else 200
    return render(
        request,
        "qa/agenda/meeting_form.html",
        {"form": form, "meeting": meeting, "blocked": _blocked(meeting)},
        status=status,
    )


def _blocked(meeting) -> str:
    if meeting.is_cancelled:
        return _("Cette réunion est déjà annulée.")
    if meeting.is_past:
        return _("Cette réunion a déjà eu lieu : elle ne peut plus être changée.")
    return ""


@gate(permissions.check_manage_meetings)
def meeting_cancel(request, pk):
    """Moderators cancel a meeting to come; its subjects go back to the open proposals."""
    meeting = get_object_or_404(Meeting, pk=pk)
    form = MeetingCancelForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.meeting_cancel(
                meeting=meeting, by=request.user, reason=form.cleaned_data["reason"]
            )
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, _("La réunion est annulée."))
            return redirect(meeting)
    status = 400 if form.errors else 200
    return render(
        request,
        "qa/agenda/meeting_cancel.html",
        {"form": form, "meeting": meeting, "blocked": _blocked(meeting)},
        status=status,
    )


@gate(permissions.check_view_agenda)
def meeting_detail(request, pk):
    meeting = get_object_or_404(
        Meeting.objects.select_related("created_by", "structure", "cancelled_by"), pk=pk
    )
    agenda = selectors.meeting_agenda(meeting)
    return render(
        request,
        "qa/agenda/meeting_detail.html",
        {
            "meeting": meeting,
            "agenda": agenda,
            "can_change": permissions.can_change_meeting(request.user, meeting),
        },
    )


@gate(permissions.check_view_agenda)
def meeting_calendar(request, pk):
    """One meeting as an .ics file, to add to one's calendar."""
    meeting = get_object_or_404(Meeting.objects.select_related("structure"), pk=pk)
    body = ical.calendar(
        [meeting],
        base_url=request.build_absolute_uri("/").rstrip("/"),
        host=request.get_host().split(":")[0],
        name=meeting.title,
    )
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="reunion-{meeting.pk}.ics"'
    return response
