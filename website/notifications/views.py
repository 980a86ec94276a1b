"""The notification centre, e-mail preferences, one-click unsubscribe and the feed URL."""

from datetime import timedelta
from itertools import groupby

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core import signing
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from directory.roles import is_moderator
from qa.permissions import can_ask
from website.notifications import asking, replies, selectors, services
from website.notifications.feeds import NotificationFeed
from website.notifications.forms import PreferencesForm
from website.notifications.kinds import Kind
from website.notifications.models import ReplyKey
from website.notifications.permissions import check_can_use_notifications
from website.notifications.tokens import ALL, read_unsubscribe_token

__all__ = ["NotificationFeed"]

PAGE_SIZE = 50


def _by_day(notifications) -> list[tuple[object, list]]:
    """The centre's lines (answers to one thread collapsed into one), under their day."""
    lines = selectors.collapse_answers(notifications)
    return [
        (day, list(items))
        for day, items in groupby(lines, key=lambda n: timezone.localdate(n.created_at))
    ]


def _centre_context(request) -> dict:
    page = Paginator(selectors.notification_list_for(request.user), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    today = timezone.localdate()
    return {
        "page_obj": page,
        "days": _by_day(page.object_list),
        "today": today,
        "yesterday": today - timedelta(days=1),
    }


@login_required
def notification_list(request):
    """The member's notifications, newest first, grouped by day; unread ones stand out."""
    check_can_use_notifications(request.user)
    return render(request, "notifications/list.html", _centre_context(request))


def _not_yours(request):
    # Someone else's notification answers like a missing one: an explicit 404, on the centre
    # with the explanation.
    messages.error(request, _("Cette notification n'existe pas ou n'est pas la vôtre."))
    return render(request, "notifications/list.html", _centre_context(request), status=404)


@require_POST
@login_required
def notification_mark_read(request, pk):
    """« Marquer comme lue »: one notification, or a line of answers (their `ids`)."""
    check_can_use_notifications(request.user)
    also = [int(value) for value in request.POST.getlist("ids") if value.isdigit()]
    if not services.notification_mark_read(user=request.user, notification_id=pk, also=also):
        return _not_yours(request)
    if request.htmx:
        line = selectors.collapse_answers(
            selectors.notification_list_for(request.user).filter(pk__in=[pk, *also])
        )[0]
        return render(request, "notifications/_item_htmx.html", {"notification": line})
    return redirect("notifications:list")


@require_safe
@login_required
def notification_open(request, pk):
    """The centre's links go through here: opening a notification's target marks it read
    (with the member's other unread notifications about the same page), then goes there.

    A GET that writes, on purpose: it only sets the member's own read markers, the same on
    every repetition, and a link must stay a link (open in a new tab, copy, no JavaScript).
    Cheaper than marking on the thread page, which would cost every member one more query on
    every thread they read to clear notifications that are rarely there."""
    check_can_use_notifications(request.user)
    link = services.notification_open(user=request.user, notification_id=pk)
    if link is None:
        return _not_yours(request)
    return redirect(link)


@require_POST
@login_required
def notifications_mark_all_read(request):
    check_can_use_notifications(request.user)
    count = services.notifications_mark_all_read(user=request.user)
    status = (
        _("Toutes vos notifications sont marquées comme lues.")
        if count
        else _("Vous n'aviez aucune notification non lue.")
    )
    if request.htmx:
        return render(
            request,
            "notifications/_centre_htmx.html",
            {**_centre_context(request), "status_message": status},
        )
    messages.success(request, status)
    return redirect("notifications:list")


@login_required
def preferences(request):
    """E-mail frequency per kind; a member only ever changes their own (no user in the form)."""
    check_can_use_notifications(request.user)
    form = PreferencesForm(
        request.POST if request.method == "POST" else None,
        initial_frequencies=selectors.preferences_for(request.user),
        moderator=is_moderator(request.user),
        label_suffix="",
    )
    if request.method == "POST":
        if form.is_valid():
            services.preferences_set(user=request.user, frequencies=form.frequencies())
            messages.success(request, _("Vos préférences de notification sont enregistrées."))
            return redirect("notifications:preferences")
        messages.error(request, _("Certaines préférences n'ont pas pu être enregistrées."))
    feed_token = services.feed_token_for(user=request.user)
    return render(
        request,
        "notifications/preferences.html",
        {
            "form": form,
            "feed_url": request.build_absolute_uri(
                reverse("notifications:feed", kwargs={"token": feed_token.token})
            ),
            "feed_expired": feed_token.is_expired(),
            "feed_max_idle_days": settings.FEED_TOKEN_MAX_IDLE_DAYS,
            "reply_by_email": bool(settings.REPLY_DOMAIN),
            "reply_max_age_days": settings.REPLY_ADDRESS_MAX_AGE_DAYS,
            "email_pause": selectors.email_pause_for(request.user),
            **_ask_by_email(request.user),
        },
        status=400 if form.is_bound and not form.is_valid() else 200,
    )


def _ask_by_email(user) -> dict:
    """The « Poser une question par e-mail » section (members only, when the feature is on)."""
    if not settings.REPLY_DOMAIN or not can_ask(user):
        return {"ask_address": ""}
    return {
        "ask_address": replies.ask_address(user),
        "ask_without_confirmation": ReplyKey.objects.filter(
            user=user, ask_without_confirmation=True
        ).exists(),
        "ask_awaiting": list(asking.awaiting_for(user)),
    }


@require_POST
@login_required
def feed_token_regenerate(request):
    check_can_use_notifications(request.user)
    services.feed_token_regenerate(user=request.user)
    messages.success(
        request,
        _(
            "Vos flux ont une nouvelle adresse secrète (notifications et questions par sujet) ; "
            "l'ancienne ne fonctionne plus."
        ),
    )
    return redirect(reverse("notifications:preferences") + "#flux")


@require_POST
@login_required
def emails_resume(request):
    """The member whose e-mails were paused after bounces (checked their address and) resumes."""
    check_can_use_notifications(request.user)
    if services.emails_resume(user=request.user):
        messages.success(
            request,
            _(
                "L'envoi des e-mails reprend. S'ils vous reviennent encore en erreur, nous le "
                "suspendrons de nouveau : vérifiez votre adresse dans votre compte."
            ),
        )
    return redirect("notifications:preferences")


@require_POST
@login_required
def reply_addresses_revoke(request):
    """Every reply address sent to the member so far stops working."""
    check_can_use_notifications(request.user)
    services.reply_addresses_revoke(user=request.user)
    messages.success(
        request,
        _(
            "Vos adresses de réponse sont révoquées : répondre aux e-mails déjà reçus ne "
            "publiera plus rien. Les prochaines notifications en portent de nouvelles."
        ),
    )
    return redirect(reverse("notifications:preferences") + "#reponses")


def _scope_label(scope: str) -> str:
    if scope == ALL:
        return _("tous les e-mails de notification")
    prefix, _sep, value = scope.partition(":")
    if prefix == "digest":
        return _("le résumé quotidien") if value == "daily" else _("le résumé hebdomadaire")
    return _("les e-mails « %(kind)s »") % {"kind": Kind(value).label}


@csrf_exempt  # the signed token is the credential; mail clients POST without cookies (RFC 8058)
@require_http_methods(["GET", "POST"])
def unsubscribe(request, token):
    """GET shows what the link stops and one button; POST (the button, or a mail client's
    one-click `List-Unsubscribe-Post`) does it. A GET never unsubscribes: link checkers and
    mail scanners open links on their own."""
    try:
        unsubscribe_request = read_unsubscribe_token(token)
    except signing.SignatureExpired:
        return render(
            request, "notifications/unsubscribe_invalid.html", {"expired": True}, status=400
        )
    except signing.BadSignature:
        return render(
            request, "notifications/unsubscribe_invalid.html", {"expired": False}, status=400
        )
    user = get_user_model().objects.filter(pk=unsubscribe_request.user_id, is_active=True).first()
    if user is None:
        return render(
            request, "notifications/unsubscribe_invalid.html", {"expired": False}, status=400
        )
    context = {"scope_label": _scope_label(unsubscribe_request.scope), "token": token}
    if request.method == "POST":
        services.unsubscribe(user=user, scope=unsubscribe_request.scope)
        return render(request, "notifications/unsubscribe_done.html", context)
    return render(request, "notifications/unsubscribe_confirm.html", context)
