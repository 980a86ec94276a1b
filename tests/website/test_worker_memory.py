"""What a web worker holds (benchmarks/README.md, « Worker memory »).

`website/wsgi.py` loads what the first requests would (the URL configuration, the template
tag libraries, the search backend's modules) and then freezes the garbage collector, so that
with `gunicorn --preload` the workers share those pages with the master. Wagtail's API v3
routers, which the site does not mount, are left out (`website/wagtail_apps.py`), and the
Wagtail admin's API (Django REST framework) is loaded at its first request
(`website/admin_api.py`).
"""

import hashlib
import inspect
import weakref
from pathlib import Path

import pytest
import wagtail
from django.apps import apps
from django.db import connection
from django.urls import reverse
from wagtail import hooks
from wagtail.api.v2.router import WagtailAPIRouter
from wagtail.contrib.redirects.apps import WagtailRedirectsAppConfig
from wagtail.contrib.redirects.signal_handlers import (
    autocreate_redirects_on_page_move,
    autocreate_redirects_on_slug_change,
)
from wagtail.documents import get_document_model
from wagtail.documents.apps import WagtailDocsAppConfig
from wagtail.images import get_image_model
from wagtail.images.apps import WagtailImagesAppConfig
from wagtail.models.reference_index import ReferenceIndex
from wagtail.signals import page_slug_changed, post_page_move
from wagtail.snippets.apps import WagtailSnippetsAppConfig

from tests.processes import printed_json
from website import admin_api, wagtail_apps

PROBE = """
import gc, json, sys
import website.wsgi
print(json.dumps({"modules": sorted(sys.modules), "frozen": gc.get_freeze_count()}))
"""


def load_the_wsgi_application() -> dict:
    return printed_json(["-c", PROBE], {"DJANGO_DEBUG": "true", "SEARCH_BACKEND": "whoosh"})


def test_the_wsgi_application_loads_what_the_first_requests_need_and_no_wagtail_api():
    loaded = load_the_wsgi_application()
    modules = set(loaded["modules"])
    # Loaded before the fork (shared with `--preload`): views, template tags, search.
    assert {
        "wagtail.admin.urls",
        "qa.views.threads",
        "qa.templatetags.qa_extensions",
        "django.contrib.admin.templatetags.admin_list",
        "website.search.backends.whoosh",
        "numpy",
    } <= modules
    assert loaded["frozen"] > 100_000
    # Wagtail's API v3 and the redirects' API v2 package: not mounted, not loaded.
    assert not {m for m in modules if m.startswith("wagtail.api.v3") or ".api.v3" in m}
    assert "wagtail.contrib.redirects.api" not in modules
    # The Wagtail admin's API: loaded at its first request, and Django REST framework with it
    # (with its `compat` imports: django.contrib.postgres and psycopg on SQLite, PyYAML,
    # Pygments). The documents' and images' view set modules are placeholders till then.
    not_loaded = {
        "wagtail.admin.api.views",
        "wagtail.api.v2.views",
        "wagtail.documents.api.v2.views",
        "wagtail.images.api.v2.views",
        "rest_framework.serializers",
        "rest_framework.views",
        "yaml",
        "pygments",
    }
    if connection.vendor == "sqlite":  # on PostgreSQL the database backend needs them
        not_loaded |= {"django.contrib.postgres", "psycopg"}
    assert not modules & not_loaded


def receivers(signal) -> list:
    found = [entry[1] for entry in signal.receivers]
    return [r() if isinstance(r, weakref.ReferenceType) else r for r in found]


def test_the_wagtail_apps_keep_everything_but_the_api():
    assert isinstance(apps.get_app_config("wagtailimages"), wagtail_apps.ImagesConfig)
    assert isinstance(apps.get_app_config("wagtaildocs"), wagtail_apps.DocumentsConfig)
    assert isinstance(apps.get_app_config("wagtailsnippets"), wagtail_apps.SnippetsConfig)
    assert isinstance(apps.get_app_config("wagtailredirects"), wagtail_apps.RedirectsConfig)
    assert ReferenceIndex.is_indexed(get_image_model())
    assert ReferenceIndex.is_indexed(get_document_model())
    assert autocreate_redirects_on_page_move in receivers(post_page_move)
    assert autocreate_redirects_on_slug_change in receivers(page_slug_changed)


