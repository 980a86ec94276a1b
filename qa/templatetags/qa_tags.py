"""Q&A template helpers: permission filters (`user|can_edit_post:post`), post URLs, bylines."""

import uuid

from django import template
from django.conf import settings
from django.forms.utils import flatatt
from django.urls import reverse
from django.utils.translation import gettext as _

from qa import forms, permissions

register = template.Library()

for _name in (
    "can_answer",
    "can_comment",
    "can_vote",
    "can_same_problem",
    "can_accept",
    "can_validate",
    "can_edit_post",
    "can_view_revisions",
    "can_rollback",
    "can_flag",
    "can_close",
    "can_reopen",
    "can_lock",
    "can_unlock",
    "can_delete_post",
    "can_restore_post",
    "can_offer_own_delete",
    "can_merge",
    "can_promote_faq",
    "is_expert_for",
):
    register.filter(_name, getattr(permissions, _name))

for _name in ("can_ask", "can_follow", "can_moderate", "can_read_qa"):
    register.filter(_name, getattr(permissions, _name))


@register.simple_tag
def post_url(post, action):
    """`{% post_url answer "modifier" %}` → /reponses/12/modifier/."""
    return reverse(f"qa:post_{action}", kwargs={"post_type": post.url_prefix, "pk": post.pk})


@register.filter
def author_name(user):
    """The name shown for a post's author; an erased account reads "Ancien membre"."""
    if user is None:
        return _("Ancien membre")
    return user.get_full_name() or _("Membre")


@register.filter
def main_position(user):
    """The first current position of the user's directory entry (prefetched by selectors)."""
    person = getattr(user, "person", None) if user else None
    positions = getattr(person, "current_positions", None) if person else None
    return positions[0] if positions else None


@register.simple_tag
def vote_of(thread, post):
    return thread.vote_of(post)


@register.simple_tag(takes_context=True)
def query_with(context, **changes):
    """The current query string with some parameters replaced (empty value removes it)."""
    params = context["request"].GET.copy()
    for key, value in changes.items():
        if value in (None, ""):
            params.pop(key, None)
        else:
            params[key] = value
    params.pop("page", None) if "page" not in changes else None
    encoded = params.urlencode()
    return f"?{encoded}" if encoded else "?"


@register.simple_tag
def comment_form_for(comment_forms, post):
    """The bound comment form of this post after a validation error, else None."""
    return (comment_forms or {}).get(post.anchor)


@register.simple_tag
def new_token():
    """A fresh one-time submission token for forms rendered by hand."""
    return uuid.uuid4().hex


@register.simple_tag
def comment_attachments_help():
    """The file input's help of comment forms written by hand."""
    return forms.attachments_help(settings.QA_ATTACHMENTS_PER_COMMENT)


@register.simple_tag
def comment_upload_attrs():
    """The drag-and-drop attributes of a comment's file input (written by hand)."""
    return flatatt(forms.upload_attrs(settings.QA_ATTACHMENTS_PER_COMMENT))


@register.simple_tag
def mention_attrs():
    """The @mention autocomplete's attributes, for textareas written by hand (comments)."""
    return flatatt(forms.mention_attrs())
