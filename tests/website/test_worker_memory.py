"""What a web worker holds (benchmarks/README.md, « Worker memory »).

`website/wsgi.py` loads what the first requests would (the URL configuration, the template
tag libraries, the search backend's modules) and then freezes the garbage collector, so that
with `gunicorn --preload` the workers share those pages with the master. Wagtail's API v3
routers, which the site does not mount, are left out (`website/wagtail_apps.py`).
"""

import hashlib
import inspect
import weakref

from django.apps import apps
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
from website import wagtail_apps

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
