"""Uploaded files in an S3-compatible bucket (issue 15), against a real S3 server on loopback.

The test starts `moto` in server mode (`python -m moto.server`) on a free port, makes a
bucket, and points the default storage at it as `S3_BUCKET` does in production
(`website.files.s3.ProtectedS3Storage`). Files are uploaded through the site's forms and
downloaded through its checking views; the bucket itself never serves them to anyone.
"""

import subprocess
import sys
import time
import uuid

import boto3
import pytest
import requests
from django.core.files.base import ContentFile
from django.test import override_settings
from wagtail.documents import get_document_model
from wagtail.models import Collection

from qa.models import Question
from tests.processes import free_port, stop
from tests.qa.attachment_files import pdf, upload

pytestmark = pytest.mark.django_db

BUCKET = "entraide-test"
KEYS = {"aws_access_key_id": "entraide", "aws_secret_access_key": "entraide-secret"}


@pytest.fixture(scope="module")
def s3_server():
    """A moto S3 server on a free loopback port with one empty bucket; stopped afterwards."""
    port = free_port()
    endpoint = f"http://127.0.0.1:{port}"
    process = subprocess.Popen(  # noqa: S603 (a fixed command)
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                requests.get(endpoint, timeout=5)
                break
            except requests.ConnectionError as error:
                if process.poll() is not None or time.monotonic() > deadline:
                    message = f"moto did not start: {process.stderr.read()[-2000:]}"
                    raise AssertionError(message) from error
                time.sleep(0.2)
        client = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1", **KEYS)
        client.create_bucket(Bucket=BUCKET)
        yield endpoint, client
    finally:
        stop(process)


@pytest.fixture
def s3_storage(s3_server, settings):
    endpoint, client = s3_server
    prefix = uuid.uuid4().hex
    options = {
        "bucket_name": BUCKET,
        "endpoint_url": endpoint,
        "region_name": "us-east-1",
        "access_key": KEYS["aws_access_key_id"],
        "secret_key": KEYS["aws_secret_access_key"],
        "location": prefix,
    }
    storages = {
        **settings.STORAGES,
        "default": {"BACKEND": "website.files.s3.ProtectedS3Storage", "OPTIONS": options},
    }
    with override_settings(STORAGES=storages):
        yield endpoint, client, prefix


@pytest.fixture
def topic(make_topic):
    return make_topic(name="Commande publique", slug="commande-publique")


def _objects(client, prefix) -> list[str]:
    listing = client.list_objects_v2(Bucket=BUCKET, Prefix=prefix + "/")
    return [item["Key"] for item in listing.get("Contents", [])]


def _assert_private(endpoint, client, key):
    """Only the bucket's owner holds a grant, and the object's address answers 403."""
    grants = client.get_object_acl(Bucket=BUCKET, Key=key)["Grants"]
    assert [grant["Permission"] for grant in grants] == ["FULL_CONTROL"]
    assert grants[0]["Grantee"]["Type"] == "CanonicalUser"
    assert requests.get(f"{endpoint}/{BUCKET}/{key}", timeout=10).status_code == 403


def _body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def test_an_attachment_is_stored_private_in_the_bucket_and_streamed_to_members_only(
    client, member, topic, s3_storage
):
    endpoint, s3, prefix = s3_storage
    content = pdf()
    client.force_login(member)
    response = client.post(
        "/questions/poser/",
        {
            "kind": "question",
            "title": "Convention de groupement stockée dans un seau S3 ?",
            "body": "Voici notre modèle de convention, à partager entre communes.",
            "topics": [topic.pk],
            "submission_token": uuid.uuid4().hex,
            "publish": "1",
            "attachments": [upload("convention.pdf", content)],
        },
    )
    assert response.status_code == 302
    attachment = Question.objects.get().attachments.get()
    key = f"{prefix}/{attachment.file.name}"
    assert key in _objects(s3, prefix)
    assert s3.get_object(Bucket=BUCKET, Key=key)["Body"].read() == content
    _assert_private(endpoint, s3, key)

    downloaded = client.get(attachment.get_absolute_url())
    assert downloaded.status_code == 200
    assert _body(downloaded) == content
    assert downloaded["Cache-Control"] == "private, no-cache"

    client.logout()
    refused = client.get(attachment.get_absolute_url())
    assert refused.status_code == 302 and "/comptes/login/" in refused["Location"]


@override_settings(QA_ATTACHMENT_SENDFILE="nginx")
def test_the_proxy_is_not_asked_to_send_a_file_it_cannot_read(client, member, topic, s3_storage):
    """X-Accel-Redirect points into MEDIA_ROOT: with a bucket the view streams instead."""
    client.force_login(member)
    client.post(
        "/questions/poser/",
        {
            "kind": "question",
            "title": "Une pièce jointe derrière nginx et S3 ?",
            "body": "Le mandataire ne lit pas le seau : le site envoie le fichier.",
            "topics": [topic.pk],
            "submission_token": uuid.uuid4().hex,
            "publish": "1",
            "attachments": [upload("note.pdf", pdf())],
        },
    )
    response = client.get(Question.objects.get().attachments.get().get_absolute_url())
    assert response.status_code == 200 and "X-Accel-Redirect" not in response
    assert _body(response) == pdf()


def test_a_members_only_document_is_private_in_the_bucket_and_checked_on_download(
    client, member, s3_storage
):
    endpoint, s3, prefix = s3_storage
    document = get_document_model().objects.create(
        title="Budget confidentiel",
        collection=Collection.objects.get(name="Documents réservés aux membres"),
        file=ContentFile(b"budget-prive-2027", name="budget-2027.txt"),
    )
    key = f"{prefix}/{document.file.name}"
    assert key in _objects(s3, prefix)
    _assert_private(endpoint, s3, key)
    assert document.file.url == f"/fichiers/{document.file.name}"

    refused = client.get(document.file.url)
    assert refused.status_code == 302 and "/comptes/login/" in refused["Location"]
    client.force_login(member)
    served = client.get(document.file.url)
    assert served.status_code == 200 and _body(served) == b"budget-prive-2027"
    assert served["Cache-Control"] == "private, no-cache"
    assert "attachment" in served["Content-Disposition"]
