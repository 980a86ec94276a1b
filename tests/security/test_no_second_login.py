"""Every login goes through allauth (rate limits, MFA): no other form authenticates."""

import pytest
from allauth.mfa.models import Authenticator

from tests.factories import TEST_PASSWORD
from tests.website.test_account_security import activate_totp

pytestmark = pytest.mark.django_db

OTHER_LOGIN_FORMS = ["/_util/login/", "/admin/login/", "/django-admin/login/"]


@pytest.mark.parametrize("path", OTHER_LOGIN_FORMS)
def test_posting_credentials_elsewhere_than_allauth_does_not_log_in(client, member, path):
    client.post(path, {"username": member.email, "password": TEST_PASSWORD})
    assert "_auth_user_id" not in client.session


@pytest.mark.parametrize("path", OTHER_LOGIN_FORMS)
def test_no_other_login_form_skips_the_second_factor(client, member, path):
    activate_totp(client, member)
    assert Authenticator.objects.filter(user=member).exists()
    client.post("/comptes/logout/")
    client.post(path, {"username": member.email, "password": TEST_PASSWORD})
    assert "_auth_user_id" not in client.session
