"""The CMS's part of a Q&A thread page: the "à revérifier" banner after a regulatory update.

`qa` does not know the CMS: `PagesConfig.ready()` registers these with `qa.extensions`, and the
thread template calls `{% thread_banners question %}` and `{% faq_url %}`.
"""

from django.template.loader import render_to_string

from directory import compiled
from website.pages.forms import RecheckForm
from website.pages.models import FaqIndexPage, QuestionRecheck
from website.pages.permissions import can_recheck
from website.pages.selectors import rechecks_for_question

_SENTINEL_QUESTION = -730_195_001


def _rechecks(question_id):
    return QuestionRecheck.objects.filter(question=question_id).values_list("pk")[:1]


def recheck_banner(context, question) -> str:
    """The banner of a thread awaiting a re-check: one query (compiled once: most threads
    have none, directory/compiled.py), then, when it has some, one query plus one per
    regulatory update to check its view restrictions."""
    request = context["request"]
    if not compiled.fetch(
        "pages.rechecks", _rechecks, (_SENTINEL_QUESTION,), (question.pk,), model=QuestionRecheck
    ):
        return ""
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
