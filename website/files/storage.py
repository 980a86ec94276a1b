"""The default storage: files under `MEDIA_ROOT`, addresses on the checking view."""

from django.core.files.storage import FileSystemStorage
from django.urls import reverse


class ProtectedFileSystemStorage(FileSystemStorage):
    """Like Django's, except that a file's URL is `/fichiers/<name>` (`website.files.views`),
    never `MEDIA_URL`: no web server needs to expose the upload folder, so a members-only
    image or document cannot leak through a `location /media/` someone adds."""

    def url(self, name):
        if name is None:
            raise ValueError("This file is not accessible via a URL.")
        return reverse("protected_file", kwargs={"name": name.replace("\\", "/").lstrip("/")})
