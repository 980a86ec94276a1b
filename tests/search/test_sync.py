"""The index follows the database after each commit, through the "search" tasks."""

import pytest

from qa import services as qa_services
from website.search.documents import principals_for
from website.search.results import SearchRequest

pytestmark = pytest.mark.django_db


def titles(backend, user, query):
    results = backend.search(SearchRequest(query=query, principals=principals_for(user)))
    return {hit.title for hit in results.hits}


def test_a_new_question_is_searchable_once_committed(
    search_backend, ask, member, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        ask("Subvention pour la rénovation de l'église")
        assert titles(search_backend, member, "église") == set()
    for callback in callbacks:
        callback()
    assert titles(search_backend, member, "église") == {"Subvention pour la rénovation de l'église"}


def test_a_rolled_back_question_never_reaches_the_index(
    search_backend, ask, member, django_capture_on_commit_callbacks
):
    from django.db import transaction

    with django_capture_on_commit_callbacks(execute=True):
        with pytest.raises(RuntimeError), transaction.atomic():
            ask("Question annulée sur les ordures")
            raise RuntimeError
    assert titles(search_backend, member, "ordures") == set()


def test_editing_an_answer_reindexes_its_question(
    search_backend, ask, member, make_user, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        question = ask("Tarifs de la cantine scolaire")
        answer = qa_services.answer_create(
            question=question, author=make_user(), body="Voyez la délibération."
        )
    assert titles(search_backend, member, "quotient") == set()
    with django_capture_on_commit_callbacks(execute=True):
        qa_services.post_edit(
            post=answer, by=answer.author, body="Le quotient familial fixe le tarif."
        )
    assert titles(search_backend, member, "quotient") == {"Tarifs de la cantine scolaire"}


def test_soft_deleting_a_question_hides_it_and_restoring_brings_it_back(
    search_backend, ask, member, moderator, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        question = ask("Éclairage public la nuit")
    with django_capture_on_commit_callbacks(execute=True):
        qa_services.post_delete(post=question, by=moderator)
    assert titles(search_backend, member, "éclairage") == set()
    assert titles(search_backend, moderator, "éclairage") == {"Éclairage public la nuit"}
    with django_capture_on_commit_callbacks(execute=True):
        qa_services.post_restore(post=question, by=moderator)
    assert titles(search_backend, member, "éclairage") == {"Éclairage public la nuit"}


def test_changing_topics_updates_the_topic_facet(
    search_backend, ask, member, make_topic, django_capture_on_commit_callbacks
):
    roads = make_topic(name="Voirie", slug="voirie")
    with django_capture_on_commit_callbacks(execute=True):
        question = ask("Nids de poule sur la départementale")
    with django_capture_on_commit_callbacks(execute=True):
        question.topics.add(roads)
    results = search_backend.search(
        SearchRequest(query="nids", principals=principals_for(member), filters={"topics": "voirie"})
    )
    assert results.total == 1


def test_unpublishing_a_page_removes_it(
    search_backend, make_page, visitor, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        page = make_page("Horaires de la déchetterie", "Ouverte le samedi.")
    assert titles(search_backend, visitor, "déchetterie") == {"Horaires de la déchetterie"}
    with django_capture_on_commit_callbacks(execute=True):
        page.unpublish()
    assert titles(search_backend, visitor, "déchetterie") == set()


def test_restricting_a_page_hides_it_from_visitors(
    search_backend, make_page, visitor, member, django_capture_on_commit_callbacks
):
    from wagtail.models import PageViewRestriction

    with django_capture_on_commit_callbacks(execute=True):
        page = make_page("Compte rendu du bureau", "Décisions du bureau.")
    with django_capture_on_commit_callbacks(execute=True):
        PageViewRestriction.objects.create(page=page, restriction_type="login")
    assert titles(search_backend, visitor, "bureau") == set()
    assert titles(search_backend, member, "bureau") == {"Compte rendu du bureau"}


def test_erasing_a_person_or_unlisting_them_removes_their_entry(
    search_backend, make_person, member, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        kept = make_person(first_name="Odile", last_name="Garrigue")
        erased = make_person(first_name="Odile", last_name="Ferrand")
    assert titles(search_backend, member, "odile") == {"Odile Garrigue", "Odile Ferrand"}
    with django_capture_on_commit_callbacks(execute=True):
        erased.delete()
        kept.is_listed = False
        kept.save()
    assert titles(search_backend, member, "odile") == set()


def test_a_new_position_updates_the_persons_entry(
    search_backend, make_person, make_position, member, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        person = make_person(first_name="Paul", last_name="Vidal")
        make_position(person=person, function="Directeur général des services")
    assert titles(search_backend, member, "directeur") == {"Paul Vidal"}


def test_several_saves_in_one_transaction_go_in_one_batch(
    search_backend, ask, django_capture_on_commit_callbacks, monkeypatch
):
    from website.search import tasks

    sent = []

    class FakeTask:
        def enqueue(self, uids):
            sent.append(uids)

    monkeypatch.setattr(tasks, "sync_documents", FakeTask())
    with django_capture_on_commit_callbacks(execute=True):
        first = ask("Première question du lot")
        second = ask("Seconde question du lot")
    # Q&A's own after-commit signal may ask again later; the commit itself sends one batch.
    assert sent[0] == sorted([f"question:{first.pk}", f"question:{second.pk}"])


def test_a_person_is_found_by_recognised_expertise_not_by_a_pending_request(
    search_backend, make_person, make_topic, member, index
):
    """Security review, finding 4: an expertise request still waiting for a moderator does not
    make a person findable under that topic, in a rebuild or in a single update."""
    from directory.models import InterestKind, TopicInterest
    from website.search import services

    person = make_person(first_name="Jeanne", last_name="Sarrazin")
    TopicInterest.objects.create(
        person=person,
        topic=make_topic(name="Déneigement"),
        kind=InterestKind.EXPERTISE,
        is_confirmed=False,
    )
    TopicInterest.objects.create(
        person=person,
        topic=make_topic(name="Assainissement"),
        kind=InterestKind.EXPERTISE,
        is_confirmed=True,
    )
    services.rebuild()
    assert titles(search_backend, member, "assainissement") == {"Jeanne Sarrazin"}
    assert titles(search_backend, member, "déneigement") == set()

    TopicInterest.objects.filter(person=person, is_confirmed=False).update(is_confirmed=True)
    index(person)
    assert titles(search_backend, member, "déneigement") == {"Jeanne Sarrazin"}


@pytest.fixture
def index_writes(monkeypatch):
    """The batches of uids the search tasks write, in order (`writes_of(uid)` counts one)."""
    from website.search import services as search_services

    batches = []
    sync = search_services.sync

    def counting_sync(uids):
        batches.append(sorted(uids))
        return sync(uids)

    monkeypatch.setattr(search_services, "sync", counting_sync)
    return batches


def test_a_new_question_and_a_new_answer_are_indexed_once(
    search_backend, ask, member, make_user, index_writes, django_capture_on_commit_callbacks
):
    answerer = make_user()
    with django_capture_on_commit_callbacks(execute=True):
        question = ask("Déneigement des voies communales")
    uid = f"question:{question.pk}"
    assert [batch.count(uid) for batch in index_writes] == [1]
    index_writes.clear()
    with django_capture_on_commit_callbacks(execute=True):
        qa_services.answer_create(question=question, author=answerer, body="Par convention.")
    assert [batch.count(uid) for batch in index_writes] == [1]


def test_an_edit_is_indexed_once(
    search_backend, ask, member, index_writes, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        question = ask("Déneigement des trottoirs")
    index_writes.clear()
    with django_capture_on_commit_callbacks(execute=True):
        qa_services.post_edit(post=question, by=question.author, body="Qui déneige le trottoir ?")
    uid = f"question:{question.pk}"
    assert [batch.count(uid) for batch in index_writes] == [1]
