from django.urls import path

from directory import views

app_name = "directory"

urlpatterns = [
    path("annuaire/comptes-en-attente/", views.pending_accounts, name="pending_accounts"),
    path(
        "annuaire/comptes-en-attente/<int:pk>/approuver/",
        views.account_approve,
        name="account_approve",
    ),
]
