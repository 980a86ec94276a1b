from django.apps import AppConfig


class SearchConfig(AppConfig):
    name = "website.search"
    label = "search"
