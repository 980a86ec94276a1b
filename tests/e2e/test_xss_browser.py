"""XSS in a real browser: a sample of the corpus (every family) stored in every user-writable
field, then every page that shows it visited as a member and as a moderator — including the
moderator's edit form, its no-JS preview and the htmx live preview. Any JavaScript dialog
(`alert`, `confirm`, `prompt`) or Content-Security-Policy violation fails the test; each visit
also checks that the payload's marker (or the payload itself, for titles) is visible, so the
test cannot pass on pages that never showed the payload.
"""

import re

import pytest
from django.core.management import call_command
from django.db import transaction
from django.urls import reverse
from playwright.sync_api import expect

from directory import services as directory_services
from qa import services as qa_services
from qa.agenda import services as agenda_services
from tests.e2e.conftest import assert_role_groups_migrated, login
from tests.factories import TEST_PASSWORD
from tests.security.xss import assert_no_xss, payloads

# The guard exposes a function and adds an init script to its context: not reusable.
pytestmark = [
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.own_browser_context,
]

# Every 11th payload spreads over all families of the corpus (script tags, 24 tags × event
# handlers, javascript:/data: URLs in HTML and Markdown, entity-encoded and mixed-case
# schemes, svg, htmx attributes, polyglots); the Markdown classics are added by name.
NAMED = (
    "[x](javascript:alert(1))",
    "[x](&#x6A;avascript:alert(1))",
    "[x](JaVaScRiPt:alert(1))",
    "<svg onload=alert(1)>",
    "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "[x][1]\n\n[1]: javascript:alert(1)",
    "<img src=x onerror=alert(1)>",
)


def sample():
    return tuple(dict.fromkeys(payloads()[::11] + NAMED))


# Reports the CSP violations of the page to Python as they happen (the console message alone
# can be missed when the page navigates).
CSP_LISTENER = """
document.addEventListener("securitypolicyviolation", (event) => {
  window.entraideCspViolation(
    `${event.violatedDirective} blocked ${event.blockedURI} `
      + `(${event.sourceFile}:${event.lineNumber})`
  );
});
"""

# Resolves once whatever a payload could still run on has had its turn: every image still
# loading has loaded or failed (an `onerror` fires then), then two frames are drawn (autofocus,
# CSS and SVG animations start) and the tasks queued meanwhile run (`ontoggle`, the CSP's
# violation reports). Capped at one second: an image the browser puts off (`loading=lazy`,
# out of view) may never load, and then no handler of it can run either.
SETTLED = """
() => Promise.race([
  Promise.all(
    Array.from(document.images)
      .filter((image) => !image.complete)
      .map((image) => new Promise((done) => {
        image.addEventListener("load", done, { once: true });
        image.addEventListener("error", done, { once: true });
      }))
  ),
  new Promise((done) => setTimeout(done, 1000)),
]).then(() => new Promise((done) =>
  requestAnimationFrame(() => requestAnimationFrame(() => setTimeout(done, 0)))
))
"""


@pytest.fixture
def stored(make_user, make_topic, make_person, make_structure, make_position):
    assert_role_groups_migrated()
    topic = make_topic(name="Sécurité", slug="securite")
    items = sample()
    asker = make_user(email="asker@example.org", first_name="Noémie", last_name="Vallonet")
    # The answerer's own name and directory entry carry payloads too.
    answerer = make_user(email="answerer@example.org", first_name=items[0], last_name=items[1])
    person = make_person(user=answerer, first_name=items[2][:100], last_name=items[3][:100])
    make_position(person=person, structure=make_structure(name="Commune de test"))
    directory_services.person_update_profile(
        person=person,
        data={"bio": "Biomarq " + "\n\n".join(items)[:1900], "is_listed": True},
    )
    reporter = make_user(email="reporter@example.org")
    moderator = make_user(email="moderator@example.org", roles=["Modérateurs"])
    # One transaction: the search index and the notifications are fed once, at the commit.
    with transaction.atomic():
        questions, answers = [], []
        for number, payload in enumerate(items):
            question = qa_services.question_create(
                author=asker,
                title=f"Titremarq{number} {payload}"[:150],
                body=f"Corpsmarq{number} sentinelle {payload}",
                topics=[topic],
            )
            answer = qa_services.answer_create(
                question=question, author=answerer, body=f"Repmarq{number} {payload}"
            )
            qa_services.comment_create(post=answer, author=asker, body=f"Commarq{number} {payload}")
            qa_services.flag_create(
                post=answer, reporter=reporter, reason="other", text=f"Flagmarq{number} {payload}"
            )
            # A second version, so that the history shows a diff of two payloads.
            following = items[(number + 1) % len(items)]
            qa_services.post_edit(
                post=question,
                by=asker,
                body=f"Corpsmarq{number} sentinelle {payload}\n\nVersionmarq{number} {following}",
                summary=f"Resumemarq{number} {following}"[:200],
            )
            question.refresh_from_db()
            questions.append(question)
            answers.append(answer)
        proposals = [
            agenda_services.proposal_create(
                author=reporter,
                title=f"Propmarq{number} {payload}"[:120],
                rationale=f"Motifmarq{number} {payload}",
                topics=[topic],
            )
            for number, payload in enumerate(items[:10])
        ]
        # Accounts waiting for approval: their sign-up fields reach the moderators' queue.
        for number, payload in enumerate(items[:10]):
            make_user(
                email=f"attente{number}@example.org",
                approved_at=None,
                first_name=f"Attentemarq{number}",
                last_name=payload[:150],
                signup_structure=payload[:200],
                signup_function=payload[:200],
            )
    call_command("search_rebuild", verbosity=0)
    return {"items": items, "questions": questions, "answers": answers, "person": person,
            "proposals": proposals, "asker": asker, "moderator": moderator}  # fmt: skip


