"""Issue 20, item 11: the Wagtail admin showed each user's avatar as a broken image (dashboard
and menu): it pointed at gravatar.com, a third party handed a hash of the e-mail and out of
reach offline. The admin now shows Wagtail's default avatar, from our own static files."""

import pytest
from wagtail.admin.templatetags.wagtailadmin_tags import avatar_url

pytestmark = pytest.mark.django_db

DEFAULT_AVATAR = "/static/wagtailadmin/images/default-user-avatar.png"


def test_a_user_without_a_picture_gets_the_local_default_avatar(editor):
    assert avatar_url(editor).startswith(DEFAULT_AVATAR)


def test_the_dashboard_and_the_menu_load_no_avatar_from_outside(client, editor):
    client.force_login(editor)
    for address in ("/admin/", "/admin/account/"):
        body = client.get(address).content.decode()
        assert "gravatar" not in body, address
        assert DEFAULT_AVATAR in body, address
