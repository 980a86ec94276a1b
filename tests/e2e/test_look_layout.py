"""Visual finish (issue 20, item 11), in the browser: long unbroken words never widen a page,
the footer lines up with the content, and on a phone the navigation folds into a « Menu »
disclosure (<details>: no JavaScript needed) with search still in sight."""

import io

import pytest
from PIL import Image
from playwright.sync_api import expect

from qa import services as qa_services
from qa.models import TITLE_MAX_LENGTH
from tests.e2e.conftest import assert_accessible, login
from tests.factories import TEST_PASSWORD

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 375, "height": 740}
# A file name as members paste them: no space, no hyphen, nowhere a line may break.
UNBROKEN = "Deliberation_du_conseil_municipal_relative_au_budget_annexe_" * 4
LONG_TITLE = UNBROKEN[:TITLE_MAX_LENGTH]
PAGE_WIDTH = "[document.documentElement.scrollWidth, window.innerWidth]"


@pytest.fixture
def thread(make_user, make_topic):
    member = make_user(email="camille.long@example.org")
    question = qa_services.question_create(
        author=member,
        title=LONG_TITLE,
        body=f"Le fichier joint s'appelle {UNBROKEN[:200]}.pdf, voyez-vous pourquoi ?",
        topics=[make_topic(name="Finances", slug="finances")],
    )
    return member, question


def test_long_unbroken_words_wrap_at_desktop_and_phone_widths(new_page, thread):
    member, question = thread
    for viewport in (DESKTOP, PHONE):
        page = new_page(viewport=viewport)
        login(page, member.email, TEST_PASSWORD)
        for address in ("/", "/questions/", question.get_absolute_url()):
            page.goto(address)
            expect(page.get_by_text(LONG_TITLE).first).to_be_visible()
            scroll_width, window_width = page.evaluate(PAGE_WIDTH)
            assert scroll_width <= window_width, (viewport, address, scroll_width)


def test_the_footer_lines_up_with_the_content_column(page, thread):
    member, _question = thread
    login(page, member.email, TEST_PASSWORD)
    page.goto("/")
    content_left = page.locator("main h1").bounding_box()["x"]
    assert content_left > 60  # a centred column in a 1,280 px window
    for element in ("Mentions légales", "Langue"):
        left = page.locator(".site-footer").get_by_text(element).first.bounding_box()["x"]
        assert abs(left - content_left) < 1, (element, left, content_left)


def test_on_a_phone_the_navigation_folds_into_a_menu_button(browser, live_server, new_page, thread):
    member, _question = thread
    phone = browser.new_context(
        base_url=live_server.url, locale="fr-FR", viewport=PHONE, has_touch=True, is_mobile=True
    )
    try:
        page = phone.new_page()
        login(page, member.email, TEST_PASSWORD)
        page.goto("/")
        menu = page.locator("details.site-menu")
        toggle = menu.locator("summary")
        questions = page.get_by_role("link", name="Questions", exact=True)
        # Closed: the content starts high on the screen, search is in sight, links are not.
        assert page.locator("#contenu").bounding_box()["y"] <= 150
        expect(page.get_by_role("searchbox", name="Rechercher dans Entraide")).to_be_visible()
        expect(toggle).to_be_visible()
        expect(toggle).to_have_text("☰ Menu")
        expect(questions).to_be_hidden()
        expect(page.get_by_role("link", name="Mon profil")).to_be_hidden()
        assert_accessible(page)

        # By keyboard: Tab reaches the button, Enter opens and closes it.
        for _ in range(10):
            page.keyboard.press("Tab")
            if page.evaluate("document.activeElement.tagName") == "SUMMARY":
                break
        assert page.evaluate("document.activeElement.textContent.trim()") == "☰ Menu"
        page.keyboard.press("Enter")
        expect(menu).to_have_attribute("open", "")
        expect(questions).to_be_visible()
        expect(page.get_by_role("link", name="Mon profil")).to_be_visible()
        assert_accessible(page)
        page.keyboard.press("Tab")
        assert page.evaluate("document.activeElement.textContent.trim()") == "Notifications"
        page.keyboard.press("Shift+Tab")
        page.keyboard.press("Enter")
        expect(questions).to_be_hidden()

        # By tap: open, follow a link; the next page starts with the menu closed.
        toggle.tap()
        expect(questions).to_be_visible()
        scroll_width, window_width = page.evaluate(PAGE_WIDTH)
        assert scroll_width <= window_width
        questions.tap()
        page.wait_for_url("**/questions/")
        expect(questions).to_be_hidden()
        assert page.locator("#contenu").bounding_box()["y"] <= 150
    finally:
        phone.close()

    # At desktop width nothing folds: no button, both menus in the header as before.
    page = new_page(viewport=DESKTOP)
    login(page, member.email, TEST_PASSWORD)
    expect(page.locator("summary.site-menu__toggle")).to_be_hidden()
    expect(page.locator("details.site-menu")).to_have_attribute("open", "")  # for screen readers
    expect(page.get_by_role("link", name="Questions", exact=True)).to_be_visible()
    expect(page.get_by_role("link", name="Mon profil")).to_be_visible()
    nav = page.locator(".main-nav").bounding_box()
    header = page.locator(".site-header").bounding_box()
    assert abs(nav["y"] + nav["height"] - (header["y"] + header["height"])) < 1
    # The navigation's dark band spans the whole window, as before, beyond the centred column.
    for x in (0, DESKTOP["width"] - 1):
        shot = page.screenshot(clip={"x": x, "y": nav["y"] + 2, "width": 1, "height": 1})
        assert Image.open(io.BytesIO(shot)).convert("RGB").getpixel((0, 0)) == (22, 58, 90)
