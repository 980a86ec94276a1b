"""Browser journeys: Playwright driving Debian's Chromium against the live server.

Every page a journey visits goes through `assert_accessible` (axe-core, WCAG 2.1 AA);
a JavaScript dialog or a Content-Security-Policy violation fails the test.
"""

import os
import shutil

import pytest

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


def pytest_collection_modifyitems(items):
    for item in items:
        if "/e2e/" in str(item.fspath):
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="session")
def browser(django_db_setup):
    from django.db import connections
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; from then on Django's connection
    # handler (an asgiref Local) hands out new connection objects, which lack the serialized
    # copy of the migrated test database that `serialized_rollback` reloads. Carry it over.
    serialized = {
        alias: connections[alias]._test_serialized_contents
        for alias in connections
        if hasattr(connections[alias], "_test_serialized_contents")
    }
    with sync_playwright() as playwright:
        for alias, contents in serialized.items():
            connections[alias]._test_serialized_contents = contents
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


class PageProblems(list):
    """Dialogs and CSP violations seen by a page; a journey must end with none."""


@pytest.fixture
def new_page(browser, live_server):
    """`new_page()` opens a fresh browser context (its own cookies) at the live server."""
    contexts = []
    problems = PageProblems()

    def open_page(viewport=None):
        context = browser.new_context(
            base_url=live_server.url,
            locale="fr-FR",
            viewport=viewport or {"width": 1280, "height": 900},
        )
        contexts.append(context)
        page = context.new_page()
        # Generous for a loaded CI machine: a 20-run loop of the CMS journey at load average
        # 12 saw the page editor's submission take over 10 s; a passing step never waits it out.
        page.set_default_timeout(30_000)

        def on_dialog(dialog):
            problems.append(f"dialog: {dialog.message}")
            dialog.dismiss()

        def on_console(message):
            if (
                "Content Security Policy" in message.text
                or "Content-Security-Policy" in message.text
            ):
                problems.append(f"CSP: {message.text}")

        page.on("dialog", on_dialog)
        page.on("console", on_console)
        return page

    yield open_page
    for context in contexts:
        context.close()
    assert not problems, problems


@pytest.fixture
def page(new_page):
    return new_page()


def assert_accessible(page, context=None, tags=AXE_TAGS):
    """Run axe-core on the current page and fail on any WCAG 2.1 A/AA violation (or any rule
    of the other axe `tags` given)."""
    from axe_playwright_python.sync_playwright import Axe
    from playwright.sync_api import Error as PlaywrightError

    # Only violations fail a test: axe then skips collecting every node that passes, most of
    # its work on a long page (and of the report it sends back).
    options = {"runOnly": {"type": "tag", "values": list(tags)}, "resultTypes": ["violations"]}
    for attempt in range(NAVIGATION_RETRIES + 1):
        page.wait_for_load_state("load")
        try:
            results = Axe().run(page, context=context, options=options)
            break
        except PlaywrightError as error:
            # A click on a link followed at once by `axe(page)`: the next document replaced
            # the one axe was reading. Audit the page the navigation lands on instead.
            if attempt == NAVIGATION_RETRIES or not _replaced_by_navigation(error):
                raise
    violations = results.response["violations"]
    report = [
        f"{v['impact']}: {v['id']} — {v['help']} "
        f"({', '.join(str(node['target'][0]) for node in v['nodes'][:3])})"
        for v in violations
    ]
    assert not violations, f"{page.url}\n" + "\n".join(report)


NAVIGATION_RETRIES = 3


def _replaced_by_navigation(error):
    message = str(error)
    return "Execution context was destroyed" in message or "reading 'documentElement'" in message


@pytest.fixture
def axe():
    return assert_accessible


def login(page, email, password):
    """Log in through the real allauth form and wait until the site has answered: the browser
    leaves /comptes/login/ (for the home page, the pending-approval page or the second-factor
    step), so the next step of a journey runs with the session cookie set."""
    page.goto("/comptes/login/")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Mot de passe").fill(password)
    page.get_by_role("button", name="Connexion").click()
    page.wait_for_url(lambda url: "/comptes/login/" not in url)


def assert_role_groups_migrated():
    """The role groups (and the editors' page permissions) come from data migrations, which the
    serialized copy of the test database brings back before each `serialized_rollback` test
    (tests/conftest.py). Fail loudly when they are missing: re-creating bare groups would hide
    that reload's failure and give the roles none of their permissions."""
    from django.contrib.auth.models import Group
    from wagtail.models import GroupPagePermission

    from directory.roles import ALL_ROLES, EDITORS

    found = set(Group.objects.filter(name__in=ALL_ROLES).values_list("name", flat=True))
    assert found == set(ALL_ROLES), f"role groups missing: {set(ALL_ROLES) - found}"
    assert GroupPagePermission.objects.filter(group__name=EDITORS).exists(), (
        "the editors' page permissions are missing: the migrated data was not reloaded"
    )
