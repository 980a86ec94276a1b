"""Print and dark mode (issue 20, item 10), in the browser.

A thread printed shows its content alone (no navigation, footer or forms), links written out
and the date of printing; a link to one FAQ entry prints that entry alone. The dark theme
follows the system's choice and keeps every contrast axe checks, on the home page, a list and
a thread."""

import pytest
from django.utils import timezone, translation
from django.utils.formats import date_format
from playwright.sync_api import expect

from qa import services as qa_services
from taxonomy import demo as taxonomy_demo
from tests.e2e.conftest import assert_accessible, login
from tests.factories import TEST_PASSWORD
from website.pages import demo as pages_demo

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

DECREE = "https://www.legifrance.gouv.fr/jorf/id/JORFTEXT000049000001"


@pytest.fixture
def thread(make_user, make_topic):
    """A thread showing most of its parts: an accepted answer, a comment, votes, topics."""
    member = make_user(email="dominique.theme@example.org")
    asker, helper = make_user(), make_user()
    question = qa_services.question_create(
        author=asker,
        title="Quelles règles pour le compte rendu du conseil municipal ?",
        body=f"Le [décret]({DECREE}) change-t-il le délai de mise en ligne ?",
        topics=[make_topic(name="Vie des assemblées", slug="vie-des-assemblees")],
    )
    first = qa_services.answer_create(
        question=question, author=helper, body="Oui : une semaine, sur le site de la commune."
    )
    qa_services.answer_create(
        question=question, author=member, body="Et la liste des délibérations ?"
    )
    qa_services.answer_accept(answer=first, by=asker)
    qa_services.comment_create(post=first, author=asker, body="Merci, c'est bien cela.")
    qa_services.vote_cast(user=member, post=first, value=1)
    return member, question


def test_a_printed_thread_shows_the_content_links_and_printing_date_only(page, thread):
    member, question = thread
    login(page, member.email, TEST_PASSWORD)
    page.goto(question.get_absolute_url())
    printed = page.locator(".print-meta")
    expect(printed).to_be_hidden()  # on screen

    page.emulate_media(media="print")
    with translation.override("fr"):
        today = date_format(timezone.localdate(), "j F Y")
    expect(printed).to_be_visible()
    expect(printed).to_contain_text(f"Imprimé depuis Entraide le {today}")
    for hidden in (".main-nav", ".account-menu", ".site-search", ".site-footer", ".qa-answer-form"):
        expect(page.locator(hidden)).to_be_hidden()
    expect(page.locator(".qa-vote__button").first).to_be_hidden()
    expect(page.locator(".qa-vote__score").first).to_be_visible()
    link = page.locator(f'.prose a[href="{DECREE}"]')
    after = link.evaluate("a => getComputedStyle(a, '::after').content")
    assert after in ('" (" attr(href) ")"', f'" ({DECREE})"'), after
    answers = page.locator(".qa-answer .qa-post__main > .prose")
    expect(answers).to_have_text(
        ["Oui : une semaine, sur le site de la commune.", "Et la liste des délibérations ?"]
    )


def test_the_dark_theme_follows_the_system_and_passes_axe(page, thread):
    member, question = thread
    login(page, member.email, TEST_PASSWORD)
    page.emulate_media(color_scheme="dark")
    for address in ("/", "/questions/", question.get_absolute_url()):
        page.goto(address)
        background = page.evaluate("getComputedStyle(document.body).backgroundColor")
        assert background == "rgb(18, 20, 23)", (address, background)
        assert_accessible(page)
    page.emulate_media(color_scheme="light")
    assert page.evaluate("getComputedStyle(document.body).backgroundColor") == "rgb(255, 255, 255)"


def test_a_link_to_one_faq_entry_prints_that_entry_alone(page):
    taxonomy_demo.load()
    pages_demo.load()
    page.goto("/faq/")
    entries = page.locator(".faq-entry")
    assert entries.count() >= 2, "the demo FAQ has several entries"
    first, chosen = entries.nth(0), entries.nth(1)
    anchor = chosen.get_attribute("id")
    title = chosen.locator("h3").inner_text()

    page.goto(f"/faq/#{anchor}")
    page.emulate_media(media="print")
    expect(chosen).to_be_visible()
    expect(chosen.locator("h3")).to_have_text(title)
    expect(chosen.locator(".prose")).not_to_be_empty()
    expect(page.locator(".print-meta")).to_contain_text("Imprimé depuis Entraide le")
    expect(first).to_be_hidden()
    for hidden in (".faq-toc", ".faq-filter", "main > h1", ".site-header", ".site-footer"):
        expect(page.locator(hidden)).to_be_hidden()
    visible = page.locator(".faq-entry:visible")
    expect(visible).to_have_count(1)

    page.goto("/faq/")  # no entry chosen: the whole FAQ prints
    expect(page.locator(".faq-entry:visible")).to_have_count(entries.count())
