"""The bucket storage (`S3_BUCKET`), apart from `website.files.storage`: boto3 holds about
25 MiB in every process that imports it, and only a site with a bucket needs it."""

from storages.backends.s3 import S3Storage

from website.files.storage import checked_url


class ProtectedS3Storage(S3Storage):
    """django-storages' S3 storage for several servers, with nothing public in the bucket:
    every object is written with the `private` ACL, a name already taken gets a new one (as on
    disk, never overwritten), and a file's URL is the checking view, which streams it from the
    bucket after the permission check."""

    default_acl = "private"
    file_overwrite = False
    querystring_auth = True

    def url(self, name, parameters=None, expire=None, http_method=None):
        return checked_url(name)