def test_the_copied_ready_methods_match_wagtails_own():
    """website/wagtail_apps.py copies these four methods minus their API lines: a Wagtail
    upgrade that changes one must be looked at (copy what it added, then update the hash)."""
    hashes = {
        cls.__name__: hashlib.sha256(inspect.getsource(cls.ready).encode()).hexdigest()[:16]
        for cls in (
            WagtailImagesAppConfig,
            WagtailDocsAppConfig,
            WagtailSnippetsAppConfig,
            WagtailRedirectsAppConfig,
        )
    }
    assert hashes == {
        "WagtailImagesAppConfig": "52e409385bb1ad62",
        "WagtailDocsAppConfig": "4cdf87a46dbf81ef",
        "WagtailSnippetsAppConfig": "1ac35b5ed4034956",
        "WagtailRedirectsAppConfig": "19d1a78049d84e47",
    }


def test_the_admin_api_stand_in_has_the_routes_of_wagtails_router():
    router = WagtailAPIRouter(admin_api.NAMESPACE)
    for endpoint in admin_api.ENDPOINTS:
        router.register_endpoint(endpoint, admin_api.view_set(endpoint))

    def routes(urlpatterns):
        return [
            (str(endpoint.pattern), endpoint.namespace, str(p.pattern), p.name)
            for endpoint in urlpatterns
            for p in endpoint.url_patterns
        ]

    (main,) = admin_api.urlpatterns
    assert (str(main.pattern), main.namespace) == ("main/", "wagtailadmin_api")
    assert routes(main.url_patterns) == routes(router.get_urlpatterns())
    assert reverse("wagtailadmin_api:pages:listing") == "/admin/api/main/pages/"
    assert reverse("wagtailadmin_api:images:detail", args=[3]) == "/admin/api/main/images/3/"


def test_the_admin_api_hooks_register_the_view_sets_the_stand_in_builds():
    registered = {}

    class Recorder:
        def register_endpoint(self, name, view_set):
            registered[name] = (view_set.__name__,)

    for construct in hooks.get_hooks("construct_admin_api"):
        construct(Recorder())
    expected = {e: (name,) for e, (_module, name) in admin_api.VIEW_SETS.items() if e != "pages"}
    assert registered == expected


def test_wagtails_admin_api_urls_are_those_the_stand_in_was_written_from():
    """website/admin_api.py replaces this module: a Wagtail upgrade that changes it (another
    endpoint, another route) must be looked at."""
    text = (Path(wagtail.__file__).parent / "admin" / "api" / "urls.py").read_bytes()
    assert hashlib.sha256(text).hexdigest()[:16] == "31b1bd7df84970fb"


@pytest.mark.django_db
def test_the_page_explorer_api_answers_through_the_stand_in(client, editor):
    from website.pages.models import HomePage  # noqa: PLC0415

    home = HomePage.objects.get()
    client.force_login(editor)
    listing = client.get(
        "/admin/api/main/pages/", {"child_of": home.get_parent().pk, "for_explorer": "true"}
    )
    assert listing.status_code == 200
    titles = [item["title"] for item in listing.json()["items"]]
    assert home.title in titles
    detail = client.get(f"/admin/api/main/pages/{home.pk}/")
    assert detail.json()["meta"]["parent"]["id"] == home.get_parent().pk
    for endpoint in ("documents", "images"):
        answer = client.get(f"/admin/api/main/{endpoint}/")
        assert answer.status_code == 200, endpoint
        assert "items" in answer.json(), endpoint


@pytest.mark.django_db
def test_the_admin_api_refuses_a_member_as_wagtails_did(client, member):
    client.force_login(member)
    response = client.get("/admin/api/main/pages/")
    assert response.status_code in (302, 403)


@pytest.mark.django_db
def test_a_page_action_posted_through_the_stand_in_reaches_wagtails_view_csrf_checked(editor):
    from django.test import Client  # noqa: PLC0415

    from website.pages.models import HomePage  # noqa: PLC0415

    home = HomePage.objects.get()
    client = Client(enforce_csrf_checks=True)
    client.force_login(editor)
    address = f"/admin/api/main/pages/{home.pk}/action/no-such-action/"
    # Without a token: refused by Django REST framework's own check, as in Wagtail.
    refused = client.post(address, {}, content_type="application/json")
    assert refused.status_code == 403
    assert "CSRF" in refused.json()["detail"]
    client.get("/admin/")
    token = client.cookies["csrftoken"].value
    answer = client.post(address, {}, content_type="application/json", HTTP_X_CSRFTOKEN=token)
    # Wagtail's action view itself: the page exists, the action does not.
    assert answer.status_code == 404
    assert "unrecognised action" in answer.json()["message"]
