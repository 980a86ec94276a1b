"""« Questions liées » on the thread page (issue 20, item 7): the search engine's similar
questions for the thread's title, among what the reader may see, cached per thread."""

import pytest
from django.core.cache import cache

from qa import selectors
from qa import services as qa_services

pytestmark = pytest.mark.django_db


@pytest.fixture
def threads(search_backend, ask, index, moderator):
    cache.clear()
    here = ask("Comment déneiger les routes communales en hiver ?")
    near = ask("Qui paie le déneigement des routes communales ?")
    also = ask("Déneigement : convention avec un agriculteur pour les routes")
    gone = ask("Déneigement des routes communales par une entreprise privée")
    unrelated = ask("Quel logiciel pour la paie des agents ?")
    qa_services.post_delete(post=gone, by=moderator)
    index(here, near, also, gone, unrelated)
    return here, near, also, gone, unrelated


def test_a_thread_lists_its_related_threads_but_not_itself_nor_a_deleted_one(
    client, member, moderator, threads
):
    here, near, also, gone, unrelated = threads
    for reader in (member, moderator):
        related = selectors.related_threads(here, reader)
        assert {q.pk for q in related} == {near.pk, also.pk}
    client.force_login(member)
    html = client.get(here.get_absolute_url()).content.decode()
    section = html.split('aria-labelledby="related-title"', 1)[1].split("</aside>", 1)[0]
    assert "Questions liées" in section
    assert near.title in section and also.title in section
    assert gone.title not in section and unrelated.title not in section


def test_visitors_see_related_threads_only_when_reading_is_public(client, threads, settings):
    here, near, *_ = threads
    settings.PUBLIC_READ = True
    html = client.get(here.get_absolute_url()).content.decode()
    assert near.title in html.split('aria-labelledby="related-title"', 1)[1]


def test_the_list_is_cached_per_thread_and_drops_a_thread_deleted_since(
    member, moderator, threads, monkeypatch
):
    here, near, also, *_ = threads
    assert len(selectors.related_threads(here, member)) == 2
    monkeypatch.setattr(selectors, "_similar_questions_source", None)  # no second search
    qa_services.post_delete(post=near, by=moderator)
    assert [q.pk for q in selectors.related_threads(here, member)] == [also.pk]


def test_a_new_title_asks_the_search_again(member, threads):
    here, near, also, *_ = threads
    assert len(selectors.related_threads(here, member)) == 2
    here.title = "Quel logiciel choisir pour la paie ?"
    assert selectors.related_threads(here, member)[0].pk == threads[4].pk


def _related_section(client, url):
    html = client.get(url).content.decode()
    return html.split('aria-labelledby="related-title"', 1)[1].split("</aside>", 1)[0]


def test_the_block_is_shared_html_and_every_write_shows_on_the_next_request(
    client, member, moderator, threads
):
    """The block is part of the thread's shared fragment (qa.views.threads._shared_parts):
    the related threads' answers, resolution and deletion show on the next request."""
    here, near, also, *_ = threads
    client.force_login(member)
    url = here.get_absolute_url()
    section = _related_section(client, url)
    assert near.title in section and "1 réponse" not in section and "résolue" not in section
    answer = qa_services.answer_create(question=near, author=moderator, body="La commune.")
    assert "1 réponse" in _related_section(client, url)
    qa_services.answer_accept(answer=answer, by=near.author)
    assert "résolue" in _related_section(client, url)
    qa_services.post_delete(post=near, by=moderator)
    section = _related_section(client, url)
    assert near.title not in section and also.title in section


def test_a_visitor_and_a_member_each_get_their_audience_s_block(client, member, threads, settings):
    here, near, *_ = threads
    settings.PUBLIC_READ = True
    url = here.get_absolute_url()
    client.force_login(member)
    assert near.title in _related_section(client, url)
    client.logout()
    assert near.title in _related_section(client, url)
