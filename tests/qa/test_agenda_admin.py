"""The agenda in Django's admin (`/django-admin/`, superusers): links typed without a scheme."""

import pytest
from django.contrib import admin
from django.test import RequestFactory

from qa.agenda.models import Meeting, Proposal


@pytest.mark.parametrize(("model", "field"), [(Meeting, "video_url"), (Proposal, "minutes_url")])
def test_a_link_typed_without_a_scheme_gets_https(model, field, make_user):
    """As on the site's own forms (`qa/agenda/forms.py`): « visio.… » means https://."""
    request = RequestFactory().get("/")
    request.user = make_user(is_staff=True, is_superuser=True)
    form_class = admin.site.get_model_admin(model).get_form(request)
    assert form_class.base_fields[field].clean("visio.example.org/salle") == (
        "https://visio.example.org/salle"
    )
