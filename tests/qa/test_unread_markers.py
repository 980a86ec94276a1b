"""Unread markers (issue 20, item 6): a per-member, per-thread last visit marks what others
published since, in the lists and on the thread page; pruned by a command."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from qa import selectors, services
from qa.models import ThreadVisit
from tests.queries import LARGE, SMALL, counted_get

pytestmark = pytest.mark.django_db

NEW = "Nouveau"
EXPLAINED = "réponses ou commentaires depuis votre dernière visite"


def _visit(client, question):
    response = client.get(question.get_absolute_url())
    assert response.status_code == 200
    return response.content.decode()


# --- Services ------------------------------------------------------------------------------


def test_recording_a_visit_keeps_one_row_per_member_and_thread(question, member):
    first = timezone.now() - timedelta(hours=1)
    services.thread_visit_record(user=member, question=question, when=first)
    later = timezone.now()
    services.thread_visit_record(user=member, question=question, when=later)
    assert ThreadVisit.objects.filter(user=member, question=question).count() == 1
    assert ThreadVisit.objects.get(user=member, question=question).seen_at == later


def test_pruning_deletes_old_markers_and_those_of_deleted_threads(
    make_question, make_user, moderator, settings
):
    settings.QA_THREAD_VISIT_RETENTION_DAYS = 30
    reader = make_user()
    recent, old, deleted = make_question(), make_question(), make_question()
    now = timezone.now()
    services.thread_visit_record(user=reader, question=recent, when=now - timedelta(days=29))
    services.thread_visit_record(user=reader, question=old, when=now - timedelta(days=31))
    services.thread_visit_record(user=reader, question=deleted, when=now)
    services.post_delete(post=deleted, by=moderator, reason="Hors sujet")

    assert services.thread_visits_prune(now=now) == 2
    assert list(ThreadVisit.objects.values_list("question_id", flat=True)) == [recent.pk]


def test_the_prune_command_says_how_many_markers_went(question, member, capsys):
    services.thread_visit_record(
        user=member, question=question, when=timezone.now() - timedelta(days=400)
    )
    call_command("prune_thread_visits")
    assert "1 dernière(s) visite(s) supprimée(s)." in capsys.readouterr().out
    assert not ThreadVisit.objects.exists()


def test_rows_are_unread_only_after_a_visit_and_a_post_by_someone_else(
    make_question, make_answer, make_comment, make_user
):
    reader, other = make_user(), make_user()
    never_seen, answered, commented, own_answer, quiet = (make_question() for _ in range(5))
    make_answer(question=never_seen, author=other)
    for thread in (answered, commented, own_answer, quiet):
        services.thread_visit_record(user=reader, question=thread, when=timezone.now())
    make_answer(question=answered, author=other)
    make_comment(post=commented, author=other)
    make_answer(question=own_answer, author=reader)

    rows = selectors.mark_unread_rows([never_seen, answered, commented, own_answer, quiet], reader)
    assert [row.has_unread for row in rows] == [False, True, True, False, False]


def test_deleted_posts_and_posts_of_a_deleted_answer_are_not_new(
    question, make_answer, make_comment, make_user, moderator
):
    reader, other = make_user(), make_user()
    answer = make_answer(question=question, author=other)
    services.thread_visit_record(user=reader, question=question, when=timezone.now())
    make_comment(post=answer, author=other)
    late = make_answer(question=question, author=other)
    services.post_delete(post=late, by=moderator, reason="Doublon")
    services.post_delete(post=answer, by=moderator, reason="Doublon")

    assert selectors.mark_unread_rows([question], reader)[0].has_unread is False


def test_visitors_get_no_marks(question, client):
    from django.contrib.auth.models import AnonymousUser

    assert selectors.mark_unread_rows([question], AnonymousUser())[0].has_unread is False


# --- The thread page -------------------------------------------------------------------------


def test_the_thread_page_marks_new_posts_and_links_to_the_first(
    client, question, make_answer, make_comment, make_user
):
    reader, other = make_user(), make_user()
    old = make_answer(question=question, author=other, body="Réponse déjà lue.")
    client.force_login(reader)
    page = _visit(client, question)
    assert "premier-non-lu" not in page
    new_comment = make_comment(post=question, author=other, body="Un commentaire neuf.")
    make_answer(question=question, author=other, body="Une réponse neuve.")

    page = _visit(client, question)
    assert 'href="#premier-non-lu"' in page and "Premier message non lu" in page
    assert "2 nouveaux messages depuis votre dernière visite" in page
    # The first new post in page order: the question's comment, before the answers.
    first = page.index('id="premier-non-lu"')
    assert page.index(f'id="commentaire-{new_comment.pk}"') < first
    assert first < page.index("Un commentaire neuf.")
    assert page.count('class="qa-mark qa-mark--new"') == 2
    assert "publiée depuis votre dernière visite" in page
    assert page.index(f'id="reponse-{old.pk}"') < page.index("Réponse déjà lue.")

    # Seen: the next visit shows nothing new.
    assert "premier-non-lu" not in _visit(client, question)


def test_the_members_own_posts_are_never_new(client, question, make_answer, make_user):
    reader = make_user()
    client.force_login(reader)
    _visit(client, question)
    make_answer(question=question, author=reader, body="Ma propre réponse.")
    assert "premier-non-lu" not in _visit(client, question)


def test_a_first_visit_marks_nothing_and_records_the_visit(client, question, make_answer, member):
    make_answer(question=question)
    client.force_login(member)
    assert "premier-non-lu" not in _visit(client, question)
    assert ThreadVisit.objects.filter(user=member, question=question).exists()


def test_a_reload_with_nothing_new_soon_after_the_last_visit_writes_nothing(
    client, question, make_answer, make_user
):
    """Issue 16: reloading a thread where nothing happened is the commonest request; moving
    the marker then would change no « Nouveau » anywhere, so it is left as it is."""
    reader, other = make_user(), make_user()
    make_answer(question=question, author=other)
    client.force_login(reader)
    _visit(client, question)
    first = ThreadVisit.objects.get(user=reader, question=question).seen_at

    _visit(client, question)
    assert ThreadVisit.objects.get(user=reader, question=question).seen_at == first

    make_answer(question=question, author=other, body="Du neuf.")
    _visit(client, question)
    assert ThreadVisit.objects.get(user=reader, question=question).seen_at > first


def test_a_reload_after_the_refresh_delay_records_the_visit(client, question, make_user, settings):
    """The marker still moves now and then (the export shows the last visit, the pruning
    reads its age): once it is older than `QA_THREAD_VISIT_REFRESH_SECONDS`."""
    reader = make_user()
    client.force_login(reader)
    _visit(client, question)
    old = timezone.now() - timedelta(seconds=settings.QA_THREAD_VISIT_REFRESH_SECONDS + 1)
    ThreadVisit.objects.filter(user=reader).update(seen_at=old)
    _visit(client, question)
    assert ThreadVisit.objects.get(user=reader, question=question).seen_at > old


def test_the_visit_service_skips_only_a_recent_visit_with_nothing_unseen(question, member):
    now = timezone.now()
    services.thread_visit_record(user=member, question=question, when=now)
    later = now + timedelta(seconds=10)
    services.thread_visit_record(user=member, question=question, when=later, previous=now)
    assert ThreadVisit.objects.get(user=member).seen_at == now
    services.thread_visit_record(user=member, question=question, when=later, previous=now, unseen=1)
    assert ThreadVisit.objects.get(user=member).seen_at == later


def test_a_moderator_reading_a_deleted_thread_records_no_visit(client, question, moderator):
    services.post_delete(post=question, by=moderator, reason="Spam")
    client.force_login(moderator)
    _visit(client, question)
    assert not ThreadVisit.objects.exists()


def test_a_visitor_reading_a_public_thread_records_nothing(client, question, settings):
    settings.PUBLIC_READ = True
    response = client.get(question.get_absolute_url())
    assert response.status_code == 200
    assert not ThreadVisit.objects.exists()


# --- Lists ---------------------------------------------------------------------------------


@pytest.mark.parametrize("url", ["/questions/", "/sujets/{topic}/"])
def test_lists_mark_threads_with_new_answers(
    client, make_question, make_answer, make_user, topic, url
):
    reader, other = make_user(), make_user()
    unread = make_question(title="Un fil avec une réponse neuve")
    read = make_question(title="Un fil sans rien de neuf ici")
    client.force_login(reader)
    _visit(client, unread)
    _visit(client, read)
    make_answer(question=unread, author=other)

    page = client.get(url.format(topic=topic.slug)).content.decode()
    assert page.count(f'>{NEW}<span class="visually-hidden"> : {EXPLAINED}</span>') == 1
    assert f'href="{unread.get_absolute_url()}#premier-non-lu"' in page
    assert f'href="{read.get_absolute_url()}"' in page


def test_the_home_pages_recent_activity_marks_threads_with_new_answers(
    client, make_question, make_answer, make_user
):
    reader, other = make_user(), make_user()
    unread = make_question(title="Un fil avec une réponse neuve")
    client.force_login(reader)
    _visit(client, unread)
    make_answer(question=unread, author=other)
    page = client.get("/").content.decode()
    recent = page[page.index('id="home-recent"') :]
    assert f'href="{unread.get_absolute_url()}#premier-non-lu"' in recent
    assert f'{NEW}<span class="visually-hidden"> : {EXPLAINED}</span>' in recent


def test_an_unread_thread_deleted_since_is_not_listed_nor_counted(
    client, question, make_answer, make_user, moderator
):
    reader = make_user()
    client.force_login(reader)
    _visit(client, question)
    make_answer(question=question)
    services.post_delete(post=question, by=moderator, reason="Spam")
    page = client.get("/questions/").content.decode()
    assert "premier-non-lu" not in page and question.title not in page


# --- Query counts: bounded, whatever the number of threads, posts and markers ----------------


def _world(size, *, reader, others, make_question, topic):
    threads = []
    for n in range(size):
        thread = make_question(author=others[n % len(others)], topics=[topic])
        services.thread_visit_record(user=reader, question=thread, when=timezone.now())
        services.answer_create(question=thread, author=others[(n + 1) % len(others)], body="R")
        services.comment_create(post=thread, author=others[n % len(others)], body="c")
        threads.append(thread)
    return threads


@pytest.mark.parametrize("url", ["/questions/", "/sujets/{topic}/"])
def test_list_queries_with_unread_marks_do_not_grow(
    client, make_question, make_user, topic, url, django_assert_max_num_queries
):
    reader, others = make_user(), [make_user() for _ in range(3)]
    client.force_login(reader)
    page_url = url.format(topic=topic.slug)
    _world(SMALL, reader=reader, others=others, make_question=make_question, topic=topic)
    client.get(page_url)  # the first Q&A page makes the member's feed token
    small_response, small = counted_get(client, page_url)
    _world(LARGE - SMALL, reader=reader, others=others, make_question=make_question, topic=topic)
    large_response, large = counted_get(client, page_url)
    assert "premier-non-lu" in large_response.content.decode()
    assert large == small
    with django_assert_max_num_queries(20):
        client.get(page_url)


def test_thread_queries_with_new_posts_do_not_grow(
    client, make_question, make_user, topic, django_assert_max_num_queries
):
    reader, others = make_user(), [make_user() for _ in range(3)]
    small, large = make_question(topics=[topic]), make_question(topics=[topic])
    client.force_login(reader)
    for thread in (small, large):
        _visit(client, thread)
    for thread, size in ((small, SMALL), (large, LARGE)):
        for n in range(size):
            answer = services.answer_create(
                question=thread, author=others[n % 3], body=f"Réponse {n}"
            )
            services.comment_create(post=answer, author=others[(n + 1) % 3], body="c")
    small_response, small_count = counted_get(client, small.get_absolute_url())
    large_response, large_count = counted_get(client, large.get_absolute_url())
    assert f"{2 * LARGE} nouveaux messages" in large_response.content.decode()
    assert large_count == small_count
    with django_assert_max_num_queries(30):
        client.get(large.get_absolute_url())
