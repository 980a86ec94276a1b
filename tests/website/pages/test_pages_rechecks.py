import pytest
from django.urls import reverse

from tests.queries import SMALL, counted_get, queries_by_statement
from website.pages.models import QuestionRecheck

pytestmark = pytest.mark.django_db


@pytest.fixture
def stale(make_update, make_question, make_topic):
    """A thread on a topic, marked "à revérifier" by a published update."""
    topic = make_topic(name="Urbanisme")
    question = make_question(topics=[topic], title="Qui instruit les permis de construire ?")
    update = make_update(
        title="Fin de l'instruction ADS par l'État", questions=[question], topics=[topic]
    )
    return QuestionRecheck.objects.get(question=question, update=update)


def _clear_url(recheck):
    return reverse("pages:recheck_clear", args=[recheck.pk])


def test_the_thread_shows_the_banner_linking_the_update(client, member, stale):
    client.force_login(member)
    body = client.get(stale.question.get_absolute_url()).content.decode()
    assert "À revérifier" in body
    assert stale.update.url in body
    assert _clear_url(stale) not in body  # a plain member cannot re-validate


def test_an_expert_of_the_topic_sees_the_form_and_revalidates(
    client, make_expert, stale, django_capture_on_commit_callbacks
):
    expert = make_expert(topics=list(stale.question.topics.all()))
    client.force_login(expert)
    assert _clear_url(stale) in client.get(stale.question.get_absolute_url()).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(_clear_url(stale), {"note": "Toujours exact."})
    assert response.status_code == 302
    stale.refresh_from_db()
    assert stale.cleared_by == expert and stale.cleared_at and stale.note == "Toujours exact."
    body = client.get(stale.question.get_absolute_url()).content.decode()
    assert "À revérifier" not in body
    assert "Vérifiée au regard de" in body and stale.update.title.replace("'", "&#x27;") in body


def test_an_expert_of_another_topic_cannot_revalidate(client, make_expert, make_topic, stale):
    client.force_login(make_expert(topics=[make_topic(name="Finances")]))
    assert client.post(_clear_url(stale)).status_code == 403
    stale.refresh_from_db()
    assert stale.is_pending


def test_a_member_cannot_revalidate_and_a_visitor_is_sent_to_login(client, member, stale):
    assert client.post(_clear_url(stale)).status_code == 302
    client.force_login(member)
    assert client.post(_clear_url(stale)).status_code == 403
    stale.refresh_from_db()
    assert stale.is_pending


def test_revalidation_is_post_only(client, moderator, stale):
    client.force_login(moderator)
    assert client.get(_clear_url(stale)).status_code == 405


def test_an_overlong_note_is_refused_without_error(client, moderator, stale):
    client.force_login(moderator)
    response = client.post(_clear_url(stale), {"note": "x" * 2001})
    assert response.status_code == 302
    stale.refresh_from_db()
    assert stale.is_pending


def test_moderators_list_threads_awaiting_recheck_oldest_first(
    client, moderator, member, make_update, make_question
):
    older, newer = (
        make_question(title="Une question plus ancienne ?"),
        make_question(title="Une question plus récente ?"),
    )
    make_update(questions=[older])
    make_update(questions=[newer])
    url = reverse("pages:recheck_list")
    client.force_login(member)
    assert client.get(url).status_code == 403
    client.force_login(moderator)
    body = client.get(url).content.decode()
    assert body.index("Une question plus ancienne") < body.index("Une question plus récente")


def test_the_recheck_list_runs_the_same_queries_for_10_or_40_threads(
    client, moderator, make_update, make_question
):
    """40 threads: one full page of 30 (website/pages/views.py) and a second one."""
    per_page = 30
    many = per_page + SMALL

    def flag(numbers):
        questions = [make_question(title=f"Fil à revérifier numéro {n:03d} ?") for n in numbers]
        for start in range(0, len(questions), 5):  # several updates, several topics
            make_update(questions=questions[start : start + 5])

    url = reverse("pages:recheck_list")
    client.force_login(moderator)
    flag(range(SMALL))
    client.get(url)  # warm the per-process caches (site root, locales)
    response, small = counted_get(client, url)
    body = response.content.decode()
    assert "Fil à revérifier numéro 000" in body and "Fil à revérifier numéro 009" in body

    flag(range(SMALL, many))
    response, large = counted_get(client, url)
    body = response.content.decode()
    assert body.count("Fil à revérifier numéro") == per_page  # one full page, oldest first
    assert "Fil à revérifier numéro 029" in body and "Fil à revérifier numéro 030" not in body
    assert "Page 1 sur 2" in body
    assert large == small, queries_by_statement(client, url)
