"""Included by allauth under `/comptes/` (allauth imports every provider's `urls`)."""

from django.urls import path

from website.proconnect import views

urlpatterns = [
    path("proconnect/login/", views.login, name="proconnect_login"),
    path("proconnect/login/callback/", views.callback, name="proconnect_callback"),
]
