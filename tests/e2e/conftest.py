"""Browser journeys: Playwright driving Debian's Chromium against the live server.

Every page a journey visits goes through `assert_accessible` (axe-core, WCAG 2.1 AA);
a JavaScript dialog or a Content-Security-Policy violation fails the test.
"""

import os

import pytest

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

# Debian's `chromium-headless-shell` (`make install` installs it): Chromium's engine without the
# browser's interface layer. The same 253 journeys and audits pass in either; the shell takes
# about 40 % less CPU (docs/architecture.md, « Test suite times »).
CHROMIUM = "/usr/lib/chromium/chromium-headless-shell"
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


DEFAULT_VIEWPORT = {"width": 1280, "height": 900}
# Generous for a loaded CI machine: a 20-run loop of the CMS journey at load average 12 saw
# the page editor's submission take over 10 s; a passing step never waits it out.
PAGE_TIMEOUT = 30_000


class _PooledTab:
    """A browser context with its one tab, and the problems list its handlers write to (the
    current test's)."""

    def __init__(self, browser, base_url, viewport):
        self.viewport = dict(viewport)
        self.context = browser.new_context(base_url=base_url, locale="fr-FR", viewport=viewport)
        self.page = self.context.new_page()
        self.problems = PageProblems()
        self.page.on("dialog", self._on_dialog)
        self.page.on("console", self._on_console)

    def _on_dialog(self, dialog):
        self.problems.append(f"dialog: {dialog.message}")
        dialog.dismiss()

    def _on_console(self, message):
        if "Content Security Policy" in message.text or "Content-Security-Policy" in message.text:
            self.problems.append(f"CSP: {message.text}")


class ContextPool:
    """Browser contexts kept for the worker's session, each with its tab open.

    A new context and its first page cost Chromium about 1.6 s of CPU; the same tab navigated
    to its next page, about 0.25 s (docs/architecture.md, « Test suite times »). A tab given
    back is emptied of everything a test can leave in it: other tabs, routes, media emulation,
    timeouts, viewport, cookies, permissions, web storage of the live server's origin, the
    document (about:blank). What cannot be undone (`page.clock.install()`, init scripts,
    exposed functions) is for tests marked `own_browser_context`, whose contexts are closed.
    A tab that cannot be emptied is closed too, never handed out again.
    """

    MAX_FREE = 6

    def __init__(self, browser, base_url):
        self.browser, self.base_url = browser, base_url
        self.free: list[_PooledTab] = []

    def take(self, viewport) -> _PooledTab:
        for tab in self.free:
            if tab.viewport == viewport:
                self.free.remove(tab)
                break
        else:
            tab = _PooledTab(self.browser, self.base_url, viewport)
        tab.problems = PageProblems()
        tab.page.set_default_timeout(PAGE_TIMEOUT)
        return tab

    def give_back(self, tab: _PooledTab) -> None:
        try:
            self._empty(tab)
        except Exception:  # a crashed or closed tab: never reuse it
            tab.context.close()
        else:
            self.free.append(tab)
            if len(self.free) > self.MAX_FREE:  # rare viewports: keep the renderers few
                self.free.pop(0).context.close()

    def _empty(self, tab: _PooledTab) -> None:
        page, context = tab.page, tab.context
        if page.is_closed():
            raise RuntimeError("tab closed by the test")
        for other in context.pages:
            if other != page:
                other.close()
        page.unroute_all(behavior="ignoreErrors")
        context.unroute_all(behavior="ignoreErrors")
        if page.url.startswith(self.base_url):
            page.evaluate("() => { localStorage.clear(); sessionStorage.clear(); }")
        elif context.storage_state()["origins"]:
            raise RuntimeError("web storage left on an origin the tab is not on")
        page.goto("about:blank")
        page.emulate_media(
            media="null",
            color_scheme="null",
            reduced_motion="null",
            forced_colors="null",
            contrast="null",
        )
        page.set_viewport_size(tab.viewport)
        page.set_default_navigation_timeout(PAGE_TIMEOUT)
        context.set_default_timeout(PAGE_TIMEOUT)
        context.set_default_navigation_timeout(PAGE_TIMEOUT)
        context.set_extra_http_headers({})
        context.set_offline(False)
        context.clear_cookies()
        context.clear_permissions()

    def close(self) -> None:
        for tab in self.free:
            tab.context.close()
        self.free.clear()


@pytest.fixture(scope="session")
def context_pool(browser, live_server):
    pool = ContextPool(browser, live_server.url)
    yield pool
    pool.close()


@pytest.fixture
def new_page(request, browser, live_server, context_pool):
    """`new_page()` opens a tab with a browser context (cookies) of its own at the live
    server: from the worker's pool (`ContextPool`), or a new context for a test marked
    `own_browser_context` (it installs a clock, an init script or an exposed function)."""
    fresh = request.node.get_closest_marker("own_browser_context") is not None
    tabs = []

    def open_page(viewport=None):
        viewport = viewport or DEFAULT_VIEWPORT
        if fresh:
            tab = _PooledTab(browser, live_server.url, viewport)
            tab.page.set_default_timeout(PAGE_TIMEOUT)
        else:
            tab = context_pool.take(viewport)
        tabs.append(tab)
        return tab.page

    yield open_page
    for tab in tabs:
        if fresh:
            tab.context.close()
        else:
            context_pool.give_back(tab)
    problems = [problem for tab in tabs for problem in tab.problems]
    assert not problems, problems


@pytest.fixture
def page(new_page):
    return new_page()


def assert_accessible(page, tags=AXE_TAGS):
    """Run axe-core on the current page and fail on any WCAG 2.1 A/AA violation (or any rule
    of the other axe `tags` given)."""
    from playwright.sync_api import Error as PlaywrightError

    # Only violations fail a test: axe then skips collecting every node that passes, most of
    # its work on a long page (and of the report it sends back).
    options = {"runOnly": {"type": "tag", "values": list(tags)}, "resultTypes": ["violations"]}
    for attempt in range(NAVIGATION_RETRIES + 1):
        page.wait_for_load_state("load")
        try:
            results = run_axe(page, options)
            break
        except PlaywrightError as error:
            # A click on a link followed at once by `axe(page)`: the next document replaced
            # the one axe was reading. Audit the page the navigation lands on instead.
            if attempt == NAVIGATION_RETRIES or not _replaced_by_navigation(error):
                raise
    violations = results["violations"]
    report = [
        f"{v['impact']}: {v['id']} — {v['help']} "
        f"({', '.join(str(node['target'][0]) for node in v['nodes'][:3])})"
        for v in violations
    ]
    assert not violations, f"{page.url}\n" + "\n".join(report)


NAVIGATION_RETRIES = 3


def run_axe(page, options):
    """axe-core's results for the page's document. The script (axe-core as packaged by
    axe-playwright-python, 570 kB) is sent to the page unless it already has it: a context
    given `preload_axe` loads it with every document, without the trip through Playwright."""
    from axe_playwright_python.base import AXE_SCRIPT

    if not page.evaluate("() => typeof window.axe?.run === 'function'"):
        page.evaluate(AXE_SCRIPT)
    return page.evaluate("(options) => axe.run(document, options)", options)


def preload_axe(context):
    """Every document of `context` starts with axe-core loaded: for a context that audits
    nearly every page it opens (tests/e2e/test_accessibility_audit.py). Chromium then runs
    the script from its own copy, where sending it with each audit cost about 40 ms more of
    CPU a page (docs/architecture.md, « Test suite times »)."""
    from axe_playwright_python.base import AXE_FILE_PATH

    context.add_init_script(path=AXE_FILE_PATH)


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
