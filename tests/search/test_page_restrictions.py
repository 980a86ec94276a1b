"""Wagtail view restrictions in the search index (security review, finding 12).

A page is visible when the user passes *every* restriction on its path (Wagtail's own rule),
and the index follows a change of a restriction's groups and a page moved under a restricted
section at once, through the search service on each backend.
"""

import pytest
from django.contrib.auth.models import Group

from website.search.documents import principals_for
from website.search.results import SearchRequest

pytestmark = pytest.mark.django_db


def titles(backend, user, query):
    results = backend.search(SearchRequest(query=query, principals=principals_for(user)))
    return {hit.title for hit in results.hits}


@pytest.fixture
def nested(make_page, index):
    """A section for editors holding a page for experts: only someone in both groups passes."""
    section = make_page("Espace éditorial", "Rubrique.", restriction="groups", groups=["Éditeurs"])
    page = make_page(
        "Calendrier embargo lagunage",
        "Notes sur le lagunage.",
        restriction="groups",
        groups=["Experts"],
        parent=section,
    )
    index(section, page)
    return page


def test_a_page_under_two_group_restrictions_needs_both_groups(
    nested, search_backend, make_user, moderator
):
    editor_only = make_user(roles=["Éditeurs"])
    expert_only = make_user(roles=["Experts"])
    both = make_user(roles=["Éditeurs", "Experts"])
    assert titles(search_backend, editor_only, "lagunage") == set()
    assert titles(search_backend, expert_only, "lagunage") == set()
    assert titles(search_backend, moderator, "lagunage") == set()
    assert titles(search_backend, both, "lagunage") == {"Calendrier embargo lagunage"}


def test_a_group_page_under_a_login_section_needs_the_group(
    search_backend, make_page, index, member, make_user, visitor
):
    section = make_page("Espace des membres", "Rubrique.", restriction="login")
    page = make_page(
        "Relevé des lagunages",
        "Tableau interne.",
        restriction="groups",
        groups=["Experts"],
        parent=section,
    )
    index(section, page)
    assert titles(search_backend, visitor, "lagunages") == set()
    assert titles(search_backend, member, "lagunages") == set()
    assert titles(search_backend, make_user(roles=["Experts"]), "lagunages") == {
        "Relevé des lagunages"
    }


def test_a_page_under_a_password_section_is_found_by_nobody(
    search_backend, make_page, index, make_user, moderator
):
    section = make_page("Dossier du jury", "Rubrique.", restriction="password")
    page = make_page(
        "Grille de notation lagunage",
        "Barème.",
        restriction="groups",
        groups=["Éditeurs"],
        parent=section,
    )
    index(section, page)
    assert titles(search_backend, make_user(roles=["Éditeurs"]), "lagunage") == set()
    assert titles(search_backend, moderator, "lagunage") == set()


def test_changing_only_the_groups_of_a_restriction_reindexes_the_subtree(
    search_backend, make_page, make_user, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        section = make_page(
            "Espace réservé", "Rubrique.", restriction="groups", groups=["Éditeurs"]
        )
        make_page("Bilan des lagunages", "Chiffres.", parent=section)
    editor = make_user(roles=["Éditeurs"])
    expert = make_user(roles=["Experts"])
    assert titles(search_backend, editor, "lagunages") == {"Bilan des lagunages"}
    restriction = section.get_view_restrictions().get()
    with django_capture_on_commit_callbacks(execute=True):
        restriction.groups.set([Group.objects.get(name="Experts")])
    assert titles(search_backend, editor, "lagunages") == set()
    assert titles(search_backend, expert, "lagunages") == {"Bilan des lagunages"}


def test_moving_a_page_under_a_restricted_section_reindexes_its_subtree_at_once(
    search_backend, make_page, visitor, member, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        section = make_page("Espace des membres", "Rubrique.", restriction="login")
        page = make_page("Station d'épuration", "Présentation.")
        child = make_page("Visite de la lagune", "Compte rendu de la visite.", parent=page)
    assert titles(search_backend, visitor, "lagune") == {"Visite de la lagune"}
    with django_capture_on_commit_callbacks(execute=True):
        page.move(section, pos="last-child")
    # (The typo tolerance may offer the visitor another page for a word it no longer sees.)
    assert not titles(search_backend, visitor, "lagune") & {child.title, page.title}
    assert not titles(search_backend, visitor, "épuration") & {child.title, page.title}
    assert titles(search_backend, member, "lagune") == {child.title}
