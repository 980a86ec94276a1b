"""JSON answers with an ETag: a client that sends `If-None-Match` with the same tag gets
304 and no body. The tag is a digest of the body, so it changes with anything the caller
would see change (a new answer, an edit, a vote), and two callers who see different things
get different tags."""

from __future__ import annotations

import hashlib
import json

from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpResponse
from django.utils.cache import patch_vary_headers


def _matches(header: str, etag: str) -> bool:
    if header.strip() == "*":
        return True
    tags = [tag.strip().removeprefix("W/") for tag in header.split(",")]
    return etag in tags


def etagged(request, data, *, status: int = 200) -> HttpResponse:
    body = json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False, sort_keys=True)
    etag = '"' + hashlib.sha256(body.encode()).hexdigest()[:32] + '"'
    if status == 200 and _matches(request.headers.get("If-None-Match", ""), etag):
        response = HttpResponse(status=304)
    else:
        response = HttpResponse(body, status=status, content_type="application/json")
    response["ETag"] = etag
    # What a token sees is its own: caches may keep it for that caller only, after asking.
    response["Cache-Control"] = "private, no-cache"
    patch_vary_headers(response, ("Authorization", "Accept-Language"))
    return response


def created(request, data, *, location: str) -> HttpResponse:
    body = json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False)
    response = HttpResponse(body, status=201, content_type="application/json")
    response["Location"] = location
    return response
