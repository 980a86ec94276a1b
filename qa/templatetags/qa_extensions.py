"""What the upper layers add to the Q&A pages (`qa.extensions`)."""

from django import template
from django.utils.html import format_html_join

from qa import extensions

register = template.Library()


@register.simple_tag(takes_context=True)
def thread_banners(context, question):
    """The banners the upper layers show above a thread (already rendered, escaped HTML)."""
    return format_html_join(
        "", "{}", ((html,) for html in extensions.thread_banners(context, question))
    )


@register.simple_tag(takes_context=True)
def faq_url(context) -> str:
    """`{% faq_url as url %}`: the FAQ page's address, or "" when the site has none."""
    return extensions.faq_url(context.get("request"))


@register.simple_tag(takes_context=True)
def post_note(context, question, post):
    """What the upper layers show under one post of the thread (escaped HTML, or ""); their
    notes for the whole thread are read once per request (the comments' includes have
    contexts of their own, so the request holds them)."""
    request = context.get("request")
    cache = request.__dict__.setdefault("qa_post_notes", {}) if request is not None else {}
    if question.pk not in cache:
        cache[question.pk] = extensions.post_notes(request, question)
    return format_html_join("", "{}", ((html,) for html in cache[question.pk].get(post.anchor, [])))
