"""The accessibility helper itself: a navigation that lands while axe runs (a click on a link
followed at once by `axe(page)`) must not fail the journey; axe checks the page it lands on."""

import pytest

from tests.e2e import conftest as e2e_conftest


def test_axe_checks_the_page_a_navigation_lands_on(page, axe, monkeypatch):
    page.goto("/comptes/login/")
    checked_urls = []
    original_run = e2e_conftest.run_axe

    def run_while_the_page_navigates(page, options):
        if not checked_urls:
            # The moment of the race in CI: the next document replaces this one mid-audit.
            page.evaluate("location.assign('/comptes/signup/')")
        checked_urls.append(page.url)
        return original_run(page, options)

    monkeypatch.setattr(e2e_conftest, "run_axe", run_while_the_page_navigates)
    axe(page)
    assert page.url.endswith("/comptes/signup/")
    assert page.locator("h1").count() == 1


def test_axe_still_reports_a_real_violation(page, axe):
    page.goto("/comptes/login/")
    page.evaluate("document.querySelector('html').removeAttribute('lang')")
    with pytest.raises(AssertionError, match="html-has-lang"):
        axe(page)


def test_a_context_that_preloads_axe_audits_without_sending_it(browser, live_server, monkeypatch):
    """`preload_axe`: every document of the context starts with axe-core, so the audit sends
    no script (one that would fail is put in its place), and still finds a real violation."""
    import axe_playwright_python.base

    monkeypatch.setattr(axe_playwright_python.base, "AXE_SCRIPT", "throw new Error('envoyé')")
    context = browser.new_context(base_url=live_server.url)
    try:
        e2e_conftest.preload_axe(context)
        page = context.new_page()
        page.goto("/comptes/login/")
        e2e_conftest.assert_accessible(page)
        page.goto("/comptes/signup/")
        page.evaluate("document.querySelector('html').removeAttribute('lang')")
        with pytest.raises(AssertionError, match="html-has-lang"):
            e2e_conftest.assert_accessible(page)
    finally:
        context.close()
