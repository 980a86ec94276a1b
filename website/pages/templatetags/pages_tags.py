from django import template

from website.pages.forms import RecheckForm
from website.pages.permissions import can_recheck
from website.pages.selectors import rechecks_for_question

register = template.Library()


@register.inclusion_tag("pages/_recheck_banner.html", takes_context=True)
def recheck_banner(context, question):
    """The "à revérifier" banner of a Q&A thread: one query, plus one per regulatory update
    to check its view restrictions."""
    user = context["request"].user
    data = rechecks_for_question(question, user)
    return {
        **data,
        "question": question,
        "can_recheck": bool(data["pending"]) and can_recheck(user, question),
        "form": RecheckForm(),
        "csrf_token": context.get("csrf_token"),
        "request": context["request"],
    }
