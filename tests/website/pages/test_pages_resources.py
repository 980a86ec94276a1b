import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from wagtail.documents import get_document_model
from wagtail.models import Collection

from website.pages.models import ResourceDocument, ResourcePage

pytestmark = pytest.mark.django_db


def _document(title, filename, private):
    collection = (
        Collection.objects.get(name="Documents réservés aux membres")
        if private
        else Collection.get_first_root_node()
    )
    document = get_document_model()(title=title, collection=collection)
    document.file.save(filename, ContentFile(b"Contenu du document."), save=False)
    document.save()
    return document


@pytest.fixture
def resource_page(resource_index, make_topic):
    page = ResourcePage(
        title="Urbanisme : modèles", slug="urbanisme-modeles", topic=make_topic(name="Urbanisme")
    )
    page.documents = [
        ResourceDocument(document=_document("Convention publique", "convention.txt", False)),
        ResourceDocument(document=_document("Délibération privée", "deliberation.txt", True)),
    ]
    resource_index.add_child(instance=page)
    page.save_revision().publish()
    return page


def test_a_visitor_cannot_download_a_members_only_document(client, resource_page):
    private = get_document_model().objects.get(title="Délibération privée")
    response = client.get(private.url)
    assert response.status_code == 302
    assert response["Location"].startswith("/comptes/login/")


def test_a_pending_account_cannot_download_it_either(client, pending_user, resource_page):
    private = get_document_model().objects.get(title="Délibération privée")
    client.force_login(pending_user)
    response = client.get(private.url)
    assert response.status_code == 302
    assert b"Contenu du document." not in b"".join(getattr(response, "streaming_content", []))


def test_a_member_downloads_members_only_and_visitors_public_documents(
    client, member, resource_page
):
    public = get_document_model().objects.get(title="Convention publique")
    private = get_document_model().objects.get(title="Délibération privée")
    assert client.get(public.url).status_code == 200
    client.force_login(member)
    response = client.get(private.url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"Contenu du document."


def test_the_resource_pages_list_documents_and_mark_the_private_ones(client, member, resource_page):
    index_body = client.get("/ressources/").content.decode()
    assert "Urbanisme : modèles" in index_body and 'id="resources-urbanisme"' in index_body
    body = client.get(resource_page.url).content.decode()
    assert "Convention publique" in body
    assert "réservé aux membres" in body
    client.force_login(member)
    assert "réservé aux membres" not in client.get(resource_page.url).content.decode()


def test_a_forbidden_extension_is_refused_with_a_french_message(client, editor):
    client.force_login(editor)
    response = client.post(
        "/admin/documents/add/",
        {
            "title": "Programme",
            "file": SimpleUploadedFile("programme.exe", b"MZ..."),
            "collection": Collection.get_first_root_node().pk,
        },
    )
    assert response.status_code == 200
    assert "extension" in response.content.decode() and "autorisée" in response.content.decode()
    assert not get_document_model().objects.filter(title="Programme").exists()


def test_an_oversized_document_is_refused_with_a_french_message(client, editor, settings):
    settings.WAGTAILDOCS_MAX_UPLOAD_SIZE = 1024
    client.force_login(editor)
    response = client.post(
        "/admin/documents/add/",
        {
            "title": "Gros guide",
            "file": SimpleUploadedFile("guide.pdf", b"%PDF" + b"0" * 4096),
            "collection": Collection.get_first_root_node().pk,
        },
    )
    assert response.status_code == 200
    assert "trop" in response.content.decode()
    assert not get_document_model().objects.filter(title="Gros guide").exists()
