"""List and thread pages run a number of queries that does not grow with the content."""

import secrets

import pytest
from django.core.cache import cache
from django.db import connection
from django.db.models import F
from django.test.utils import CaptureQueriesContext

from qa import services
from qa.models import Question
from tests.queries import LARGE, SMALL, queries_by_statement
from website import http_cache

pytestmark = pytest.mark.django_db

# A member's thread rendered after a write (issue 16: was 30, then 15, then 11 with the visit's
# upsert that a reload with nothing new no longer writes).
THREAD_MAX_QUERIES = 10
# The same page once its posts' shared HTML is in the cache (no write since the last render):
# neither the people's positions nor the attachments are read.
THREAD_CACHED_MAX_QUERIES = 8
LIST_MAX_QUERIES = 20
# A member's question or discussion list (issue 16): the session, the user with their groups,
# TOTP, unread count and feed token (website/auth_backends.py), and which of the page's rows
# are unread for them; the filter form and the results are shared fragments
# (directory/fragments.py) from the cache...
MEMBER_LIST_QUERIES = 3
# ... rendered again after a write: the paginator's count, the rows, the rows' topics and the
# filter choices (one UNION).
MEMBER_LIST_QUERIES_AFTER_A_WRITE = 7


def _count(client, url):
    with CaptureQueriesContext(connection) as context:
        response = client.get(url)
    assert response.status_code == 200
    return len(context.captured_queries)


def _rendered_and_cached(client, url):
    """The queries of the thread rendered after a write (its shared fragment stored) and of the
    same thread read again (the fragment from the cache), both reloads of a visited thread
    with nothing new in it (so neither records the visit again: qa.services)."""
    assert client.get(url).status_code == 200
    cache.set(http_cache.GENERATION_KEY, secrets.token_hex(8))  # as a write does
    return _count(client, url), _count(client, url)


def _first_visit(client, url):
    """A member's first Q&A page makes their personal feed token (the feed links carry it,
    issue 20 item 9), once: the counts compare the visits after it."""
    assert client.get(url).status_code == 200


def _grow(question, users, *, answers, comments_per_answer, votes=True):
    for n in range(answers):
        answer = services.answer_create(
            question=question, author=users[n % len(users)], body=f"Réponse {n}"
        )
        if votes:
            services.vote_cast(user=users[(n + 1) % len(users)], post=answer, value=1)
        if n == 0:
            services.answer_validate(answer=answer, by=users[2])
        for c in range(comments_per_answer):
            services.comment_create(post=answer, author=users[c % len(users)], body=f"c{c}")


@pytest.fixture
def users(make_user, make_person, make_position):
    people = []
    for _ in range(5):
        user = make_user()
        make_position(person=make_person(user=user))
        people.append(user)
    return people


def test_thread_queries_do_not_grow_with_20_answers_and_80_comments(
    client, make_question, users, make_topic, django_assert_max_num_queries
):
    """A query per answer would show as 19 more queries (the thread shows every post): 20
    answers say it as well as 50 did, for less than half of the building."""
    small = make_question(author=users[0], topics=[make_topic()])
    _grow(small, users, answers=1, comments_per_answer=1)
    big = make_question(author=users[0], topics=[make_topic() for _ in range(5)])
    _grow(big, users, answers=20, comments_per_answer=4)
    for c in range(10):
        services.comment_create(post=big, author=users[c % 5], body=f"q{c}")
    viewer = users[3]
    client.force_login(viewer)
    _first_visit(client, small.get_absolute_url())
    small_counts = _rendered_and_cached(client, small.get_absolute_url())
    big_counts = _rendered_and_cached(client, big.get_absolute_url())
    assert big_counts == small_counts
    assert small_counts[1] == small_counts[0] - 2  # no positions, no attachments
    assert small_counts[0] <= THREAD_MAX_QUERIES
    with django_assert_max_num_queries(THREAD_CACHED_MAX_QUERIES):
        client.get(big.get_absolute_url())


def test_thread_queries_sorted_by_date_do_not_grow_either(
    client, make_question, users, make_topic, django_assert_max_num_queries
):
    small = make_question(author=users[0], topics=[make_topic()])
    _grow(small, users, answers=2, comments_per_answer=1)
    big = make_question(author=users[0], topics=[make_topic() for _ in range(5)])
    _grow(big, users, answers=20, comments_per_answer=4)
    client.force_login(users[3])
    _first_visit(client, small.get_absolute_url() + "?tri=date")  # the choice is remembered
    small_counts = _rendered_and_cached(client, small.get_absolute_url() + "?tri=date")
    big_counts = _rendered_and_cached(client, big.get_absolute_url() + "?tri=date")
    assert big_counts == small_counts
    assert big_counts[0] <= THREAD_MAX_QUERIES
    # Remembered: read, not written; the posts' fragment serves either order.
    assert _count(client, big.get_absolute_url()) == big_counts[1]
    with django_assert_max_num_queries(THREAD_CACHED_MAX_QUERIES):
        client.get(big.get_absolute_url() + "?tri=date")


