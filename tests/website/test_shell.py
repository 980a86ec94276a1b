import re

import pytest


@pytest.mark.django_db
def test_home_page_is_french_with_landmarks_skip_link_and_navigation(client):
    response = client.get("/")
    html = response.content.decode()
    assert response.status_code == 200
    assert '<html lang="fr">' in html
    assert 'href="#contenu"' in html and 'id="contenu"' in html
    assert 'role="banner"' in html and 'role="contentinfo"' in html and "<main" in html
    for label in ("Questions", "Discussions", "Sujets", "Ordre du jour", "Annuaire", "FAQ"):
        assert f">{label}</a>" in html
    for footer_link in ("/mentions-legales/", "/accessibilite/", "/donnees-personnelles/"):
        assert footer_link in html
    assert html.count("<h1") == 1


@pytest.mark.django_db
def test_pages_load_nothing_from_outside_the_server(client):
    html = client.get("/").content.decode()
    external = re.findall(r'(?:src|href)="(https?://[^"]+)"', html)
    assert external == []


@pytest.mark.django_db
def test_scripts_carry_the_csp_nonce_and_policy_forbids_inline_scripts(client):
    response = client.get("/")
    policy = response.headers["Content-Security-Policy"]
    nonce = re.search(r"'nonce-([^']+)'", policy).group(1)
    assert "unsafe-inline" not in policy
    assert "frame-ancestors 'none'" in policy
    scripts = re.findall(r"<script[^>]*>", response.content.decode())
    assert scripts and all(f'nonce="{nonce}"' in tag for tag in scripts)


@pytest.mark.django_db
def test_unknown_page_gives_a_french_404(client):
    response = client.get("/cette-page-n-existe-pas/")
    assert response.status_code == 404
    assert "Page introuvable" in response.content.decode()


@pytest.mark.django_db
def test_visitor_sees_login_and_signup_links(client):
    html = client.get("/").content.decode()
    assert "Se connecter" in html and "Créer un compte" in html


@pytest.mark.django_db
def test_interface_is_available_in_english(client):
    response = client.get("/", HTTP_ACCEPT_LANGUAGE="en")
    html = response.content.decode()
    assert '<html lang="en">' in html
    assert "Skip to content" in html
