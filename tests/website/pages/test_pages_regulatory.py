import datetime

import pytest
from django.core.exceptions import ValidationError

from tests.queries import LARGE, SMALL, counted_get, queries_by_statement
from website.pages.models import (
    UPDATES_PER_PAGE,
    QuestionRecheck,
    RegulatoryKind,
    RegulatoryUpdatePage,
)
from website.pages.signals import question_marked_for_recheck

pytestmark = pytest.mark.django_db


def test_an_update_without_topic_is_refused(regulatory_index):
    update = RegulatoryUpdatePage(
        title="Sans sujet",
        kind=RegulatoryKind.DECREE,
        official_reference="Décret n° 2026-1",
        publication_date=datetime.date(2026, 1, 1),
        summary="Résumé.",
    )
    with pytest.raises(ValidationError) as error:
        regulatory_index.add_child(instance=update)
    assert "topics" in error.value.message_dict


def test_an_entry_into_force_before_publication_is_refused(make_update, make_topic):
    with pytest.raises(ValidationError) as error:
        make_update(
            publication_date=datetime.date(2026, 5, 1),
            effective_date=datetime.date(2026, 4, 1),
        )
    assert "effective_date" in error.value.message_dict


def test_publishing_an_update_marks_its_affected_questions_for_recheck(
    make_update, make_question, django_capture_on_commit_callbacks
):
    first, second, untouched = make_question(), make_question(), make_question()
    received = []

    def receiver(sender, question, update, recheck, **kwargs):
        received.append((question.pk, update.pk))

    question_marked_for_recheck.connect(receiver)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            update = make_update(questions=[first, second])
    finally:
        question_marked_for_recheck.disconnect(receiver)

    flagged = set(QuestionRecheck.objects.pending().values_list("question_id", flat=True))
    assert flagged == {first.pk, second.pk}
    assert untouched.pk not in flagged
    assert sorted(received) == sorted([(first.pk, update.pk), (second.pk, update.pk)])


def test_a_draft_update_marks_nothing(make_update, make_question):
    make_update(questions=[make_question()], publish=False)
    assert not QuestionRecheck.objects.exists()


def test_republishing_does_not_flag_a_thread_twice_nor_reopen_a_done_check(
    make_update, make_question, moderator
):
    from website.pages.services import recheck_clear

    question = make_question()
    update = make_update(questions=[question])
    recheck_clear(recheck=QuestionRecheck.objects.get(), by=moderator)
    update.save_revision().publish()
    assert QuestionRecheck.objects.count() == 1
    assert not QuestionRecheck.objects.pending().exists()


def test_the_index_filters_by_topic_year_and_kind(client, make_update, make_topic, member):
    urbanisme, tourisme = make_topic(name="Urbanisme"), make_topic(name="Tourisme")
    make_update(
        title="Texte urbanisme 2015", topics=[urbanisme], publication_date=datetime.date(2015, 7, 1)
    )
    make_update(
        title="Décret tourisme 2017",
        topics=[tourisme],
        kind=RegulatoryKind.DECREE,
        publication_date=datetime.date(2017, 1, 1),
    )

    body = client.get("/veille/", {"sujet": "urbanisme"}).content.decode()
    assert "Texte urbanisme 2015" in body and "Décret tourisme 2017" not in body
    body = client.get("/veille/", {"annee": "2017"}).content.decode()
    assert "Décret tourisme 2017" in body and "Texte urbanisme 2015" not in body
    body = client.get("/veille/", {"type": "decret"}).content.decode()
    assert "Décret tourisme 2017" in body and "Texte urbanisme 2015" not in body
    assert 'rel="alternate"' in body


def test_nonsense_filters_are_ignored_not_an_error(client, make_update):
    make_update(title="Un texte")
    response = client.get(
        "/veille/", {"sujet": "<script>", "annee": "abc", "type": "x", "page": "z"}
    )
    assert response.status_code == 200
    assert "Un texte" in response.content.decode()