def test_thread_queries_for_a_moderator_do_not_grow_either(
    client, make_question, users, moderator, make_topic
):
    small = make_question(author=users[0], topics=[make_topic()])
    _grow(small, users, answers=1, comments_per_answer=1)
    big = make_question(author=users[0], topics=[make_topic() for _ in range(3)])
    _grow(big, users, answers=20, comments_per_answer=3)
    client.force_login(moderator)
    _first_visit(client, small.get_absolute_url())
    big_counts = _rendered_and_cached(client, big.get_absolute_url())
    assert big_counts == _rendered_and_cached(client, small.get_absolute_url())


@pytest.mark.parametrize("url", ["/questions/", "/questions/?tri=votes&filtre=validee",
                                 "/discussions/", "/sujets/", "/sujets/{topic}/"])  # fmt: skip
def test_list_queries_do_not_grow_with_rows_topics_or_answers(
    client, make_question, users, make_topic, url
):
    topic = make_topic()
    client.force_login(users[0])
    page_url = url.format(topic=topic.slug)
    first = make_question(author=users[0], topics=[topic])
    _grow(first, users, answers=1, comments_per_answer=1, votes=False)
    _first_visit(client, page_url)
    few = _count(client, page_url)
    extra_topics = [make_topic() for _ in range(4)]
    for n in range(25):
        question = make_question(author=users[n % 5], topics=[topic, *extra_topics])
        _grow(question, users, answers=2, comments_per_answer=1, votes=False)
    many = _count(client, page_url)
    assert many == few
    assert many <= LIST_MAX_QUERIES


@pytest.mark.parametrize("url", ["/questions/", "/discussions/"])
def test_a_members_list_page_runs_three_queries_and_seven_after_a_write_with_10_or_30_threads(
    client, make_question, users, make_topic, make_structure, url
):
    kind = "question" if url == "/questions/" else "discussion"
    topics = [make_topic() for _ in range(3)]
    client.force_login(users[0])

    def add(count):
        for n in range(count):
            author = users[n % 5]
            question = make_question(author=author, topics=topics[: 1 + n % 3], kind=kind)
            if n % 4 == 0:
                services.answer_create(question=question, author=users[(n + 1) % 5], body="R")

    def measured():
        """The queries of the page right after a write, then of the page again."""
        Question.objects.filter(pk=Question.objects.first().pk).update(score=F("score"))
        return queries_by_statement(client, url), queries_by_statement(client, url)

    add(SMALL)
    _first_visit(client, url)
    client.get(f"/questions/{Question.objects.first().pk}/")  # a visit: the marker's query runs
    small_written, small = measured()
    add(LARGE - SMALL)
    large_written, large = measured()
    assert len(small) == len(large) == MEMBER_LIST_QUERIES, "\n".join(large)
    assert len(small_written) == len(large_written) == MEMBER_LIST_QUERIES_AFTER_A_WRITE, "\n".join(
        large_written
    )
    # What every page asks about the member is read in the user's own query...
    (user_query,) = [sql for sql in large if 'FROM "directory_user"' in sql]
    for table in ("auth_group", "mfa_authenticator", "notifications_notification",
                  "notifications_feedtoken"):  # fmt: skip
        assert [sql for sql in large if f'"{table}"' in sql] == [user_query], table
    # ... and the unread marks in one query for the page's rows, cached or not.
    for queries in (large, large_written):
        (unread_query,) = [sql for sql in queries if '"qa_threadvisit"' in sql]
        assert unread_query.startswith('SELECT "qa_threadvisit"."question_id"')


def test_the_structure_filter_offers_the_askers_structures_escaped_with_the_chosen_one_selected(
    client, make_question, users
):
    from directory.models import Position

    mine = Position.objects.filter(person__user=users[0]).first().structure
    mine.name = "L'Isle & <Co>"
    mine.save()
    other = Position.objects.filter(person__user=users[1]).first().structure
    make_question(author=users[0])
    make_question(author=users[1])
    client.force_login(users[2])
    page = client.get("/questions/", {"structure": mine.slug}).content.decode()
    assert f'<option value="{mine.slug}" selected>L&#x27;Isle &amp; &lt;Co&gt;</option>' in page
    assert f'<option value="{other.slug}">{other.name}</option>' in page
    select = page[page.index('id="filter-structure"') :].split("</select>")[0]
    assert select.count(" selected>") == 1 and select.count("<option") == 3  # with « Toutes »
