from django.urls import path

from website.needs import views

app_name = "needs"

urlpatterns = [
    path("besoins-partages/", views.shared_needs, name="index"),
    path("besoins-partages/export.csv", views.shared_needs_csv, name="export_csv"),
]
