from django.urls import path, register_converter

from website.steering import views


class TableConverter:
    """The dashboard's tables that have a CSV export (a plain alternation: the URL inventory
    of the security tests reads it)."""

    regex = "(sujets|territoires|delais|experts|communes|sans-reponse)"

    def to_python(self, value):
        return value

    def to_url(self, value):
        return value


register_converter(TableConverter, "steering_table")

app_name = "steering"

urlpatterns = [
    path("pilotage/", views.dashboard, name="dashboard"),
    path("pilotage/sans-reponse/", views.unanswered, name="unanswered"),
    path("pilotage/export/<steering_table:table>.csv", views.export_csv, name="export_csv"),
    path(
        "pilotage/questions/<int:pk>/relancer/", views.question_escalate, name="question_escalate"
    ),
]
