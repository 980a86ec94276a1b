"""The default storages: files under `MEDIA_ROOT`, or in an S3-compatible bucket
(`S3_BUCKET`, docs/operations.md, `website.files.s3`); either way their addresses are on
the checking view."""

from django.core.files.storage import FileSystemStorage
from django.urls import reverse


def checked_url(name) -> str:
    if name is None:
        raise ValueError("This file is not accessible via a URL.")
    return reverse("protected_file", kwargs={"name": name.replace("\\", "/").lstrip("/")})


class ProtectedFileSystemStorage(FileSystemStorage):
    """Like Django's, except that a file's URL is `/fichiers/<name>` (`website.files.views`),
    never `MEDIA_URL`: no web server needs to expose the upload folder, so a members-only
    image or document cannot leak through a `location /media/` someone adds."""

    def url(self, name):
        return checked_url(name)
