"""« Poser une question à cette structure »: the structure page links to the ask form, pre-filled;
the directory gets the address from `qa` (`directory.extensions`), never writes it."""

from pathlib import Path

import pytest

from directory import extensions

pytestmark = pytest.mark.django_db


def test_the_structure_page_links_to_the_ask_form_with_the_structure_chosen(
    client, member, make_structure
):
    castellane = make_structure(name="Castellane")
    client.force_login(member)
    html = client.get(castellane.get_absolute_url()).content.decode()
    assert f'href="/questions/poser/?structure={castellane.pk}"' in html
    assert "Poser une question à cette structure" in html
    form = client.get(f"/questions/poser/?structure={castellane.pk}").content.decode()
    assert f'<option value="{castellane.pk}" selected>Castellane</option>' in form


def test_without_the_qa_app_the_structure_page_has_no_ask_link(
    client, member, make_structure, monkeypatch
):
    monkeypatch.setattr(extensions, "_ask_structure_url", None)
    castellane = make_structure(name="Castellane")
    client.force_login(member)
    html = client.get(castellane.get_absolute_url()).content.decode()
    assert "Poser une question à cette structure" not in html


def test_the_directory_template_does_not_write_the_ask_address():
    template = Path("templates/directory/structure_detail.html").read_text()
    assert "/questions/" not in template
