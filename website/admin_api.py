"""The Wagtail admin's page-explorer API, loaded at its first request.

`wagtail.admin.urls` includes `wagtail.admin.api.urls`, whose views are Django REST
framework's: importing them loads DRF and what its `compat` module finds installed
(`django.contrib.postgres` and psycopg even on SQLite, PyYAML, Pygments), about 12 MiB in
every web worker (benchmarks/README.md, « Worker memory ») for URLs that only the admin's
page explorer calls, in an editor's browser.

`stand_in()` (called first thing in `WebsiteConfig.ready()`, before any URL configuration or
`wagtail_hooks` module is loaded) puts in `sys.modules`:

* this module for `wagtail.admin.api.urls`: the same routes under the same names, so that
  `reverse()` needs nothing more; the first request to one of them builds Wagtail's router as
  `wagtail.admin.api.urls` does and hands the request to its view;
* for `wagtail.documents.api.admin.views` and `wagtail.images.api.admin.views`, which the
  documents' and images' `wagtail_hooks` import at their top only to register their
  endpoints with the router (`construct_admin_api`), a module holding a placeholder class:
  the router built here registers the real ones itself.

A worker that served the API keeps DRF loaded (about 12 MiB more). The tests
(`tests/website/test_worker_memory.py`) compare these routes with those of Wagtail's router
and the endpoints with those the hooks register.
"""

import functools
import importlib
import sys
import types

from django.urls import include, path, re_path
from django.views.decorators.csrf import csrf_exempt

# (route, name) of each endpoint: Wagtail's `BaseAPIViewSet.get_urlpatterns()`, plus the
# pages' actions (`PagesAdminAPIViewSet.get_urlpatterns()`).
_COMMON = [("", "listing"), ("<int:pk>/", "detail"), ("find/", "find")]
ENDPOINTS = {
    "pages": [*_COMMON, ("<int:pk>/action/<str:action_name>/", "action")],
    "documents": _COMMON,
    "images": _COMMON,
}
NAMESPACE = "wagtailadmin_api"
# Each endpoint's view set: (module, class), as `wagtail.admin.api.urls` and the hooks
# register them.
VIEW_SETS = {
    "pages": ("wagtail.admin.api.views", "PagesAdminAPIViewSet"),
    "documents": ("wagtail.documents.api.admin.views", "DocumentsAdminAPIViewSet"),
    "images": ("wagtail.images.api.admin.views", "ImagesAdminAPIViewSet"),
}
_placeholders: dict[str, types.ModuleType] = {}


def stand_in() -> None:
    """Register the stand-ins (Wagtail's modules, if already imported, stay)."""
    sys.modules.setdefault("wagtail.admin.api.urls", sys.modules[__name__])
    for module, name in list(VIEW_SETS.values())[1:]:
        placeholder = types.ModuleType(module, "Stands in for Wagtail's: website/admin_api.py.")
        setattr(placeholder, name, type(name, (), {"__module__": __name__}))
        if sys.modules.setdefault(module, placeholder) is placeholder:
            _placeholders[module] = placeholder


def view_set(endpoint: str):
    """The real view set of an endpoint (its module imported now, in place of a stand-in)."""
    module, name = VIEW_SETS[endpoint]
    placeholder = _placeholders.pop(module, None)
    if placeholder is not None and sys.modules.get(module) is placeholder:
        del sys.modules[module]
    return getattr(importlib.import_module(module), name)


@functools.cache
def router_views() -> dict[str, object]:
    """The views of Wagtail's admin API router, by « endpoint:name » (built once)."""
    from wagtail.api.v2.router import WagtailAPIRouter  # noqa: PLC0415 (light: no DRF)

    router = WagtailAPIRouter(NAMESPACE)
    for endpoint in ENDPOINTS:
        router.register_endpoint(endpoint, view_set(endpoint))
    return {
        f"{endpoint.namespace}:{pattern.name}": pattern.callback
        for endpoint in router.get_urlpatterns()
        for pattern in endpoint.url_patterns
    }


def _view(name: str):
    # DRF's views are CSRF-exempt for Django's middleware and check the token themselves
    # (session authentication); the stand-in must not be checked twice.
    @csrf_exempt
    def view(request, *args, **kwargs):
        return router_views()[name](request, *args, **kwargs)

    view.__name__ = f"admin_api_{name.replace(':', '_')}"
    return view


urlpatterns = [
    path(
        "main/",
        include(
            (
                [
                    re_path(
                        rf"^{endpoint}/",
                        include(
                            (
                                [
                                    path(route, _view(f"{endpoint}:{name}"), name=name)
                                    for route, name in routes
                                ],
                                endpoint,
                            ),
                            namespace=endpoint,
                        ),
                    )
                    for endpoint, routes in ENDPOINTS.items()
                ],
                NAMESPACE,
            ),
            namespace=NAMESPACE,
        ),
    )
]
