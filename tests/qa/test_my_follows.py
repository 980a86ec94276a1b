"""« Mes suivis » (issue 20, item 5): followed threads, topics, people and structures, with
what is new since the member's last visit of each page, and unfollow buttons without
JavaScript."""

import re

import pytest

from directory import services as directory_services
from directory.models import PersonFollow, StructureFollow
from qa import selectors, services
from qa.models import QuestionFollow, TopicFollow
from qa.views.follows import FOLLOWED_QUESTIONS_PER_PAGE
from tests.queries import SMALL, counted_get

pytestmark = pytest.mark.django_db

URL = "/compte/suivis/"


@pytest.fixture
def reader(make_user):
    return make_user()


@pytest.fixture
def other(make_user):
    return make_user()


@pytest.fixture
def followed_person(make_person, make_user):
    return make_person(user=make_user(), first_name="Sylvie", last_name="Marchand")


# --- Services and selectors ------------------------------------------------------------------


def test_following_a_person_or_a_structure_twice_keeps_one_row(
    reader, followed_person, make_structure
):
    structure = make_structure(name="Commune de Saint-Loup")
    for _ in range(2):
        directory_services.follow(user=reader, entry=followed_person)
        directory_services.follow(user=reader, entry=structure)
    assert PersonFollow.objects.filter(user=reader).count() == 1
    assert StructureFollow.objects.filter(user=reader).count() == 1
    directory_services.unfollow(user=reader, entry=followed_person)
    directory_services.unfollow(user=reader, entry=structure)
    assert not PersonFollow.objects.exists() and not StructureFollow.objects.exists()


def test_a_followed_thread_counts_what_others_posted_since_the_last_visit(
    client, reader, other, question, make_answer, make_comment
):
    services.question_follow(user=reader, question=question)
    make_answer(question=question, author=other)  # after following, never opened: new
    make_answer(question=question, author=reader)  # their own: never new
    [follow] = selectors.followed_questions(reader)
    assert (follow.new_answers, follow.new_comments) == (1, 0)

    client.force_login(reader)
    client.get(question.get_absolute_url())
    make_comment(post=question, author=other)
    [follow] = selectors.followed_questions(reader)
    assert (follow.new_answers, follow.new_comments) == (0, 1)


def test_a_followed_topic_counts_new_questions_until_its_page_is_opened(
    client, reader, other, topic, make_question
):
    services.topic_follow(user=reader, topic=topic)
    make_question(author=other, topics=[topic])
    make_question(author=reader, topics=[topic])
    assert [f.new_questions for f in selectors.followed_topics(reader)] == [1]
    client.force_login(reader)
    client.get(f"/sujets/{topic.slug}/")
    assert [f.new_questions for f in selectors.followed_topics(reader)] == [0]


def test_a_followed_person_counts_their_posts_and_questions_addressed_to_them(
    client, reader, other, followed_person, make_question, make_answer
):
    directory_services.follow(user=reader, entry=followed_person)
    thread = make_question(author=followed_person.user)
    make_answer(question=thread, author=followed_person.user)
    make_question(author=other, addressed_to_person=followed_person)
    [follow] = selectors.followed_people(reader)
    assert (follow.new_questions, follow.new_answers, follow.new_addressed) == (1, 1, 1)

    client.force_login(reader)
    client.get(followed_person.get_absolute_url())
    [follow] = selectors.followed_people(reader)
    assert (follow.new_questions, follow.new_answers, follow.new_addressed) == (0, 0, 0)


def test_a_followed_structure_counts_questions_asked_from_it_and_addressed_to_it(
    client, reader, other, make_structure, make_person, make_position, make_question
):
    structure = make_structure(name="Communauté de communes du Val")
    make_position(person=make_person(user=other), structure=structure)
    directory_services.follow(user=reader, entry=structure)
    make_question(author=other)  # asked from the structure (the asker's position)
    make_question(author=reader, addressed_to_structure=structure)  # their own: not new
    [follow] = selectors.followed_structures(reader)
    assert (follow.new_asked, follow.new_addressed) == (1, 0)

    client.force_login(reader)
    client.get(structure.get_absolute_url())
    [follow] = selectors.followed_structures(reader)
    assert (follow.new_asked, follow.new_addressed) == (0, 0)


def test_deleted_threads_and_unlisted_people_are_left_out(
    reader, question, moderator, followed_person
):
    services.question_follow(user=reader, question=question)
    directory_services.follow(user=reader, entry=followed_person)
    services.post_delete(post=question, by=moderator, reason="Spam")
    followed_person.is_listed = False
    followed_person.save()
    assert list(selectors.followed_questions(reader)) == []
    assert selectors.followed_people(reader) == []


# --- The page --------------------------------------------------------------------------------


