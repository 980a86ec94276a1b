from django.urls import path

from website.search import views

app_name = "search"

urlpatterns = [
    path("recherche/", views.search, name="results"),
    path("recherche/similaires/", views.similar, name="similar"),
]
