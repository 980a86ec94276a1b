"""Where a stored file is on this server's disk, for the views that hand files to the proxy.

Defined here, the lowest layer that needs it: `qa.views.attachments` sends members' files and
`website.files.views` sends Wagtail's files, both through `X-Accel-Redirect` / `X-Sendfile`
when the storage is on the local disk (issue 14: one definition).
"""

from django.core.files.storage import default_storage


def local_path(name: str) -> str | None:
    """The file's path on this server's disk, or None when the storage has none (S3): the
    proxy can only send files it can read (X-Accel-Redirect, X-Sendfile), others stream."""
    try:
        return default_storage.path(name)
    except NotImplementedError:
        return None
