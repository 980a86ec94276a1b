"""The list pages' shared fragments (issue 16, item 4): the filter form and the results are
rendered once for every viewer until the next write; each write shows on the next request, and
a member never sees another member's unread marks, feed link or buttons."""

import pytest
from django.conf import settings
from django.test import Client

from qa import selectors, services
from qa.models import Question
from website.notifications.models import FeedToken

pytestmark = pytest.mark.django_db

MARK = "#premier-non-lu"


@pytest.fixture
def rendered(monkeypatch):
    """How many times the results were rendered from the database."""
    calls = []
    original = selectors.question_list

    def counting(**kwargs):
        calls.append(kwargs)
        return original(**kwargs)

    monkeypatch.setattr(selectors, "question_list", counting)
    return calls


def _page(client, url="/questions/"):
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def test_the_results_are_rendered_once_for_every_member_until_a_write(
    make_user, question, rendered
):
    first, second = Client(), Client()
    for viewer in (first, second):
        # A login is a write (the last login's date), and so is a member's first Q&A page
        # (their feed token).
        viewer.force_login(make_user())
        _page(viewer)
    before = len(rendered)
    for viewer in (first, second, first, second):
        assert question.title in _page(viewer)
    assert len(rendered) == before + 1  # the second member's feed token was the last write
    services.vote_cast(user=make_user(), post=question, value=1)
    assert "<strong>1</strong> vote" in _page(first)
    assert len(rendered) == before + 2


def _accepted(question, other):
    answer = services.answer_create(question=question, author=other, body="La réponse.")
    services.answer_accept(answer=answer, by=question.author)


WRITES = {
    "a new question": (
        lambda question, member, other, moderator: services.question_create(
            author=other, title="Une question toute neuve ?", body="Texte.", topics=[]
        ),
        "Une question toute neuve ?",
    ),
    "an edit": (
        lambda question, member, other, moderator: services.post_edit(
            post=question, by=question.author, title="Un titre corrigé", body="Corrigé."
        ),
        "Un titre corrigé",
    ),
    "a vote": (
        lambda question, member, other, moderator: services.vote_cast(
            user=other, post=question, value=1
        ),
        "<strong>1</strong> vote",
    ),
    "an answer": (
        lambda question, member, other, moderator: services.answer_create(
            question=question, author=other, body="Une réponse."
        ),
        "<strong>1</strong> réponse",
    ),
    "an acceptance": (
        lambda question, member, other, moderator: _accepted(question, other),
        "Réponse acceptée",
    ),
    "a closing": (
        lambda question, member, other, moderator: services.question_close(
            question=question, by=moderator, reason="duplicate"
        ),
        "Fermée",
    ),
}


@pytest.mark.parametrize("write", WRITES, ids=list(WRITES))
def test_a_write_shows_on_the_next_list_request(
    client, question, member, make_user, moderator, write
):
    other = make_user()
    client.force_login(make_user())
    _page(client)
    before = _page(client)
    action, shown = WRITES[write]
    assert shown not in before
    action(question, member, other, moderator)
    assert shown in _page(client)


def test_a_deleted_thread_leaves_the_list_on_the_next_request(client, question, moderator):
    client.force_login(moderator)
    _page(client)
    assert question.title in _page(client)
    services.post_delete(post=question, by=moderator, reason="Spam")
    assert question.title not in _page(client)


def test_a_renamed_asker_shows_on_the_next_request(client, question, make_user):
    client.force_login(make_user())
    _page(client)
    assert question.author.get_full_name() in _page(client)
    question.author.first_name = "Mireille"
    question.author.save()
    assert "Mireille" in _page(client)


def test_the_language_switch_shows_the_list_in_the_new_language(client, question, member):
    client.force_login(member)
    assert "1 résultat" in _page(client)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    english = _page(client)
    assert "1 result<" in english and "résultat" not in english
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "fr"
    assert "1 résultat" in _page(client)


def test_a_member_who_loses_access_is_refused_though_the_list_is_cached(
    client, question, make_user
):
    reader = make_user()
    client.force_login(reader)
    _page(client)
    _page(client)
    reader.approved_at = None  # back to pending approval
    reader.save()
    assert client.get("/questions/").status_code in (302, 403)


def test_two_members_alternately_see_only_their_own_unread_marks_and_feed_link(
    client, make_question, make_answer, make_user
):
    reader, bystander, other = make_user(), make_user(), make_user()
    thread = make_question(title="Un fil lu par le premier membre")
    client.force_login(reader)
    client.get(thread.get_absolute_url())
    client.force_login(bystander)
    client.get(thread.get_absolute_url())
    make_answer(question=thread, author=other)
    client.force_login(reader)
    _page(client)
    client.force_login(bystander)
    client.get(thread.get_absolute_url())  # the bystander has read the new answer
    pages = {}
    for viewer in (reader, bystander, reader, bystander):
        client.force_login(viewer)
        pages.setdefault(viewer.pk, []).append(_page(client))
    for page in pages[reader.pk]:
        assert f'href="{thread.get_absolute_url()}{MARK}"' in page
        assert page.count("Nouveau<span") == 1
    for page in pages[bystander.pk]:
        assert MARK not in page and "Nouveau<span" not in page
        assert f'href="{thread.get_absolute_url()}"' in page
    reader_token = FeedToken.objects.get(user=reader).token
    assert all(reader_token in page for page in pages[reader.pk])
    assert all(reader_token not in page for page in pages[bystander.pk])


def test_a_query_string_is_never_served_to_another_one(client, make_question, member):
    for n in range(25):
        make_question(title=f"Fil numéro {n:02d} de la liste")
    client.force_login(member)
    _page(client)
    planted = _page(client, "/questions/?page=2&pour=autrui")
    assert "pour=autrui" in planted
    assert "pour=autrui" not in _page(client, "/questions/?page=2")
    assert "Fil numéro 00" in _page(client, "/questions/?page=2")
    assert "Fil numéro 00" not in _page(client, "/questions/?page=1")


def test_a_visitor_with_public_reading_gets_no_marks_from_the_shared_rows(
    client, question, settings
):
    settings.PUBLIC_READ = True
    page = _page(client)
    assert question.title in page and "<!--unread" not in page
    assert Question.objects.count() == 1


@pytest.mark.parametrize(
    "query",
    ["?pour=autrui", "?sujet=culture", "?structure=mairie", "?page=51", "?tri=inconnu",
     "?page=2&page=3"],
)  # fmt: skip
def test_a_request_cannot_store_fragments_of_its_own_making(
    client, member, question, rendered, query
):
    """Free text or junk in the query string is rendered, never stored: no request fills the
    shared cache with keys of its own (the database cache culls in key order when full)."""
    client.force_login(member)
    _page(client)
    before = len(rendered)
    _page(client, "/questions/" + query)
    _page(client, "/questions/" + query)
    assert len(rendered) == before + 2
    _page(client, "/questions/?tri=votes&filtre=validee&page=1")
    _page(client, "/questions/?tri=votes&filtre=validee&page=1")
    assert len(rendered) == before + 3
