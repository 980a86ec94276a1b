"""Wagtail's images, documents, snippets and redirects apps without their API v3 routers.

Wagtail 8's `ready()` of these four apps imports `wagtail.api.v3` and adds a django-ninja
router to its `api` object (with the pydantic schemas of every registered content type);
`wagtail.contrib.redirects` first imports its API v2 package as well (Django REST framework's
serializers). The site mounts no Wagtail API (`website/urls.py`: `wagtail.api.v3` is neither
installed nor routed), so that is only memory held by every web worker: about 5 MiB of
objects (benchmarks/README.md, « Worker memory »).

Each `ready()` below is Wagtail's own, minus the API lines at its end; with
`wagtail.api.v3` installed it is Wagtail's unchanged. `tests/website/test_worker_memory.py`
compares Wagtail's source of each method with the one these copies were made from, so that a
Wagtail upgrade that changes them is noticed.
"""

from django.apps import apps
from django.db.models import ForeignKey
from django.db.models.signals import post_migrate
from wagtail.contrib.redirects.apps import WagtailRedirectsAppConfig
from wagtail.documents.apps import WagtailDocsAppConfig
from wagtail.images.apps import WagtailImagesAppConfig
from wagtail.snippets.apps import WagtailSnippetsAppConfig


def _api_installed() -> bool:
    return apps.is_installed("wagtail.api.v3")


class ImagesConfig(WagtailImagesAppConfig):
    def ready(self):
        if _api_installed():
            return super().ready()
        from wagtail.admin.compare import register_comparison_class
        from wagtail.admin.forms.models import register_form_field_override
        from wagtail.admin.ui.fields import register_display_class
        from wagtail.images import get_image_model, get_permission_policy
        from wagtail.images.components import ImageDisplay
        from wagtail.images.edit_handlers import ImageFieldComparison
        from wagtail.images.signal_handlers import register_signal_handlers
        from wagtail.images.widgets import AdminImageChooser
        from wagtail.models.reference_index import ReferenceIndex
        from wagtail.permissions import register_permission_policy

        Image = get_image_model()
        register_permission_policy(Image, get_permission_policy())
        register_signal_handlers()
        register_form_field_override(ForeignKey, to=Image, override={"widget": AdminImageChooser})
        register_comparison_class(ForeignKey, to=Image, comparison_class=ImageFieldComparison)
        register_display_class(ForeignKey, to=Image, display_class=ImageDisplay)
        ReferenceIndex.register_model(Image)
        return None


class DocumentsConfig(WagtailDocsAppConfig):
    def ready(self):
        if _api_installed():
            return super().ready()
        from wagtail.admin.ui.fields import register_display_class
        from wagtail.documents import get_document_model, get_permission_policy
        from wagtail.documents.components import DocumentDisplay
        from wagtail.documents.signal_handlers import register_signal_handlers
        from wagtail.models.reference_index import ReferenceIndex
        from wagtail.permissions import register_permission_policy

        Document = get_document_model()
        register_permission_policy(Document, get_permission_policy())
        register_signal_handlers()
        register_display_class(ForeignKey, to=Document, display_class=DocumentDisplay)
        ReferenceIndex.register_model(Document)
        return None


class SnippetsConfig(WagtailSnippetsAppConfig):
    def ready(self):
        if _api_installed():
            return super().ready()
        from wagtail.snippets.models import create_extra_permissions, register_deferred_snippets

        register_deferred_snippets()
        post_migrate.connect(create_extra_permissions, sender=self)
        return None


class RedirectsConfig(WagtailRedirectsAppConfig):
    def ready(self):
        if _api_installed():
            return super().ready()
        from wagtail.contrib.redirects.models import Redirect
        from wagtail.contrib.redirects.signal_handlers import (
            autocreate_redirects_on_page_move,
            autocreate_redirects_on_slug_change,
        )
        from wagtail.permissions import register_permission_policy
        from wagtail.signals import page_slug_changed, post_page_move

        register_permission_policy(Redirect)
        post_page_move.connect(autocreate_redirects_on_page_move)
        page_slug_changed.connect(autocreate_redirects_on_slug_change)
        return None
