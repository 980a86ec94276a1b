"""The accessibility helper itself: a navigation that lands while axe runs (a click on a link
followed at once by `axe(page)`) must not fail the journey; axe checks the page it lands on."""

import pytest


def test_axe_checks_the_page_a_navigation_lands_on(page, axe, monkeypatch):
    from axe_playwright_python.sync_playwright import Axe

    page.goto("/comptes/login/")
    checked_urls = []
    original_run = Axe.run

    def run_while_the_page_navigates(self, page, *args, **kwargs):
        if not checked_urls:
            # The moment of the race in CI: the next document replaces this one mid-audit.
            page.evaluate("location.assign('/comptes/signup/')")
        checked_urls.append(page.url)
        return original_run(self, page, *args, **kwargs)

    monkeypatch.setattr(Axe, "run", run_while_the_page_navigates)
    axe(page)
    assert page.url.endswith("/comptes/signup/")
    assert page.locator("h1").count() == 1


def test_axe_still_reports_a_real_violation(page, axe):
    page.goto("/comptes/login/")
    page.evaluate("document.querySelector('html').removeAttribute('lang')")
    with pytest.raises(AssertionError, match="html-has-lang"):
        axe(page)
