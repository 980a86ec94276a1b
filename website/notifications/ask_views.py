"""A member's questions sent by e-mail: confirming one, and the « publier sans confirmation »
choice (`asking.py`)."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from directory.access import gate
from qa.permissions import check_ask
from website.notifications import asking, services
from website.notifications.models import InboundMail, InboundStatus
from website.search.services import similar_questions_for


@gate(check_ask)
def ask_confirm(request, pk):
    """The e-mailed question, editable like the ask form; similar threads first. Only its
    author sees it, and only while it waits (else 404)."""
    mail = get_object_or_404(InboundMail, pk=pk, user=request.user, status=InboundStatus.AWAITING)
    files = asking.ask_files(mail)
    if request.method == "POST":
        if request.POST.get("decision") == "discard":
            asking.ask_discard(mail=mail)
            messages.success(request, _("La question envoyée par e-mail est abandonnée."))
            return redirect(reverse("notifications:preferences") + "#questions-par-courriel")
        form = asking.question_form(data=request.POST)
        if form.is_valid():
            question, error = _publish(request.user, mail.pk, form, files)
            if question is not None:
                messages.success(request, _("Votre question est publiée."))
                return redirect(question)
            form.add_error(None, error)
        else:
            messages.error(request, _("La question n'a pas pu être publiée : voir ci-dessous."))
    else:
        form = asking.question_form(initial=asking.initial_for(mail, request.user))
    title = form.data.get("title") if form.is_bound else form.initial.get("title", "")
    return render(
        request,
        "notifications/ask_confirm.html",
        {
            "mail": mail,
            "form": form,
            "files": files,
            "similar": similar_questions_for(request.user, title or "", limit=asking.SIMILAR_SHOWN),
        },
        status=400 if form.is_bound else 200,
    )


def _publish(user, pk, form, files):
    """(question, "") or (None, why), under the row's lock: published once, whatever the
    double clicks and tabs."""
    with transaction.atomic():
        mail = (
            InboundMail.objects.select_for_update()
            .filter(pk=pk, user=user, status=InboundStatus.AWAITING)
            .first()
        )
        if mail is None:
            return None, _("Cette question a déjà été publiée ou abandonnée.")
        try:
            question = asking.ask_publish(mail=mail, user=user, form=form, files=files)
        except ValidationError as error:
            return None, error.messages[0]
        mail.save()
    return question, ""


@require_POST
@gate(check_ask)
def ask_preference(request):
    """« Publier sans confirmation » on or off."""
    services.ask_confirmation_set(
        user=request.user, skip=request.POST.get("ask_without_confirmation") == "on"
    )
    messages.success(request, _("Votre choix pour les questions par e-mail est enregistré."))
    return redirect(reverse("notifications:preferences") + "#questions-par-courriel")
