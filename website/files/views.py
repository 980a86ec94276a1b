"""`/fichiers/<name>`: the one way to download an uploaded file.

The file must belong to a record (a Wagtail document, an original image or a rendition);
the view applies that record's collection view restrictions (the members-only collection is
restricted to the *Membres* group), then sends the file — streamed by Django, or handed to the
proxy by `X-Accel-Redirect` / `X-Sendfile` (`SENDFILE_BACKEND`, docs/operations.md); from an
S3-compatible bucket it is always streamed. A file
no record owns is never served.
"""

from django.conf import settings
from django.core.exceptions import PermissionDenied, SuspiciousFileOperation
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe
from wagtail.documents import get_document_model
from wagtail.images import get_image_model
from wagtail.utils import sendfile_streaming_backend
from wagtail.utils.sendfile import sendfile

from directory.access import gate
from qa.storage import local_path

# Folders Wagtail stores into; anything else under MEDIA_ROOT is not ours to serve.
DOCUMENTS, ORIGINAL_IMAGES, RENDITIONS = "documents/", "original_images/", "images/"


def _owner(name: str):
    """(collection, is_document) of the record owning the stored file, or 404."""
    if name.startswith(DOCUMENTS):
        owner = get_document_model().objects.filter(file=name).select_related("collection")
        document = owner.first()
        return (document.collection, True) if document else (None, None)
    if name.startswith(ORIGINAL_IMAGES):
        image = get_image_model().objects.filter(file=name).select_related("collection").first()
        return (image.collection, False) if image else (None, None)
    if name.startswith(RENDITIONS):
        renditions = get_image_model().get_rendition_model().objects
        rendition = renditions.filter(file=name).select_related("image__collection").first()
        return (rendition.image.collection, False) if rendition else (None, None)
    return None, None


@require_safe
@gate()
def protected_file(request, name):
    collection, is_document = _owner(name)
    if collection is None:
        raise Http404(_("Ce fichier n'existe pas."))
    restrictions = list(collection.get_view_restrictions())
    for restriction in restrictions:
        if not restriction.accept_request(request):
            raise PermissionDenied(_("Ce fichier est réservé aux membres."))
    try:
        path = local_path(name)
    except SuspiciousFileOperation as error:
        raise Http404(_("Ce fichier n'existe pas.")) from error
    if path is None:
        # An S3-compatible bucket: the bytes are streamed from it, nothing there is public.
        try:
            stream = default_storage.open(name, "rb")
        except FileNotFoundError as error:
            raise Http404(_("Ce fichier n'existe pas.")) from error
        response = FileResponse(stream, as_attachment=is_document)
    else:
        options = {"attachment": is_document}
        if not settings.SENDFILE_BACKEND:
            options["backend"] = sendfile_streaming_backend.sendfile
        response = sendfile(request, path, **options)
        if response.get("Content-Encoding") == "None":
            del response["Content-Encoding"]  # Wagtail's sendfile writes None for plain files
    response["Cache-Control"] = "private, no-cache" if restrictions else "public, max-age=3600"
    # A file opened on its own runs nothing, whatever it holds (an SVG, HTML in a .txt).
    response["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'; sandbox"
    response["X-Content-Type-Options"] = "nosniff"
    return response
