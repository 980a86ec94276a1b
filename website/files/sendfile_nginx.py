"""`SENDFILE_BACKEND` for nginx: the app checks, nginx sends the bytes (`X-Accel-Redirect`).

Same interface as Wagtail's `wagtail.utils.sendfile_streaming_backend`, so Wagtail's document
view uses it too. `SENDFILE_URL` is the `internal` nginx location aliasing `MEDIA_ROOT`
(docs/operations.md).
"""

from pathlib import Path
from urllib.parse import quote

from django.conf import settings
from django.http import HttpResponse


def internal_url(filename) -> str:
    relative = Path(filename).resolve().relative_to(Path(settings.MEDIA_ROOT).resolve())
    return settings.SENDFILE_URL.rstrip("/") + "/" + quote(relative.as_posix())


def sendfile(request, filename, **kwargs):
    response = HttpResponse()
    response["X-Accel-Redirect"] = internal_url(filename)
    return response
