"""Role predicates for templates: `{% load roles %}{% if user|is_moderator %}`."""

from django import template

from directory import roles

register = template.Library()

register.filter("is_member", roles.is_member)
register.filter("is_moderator", roles.is_moderator)
register.filter("is_editor", roles.is_editor)
register.filter("is_expert", roles.is_expert)
register.filter("can_steer", roles.can_steer)


@register.simple_tag(takes_context=True)
def nav_current(context, prefix):
    """`aria-current="page"` for the navigation link whose section is being shown."""
    path = context["request"].path
    return "page" if path.startswith(prefix) else ""
