"""The accessibility statement (RGAA format) says what was checked, and only that."""

import html

import pytest
from django.test import Client

from taxonomy import demo as taxonomy_demo
from tests.e2e import test_accessibility_audit as audit
from tests.module_transaction import module_transaction
from website.pages import demo

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def statement(django_db_setup, django_db_blocker):
    """The statement as a visitor reads it, with the demo content (loading it takes most of a
    second): built once for the module, in a transaction rolled back at its end."""
    with module_transaction(django_db_blocker):
        taxonomy_demo.load()
        demo.load()
        response = Client().get("/accessibilite/")
        assert response.status_code == 200
        yield html.unescape(response.content.decode())


def test_statement_is_partially_compliant_and_says_no_full_audit_was_done(statement):
    assert "<b>partiellement conforme</b>" in statement
    assert "RGAA) version 4.1" in statement
    assert "Aucun audit de conformité RGAA complet n'a été réalisé" in statement


def test_statement_lists_the_checks_the_test_suite_runs(statement):
    # Each claim matches a test: the axe audit of every page type by role, the phone width,
    # the keyboard journey with the skip link, the declared language.
    assert "axe-core (critères WCAG 2.1 de niveaux A et AA, et bonnes pratiques" in statement
    assert "best-practice" in audit.AUDIT_TAGS
    roles = {entry.role for entry in audit.PAGES}
    assert {"visitor", "member", "moderator", "editor"} <= roles
    assert "en visiteur et en membre connecté" in statement
    assert "en modérateur et en éditeur" in statement
    assert f"téléphone de {audit.PHONE['width']} pixels de large" in statement
    assert "Parcours au clavier seul" in statement and "lien d'évitement" in statement
    assert "langue déclarée (français)" in statement


def test_statement_lists_the_rgaa_checks_beyond_axe_and_its_sample(statement):
    # Each claim matches a test of the audit (docs/accessibility.md) or the session warning.
    assert f"échantillon de {len(audit.RGAA_SAMPLE)} pages" in statement
    assert set(audit.REFLOW_WIDTHS) == {320, 640}  # 320 px, and 1,280 px at 200 %
    assert "à 320 pixels de large et à un zoom de 200 %" in statement
    assert "interlignage 1,5, lettres 0,12 em, mots 0,16 em, paragraphes 2 em" in statement
    assert "focus visible sur chaque élément atteint avec la touche Tab" in statement
    assert "erreurs de saisie annoncées et reliées à leur champ" in statement
    assert "prévient dix minutes avant la fin de la session" in statement
    assert "Rester connecté" in statement


def test_statement_is_dated_and_keeps_the_rgaa_sections(statement):
    for heading in (
        "État de conformité",
        "Résultats des tests",
        "Contenus non accessibles",
        "Établissement de cette déclaration d'accessibilité",
        "Retour d'information et contact",
        "Voies de recours",
    ):
        assert f"<h2>{heading}" in statement, heading
    assert "établie le 29 novembre 2026" in statement
