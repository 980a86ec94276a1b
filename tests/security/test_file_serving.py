"""Security finding 8: no uploaded file sits on a served path; a view checks every download.

Wagtail documents, original images and their renditions are stored under `MEDIA_ROOT`, which
nothing serves; the URLs the site hands out go to `/fichiers/<name>`, which finds the record
owning the file, applies its collection's view restrictions, then sends it (streamed, or by
the proxy with `X-Accel-Redirect` / `X-Sendfile`, docs/operations.md).
"""

import os
from pathlib import Path

import pytest
from django.conf import settings
from django.core.cache import cache
from django.core.files.base import ContentFile
from wagtail.documents import get_document_model
from wagtail.images import get_image_model
from wagtail.images.tests.utils import get_test_image_file
from wagtail.models import Collection
from wagtail.utils import sendfile as wagtail_sendfile

pytestmark = pytest.mark.django_db

PRIVATE_COLLECTION = "Documents réservés aux membres"


def _body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


@pytest.fixture
def stored_before() -> set[str]:
    """What `MEDIA_ROOT` already held: the tests that ran before on this worker share it."""
    return set(_stored_names())


@pytest.fixture
def files(db, stored_before):
    """A members-only and a public document, image and rendition, stored the normal way."""
    cache.clear()  # Wagtail caches renditions: none may survive from another test's database
    private = Collection.objects.get(name=PRIVATE_COLLECTION)
    public = Collection.get_first_root_node()
    Document, Image = get_document_model(), get_image_model()
    made = {
        "private_document": Document.objects.create(
            title="Budget confidentiel",
            collection=private,
            file=ContentFile(b"budget-prive-2027", name="Budget-2027-confidentiel.txt"),
        ),
        "public_document": Document.objects.create(
            title="Guide public",
            collection=public,
            file=ContentFile(b"guide-public", name="guide-public.txt"),
        ),
        "private_image": Image.objects.create(
            title="Plan du local",
            collection=private,
            file=get_test_image_file("plan-local-prive.png", colour="red"),
        ),
        "public_image": Image.objects.create(
            title="Carte du Pays",
            collection=public,
            file=get_test_image_file("carte-pays.png", colour="blue"),
        ),
    }
    made["private_rendition"] = made["private_image"].get_rendition("fill-100x100")
    made["public_rendition"] = made["public_image"].get_rendition("fill-100x100")
    return made


def _stored_names() -> list[str]:
    root = Path(settings.MEDIA_ROOT)
    return [
        str(Path(folder, name).relative_to(root))
        for folder, _dirs, names in os.walk(root)
        for name in names
    ]


def _url(obj) -> str:
    return obj.file.url if hasattr(obj, "file") else obj.url


def test_no_uploaded_file_is_reachable_under_a_media_or_static_url(
    client, files, stored_before, member, moderator
):
    # The files this test stored, as when it runs alone: not every upload of the tests that
    # ran before it on the same worker (hundreds, each requested six times, in a whole run).
    names = [name for name in _stored_names() if name not in stored_before]
    assert any(name.startswith("documents/") for name in names)
    assert any(name.startswith("original_images/") for name in names)
    assert any(name.startswith("images/") for name in names)  # renditions
    for user in (None, member, moderator):
        client.logout()
        if user is not None:
            client.force_login(user)
        for name in names:
            for prefix in (settings.MEDIA_URL, settings.STATIC_URL):
                response = client.get(prefix + name)
                assert response.status_code == 404, (prefix + name, response.status_code)
                assert _body(response)[:40] not in (b"budget-prive-2027", b"\x89PNG")
    # The addresses the site hands out never point there either.
    for obj in files.values():
        url = _url(obj)
        assert not url.startswith((settings.MEDIA_URL, settings.STATIC_URL)), url
    # Nor is the upload folder inside a folder WhiteNoise or the proxy serves as static.
    media = Path(settings.MEDIA_ROOT).resolve()
    for static in [settings.STATIC_ROOT, *settings.STATICFILES_DIRS]:
        static = Path(static).resolve()
        assert not media.is_relative_to(static) and not static.is_relative_to(media)


@pytest.mark.parametrize("key", ["private_image", "private_rendition", "private_document"], ids=str)
def test_members_only_files_are_refused_to_visitors_and_pending_accounts(
    client, files, member, pending_user, key
):
    url = files[key].file.url
    visitor = client.get(url)
    assert visitor.status_code == 302
    assert visitor["Location"].startswith("/comptes/login/")
    assert b"budget-prive" not in _body(visitor) and b"PNG" not in _body(visitor)
    client.force_login(pending_user)
    pending = client.get(url)
    assert pending.status_code in (302, 403)
    assert b"budget-prive" not in _body(pending) and b"PNG" not in _body(pending)

    client.force_login(member)
    served = client.get(url)
    assert served.status_code == 200
    with files[key].file.open("rb") as stored:
        assert _body(served) == stored.read()
    assert "private" in served["Cache-Control"]


@pytest.mark.parametrize("key", ["public_image", "public_rendition", "public_document"], ids=str)
def test_public_files_are_served_to_visitors(client, files, key):
    response = client.get(files[key].file.url)
    assert response.status_code == 200
    with files[key].file.open("rb") as stored:
        assert _body(response) == stored.read()
    assert response["X-Content-Type-Options"] == "nosniff"


def test_a_file_no_record_owns_and_path_tricks_are_not_found(client, files, moderator):
    from django.core.files.storage import default_storage

    default_storage.save("documents/orphelin.txt", ContentFile(b"contenu-sans-fiche"))
    client.force_login(moderator)
    for path in (
        "/fichiers/documents/orphelin.txt",
        "/fichiers/../website/settings.py",
        "/fichiers/%2e%2e/%2e%2e/etc/passwd",
        "/fichiers/documents/",
    ):
        response = client.get(path)
        assert response.status_code == 404, path
        assert b"contenu-sans-fiche" not in _body(response)


@pytest.mark.parametrize(
    ("backend", "header"),
    [
        ("website.files.sendfile_nginx", "X-Accel-Redirect"),
        ("website.files.sendfile_xsendfile", "X-Sendfile"),
    ],
)
def test_production_hands_the_bytes_to_the_proxy_after_the_check(
    client, files, member, settings, backend, header
):
    settings.SENDFILE_BACKEND = backend
    wagtail_sendfile._get_sendfile.clear()
    try:
        rendition = files["private_rendition"]
        assert client.get(rendition.file.url).status_code == 302  # still checked first
        client.force_login(member)
        response = client.get(rendition.file.url)
        assert response.status_code == 200 and _body(response) == b""
        if header == "X-Accel-Redirect":
            assert response[header] == f"/fichiers-internes/{rendition.file.name}"
        else:
            assert response[header] == str(Path(settings.MEDIA_ROOT, rendition.file.name))
        # Wagtail's own document view goes through the same backend.
        document = files["private_document"]
        assert header in client.get(document.url)
    finally:
        wagtail_sendfile._get_sendfile.clear()
