"""The editors' resource documents are searched inside too (issue 17, item 4), on both backends.

A Wagtail document's text is read once it is uploaded (`pages.tasks.extract_document_text`,
with the attachments' reader) and searched with the pages that link it: a regulatory update
(« Documents liés ») or a resource page. A members-only document's text is never indexed with
a page visitors find.
"""

import pytest
from django.core.files.base import ContentFile
from wagtail.documents import get_document_model
from wagtail.models import Collection

from tests.qa.text_files import odf_with_text, pdf_with_text
from tests.search.test_attachments import hits
from tests.website.pages.conftest import (  # noqa: F401 (fixtures)
    home,
    make_update,
    regulatory_index,
    resource_index,
)
from website.pages.models import (
    DocumentText,
    RegulatoryDocument,
    RegulatoryUpdatePage,
    ResourceDocument,
    ResourcePage,
)

pytestmark = pytest.mark.django_db

DECREE = pdf_with_text("Article 3 : les ombrieres photovoltaiques couvrent les parkings")
MODEL = odf_with_text("Le conseil municipal approuve la convention de fauchage raisonne")


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")


@pytest.fixture
def upload_document(django_capture_on_commit_callbacks):
    """`upload_document(title, filename, content, private=False)`, read as the worker would."""

    def create(title, filename, content, private=False):
        collection = (
            Collection.objects.get(name="Documents réservés aux membres")
            if private
            else Collection.get_first_root_node()
        )
        document = get_document_model()(title=title, collection=collection)
        document.file.save(filename, ContentFile(content), save=False)
        with django_capture_on_commit_callbacks(execute=True):
            document.save()
        return document

    return create


@pytest.fixture
def update_with(make_update, django_capture_on_commit_callbacks):  # noqa: F811
    def create(*documents, **fields):
        with django_capture_on_commit_callbacks(execute=True):
            update = make_update(publish=False, **fields)
            update.documents = [RegulatoryDocument(document=document) for document in documents]
            update.save_revision().publish()
        return update

    return create


def test_an_uploaded_document_has_its_text_read(upload_document):
    document = upload_document("Décret ombrières", "decret-ombrieres.pdf", DECREE)
    stored = DocumentText.objects.get(document=document)
    document.refresh_from_db()
    assert "ombrieres photovoltaiques" in stored.text
    assert stored.file_hash == document.file_hash != ""


@pytest.mark.parametrize(
    ("word", "filename", "content"),
    [("ombrieres", "decret-ombrieres.pdf", DECREE), ("fauchage", "modele.odt", MODEL)],
)
def test_a_word_only_inside_a_linked_document_finds_the_regulatory_update(
    search_backend, upload_document, update_with, visitor, member, word, filename, content
):
    document = upload_document("Texte officiel", filename, content)
    update = update_with(document, title="Nouveau décret sur les parkings")
    assert word not in update.summary + update.title
    for reader in (visitor, member):
        [hit] = hits(search_backend, reader, word)
        assert hit.uid == f"page:{update.pk}"
        assert f"dans « {filename} » : " in hit.snippet_html and "<mark>" in hit.snippet_html


def test_a_document_read_after_the_update_was_published_reindexes_it(
    search_backend, upload_document, update_with, visitor, django_capture_on_commit_callbacks
):
    document = upload_document("Texte officiel", "decret.txt", b"Texte sans le mot.")
    update = update_with(document)
    assert hits(search_backend, visitor, "ombrieres") == []
    with django_capture_on_commit_callbacks(execute=True):
        document.file.save("decret-2.pdf", ContentFile(DECREE), save=False)
        document.file_hash = ""
        document.save()
    [hit] = hits(search_backend, visitor, "ombrieres")
    assert hit.uid == f"page:{update.pk}"


