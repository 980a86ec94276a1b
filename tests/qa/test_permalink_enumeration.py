"""Finding 1 of the December 2026 review: the answer and comment permalinks leaked titles.

`/reponses/<id>/` and `/commentaires/<id>/` redirect to the thread, whose URL carries the
slug of its title. They used to redirect anyone, for any id, deleted posts included: counting
ids listed every title of the members-only forum. Now visibility is checked first:

- a visitor (public reading off) gets the login page with the permalink itself as `next`;
- a pending account gets its waiting page;
- a member who may not see the post (deleted, in a deleted thread, under a deleted answer)
  gets a 404 that names nothing; a moderator still gets the redirect;
- with public reading on, a visitor gets the redirect for what visitors may read, a 404 for
  the rest.
"""

from urllib.parse import quote

import pytest
from django.urls import reverse

from qa import services

pytestmark = pytest.mark.django_db

SECRET_TITLE = "Arrêté de péril immeuble de M. Dupont 12 rue des Lilas"
SECRET_WORDS = ("dupont", "lilas", "peril")


@pytest.fixture
def posts(make_question, make_answer, make_comment, moderator):
    """Every kind of permalink target: live, deleted, and hidden by a deleted parent."""
    live_question = make_question(title=SECRET_TITLE)
    live_answer = make_answer(question=live_question)
    deleted_answer = make_answer(question=live_question)
    comment_on_deleted_answer = make_comment(post=deleted_answer)  # written before the deletion
    services.post_delete(post=deleted_answer, by=moderator)
    deleted_comment = make_comment(post=live_question)
    services.post_delete(post=deleted_comment, by=moderator)

    deleted_thread = make_question(title=SECRET_TITLE + " (supprimée)")
    answer_in_deleted_thread = make_answer(question=deleted_thread)
    comment_in_deleted_thread = make_comment(post=deleted_thread)
    services.post_delete(post=deleted_thread, by=moderator)
    return {
        "live": {
            "answer": live_answer,
            "comment_on_question": make_comment(post=live_question),
            "comment_on_answer": make_comment(post=live_answer),
        },
        "hidden": {
            "deleted_answer": deleted_answer,
            "deleted_comment": deleted_comment,
            "comment_on_deleted_answer": comment_on_deleted_answer,
            "answer_in_deleted_thread": answer_in_deleted_thread,
            "comment_in_deleted_thread": comment_in_deleted_thread,
        },
    }


def _permalink(post) -> str:
    prefix = "reponses" if post._meta.model_name == "answer" else "commentaires"
    return f"/{prefix}/{post.pk}/"


def _every_post(posts):
    return {**posts["live"], **posts["hidden"]}


def _assert_names_nothing(response):
    leaked = (response.get("Location", "") + response.content.decode()).lower()
    for word in SECRET_WORDS:
        assert word not in leaked, f"{word!r} leaked: {response.get('Location')}"


def test_visitor_gets_the_login_page_for_the_permalink_itself(client, posts):
    login = reverse("account_login")
    for name, post in _every_post(posts).items():
        url = _permalink(post)
        response = client.get(url)
        assert response.status_code == 302, name
        assert response["Location"] == f"{login}?next={quote(url)}", name
        _assert_names_nothing(response)


def test_visitor_cannot_tell_an_unknown_id_from_a_hidden_post(client, posts):
    login = reverse("account_login")
    for prefix in ("reponses", "commentaires"):
        response = client.get(f"/{prefix}/987654/")
        assert response.status_code == 302
        assert response["Location"] == f"{login}?next={quote(f'/{prefix}/987654/')}"


def test_pending_account_gets_its_waiting_page(client, pending_user, posts):
    client.force_login(pending_user)
    for name, post in _every_post(posts).items():
        response = client.get(_permalink(post))
        assert response.status_code == 302, name
        assert response["Location"] == reverse("pending"), name


def test_member_reaches_live_posts(client, member, posts):
    client.force_login(member)
    for name, post in posts["live"].items():
        response = client.get(_permalink(post))
        assert response.status_code == 302, name
        assert response["Location"] == post.get_absolute_url(), name
        assert "dupont" in response["Location"]


def test_member_gets_a_404_naming_nothing_for_hidden_posts(client, member, posts):
    client.force_login(member)
    for name, post in posts["hidden"].items():
        response = client.get(_permalink(post))
        assert response.status_code == 404, name
        _assert_names_nothing(response)


def test_moderator_still_reaches_hidden_posts(client, moderator, posts):
    client.force_login(moderator)
    for name, post in _every_post(posts).items():
        response = client.get(_permalink(post))
        assert response.status_code == 302, name
        assert response["Location"] == post.get_absolute_url(), name


def test_public_reading_redirects_visitors_to_what_they_may_read_only(client, settings, posts):
    settings.PUBLIC_READ = True
    for name, post in posts["live"].items():
        response = client.get(_permalink(post))
        assert response.status_code == 302, name
        assert response["Location"] == post.get_absolute_url(), name
    for name, post in posts["hidden"].items():
        response = client.get(_permalink(post))
        assert response.status_code == 404, name
        _assert_names_nothing(response)
