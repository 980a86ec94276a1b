"""What the upper layers add to the Q&A pages (`qa.extensions`)."""

from django import template
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

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


_NEW_MARK = "<!--qa-new-->"
_NOTE_MARK = "<!--qa-note-->"
# What `qa/_new_badge.html` renders, in the paragraph of an answer's marks.
_NEW_BADGE = (
    '<p><span class="qa-mark qa-mark--new">{}<span class="visually-hidden"> : {}</span></span></p>'
)
_NEW_BADGE_FIRST = _NEW_BADGE.replace('qa-mark--new"', 'qa-mark--new" id="premier-non-lu"')


@register.simple_tag(takes_context=True)
def shared_post(context, post):
    """The post's shared HTML (`context["post_fragments"]`, by anchor) with this request's
    parts filled in: the « Nouveau » badge of an answer (what `qa/_new_badge.html` renders)
    and the upper layers' note. The new mark comes before the post's body and the note after
    it, so the first and the last of each mark are the fragment's own."""
    html = str(context["post_fragments"][post.anchor])
    if _NEW_MARK in html:
        badge = ""
        if getattr(post, "is_new", False):
            badge = format_html(
                _NEW_BADGE_FIRST if post == context["thread"].first_new else _NEW_BADGE,
                _("Nouveau"),
                _("publiée depuis votre dernière visite"),
            )
        head, _mark, tail = html.partition(_NEW_MARK)
        html = head + badge + tail
    head, _mark, tail = html.rpartition(_NOTE_MARK)
    return mark_safe(head + post_note(context, context["question"], post) + tail)  # noqa: S308 — our fragments and escaped notes
