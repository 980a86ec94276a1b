from django.apps import AppConfig


class PagesConfig(AppConfig):
    name = "website.pages"
    label = "pages"
