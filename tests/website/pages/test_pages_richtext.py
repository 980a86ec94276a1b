import pytest

from website.pages.models import ContentPage
from website.pages.richtext import sanitise_rich_text

pytestmark = pytest.mark.django_db


def test_scripts_and_event_handlers_are_removed_from_rich_text_saved_by_code(home, client):
    page = ContentPage(
        title="Importée",
        slug="importee",
        body='<p onclick="alert(1)">Texte <script>alert("x")</script><b>gras</b></p>'
        '<a href="javascript:alert(1)">lien</a><iframe src="https://example.org"></iframe>',
    )
    home.add_child(instance=page)
    page.save_revision().publish()
    page.refresh_from_db()
    assert "script" not in page.body
    assert "onclick" not in page.body
    assert "javascript:" not in page.body
    assert "iframe" not in page.body
    assert "<b>gras</b>" in page.body
    assert "alert" not in client.get("/importee/").content.decode()


def test_wagtail_internal_links_survive_sanitising():
    html = '<p><a linktype="page" id="3">accueil</a> <a href="https://example.org">x</a></p>'
    assert sanitise_rich_text(html) == html