def test_the_update_page_shows_what_changes_and_affected_threads_to_members_only(
    client, make_update, make_question, member
):
    question = make_question(title="Qui instruit nos permis de construire ?")
    update = make_update(questions=[question], summary="Les communes instruisent.")
    visitor_body = client.get(update.url).content.decode()
    assert "Les communes instruisent." in visitor_body
    assert "Qui instruit nos permis" not in visitor_body
    client.force_login(member)
    body = client.get(update.url).content.decode()
    assert "Qui instruit nos permis" in body
    assert "à revérifier" in body


def test_the_index_runs_the_same_queries_for_10_or_30_updates(client, make_update, make_topic):
    def publish(numbers):
        for number in numbers:
            make_update(
                title=f"Texte de veille numéro {number:03d}",
                publication_date=datetime.date(2026, 1, 1) + datetime.timedelta(days=number),
                topics=[make_topic(name=f"Sujet de veille {number:03d}")],
            )

    publish(range(SMALL))
    client.get("/veille/")  # warm the per-process caches (site root, locales)
    response, small = counted_get(client, "/veille/")
    body = response.content.decode()
    assert "10 textes" in body
    assert "Texte de veille numéro 009" in body and "Sujet de veille 009" in body

    publish(range(SMALL, LARGE))
    response, large = counted_get(client, "/veille/")
    body = response.content.decode()
    assert f"{LARGE} textes" in body
    # Newest first, one full page, each with its own topic.
    newest = f"{LARGE - 1:03d}"
    assert f"Texte de veille numéro {newest}" in body and f"Sujet de veille {newest}" in body
    assert body.count("Texte de veille numéro") == UPDATES_PER_PAGE
    assert large == small, queries_by_statement(client, "/veille/")


def test_suggested_questions_share_the_update_topics(make_update, make_question, make_topic):
    from website.pages.suggestions import suggested_questions_for

    topic = make_topic()
    chosen, suggested = make_question(topics=[topic]), make_question(topics=[topic])
    unrelated = make_question()
    update = make_update(topics=[topic], questions=[chosen])
    suggestions = suggested_questions_for(update)
    assert suggested in suggestions
    assert chosen not in suggestions and unrelated not in suggestions


def test_the_search_index_suggests_threads_about_the_text_even_on_other_topics(
    make_update, make_question, make_topic, editor, django_capture_on_commit_callbacks
):
    from django.core.management import call_command

    from website.pages.suggestions import suggested_questions_for

    with django_capture_on_commit_callbacks(execute=True):
        about_it = make_question(
            title="Qui instruit les permis de construire depuis le transfert ADS ?",
            topics=[make_topic()],
        )
        make_question(title="Recrutement d'un agent technique saisonnier", topics=[make_topic()])
    call_command("search_rebuild", verbosity=0)
    update = make_update(
        title="Fin de la mise à disposition gratuite des services de l'État pour l'instruction ADS",
        topics=[make_topic()],
    )
    update.summary = "Les permis de construire sont instruits par la communauté de communes."
    suggestions = suggested_questions_for(update, user=editor)
    assert about_it in suggestions
    assert [q for q in suggestions if q.title.startswith("Recrutement")] == []


def test_an_update_page_runs_the_same_queries_for_10_or_30_linked_documents(
    client, make_update, settings, tmp_path
):
    """« Documents liés » (issue 17): one query for the documents, whatever their number."""
    from django.core.files.base import ContentFile
    from wagtail.documents import get_document_model

    from website.pages.models import RegulatoryDocument

    settings.MEDIA_ROOT = str(tmp_path / "media")
    update = make_update()

    def link(numbers):
        for number in numbers:
            document = get_document_model()(title=f"Annexe {number:03d}")
            document.file.save(f"annexe-{number}.txt", ContentFile(b"Annexe."), save=False)
            document.save()
            RegulatoryDocument.objects.create(page=update, document=document, sort_order=number)

    link(range(SMALL))
    client.get(update.url)  # warm the per-process caches (site root, locales)
    response, small = counted_get(client, update.url)
    assert "Annexe 009" in response.content.decode()
    link(range(SMALL, LARGE))
    response, large = counted_get(client, update.url)
    assert f"Annexe {LARGE - 1:03d}" in response.content.decode()
    assert large == small, queries_by_statement(client, update.url)
