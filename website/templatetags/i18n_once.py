"""`{% trans %}` of a constant word, translated once per process, language and escaping.

Loaded after `i18n` (`{% load i18n i18n_once %}`), its `trans` and `translate` replace
Django's in that template only; `makemessages` still finds the words (same tag names). Django's
node looks the word up on every render: the active language through asgiref's context-local,
each loaded catalogue in turn, then the escaping, about ten microseconds. A thread page renders
about fifty of them, most in base.html's header and footer (issue 16). The output of a constant
word depends only on the active language, the catalogues (loaded once per process: a deploy
starts new processes) and the template's autoescaping, which make the key. A word given by a
variable, with a filter or with a variable context is left to Django's node.
"""

from django import template
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.template.base import Variable
from django.templatetags.i18n import TranslateNode, do_translate
from django.utils.translation import get_language

register = template.Library()

_translated: dict[tuple, str] = {}


@receiver(setting_changed)
def _forget(setting, **kwargs):
    """What makes Django reload its catalogues (tests override these settings)."""
    if setting in {"LANGUAGES", "LANGUAGE_CODE", "LOCALE_PATHS", "INSTALLED_APPS", "USE_I18N"}:
        _translated.clear()


def _constant(expression) -> bool:
    if expression is None:
        return True
    if expression.filters:
        return False
    var = expression.var
    return isinstance(var, str) or (isinstance(var, Variable) and var.lookups is None)


class OnceTranslateNode(TranslateNode):
    def __init__(self, node: TranslateNode):
        super().__init__(node.filter_expression, node.noop, node.asvar, node.message_context)
        constant = _constant(self.filter_expression) and _constant(self.message_context)
        self.key = (
            (
                self.filter_expression.var.literal,
                self.noop,
                self.message_context and self.message_context.var,
            )
            if constant
            else None
        )

    def render(self, context):
        if self.key is None:
            return super().render(context)
        key = (*self.key, get_language(), context.autoescape)
        value = _translated.get(key)
        if value is None:
            output = super().render(context)
            value = _translated[key] = context[self.asvar] if self.asvar else output
        elif self.asvar:
            context[self.asvar] = value
        return "" if self.asvar else value


@register.tag("translate")
@register.tag("trans")
def do_translate_once(parser, token):
    return OnceTranslateNode(do_translate(parser, token))