class Guard:
    """A page that records dialogs and CSP violations; `check` and `visit` fail on either."""

    def __init__(self, page):
        self.problems = []
        self.page = page
        page.context.expose_function(
            "entraideCspViolation", lambda text: self.problems.append(f"CSP: {text}")
        )
        page.context.add_init_script(CSP_LISTENER)
        # Dismissed at once: an open dialog would hold the page's scripts, and `check` with them.
        page.on(
            "dialog",
            lambda dialog: (self.problems.append(f"dialog: {dialog.message}"), dialog.dismiss()),
        )
        page.on(
            "console",
            lambda message: (
                self.problems.append(f"console: {message.text}")
                if message.type == "error" and "Content Security Policy" in message.text
                else None
            ),
        )

    @classmethod
    def logged_in(cls, new_page, user):
        guard = cls(new_page())
        login(guard.page, user.email, TEST_PASSWORD)
        return guard

    def check(self, *markers):
        page = self.page
        # Late handlers (a broken image's onerror, autofocus, animations) get their turn first;
        # their CSP reports and dialogs reach `problems` before the promise's answer does.
        page.evaluate(SETTLED)
        assert not self.problems, f"{page.url}: {self.problems}"
        for marker in markers:
            expect(page.locator("main")).to_contain_text(marker)
        assert_no_xss(page.content(), context=page.url)

    def visit(self, url, *markers):
        response = self.page.goto(url)
        assert response.status == 200, (url, response.status)
        self.check(*markers)


# What the guard's own test puts into a page, and what the guard must report. The last two set
# their handlers from the test's script (the CSP does not apply to it): they run late.
GUARD_CASES = [
    (
        "document.querySelector('main')"
        ".insertAdjacentHTML('beforeend', '<img src=x onerror=alert(1)>')",
        "CSP: script-src",
    ),
    ("setTimeout(() => alert('boum'), 0)", "dialog: boum"),
    (
        """() => {
          const image = new Image();
          image.onerror = () => alert("image");
          image.src = "/introuvable.png";
          document.querySelector("main").append(image);
        }""",
        "dialog: image",
    ),
    ("requestAnimationFrame(() => requestAnimationFrame(() => alert('cadre')))", "dialog: cadre"),
]


def test_the_guard_reports_a_blocked_inline_handler_and_a_dialog(browser, live_server):
    """The detector itself: an inline handler that got into the page is blocked by the CSP
    and reported; a dialog opened by a script is reported, also when it opens only once an
    image still loading has failed, or in a later frame."""
    context = browser.new_context(base_url=live_server.url)
    page = context.new_page()
    guard = Guard(page)
    guard.visit("/comptes/login/")
    for script, reported in GUARD_CASES:
        page.evaluate(script)
        with pytest.raises(AssertionError, match=reported):
            guard.check()
        guard.problems.clear()
    context.close()


def _visible_title(page):
    return " ".join(page.locator("#question-title").inner_text().split())


