"""`{% load i18n i18n_once %}`: a constant word translated once per process, language and
escaping gives what Django's `{% trans %}` gives, in every language, at every render; a word
given by a variable is translated at each render."""

import pytest
from django.template import Context, Engine
from django.utils import translation

from website.templatetags import i18n_once

ENGINE = Engine(
    libraries={
        "i18n": "django.templatetags.i18n",
        "i18n_once": "website.templatetags.i18n_once",
    }
)
SOURCE = (
    '{% trans "Aller au contenu" %}|{% translate "Se déconnecter" as out %}[{{ out }}]|'
    '{% trans word %}|{% trans "Menu" context "nowhere" %}|{% trans "Rechercher…" noop %}|'
    '{% trans "Langue"|upper %}|{% trans "Les « guillemets » & <balises>" %}'
)


def _render(source, language, autoescape=True, **context):
    with translation.override(language):
        return ENGINE.from_string(source).render(Context(context, autoescape=autoescape))


@pytest.fixture(autouse=True)
def _empty_memo():
    i18n_once._translated.clear()
    yield
    i18n_once._translated.clear()


@pytest.mark.parametrize("autoescape", [True, False])
def test_the_words_are_django_s_in_each_language_and_each_render(autoescape):
    django_source = "{% load i18n %}" + SOURCE
    once_source = "{% load i18n i18n_once %}" + SOURCE
    for language, word in [("fr", "Menu"), ("en", "Langue"), ("fr", "Langue"), ("en", "Menu")]:
        for _render_again in range(2):
            expected = _render(django_source, language, autoescape, word=word)
            assert _render(once_source, language, autoescape, word=word) == expected
    assert _render(once_source, "en", word="Menu").startswith("Skip to content|[Log out]|Menu|")
    assert _render(once_source, "fr", word="Menu").startswith("Aller au contenu|[Se déconnecter]|")
    assert _render(once_source, "en", word="<b>").split("|")[2] == "&lt;b&gt;"
    assert _render(once_source, "en", autoescape=False, word="<b>").split("|")[2] == "<b>"


def test_only_constant_words_are_kept():
    _render("{% load i18n i18n_once %}" + SOURCE, "en", word="Menu")
    kept = {key[0] for key in i18n_once._translated}
    assert kept == {
        "Aller au contenu",
        "Se déconnecter",
        "Menu",
        "Rechercher…",
        "Les « guillemets » & <balises>",
    }


def test_a_change_of_the_catalogues_settings_forgets_the_words(settings):
    _render("{% load i18n i18n_once %}{% trans 'Menu' %}", "en")
    assert i18n_once._translated
    settings.LOCALE_PATHS = [*settings.LOCALE_PATHS]
    assert not i18n_once._translated
