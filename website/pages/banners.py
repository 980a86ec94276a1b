"""The CMS's part of a Q&A thread page: the "à revérifier" banner after a regulatory update.

`qa` does not know the CMS: `PagesConfig.ready()` registers these with `qa.extensions`, and the
thread template calls `{% thread_banners question %}` and `{% faq_url %}`.
"""

from django.template.loader import render_to_string

from website.pages.forms import RecheckForm
from website.pages.models import FaqIndexPage
from website.pages.permissions import can_recheck
from website.pages.selectors import rechecks_for_question


def recheck_banner(context, question) -> str:
    """The banner of a thread awaiting a re-check: one query, plus one per regulatory update
    to check its view restrictions."""
    request = context["request"]
    data = rechecks_for_question(question, request.user)
    return render_to_string(
        "pages/_recheck_banner.html",
        {
            **data,
            "question": question,
            "can_recheck": bool(data["pending"]) and can_recheck(request.user, question),
            "form": RecheckForm(),
            "csrf_token": context.get("csrf_token"),
            "request": request,
        },
    )


def faq_url(request) -> str:
    """The live FAQ page's address (`/faq/` on this site), or ""."""
    page = FaqIndexPage.objects.live().first()
    return page.get_url(request) if page is not None else ""
