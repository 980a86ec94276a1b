"""The moderators' « courriels non traités »: replies by e-mail that could not be published."""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from directory.access import gate
from qa.permissions import check_moderate
from website.notifications import inbound, intake, selectors
from website.notifications.models import InboundMail, InboundStatus


@gate(check_moderate)
def inbound_queue(request):
    """Refused and failed messages (retry or discard), and replies published from an address
    that is not the member's (to keep an eye on shared or forwarded mailboxes)."""
    return render(
        request,
        "notifications/inbound_queue.html",
        {
            "mails": selectors.inbound_queue(),
            "mismatches": selectors.inbound_from_mismatch(),
            "reasons": inbound.refusal_messages(),
        },
    )


@require_POST
@gate(check_moderate)
def inbound_decide(request, pk):
    mail = get_object_or_404(
        InboundMail, pk=pk, status__in=[InboundStatus.REFUSED, InboundStatus.FAILED]
    )
    if request.POST.get("decision") == "retry":
        status = intake.mail_retry(mail=mail)
        if status == InboundStatus.POSTED:
            messages.success(request, _("Le courriel est publié."))
        else:
            messages.warning(request, _("Le courriel n'a toujours pas pu être publié."))
    else:
        intake.mail_discard(mail=mail)
        messages.success(request, _("Le courriel est écarté (il reste conservé)."))
    return redirect("notifications:inbound_queue")
