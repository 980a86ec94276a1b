from django.urls import path

from website.api import views

app_name = "api"

urlpatterns = [
    path("compte/jetons/", views.token_list, name="tokens"),
    path("compte/jetons/<int:pk>/revoquer/", views.token_revoke, name="token_revoke"),
]
