"""Nothing restricted leaks: not through hits, facet counts, similar questions or "did you mean"."""

import pytest

from website.search import services
from website.search.documents import principals_for
from website.search.results import SearchRequest

pytestmark = pytest.mark.django_db


def find(backend, user, query, **kwargs):
    return backend.search(SearchRequest(query=query, principals=principals_for(user), **kwargs))


@pytest.fixture
def mixed(search_backend, ask, index, make_page, make_person, make_topic, moderator):
    """One public page, a members-only question, a person, a page for editors only and a
    soft-deleted question, all about "compostage"."""
    topic = make_topic(name="Biodéchets", slug="biodechets")
    public = make_page("Guide du compostage", "Le compostage partagé en pied d'immeuble.")
    question = ask("Compostage collectif en lotissement", topics=[topic])
    person = make_person(first_name="Jeanne", last_name="Compostière", bio="Maître composteur.")
    editors_page = make_page(
        "Note confidentielissime : compostage",
        "Budget interne",
        restriction="groups",
        groups=["Éditeurs"],
    )
    login_page = make_page(
        "Compostage : tableau des membres", "Liste réservée", restriction="login"
    )
    deleted = ask("Compostage supprimé par la modération")
    from qa import services as qa_services

    qa_services.post_delete(post=deleted, by=moderator)
    index(public, question, person, editors_page, login_page, deleted)
    return {
        "public": public,
        "question": question,
        "editors_page": editors_page,
        "login_page": login_page,
        "deleted": deleted,
    }


def titles(results):
    return {hit.title for hit in results.hits}


def test_a_visitor_sees_only_public_pages(mixed, search_backend, visitor):
    results = find(search_backend, visitor, "compostage")
    assert titles(results) == {"Guide du compostage"}
    assert results.total == 1


def test_a_visitor_sees_qa_when_the_site_opens_it_to_the_public(
    mixed, search_backend, visitor, settings
):
    settings.PUBLIC_READ = True
    assert "Compostage collectif en lotissement" in titles(
        find(search_backend, visitor, "compostage")
    )


def test_facet_counts_never_count_what_the_user_cannot_see(mixed, search_backend, visitor, member):
    visitor_kinds = {
        f.value: f.count for f in find(search_backend, visitor, "compostage").facets["kind"]
    }
    assert visitor_kinds == {"page": 1}
    assert find(search_backend, visitor, "compostage").facets["topics"] == []
    member_kinds = {
        f.value: f.count for f in find(search_backend, member, "compostage").facets["kind"]
    }
    assert member_kinds == {"page": 2, "question": 1}


def test_a_member_sees_members_content_but_not_a_groups_page(mixed, search_backend, member):
    found = titles(find(search_backend, member, "compostage"))
    assert found == {
        "Guide du compostage",
        "Compostage collectif en lotissement",
        "Compostage : tableau des membres",
    }
    assert titles(find(search_backend, member, "Compostière")) == {"Jeanne Compostière"}


def test_an_editor_sees_the_page_restricted_to_editors(mixed, search_backend, editor):
    assert "Note confidentielissime : compostage" in titles(
        find(search_backend, editor, "compostage")
    )


def test_a_soft_deleted_question_is_found_by_moderators_only(
    mixed, search_backend, member, moderator
):
    assert "Compostage supprimé par la modération" not in titles(
        find(search_backend, member, "supprimé")
    )
    assert "Compostage supprimé par la modération" in titles(
        find(search_backend, moderator, "supprimé")
    )


def test_a_pending_account_holds_no_member_principal(pending_user):
    assert principals_for(pending_user) == frozenset({"public"})


def test_similar_questions_never_show_what_the_asker_cannot_see(
    mixed, search_backend, visitor, member
):
    assert services.similar_for(visitor, "compostage collectif en lotissement") == []
    assert [
        h.title for h in services.similar_for(member, "compostage collectif en lotissement")
    ] == ["Compostage collectif en lotissement"]


def test_did_you_mean_never_suggests_a_word_only_restricted_documents_hold(
    mixed, search_backend, member, editor
):
    assert search_backend.suggest("confidentielisime", principals_for(member)) == ""
    assert (
        search_backend.suggest("confidentielisime", principals_for(editor)) == "confidentielissime"
    )


def test_the_results_page_shows_a_visitor_no_members_content(mixed, search_backend, client):
    response = client.get("/recherche/", {"q": "compostage"})
    content = response.content.decode()
    assert response.status_code == 200
    assert "Guide du <mark>compostage</mark>" in content
    assert "lotissement" not in content
    assert "Compostière" not in content
    assert "confidentielissime" not in content


def test_the_similar_endpoint_shows_a_visitor_nothing_restricted(mixed, search_backend, client):
    response = client.get(
        "/recherche/similaires/", {"titre": "compostage collectif en lotissement"}
    )
    assert response.json() == {"results": []}
