"""Search inside attached files (issue 17, item 4), on both backends: a word that exists only
inside an attached PDF, ODT or DOCX finds the thread, the snippet names the file, and a file's
text never shows a thread to someone who may not see its post."""

import io
from pathlib import Path

import pytest

from qa import services as qa_services
from qa.attachments import check_upload
from qa.models import Attachment
from tests.qa.attachment_files import pdf, upload
from tests.qa.text_files import docx_with_text, odf_with_text, pdf_with_text
from website.search import services
from website.search.documents import principals_for
from website.search.results import SearchRequest

pytestmark = pytest.mark.django_db

FILES = {
    "convention-groupement.pdf": pdf_with_text("Article premier : le coordonnateur hydrocurage"),
    "deliberation.odt": odf_with_text("Le conseil approuve la tarification quinquennale"),
    "arrete.docx": docx_with_text("Arrêté portant interdiction du glyphosate communal"),
}


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")


def hits(backend, user, query):
    request = SearchRequest(query=query, principals=principals_for(user), highlight=True)
    return backend.search(request).hits


def _checked(name):
    return check_upload(upload(name, FILES[name]))


@pytest.fixture
def thread(ask, member, make_user, django_capture_on_commit_callbacks):
    """A question with a PDF; an answer with an ODT and a DOCX; extracted and indexed as the
    workers would, after the commits."""
    with django_capture_on_commit_callbacks(execute=True):
        question = ask(
            "Entretien des réseaux d'eaux pluviales",
            attachments=[_checked("convention-groupement.pdf")],
        )
    with django_capture_on_commit_callbacks(execute=True):
        answer = qa_services.answer_create(
            question=question,
            author=make_user(),
            body="Voici nos documents.",
            attachments=[_checked("deliberation.odt"), _checked("arrete.docx")],
        )
    return question, answer


@pytest.mark.parametrize(
    ("word", "name"),
    [
        ("hydrocurage", "convention-groupement.pdf"),
        ("quinquennale", "deliberation.odt"),
        ("glyphosate", "arrete.docx"),
    ],
)
def test_a_word_only_inside_a_file_finds_the_thread_and_the_snippet_names_the_file(
    search_backend, thread, member, word, name
):
    question, _answer = thread
    assert Attachment.objects.filter(original_name=name).get().text_extracted_at

    [hit] = hits(search_backend, member, word)

    assert hit.uid == f"question:{question.pk}"
    assert f"dans « {name} » : " in hit.snippet_html
    assert "<mark>" in hit.snippet_html


def test_a_word_of_the_post_itself_keeps_the_posts_snippet(search_backend, thread, member):
    [hit] = hits(search_backend, member, "documents")

    assert "dans «" not in hit.snippet_html


def test_a_deleted_answers_files_leave_search(
    search_backend, thread, member, moderator, django_capture_on_commit_callbacks
):
    _question, answer = thread
    with django_capture_on_commit_callbacks(execute=True):
        qa_services.post_delete(post=answer, by=moderator, reason="Hors sujet")

    assert hits(search_backend, member, "quinquennale") == []
    assert hits(search_backend, moderator, "glyphosate") == []
    assert len(hits(search_backend, member, "hydrocurage")) == 1  # the question's file stays


def test_a_file_an_edit_removed_leaves_search(
    search_backend, thread, member, moderator, django_capture_on_commit_callbacks
):
    _question, answer = thread
    odt = answer.attachments.get(original_name="deliberation.odt")
    with django_capture_on_commit_callbacks(execute=True):
        qa_services.post_edit(post=answer, by=member, body=answer.body, remove=[odt])

    assert hits(search_backend, member, "quinquennale") == []
    assert hits(search_backend, moderator, "quinquennale") == []
    assert len(hits(search_backend, member, "glyphosate")) == 1  # the answer's other file


def test_a_deleted_threads_files_are_found_by_moderators_only(
    search_backend, thread, member, moderator, django_capture_on_commit_callbacks
):
    question, _answer = thread
    with django_capture_on_commit_callbacks(execute=True):
        qa_services.post_delete(post=question, by=moderator, reason="Doublon")

    assert hits(search_backend, member, "hydrocurage") == []
    assert [hit.uid for hit in hits(search_backend, moderator, "hydrocurage")] == [
        f"question:{question.pk}"
    ]


def test_visitors_never_find_a_thread_by_its_files(search_backend, thread, settings):
    from django.contrib.auth.models import AnonymousUser

    settings.PUBLIC_READ = False

    assert hits(search_backend, AnonymousUser(), "hydrocurage") == []


def test_a_broken_pdf_gives_an_empty_text_and_the_post_is_published(
    search_backend, ask, member, django_capture_on_commit_callbacks
):
    broken = pdf()  # accepted by the upload checks: a valid PDF with nothing readable in it
    with django_capture_on_commit_callbacks(execute=True):
        question = ask(
            "Plan communal de sauvegarde", attachments=[check_upload(upload("vide.pdf", broken))]
        )
    attachment = Attachment.objects.get(question=question)
    Path(attachment.file.path).write_bytes(b"%PDF-1.4 broken")

    assert qa_services.attachment_text_extract(attachment.pk) == 0
    attachment.refresh_from_db()
    assert attachment.extracted_text == "" and attachment.text_extracted_at
    assert [hit.title for hit in hits(search_backend, member, "sauvegarde")] == [
        "Plan communal de sauvegarde"
    ]


def test_search_check_reports_files_never_read_and_repair_extracts_and_indexes_them(
    search_backend, ask, member, django_capture_on_commit_callbacks
):
    from django.core.management import CommandError, call_command

    with django_capture_on_commit_callbacks(execute=False):  # the tasks are lost
        question = ask(
            "Groupement de commandes", attachments=[_checked("convention-groupement.pdf")]
        )
    services.rebuild()

    with pytest.raises(CommandError):
        call_command("search_check", stdout=io.StringIO())
    output = io.StringIO()
    call_command("search_check", "--repair", stdout=output)

    assert "text extracted from 1 attachment(s)" in output.getvalue()
    assert [hit.uid for hit in hits(search_backend, member, "hydrocurage")] == [
        f"question:{question.pk}"
    ]
    call_command("search_check", stdout=io.StringIO())  # clean now: no error


def test_the_file_name_in_a_snippet_is_escaped():
    from website.search.results import in_file_snippet

    snippet = in_file_snippet('<img src=x onerror="alert(1)">.pdf', "le <mark>mot</mark>")

    assert snippet == (
        "dans « &lt;img src=x onerror=&quot;alert(1)&quot;&gt;.pdf » : le <mark>mot</mark>"
    )


def test_a_comments_file_is_found_until_the_comment_is_deleted(
    search_backend, thread, member, moderator, django_capture_on_commit_callbacks
):
    question, answer = thread
    with django_capture_on_commit_callbacks(execute=True):
        comment = qa_services.comment_create(
            post=answer,
            author=member,
            body="Le cahier des charges joint.",
            attachments=[check_upload(upload("cahier.txt", "Clause de débroussaillage".encode()))],
        )
    assert [hit.uid for hit in hits(search_backend, member, "débroussaillage")] == [
        f"question:{question.pk}"
    ]

    with django_capture_on_commit_callbacks(execute=True):
        qa_services.post_delete(post=comment, by=moderator, reason="Hors sujet")

    assert hits(search_backend, member, "débroussaillage") == []
