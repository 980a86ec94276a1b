"""What the upper layers add to the directory's pages (`directory.extensions`)."""

from django import template

from directory import extensions

register = template.Library()


@register.simple_tag
def ask_person_url(person) -> str:
    """`{% ask_person_url person as url %}`: the form that asks this person a question, or ""."""
    return extensions.ask_person_url(person)


@register.simple_tag
def ask_structure_url(structure) -> str:
    """`{% ask_structure_url structure as url %}`: the form that asks this structure, or ""."""
    return extensions.ask_structure_url(structure)
