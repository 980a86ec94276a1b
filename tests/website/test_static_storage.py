"""The production static files' storage keeps each address once per process
(website/files/static.py): the same address as whitenoise's, and what `DEBUG` changes."""

import json

from whitenoise.storage import CompressedManifestStaticFilesStorage

from website.files.static import StaticFilesStorage


def _storages(tmp_path):
    manifest = {"paths": {"css/qa.css": "css/qa.0123abcd.css"}, "version": "1.1", "hash": "x"}
    (tmp_path / "staticfiles.json").write_text(json.dumps(manifest))
    return (
        StaticFilesStorage(location=tmp_path, base_url="/static/"),
        CompressedManifestStaticFilesStorage(location=tmp_path, base_url="/static/"),
    )


def test_the_address_is_whitenoise_s_and_stays_the_same(tmp_path, settings):
    settings.DEBUG = False
    ours, theirs = _storages(tmp_path)
    assert ours.url("css/qa.css") == theirs.url("css/qa.css") == "/static/css/qa.0123abcd.css"
    assert ours.url("css/qa.css") == "/static/css/qa.0123abcd.css"


def test_debug_serves_the_unhashed_name_after_a_hashed_one(tmp_path, settings):
    ours, _theirs = _storages(tmp_path)
    settings.DEBUG = False
    assert ours.url("css/qa.css") == "/static/css/qa.0123abcd.css"
    settings.DEBUG = True
    assert ours.url("css/qa.css") == "/static/css/qa.css"
