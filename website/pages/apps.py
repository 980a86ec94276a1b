from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PagesConfig(AppConfig):
    name = "website.pages"
    label = "pages"
    verbose_name = _("Pages du site")

    def ready(self):
        from wagtail.signals import page_published

        from website.pages.services import on_page_published

        page_published.connect(on_page_published, dispatch_uid="pages_rechecks_on_publish")
