"""Views of the CMS layer outside Wagtail's page serving: re-checks and the feeds index."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from directory.roles import is_member
from taxonomy.models import Topic
from website.pages import feed_tokens, selectors, services
from website.pages.forms import RecheckForm
from website.pages.models import QuestionRecheck
from website.pages.permissions import (
    can_read_questions_feed,
    check_list_rechecks,
    check_recheck,
)


@login_required
def recheck_list(request):
    """Moderators: every thread awaiting re-check after a regulatory update, oldest first."""
    check_list_rechecks(request.user)
    page_obj = Paginator(selectors.pending_rechecks(), 30).get_page(request.GET.get("page"))
    return render(request, "pages/recheck_list.html", {"page_obj": page_obj})


@require_POST
@login_required
def recheck_clear(request, pk):
    """An expert of the question's topics re-validates the answers against the update."""
    recheck = get_object_or_404(QuestionRecheck.objects.select_related("question", "update"), pk=pk)
    question = recheck.question
    check_recheck(request.user, question)
    form = RecheckForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("La note est trop longue (2 000 caractères au plus)."))
        return redirect(question.get_absolute_url())
    services.recheck_clear(recheck=recheck, by=request.user, note=form.cleaned_data["note"])
    messages.success(
        request,
        _("Merci : la question est marquée vérifiée au regard de « %(update)s ».")
        % {"update": recheck.update.title},
    )
    return redirect(question.get_absolute_url())


@require_safe
def feed_index(request):
    """The Atom feeds a reader may subscribe to, with the member's personal links (its token
    is made on first view, so the page answers reads only)."""
    topics = list(Topic.objects.active())
    feed_token = feed_tokens.feed_token_for(request.user) if is_member(request.user) else None
    expired = feed_token is not None and feed_token.is_expired()
    return render(
        request,
        "pages/feed_index.html",
        {
            "topics": topics,
            "token": feed_token.token if feed_token and not expired else None,
            "token_expired": expired,
            "questions_feeds": can_read_questions_feed(request.user),
        },
    )