def test_a_members_only_document_is_not_searched_with_a_public_update(
    search_backend, upload_document, update_with, visitor, member
):
    private = upload_document("Modèle interne", "modele.odt", MODEL, private=True)
    update_with(private, title="Nouveau texte sur le fauchage des bords de route")
    assert hits(search_backend, visitor, "raisonne") == []
    assert hits(search_backend, member, "raisonne") == []  # the page is public: text left out


def test_a_members_only_document_is_searched_with_a_members_only_page(
    search_backend,
    upload_document,
    resource_index,  # noqa: F811
    make_topic,
    visitor,
    member,
    django_capture_on_commit_callbacks,
):
    from django.contrib.auth.models import Group
    from wagtail.models import PageViewRestriction

    private = upload_document("Modèle interne", "modele.odt", MODEL, private=True)
    page = ResourcePage(title="Voirie : modèles", slug="voirie", topic=make_topic(name="Voirie"))
    page.documents = [ResourceDocument(document=private)]
    resource_index.add_child(instance=page)
    rule = PageViewRestriction.objects.create(page=page, restriction_type="groups")
    rule.groups.set([Group.objects.get(name="Membres")])
    with django_capture_on_commit_callbacks(execute=True):
        page.save_revision().publish()
    assert hits(search_backend, visitor, "raisonne") == []
    [hit] = hits(search_backend, member, "raisonne")
    assert hit.uid == f"page:{page.pk}" and "dans « modele.odt »" in hit.snippet_html


def test_the_update_page_lists_its_documents(client, upload_document, update_with):
    document = upload_document("Décret n° 2026-12", "decret-ombrieres.pdf", DECREE)
    private = upload_document("Modèle interne", "modele.odt", MODEL, private=True)
    update = update_with(document, private)
    html = client.get(RegulatoryUpdatePage.objects.get(pk=update.pk).url).content.decode()
    assert "Documents liés" in html
    assert f'href="{document.url}"' in html and "Décret n° 2026-12" in html
    assert "Modèle interne" in html and "réservé aux membres" in html
    assert f'href="{private.url}"' not in html


def test_search_check_repairs_a_documents_missing_and_outdated_text(
    search_backend, update_with, visitor, django_capture_on_commit_callbacks
):
    """A document whose extraction task was lost, then one whose file was replaced while the
    task was lost: `search_check` reports both, `--repair` reads them and re-indexes the page."""
    import io

    from django.core.management import CommandError, call_command

    from website.search import services

    document = get_document_model()(title="Décret", collection=Collection.get_first_root_node())
    document.file.save("decret.pdf", ContentFile(DECREE), save=False)
    with django_capture_on_commit_callbacks(execute=False):  # the task is lost
        document.save()
    update = update_with(document)
    assert not DocumentText.objects.filter(document=document).exists()
    assert hits(search_backend, visitor, "ombrieres") == []

    output = io.StringIO()
    with pytest.raises(CommandError):
        call_command("search_check", stdout=output)
    assert f"CMS documents without current extracted text: 1 ({document.pk})" in output.getvalue()
    output = io.StringIO()
    call_command("search_check", "--repair", stdout=output)
    assert "text extracted from 1 documents" in output.getvalue()
    assert [hit.uid for hit in hits(search_backend, visitor, "ombrieres")] == [f"page:{update.pk}"]
    call_command("search_check", stdout=io.StringIO())  # clean now: no error

    with django_capture_on_commit_callbacks(execute=False):  # replaced, the task lost again
        document.file.save("modele.odt", ContentFile(MODEL), save=False)
        document.file_hash = ""
        document.save()
    assert services.check().unread == {"documents": [document.pk]}
    call_command("search_check", "--repair", stdout=io.StringIO())
    assert "fauchage raisonne" in DocumentText.objects.get(document=document).text
    assert hits(search_backend, visitor, "ombrieres") == []
    assert [hit.uid for hit in hits(search_backend, visitor, "raisonne")] == [f"page:{update.pk}"]
    assert services.check().clean