def test_the_page_lists_each_kind_with_its_new_items_and_unfollow_buttons(
    client, reader, other, question, topic, followed_person, make_structure, make_answer
):
    structure = make_structure(name="Syndicat des eaux du Haut-Val")
    services.question_follow(user=reader, question=question)
    services.topic_follow(user=reader, topic=topic)
    directory_services.follow(user=reader, entry=followed_person)
    directory_services.follow(user=reader, entry=structure)
    make_answer(question=question, author=other)
    client.force_login(reader)

    page = client.get(URL).content.decode()
    for heading in ("Fils suivis", "Sujets suivis", "Personnes suivies", "Structures suivies"):
        assert f">{heading}</h2>" in page
    assert question.title in page and topic.name in page
    assert "Sylvie Marchand" in page and "Syndicat des eaux du Haut-Val" in page
    assert "1 réponse" in page and "depuis votre dernière visite du fil" in page
    assert f'href="{question.get_absolute_url()}#premier-non-lu"' in page
    unfollow = [form for form in re.findall(r"<form.*?</form>", page, re.S) if "unfollow" in form]
    assert len(unfollow) == 4
    assert all('name="next" value="/compte/suivis/"' in form for form in unfollow)
    assert page.count("csrfmiddlewaretoken") >= 4
    assert f'action="/annuaire/personnes/{followed_person.pk}/suivre/"' in page
    assert f'action="/annuaire/structures/{structure.slug}/suivre/"' in page


def test_the_page_says_when_nothing_is_followed(client, reader):
    client.force_login(reader)
    page = client.get(URL).content.decode()
    assert "Vous ne suivez aucun fil." in page and "Vous ne suivez personne." in page


@pytest.mark.parametrize(
    "unfollow",
    [
        lambda w: (f"/questions/{w['question'].pk}/suivre/", QuestionFollow),
        lambda w: (f"/sujets/{w['topic'].slug}/suivre/", TopicFollow),
        lambda w: (f"/annuaire/personnes/{w['person'].pk}/suivre/", PersonFollow),
        lambda w: (f"/annuaire/structures/{w['structure'].slug}/suivre/", StructureFollow),
    ],
    ids=["question", "topic", "person", "structure"],
)
def test_unfollow_buttons_work_without_javascript_and_come_back_here(
    client, reader, question, topic, followed_person, make_structure, unfollow
):
    structure = make_structure()
    services.question_follow(user=reader, question=question)
    services.topic_follow(user=reader, topic=topic)
    directory_services.follow(user=reader, entry=followed_person)
    directory_services.follow(user=reader, entry=structure)
    path, model = unfollow(
        {"question": question, "topic": topic, "person": followed_person, "structure": structure}
    )
    client.force_login(reader)
    response = client.post(path, {"action": "unfollow", "next": URL})
    assert response.status_code == 302 and response.url == URL
    assert not model.objects.filter(user=reader).exists()
    assert client.get(URL).status_code == 200


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/x", "javascript:x"])
def test_next_never_leads_off_the_site(client, reader, followed_person, target):
    client.force_login(reader)
    response = client.post(f"/annuaire/personnes/{followed_person.pk}/suivre/", {"next": target})
    assert response.status_code == 302
    assert response.url == followed_person.get_absolute_url()


def test_visitors_are_sent_to_log_in_and_pending_accounts_are_refused(client, pending_user):
    response = client.get(URL)
    assert response.status_code == 302 and "/comptes/login/" in response.url
    client.force_login(pending_user)
    response = client.get(URL)
    assert response.status_code == 302 and response.url == "/compte/en-attente/"


def test_the_account_menu_and_the_preferences_link_to_the_page(client, reader):
    client.force_login(reader)
    assert f'href="{URL}"' in client.get("/questions/").content.decode()
    assert f'href="{URL}"' in client.get("/compte/preferences/").content.decode()


# --- Query counts ----------------------------------------------------------------------------


@pytest.fixture
def follow_many(reader, other, make_question, make_answer, make_topic, make_person,
                make_structure):  # fmt: skip
    """`follow_many(n)`: the reader follows n more of each kind, each thread with a new
    answer."""

    def build(size):
        for _ in range(size):
            thread = make_question(author=other)
            services.question_follow(user=reader, question=thread)
            make_answer(question=thread, author=other)
            services.topic_follow(user=reader, topic=make_topic())
            directory_services.follow(user=reader, entry=make_person())
            directory_services.follow(user=reader, entry=make_structure())

    return build


def test_the_page_runs_as_many_queries_for_40_follows_of_each_kind_as_for_10(
    client, reader, follow_many, django_assert_max_num_queries
):
    """40: more threads than the page's 30, so that the threads are paginated."""
    many = FOLLOWED_QUESTIONS_PER_PAGE + SMALL
    client.force_login(reader)
    follow_many(SMALL)
    _response, small = counted_get(client, URL)
    follow_many(many - SMALL)
    response, large = counted_get(client, URL)
    page = response.content.decode()
    # One page of threads, every topic, person and structure.
    assert page.count('value="unfollow"') == FOLLOWED_QUESTIONS_PER_PAGE + 3 * many
    assert large == small
    with django_assert_max_num_queries(15):
        client.get(URL)
