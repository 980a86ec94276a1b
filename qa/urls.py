from django.urls import path

from qa import views

app_name = "qa"

urlpatterns = [
    path("sujets/<slug:slug>/", views.topic_detail, name="topic_detail"),
]