@pytest.mark.long
def test_payloads_never_run_on_the_pages_members_see(new_page, stored):
    member = Guard.logged_in(new_page, stored["asker"])
    for number, question in enumerate(stored["questions"]):
        member.visit(
            question.get_absolute_url(),
            f"Corpsmarq{number}",
            f"Versionmarq{number}",
            f"Repmarq{number}",
            f"Commarq{number}",
        )
        # The title shows literally, as typed: escaped, not interpreted.
        assert _visible_title(member.page) == " ".join(question.title.split())
    page_number = 1
    while True:
        member.visit(f"/questions/?page={page_number}", "Titremarq")
        if not member.page.locator("a[rel=next]").count():
            break
        page_number += 1
    assert page_number >= len(stored["questions"]) // 20
    member.visit("/recherche/?q=sentinelle", "Titremarq")
    member.visit(f"/recherche/?q={stored['items'][0]}")
    member.visit(reverse("directory:person_detail", args=[stored["person"].pk]), "Biomarq")
    member.visit("/annuaire/?q=" + stored["person"].last_name[:20])
    member.visit("/ordre-du-jour/", "Propmarq0")
    for number, proposal in enumerate(stored["proposals"]):
        member.visit(reverse("agenda:proposal_detail", args=[proposal.pk]), f"Motifmarq{number}")
    member.visit("/notifications/", "Titremarq")
    question = stored["questions"][0]
    member.visit(f"/questions/{question.pk}/versions/", "Versionmarq0")
    # The htmx live preview of the ask form, every payload at once.
    member.visit("/questions/poser/")
    member.page.get_by_label("Détails").fill(
        "\n\n".join(f"Apercumarq{n} {p}" for n, p in enumerate(stored["items"]))
    )
    expect(member.page.locator("#qa-preview")).to_contain_text("Apercumarq0", timeout=15_000)
    member.check(f"Apercumarq{len(stored['items']) - 1}")


@pytest.mark.long
def test_payloads_never_run_in_the_moderators_pages_edit_forms_and_previews(new_page, stored):
    moderator = Guard.logged_in(new_page, stored["moderator"])
    moderator.visit("/moderation/signalements/", "Flagmarq0", "Repmarq0")
    moderator.visit("/annuaire/comptes-en-attente/", "Attentemarq0", "Attentemarq9")
    for number, question in enumerate(stored["questions"]):
        moderator.visit(question.get_absolute_url(), f"Corpsmarq{number}", f"Repmarq{number}")
        assert _visible_title(moderator.page) == " ".join(question.title.split())
        # The edit form holds the payload as typed (in the field, not in the page; an input
        # drops line breaks).
        moderator.visit(f"/questions/{question.pk}/modifier/")
        title_field = moderator.page.get_by_label("Titre")
        expect(title_field).to_have_value(re.sub(r"[\r\n]", "", question.title))
        expect(moderator.page.get_by_label("Détails")).to_contain_text(f"Corpsmarq{number}")
        # The no-JS preview: the form posted back with the rendered Markdown.
        moderator.page.get_by_role("button", name="Prévisualiser").click()
        moderator.page.wait_for_load_state()
        expect(moderator.page.locator("#qa-preview")).to_contain_text(f"Corpsmarq{number}")
        moderator.check(f"Versionmarq{number}")
    # The other moderation pages of a post, for a part of the sample.
    for number, (question, answer) in enumerate(
        zip(stored["questions"][:12], stored["answers"][:12], strict=True)
    ):
        moderator.visit(f"/questions/{question.pk}/moderer/")
        moderator.visit(f"/questions/{question.pk}/versions/", f"Versionmarq{number}")
        moderator.visit(f"/reponses/{answer.pk}/modifier/")
        moderator.page.get_by_role("button", name="Prévisualiser").click()
        moderator.page.wait_for_load_state()
        expect(moderator.page.locator("#qa-preview")).to_contain_text(f"Repmarq{number}")
        moderator.check()
    # The htmx preview endpoint, from the ask form, as a moderator.
    moderator.visit("/questions/poser/")
    moderator.page.get_by_label("Détails").fill(
        "\n\n".join(f"Apercumarq{n} {p}" for n, p in enumerate(stored["items"]))
    )
    expect(moderator.page.locator("#qa-preview")).to_contain_text("Apercumarq0", timeout=15_000)
    moderator.check(f"Apercumarq{len(stored['items']) - 1}")
    moderator.visit(reverse("directory:person_detail", args=[stored["person"].pk]), "Biomarq")
    moderator.visit("/recherche/?q=sentinelle", "Titremarq")
