"""The default storages: files under `MEDIA_ROOT`, or in an S3-compatible bucket
(`S3_BUCKET`, docs/operations.md); either way their addresses are on the checking view."""

from django.core.files.storage import FileSystemStorage
from django.urls import reverse
from storages.backends.s3 import S3Storage


def _checked_url(name) -> str:
    if name is None:
        raise ValueError("This file is not accessible via a URL.")
    return reverse("protected_file", kwargs={"name": name.replace("\\", "/").lstrip("/")})


class ProtectedFileSystemStorage(FileSystemStorage):
    """Like Django's, except that a file's URL is `/fichiers/<name>` (`website.files.views`),
    never `MEDIA_URL`: no web server needs to expose the upload folder, so a members-only
    image or document cannot leak through a `location /media/` someone adds."""

    def url(self, name):
        return _checked_url(name)


class ProtectedS3Storage(S3Storage):
    """django-storages' S3 storage for several servers, with nothing public in the bucket:
    every object is written with the `private` ACL, a name already taken gets a new one (as on
    disk, never overwritten), and a file's URL is the checking view, which streams it from the
    bucket after the permission check."""

    default_acl = "private"
    file_overwrite = False
    querystring_auth = True

    def url(self, name, parameters=None, expire=None, http_method=None):
        return _checked_url(name)
