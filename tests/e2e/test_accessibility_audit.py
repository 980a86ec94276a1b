"""Accessibility audit: axe-core (WCAG 2.1 A and AA, plus best practices; any impact) on every
page type of the site.

Each page type is opened in the state that shows the most of it (a thread with answers,
comments, votes and an accepted answer; a form showing a validation error; search results with
facets, highlights and "did you mean"…) as a visitor, as a member, and as a moderator or editor
for their own pages; a few key pages again at a phone's width (375 px).

`PAGES` names the URLs each entry covers; `test_every_front_end_page_is_audited` compares it
with the URL conf (tests/security/inventory.py) and with the Wagtail page types, so a new page
cannot escape the audit. The data set (the demo content, plus what the demo lacks) is built
once for the module and each role logs in once: one browser context per role, and one tab in
it that every test of the role navigates to its page (a warm tab costs Chromium a third of a
new one's first page).
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

import pytest
from allauth.account.forms import default_token_generator
from allauth.account.models import EmailAddress, EmailConfirmationHMAC
from allauth.account.utils import user_pk_to_url_str
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.cache import caches
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connection
from django.test import RequestFactory, override_settings
from django.utils import timezone, translation
from playwright.sync_api import expect
from wagtail.models import get_page_models

from directory import services as directory_services
from directory.demo import DEMO_DOMAIN, DEMO_PASSWORD
from directory.models import Invitation, Person, Structure, User
from qa import services as qa_services
from qa.agenda import services as agenda_services
from qa.agenda.models import Meeting, Proposal
from qa.attachments import check_upload
from qa.models import Question, QuestionKind
from tests.e2e.conftest import AXE_TAGS, assert_accessible, preload_axe
from tests.qa.attachment_files import pdf
from tests.security.inventory import url_patterns
from website import views as site_views
from website.middleware import IncompleteBodyMiddleware, RequestBodyLimitMiddleware
from website.notifications.models import EmailPause, InboundMail, InboundStatus
from website.notifications.tokens import ALL, unsubscribe_url
from website.pages.models import (
    HomePage,
    RegulatoryUpdatePage,
    ResourcePage,
)

pytestmark = pytest.mark.django_db(transaction=True)

PHONE = {"width": 375, "height": 740}
# WCAG 2.1 A and AA, plus axe's best practices (unique landmark names, heading order, every
# piece of content inside a landmark…): the audit holds every page to both.
AUDIT_TAGS = [*AXE_TAGS, "best-practice"]


# --- Which URLs are not pages (or not ours), and why -------------------------------------------

NOT_PAGES = {
    # Not HTML pages: data, feeds, fragments, health check, downloads.
    "health": "JSON health check",
    "metrics": "Prometheus text format for the operators' scraper",
    "javascript-catalog": "JavaScript translation catalogue",
    "search:similar": "fragment inside the ask form (audited there)",
    "qa:attachment": "a file download (its list is audited on the thread page)",
    "qa:attachment_thumbnail": "an image file (shown on the thread page, audited there)",
    "qa:person_search": "fragment (or JSON) inside the ask form's person chooser; axe runs on "
    "it in tests/e2e/test_person_chooser_journey.py",
    "qa:preview": "POST-only fragment inside the ask form (audited there)",
    "directory:export_csv": "CSV download",
    "needs:export_csv": "CSV download",
    "steering:export_csv": "CSV downloads of the dashboard's tables",
    "steering:question_escalate": "POST-only action (its button is audited on "
    "/pilotage/sans-reponse/)",
    "directory:my_data": "JSON download",
    "directory:person_vcard": "vCard download",
    "directory:mention_search": "JSON of the editors' @mention autocomplete; axe runs on its "
    "list in tests/e2e/test_mention_journey.py",
    "protected_file": "uploaded file download (documents, images) after a permission check",
    "mfa_download_recovery_codes": "text download",
    "pages:regulatory_feed": "Atom feed",
    "pages:regulatory_topic_feed": "Atom feed",
    "pages:questions_feed": "Atom feed",
    "pages:all_questions_feed": "Atom feed",
    "pages:thread_feed": "Atom feed",
    "notifications:feed": "Atom feed",
    "api_not_found": "the API's JSON 404 (any unknown address under /api/v1/)",
    # POST-only actions: they answer with a redirect to a page audited here.
    "set_language": "POST-only action",
    "session_renew": "POST-only action (its warning: tests/e2e/test_session_warning_journey.py)",
    "notifications:mark_read": "POST-only action",
    "notifications:open": "redirects to the notification's target (audited here)",
    "notifications:mark_all_read": "POST-only action",
    "notifications:feed_regenerate": "POST-only action",
    "notifications:reply_revoke": "POST-only action",
    "notifications:emails_resume": "POST-only action",
    "notifications:inbound_webhook": "the mail provider's POST-only webhook (no HTML)",
    "notifications:inbound_webhook_provider": "Postmark's, SendGrid's or Brevo's POST-only webhook",
    "notifications:inbound_decide": "POST-only action",
    "notifications:ask_preference": "POST-only action",
    "api:token_revoke": "POST-only action",
    "directory:my_profile_create": "POST-only action",
    "directory:account_approve": "POST-only action",
    "directory:expertise_decide": "POST-only action",
    "directory:position_end": "POST-only action (its form is on the entry's correction page)",
    "directory:invitation_resend": "POST-only action",
    "qa:answer_create": "POST-only action (the answer form is on the thread)",
    "qa:draft_delete": "POST-only action (its button is on « Mes brouillons »)",
    "qa:same_problem": "POST-only action",
    "qa:question_follow": "POST-only action",
    "qa:question_close": "POST-only action",
    "qa:question_reopen": "POST-only action",
    "qa:question_duplicate": "POST-only action",
    "qa:question_lock": "POST-only action",
    "qa:question_unlock": "POST-only action",
    "qa:question_merge": "POST-only action",
    "qa:faq_promote": "POST-only action",
    "qa:faq_withdraw": "POST-only action",
    "qa:faq_review_approve": "POST-only action",
    "qa:answer_accept": "POST-only action",
    "qa:answer_validate": "POST-only action",
    "qa:post_voter": "POST-only action",
    "qa:post_commenter": "POST-only action",
    "qa:post_retablir": "POST-only action",
    "qa:post_supprimer": "the delete confirmation: axe runs on it in "
    "tests/e2e/test_delete_own_post_journey.py",
    "qa:post_restaurer": "POST-only action",
    "qa:flag_resolve": "POST-only action",
    "qa:topic_follow": "POST-only action",
    "directory:person_follow": "POST-only action",
    "directory:structure_follow": "POST-only action",
    "agenda:proposal_support": "POST-only action",
    "agenda:proposal_unsupport": "POST-only action",
    "agenda:proposal_withdraw": "POST-only action",
    "agenda:proposal_schedule": "POST-only action",
    "agenda:proposal_mark_discussed": "POST-only action",
    "agenda:proposal_minutes_publish": "POST-only action (its errors render the proposal page)",
    "agenda:proposal_comment": "POST-only action (its errors render the proposal page)",
    "agenda:meeting_calendar": "an .ics download",
    "pages:meetings_feed": "Atom feed",
    "pages:meetings_calendar": "iCalendar subscription",
    "pages:recheck_clear": "POST-only action",
    # Redirects to a page audited here.
    "qa:answer_redirect": "redirects to the thread",
    "qa:comment_redirect": "redirects to the thread",
    "qa:question_detail_short": "redirects to the thread",
    "account_set_password": "redirects to the password change (every account has a password)",
    "account_confirm_login_code": "login by code is off: redirects to the login page",
    "account_confirm_reauthentication_code": "reauthentication by code is off: redirects",
    "socialaccount_signup": "redirects to the login page without a provider's sign-in",
    "comptes/social/login/cancelled/": "allauth's old address, redirects",
    "comptes/social/login/error/": "allauth's old address, redirects",
    "comptes/social/signup/": "allauth's old address, redirects",
    "comptes/social/connections/": "allauth's old address, redirects",
    "proconnect_login": "ProConnect is off in tests: 404 (the ProConnect test covers it)",
    "proconnect_callback": "ProConnect is off in tests: 404",
    # Wagtail's own pages.
    "wagtail_serve": "the Wagtail page tree: every page type is audited below",
}
# Wagtail's and Django's admin interfaces, Wagtail's document server: not our templates. The
# API (/api/v1/): JSON, and its docs page is django-ninja's Swagger UI (docs/api.md).
FOREIGN_PREFIXES = ("admin/", "django-admin/", "documents/", "_util/", "api/v1/")


# --- The audited pages ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Audited:
    """A page in a given state, opened as `role`; `names` are the URL names it stands for."""

    id: str
    role: str
    names: tuple[str, ...]
    open: Callable  # open(page, data): navigate and bring the page to the state to audit


def go(path_of: Callable[[dict], str] | str):
    def open_page(page, data):
        page.goto(path_of(data) if callable(path_of) else path_of)

    return open_page


def _submit(path, fields=None, button=None, form="main form[method=post]"):
    """Send the page's main form (empty unless `fields` by label) to show the server's errors;
    the browser's own checks of `required` fields are switched off for that."""

    def open_page(page, data):
        page.goto(path)
        for label, value in (fields or {}).items():
            page.get_by_label(label).fill(value)
        target = page.locator(form).first
        target.evaluate("form => { form.noValidate = true; }")
        with page.expect_navigation():
            buttons = target.locator("button[type=submit]")
            (buttons.filter(has_text=button) if button else buttons).first.click()

    return open_page


def _rendered(handler):
    """An error page Django renders only on a crash or a rate limit: served as-is under a
    made-up address of the live server, so its styles load as on the real page."""

    def open_page(page, data):
        request = RequestFactory().get("/")
        request.user = data["visitor_user"]
        request.csp_nonce = "audit"
        # As LocaleMiddleware would for a visitor (an earlier test may have left English on).
        with translation.override(settings.LANGUAGE_CODE):
            response = handler(request)
        html, status = response.content.decode(), response.status_code
        url = f"/audit-erreur-{handler.__name__}/"
        page.route(
            f"**{url}",
            lambda route: route.fulfill(body=html, status=status, content_type="text/html"),
        )
        try:
            page.goto(url)
        finally:
            # The tab serves the next tests: the made-up address must not outlive this one.
            page.unroute(f"**{url}")

    return open_page


def _body_over_the_limit(request):
    """The middleware's answer to a body over the size limit (a browser here cannot be made to
    send one without a body that large)."""
    request.META["CONTENT_LENGTH"] = str(settings.REQUEST_BODY_MAX_SIZE + 1)
    return RequestBodyLimitMiddleware(_not_reached)(request)


def _body_cut_short(request):
    """The middleware's answer to a form whose body stops before its announced length (a
    connection cut during an upload)."""
    body = b"title=Chauffage"
    cut = RequestFactory().post(
        "/questions/poser/",
        body,
        content_type="application/x-www-form-urlencoded",
        CONTENT_LENGTH=str(len(body) * 100),
        **{"wsgi.input": io.BytesIO(body)},
    )
    cut.user, cut.csp_nonce = request.user, request.csp_nonce
    return IncompleteBodyMiddleware(_not_reached)(cut)


def _not_reached(request):
    raise AssertionError("the middleware should have answered before the view")


def _search_filtered(page, data):
    page.goto("/recherche/?q=commune")
    with page.expect_navigation():
        page.locator(".search-facets a").first.click()


def _totp_login(page, data):
    page.goto("/comptes/login/")
    page.get_by_label("E-mail").fill(data["totp_user"].email)
    page.get_by_label("Mot de passe").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Connexion").click()
    page.wait_for_url("**/comptes/2fa/authenticate/")


def _reauthenticated(path):
    """Two-factor pages ask for the password again once the login is a few minutes old (the
    audit's contexts logged in at its start): give it, so that the page itself is audited."""

    def open_page(page, data):
        page.goto(path)
        if "/reauthenticate/" in page.url:
            page.get_by_label("Mot de passe").fill(DEMO_PASSWORD)
            with page.expect_navigation():
                page.locator("main button[type=submit]").first.click()
        assert page.url.endswith(path), page.url

    return open_page


def _unsubscribe_done(page, data):
    page.goto(data["unsubscribe"])
    with page.expect_navigation():
        page.locator("main form button[type=submit]").click()


PAGES = [
    # Visitors: public pages, account entrance, errors.
    Audited("home-visitor", "visitor", ("wagtail:HomePage",), go("/")),
    Audited("content-page", "visitor", ("wagtail:ContentPage",), go("/accessibilite/")),
    Audited("legal-page", "visitor", (), go("/mentions-legales/")),
    Audited("faq-visitor", "visitor", ("wagtail:FaqIndexPage",), go("/faq/")),
    Audited("watch-index", "visitor", ("wagtail:RegulatoryIndexPage",), go("/veille/")),
    Audited("watch-index-filtered", "visitor", (), go("/veille/?sujet=urbanisme")),
    Audited(
        "watch-update", "visitor", ("wagtail:RegulatoryUpdatePage",), go(lambda d: d["update"])
    ),
    Audited("resources", "visitor", ("wagtail:ResourceIndexPage",), go("/ressources/")),
    Audited("resource-visitor", "visitor", ("wagtail:ResourcePage",), go(lambda d: d["resource"])),
    Audited("feeds", "visitor", ("pages:feed_index",), go("/flux/")),
    Audited("search-visitor", "visitor", (), go("/recherche/?q=tourisme")),
    Audited("login", "visitor", ("account_login",), go("/comptes/login/")),
    Audited(
        "login-error",
        "visitor",
        (),
        _submit(
            "/comptes/login/", {"E-mail": "personne@example.org", "Mot de passe": "pas-le-bon"}
        ),
    ),
    Audited("signup", "visitor", ("account_signup",), go("/comptes/signup/")),
    Audited("signup-error", "visitor", (), _submit("/comptes/signup/")),
    Audited(
        "password-reset", "visitor", ("account_reset_password",), go("/comptes/password/reset/")
    ),
    Audited(
        "password-reset-error",
        "visitor",
        (),
        _submit("/comptes/password/reset/"),
    ),
    Audited(
        "password-reset-done",
        "visitor",
        ("account_reset_password_done",),
        go("/comptes/password/reset/done/"),
    ),
    Audited(
        "password-reset-key",
        "visitor",
        ("account_reset_password_from_key",),
        go(lambda d: d["reset_key"]),
    ),
    Audited(
        "password-reset-bad-key",
        "visitor",
        (),
        go("/comptes/password/reset/key/1-cle-perimee/"),
    ),
    Audited(
        "password-reset-key-done",
        "visitor",
        ("account_reset_password_from_key_done",),
        go("/comptes/password/reset/key/done/"),
    ),
    Audited(
        "confirm-email-sent",
        "visitor",
        ("account_email_verification_sent",),
        go("/comptes/confirm-email/"),
    ),
    Audited(
        "confirm-email-key",
        "visitor",
        ("account_confirm_email",),
        go(lambda d: d["confirm_key"]),
    ),
    Audited("confirm-email-bad-key", "visitor", (), go("/comptes/confirm-email/cle-perimee/")),
    Audited("inactive", "visitor", ("account_inactive",), go("/comptes/inactive/")),
    Audited(
        "social-cancelled",
        "visitor",
        ("socialaccount_login_cancelled",),
        go("/comptes/3rdparty/login/cancelled/"),
    ),
    Audited(
        "social-failure",
        "visitor",
        ("socialaccount_login_error",),
        go("/comptes/3rdparty/login/error/"),
    ),
    Audited("erased", "visitor", ("directory:erased",), go("/annuaire/compte-efface/")),
    Audited("invitation", "visitor", ("directory:invitation_open",), go(lambda d: d["invitation"])),
    Audited("invitation-invalid", "visitor", (), go("/annuaire/invitation/lien-inconnu/")),
    Audited("entry-check", "visitor", ("directory:entry_check",), go(lambda d: d["entry_check"])),
    Audited(
        "unsubscribe",
        "visitor",
        ("notifications:unsubscribe",),
        go(lambda d: d["unsubscribe"]),
    ),
    Audited("unsubscribe-done", "visitor", (), _unsubscribe_done),
    Audited("unsubscribe-invalid", "visitor", (), go("/notifications/desabonnement/perime/")),
    Audited("404", "visitor", (), go("/page-qui-n-existe-pas/")),
    Audited("500", "visitor", (), _rendered(site_views.server_error)),
    Audited("429", "visitor", (), _rendered(site_views.too_many_requests)),
    Audited("400-nul-character", "visitor", (), go("/questions/?sujet=a%00b")),
    Audited("413", "visitor", (), _rendered(_body_over_the_limit)),
    Audited("upload-cut-short", "visitor", (), _rendered(_body_cut_short)),
    Audited("mfa-authenticate", "totp-login", ("mfa_authenticate",), _totp_login),
    # Members.
    Audited("home-member", "member", (), go("/")),
    Audited("questions", "member", ("qa:question_list",), go("/questions/")),
    Audited(
        "questions-filtered",
        "member",
        (),
        go("/questions/?tri=votes&filtre=non-resolue&sujet=commande-publique"),
    ),
    Audited("questions-empty", "member", (), go("/questions/?filtre=validee&sujet=urbanisme")),
    Audited("discussions", "member", ("qa:discussion_list",), go("/discussions/")),
    Audited("thread", "member", ("qa:question_detail",), go(lambda d: d["thread"])),
    Audited("discussion", "member", (), go(lambda d: d["discussion"])),
    Audited("duplicate-thread", "member", (), go(lambda d: d["duplicate"])),
    Audited("ask", "member", ("qa:question_ask",), go("/questions/poser/")),
    Audited(
        "ask-error",
        "member",
        (),
        _submit("/questions/poser/", {"Titre": "Trop court"}, button="Publier"),
    ),
    Audited("answer-edit", "member", ("qa:post_modifier",), go(lambda d: d["answer_edit"])),
    Audited("question-edit", "member", (), go(lambda d: d["question_edit"])),
    Audited("revisions", "member", ("qa:post_versions",), go(lambda d: d["revisions"])),
    Audited("flag-form", "member", ("qa:post_signaler",), go(lambda d: d["flag"])),
    Audited("topics", "member", ("qa:topic_list",), go("/sujets/")),
    Audited("topic", "member", ("qa:topic_detail",), go(lambda d: d["topic"])),
    Audited("directory", "member", ("directory:person_list",), go("/annuaire/")),
    Audited("directory-search", "member", (), go("/annuaire/?q=maire")),
    Audited("person", "member", ("directory:person_detail",), go(lambda d: d["person"])),
    Audited("structures", "member", ("directory:structure_list",), go("/annuaire/structures/")),
    Audited("structure", "member", ("directory:structure_detail",), go(lambda d: d["structure"])),
    Audited("my-profile", "member", ("directory:my_profile",), go("/annuaire/moi/")),
    Audited("my-erase", "member", ("directory:my_erase",), go("/annuaire/moi/effacer/")),
    Audited("search", "member", ("search:results",), go("/recherche/?q=deneigement")),
    Audited("search-did-you-mean", "member", (), go("/recherche/?q=deneigemant")),
    Audited("search-filtered", "member", (), _search_filtered),
    Audited("search-no-result", "member", (), go("/recherche/?q=zzzzqqqq")),
    Audited("search-empty", "member", (), go("/recherche/")),
    Audited("agenda", "member", ("agenda:index",), go("/ordre-du-jour/")),
    Audited("shared-needs", "member", ("needs:index",), go("/besoins-partages/")),
    Audited("shared-needs-bad-filter", "member", (), go("/besoins-partages/?periode=999")),
    Audited("proposal", "member", ("agenda:proposal_detail",), go(lambda d: d["proposal"])),
    Audited(
        "proposal-form-error",
        "member",
        ("agenda:proposal_create",),
        _submit("/ordre-du-jour/proposer/"),
    ),
    Audited("meeting", "member", ("agenda:meeting_detail",), go(lambda d: d["meeting"])),
    Audited(
        "proposal-edit",
        "member",
        ("agenda:proposal_update",),
        go(lambda d: d["proposal_edit"]),
    ),
    Audited(
        "proposal-comment-edit",
        "member",
        ("agenda:proposal_comment_update",),
        go(lambda d: d["proposal_comment_edit"]),
    ),
    Audited(
        "proposal-comment-delete",
        "member",
        ("agenda:proposal_comment_delete",),
        go(lambda d: d["proposal_comment_delete"]),
    ),
    Audited("notifications", "member", ("notifications:list",), go("/notifications/")),
    Audited("preferences", "member", ("notifications:preferences",), go("/compte/preferences/")),
    Audited("my-follows", "member", ("qa:my_follows",), go("/compte/suivis/")),
    Audited("api-tokens", "member", ("api:tokens",), go("/compte/jetons/")),
    Audited("drafts", "member", ("qa:draft_list",), go("/compte/brouillons/")),
    Audited(
        "ask-confirm",
        "member",
        ("notifications:ask_confirm",),
        go(lambda data: data["ask_confirm"]),
    ),
    Audited("faq-member", "member", (), go("/faq/")),
    Audited("resource-member", "member", (), go(lambda d: d["resource"])),
    Audited("account-email", "member", ("account_email",), go("/comptes/email/")),
    Audited(
        "password-change", "member", ("account_change_password",), go("/comptes/password/change/")
    ),
    Audited(
        "password-change-error",
        "member",
        (),
        _submit("/comptes/password/change/"),
    ),
    Audited(
        "reauthenticate", "member", ("account_reauthenticate",), go("/comptes/reauthenticate/")
    ),
    Audited(
        "reauthenticate-code",
        "member",
        ("account_request_reauthentication_code",),
        go("/comptes/reauthenticate/code/"),
    ),
    Audited("mfa-index", "member", ("mfa_index",), go("/comptes/2fa/")),
    Audited(
        "mfa-activate",
        "member",
        ("mfa_activate_totp",),
        _reauthenticated("/comptes/2fa/totp/activate/"),
    ),
    Audited("connections", "member", ("socialaccount_connections",), go("/comptes/3rdparty/")),
    Audited("logout", "member", ("account_logout",), go("/comptes/logout/")),
    Audited("403", "member", (), go("/moderation/signalements/")),
    # A member with two-factor authentication.
    Audited("mfa-index-on", "totp", (), go("/comptes/2fa/")),
    Audited(
        "recovery-codes",
        "totp",
        ("mfa_view_recovery_codes",),
        _reauthenticated("/comptes/2fa/recovery-codes/"),
    ),
    Audited(
        "recovery-codes-generate",
        "totp",
        ("mfa_generate_recovery_codes",),
        _reauthenticated("/comptes/2fa/recovery-codes/generate/"),
    ),
    Audited(
        "mfa-deactivate",
        "totp",
        ("mfa_deactivate_totp",),
        _reauthenticated("/comptes/2fa/totp/deactivate/"),
    ),
    Audited(
        "mfa-reauthenticate", "totp", ("mfa_reauthenticate",), go("/comptes/2fa/reauthenticate/")
    ),
    # A pending account.
    Audited("pending", "pending", ("pending",), go("/compte/en-attente/")),
    # Moderators.
    Audited("flag-queue", "moderator", ("qa:flag_queue",), go("/moderation/signalements/")),
    Audited(
        "inbound-queue", "moderator", ("notifications:inbound_queue",), go("/moderation/courriels/")
    ),
    Audited(
        "faq-review-queue",
        "moderator",
        ("qa:faq_review_queue",),
        go("/moderation/faq-a-revalider/"),
    ),
    Audited("moderate", "moderator", ("qa:moderate",), go(lambda d: d["moderate"])),
    Audited(
        "attachment-remove",
        "moderator",
        ("qa:attachment_remove",),
        go(lambda d: d["attachment_remove"]),
    ),
    Audited(
        "pending-accounts",
        "moderator",
        ("directory:pending_accounts",),
        go("/annuaire/comptes-en-attente/"),
    ),
    Audited(
        "inactive-accounts",
        "moderator",
        ("directory:inactive_accounts",),
        go("/annuaire/comptes-inactifs/"),
    ),
    Audited(
        "expertise-requests",
        "moderator",
        ("directory:expertise_requests",),
        go("/annuaire/expertises/"),
    ),
    Audited("import-upload", "moderator", ("directory:import_upload",), go("/annuaire/import/")),
    Audited(
        "person-edit",
        "moderator",
        ("directory:person_edit",),
        go(lambda d: d["person"] + "modifier/"),
    ),
    Audited(
        "person-merge",
        "moderator",
        ("directory:person_merge",),
        go(lambda d: d["person"] + "fusionner/"),
    ),
    Audited("invitations", "moderator", ("directory:invitations",), go("/annuaire/invitations/")),
    Audited("import-detail", "moderator", ("directory:import_detail",), go(lambda d: d["import"])),
    Audited(
        "meeting-form-error",
        "moderator",
        ("agenda:meeting_create",),
        _submit("/ordre-du-jour/reunions/nouvelle/"),
    ),
    Audited(
        "meeting-edit", "moderator", ("agenda:meeting_update",), go(lambda d: d["meeting_edit"])
    ),
    Audited(
        "meeting-cancel",
        "moderator",
        ("agenda:meeting_cancel",),
        go(lambda d: d["meeting_cancel"]),
    ),
    Audited("rechecks", "moderator", ("pages:recheck_list",), go("/veille/a-reverifier/")),
    Audited("steering-dashboard", "moderator", ("steering:dashboard",), go("/pilotage/")),
    Audited(
        "steering-unanswered",
        "moderator",
        ("steering:unanswered",),
        go("/pilotage/sans-reponse/"),
    ),
    Audited("thread-moderator", "moderator", (), go(lambda d: d["thread"])),
    # Editors.
    Audited("home-editor", "editor", (), go("/")),
    Audited("watch-update-editor", "editor", (), go(lambda d: d["update"])),
]

PHONE_PAGES = [
    ("visitor", "/"),
    ("visitor", "/comptes/login/"),
    ("member", "/"),
    ("member", "/questions/"),
    ("member", "thread"),
    ("member", "/questions/poser/"),
    ("member", "/annuaire/"),
    ("member", "/recherche/?q=deneigement"),
    ("member", "/notifications/"),
    ("member", "/compte/suivis/"),
    ("member", "/ordre-du-jour/"),
    ("member", "/faq/"),
]


# What each audited page must show before axe runs: its own main heading (a page that answers
# with the login form, an error or another page is not audited as the page it stands for)
# and its HTTP status — 200 unless listed in STATUS.
def _heading(key):
    return lambda data: data["headings"][key]


HEADINGS = {
    "home-visitor": "Entraide",
    "content-page": "Déclaration d'accessibilité",
    "legal-page": "Mentions légales",
    "faq-visitor": "Foire aux questions",
    "watch-index": "Veille réglementaire",
    "watch-index-filtered": "Veille réglementaire",
    "watch-update": _heading("update"),
    "resources": "Centre de ressources",
    "resource-visitor": _heading("resource"),
    "feeds": "Flux Atom",
    "search-visitor": "Recherche",
    "login": "Connexion",
    "login-error": "Connexion",
    "signup": "Création de compte",
    "signup-error": "Création de compte",
    "password-reset": "Réinitialisation du mot de passe",
    "password-reset-error": "Réinitialisation du mot de passe",
    "password-reset-done": "Réinitialisation du mot de passe",
    "password-reset-key": "Modifier le mot de passe",
    "password-reset-bad-key": "Mauvais jeton d'identification",
    "password-reset-key-done": "Modifier le mot de passe",
    "confirm-email-sent": "Vérifiez votre adresse e-mail",
    "confirm-email-key": "Confirmer l'adresse e-mail",
    "confirm-email-bad-key": "Confirmer l'adresse e-mail",
    "inactive": "Compte inactif",
    "social-cancelled": "Connexion annulée",
    "social-failure": "Échec de la connexion via réseau social",
    "erased": "Votre compte est effacé",
    "unsubscribe": "Se désabonner",
    "unsubscribe-done": "Désabonnement enregistré",
    "unsubscribe-invalid": "Ce lien de désabonnement n'est pas valable",
    "404": "Page introuvable",
    "500": "Une erreur s'est produite",
    "429": "Trop de requêtes",
    "400-nul-character": "Adresse invalide",
    "413": "Envoi trop volumineux",
    "upload-cut-short": "Envoi interrompu",
    "mfa-authenticate": "Authentification à deux facteurs",
    "home-member": "Entraide",
    "questions": "Questions",
    "questions-filtered": "Questions",
    "questions-empty": "Questions",
    "discussions": "Discussions",
    "thread": _heading("thread"),
    "discussion": _heading("discussion"),
    "duplicate-thread": _heading("duplicate"),
    "ask": "Poser une question ou ouvrir une discussion",
    "ask-error": "Poser une question ou ouvrir une discussion",
    "answer-edit": "Modifier la réponse",
    "question-edit": "Modifier la question",
    "revisions": "Historique des versions",
    "flag-form": "Signaler un message aux modérateurs",
    "topics": "Sujets",
    "topic": _heading("topic"),
    "directory": "Annuaire des élus et agents",
    "directory-search": "Annuaire des élus et agents",
    "person": _heading("person"),
    "structures": "Structures du territoire",
    "structure": _heading("structure"),
    "my-profile": "Ma fiche dans l'annuaire",
    "person-edit": lambda data: f"Corriger la fiche de {data['headings']['person']}",
    "person-merge": lambda data: (
        f"Fusionner la fiche n° {data['person'].split('/')[-2]} de {data['headings']['person']}"
    ),
    "invitations": "Invitations",
    "invitation": "Vous êtes invité·e à rejoindre Entraide",
    "invitation-invalid": "Ce lien d'invitation ne fonctionne pas",
    "entry-check": "Vérifiez votre fiche",
    "my-erase": "Effacer mon compte",
    "search": "Recherche",
    "search-did-you-mean": "Recherche",
    "search-filtered": "Recherche",
    "search-no-result": "Recherche",
    "search-empty": "Recherche",
    "agenda": "Ordre du jour",
    "shared-needs": "Besoins partagés",
    "shared-needs-bad-filter": "Besoins partagés",
    "proposal": _heading("proposal"),
    "proposal-form-error": "Proposer un sujet pour l'ordre du jour",
    "meeting": _heading("meeting"),
    "proposal-edit": "Modifier votre proposition",
    "proposal-comment-edit": "Modifier le commentaire",
    "proposal-comment-delete": "Supprimer le commentaire",
    "meeting-edit": "Modifier la réunion",
    "meeting-cancel": _heading("meeting-cancel"),
    "notifications": "Notifications",
    "preferences": "Préférences de notification",
    "my-follows": "Mes suivis",
    "api-tokens": "Jetons d'API",
    "drafts": "Mes brouillons",
    "ask-confirm": "Confirmer ma question envoyée par e-mail",
    "faq-member": "Foire aux questions",
    "resource-member": _heading("resource"),
    "account-email": "Adresse e-mail",
    "password-change": "Modifier le mot de passe",
    "password-change-error": "Modifier le mot de passe",
    "reauthenticate": "Confirmer l'accès",
    "reauthenticate-code": "Confirmer l'accès",
    "mfa-index": "Authentification à deux facteurs",
    "mfa-activate": "Activer l'application d'authentification",
    "connections": "Comptes associés",
    "logout": "Se déconnecter",
    "403": "Accès refusé",
    "mfa-index-on": "Authentification à deux facteurs",
    "recovery-codes": "Codes de récupération",
    "recovery-codes-generate": "Codes de récupération",
    "mfa-deactivate": "Désactiver l'application d'authentification",
    "mfa-reauthenticate": "Confirmer l'accès",
    "pending": "Votre compte attend la validation d'un modérateur",
    "flag-queue": "Signalements à traiter",
    "inbound-queue": "Courriels non traités",
    "faq-review-queue": "FAQ à revalider",
    "moderate": "Modérer le fil",
    "attachment-remove": "Retirer la pièce jointe « convention-groupement.pdf » ?",
    "pending-accounts": "Comptes en attente de validation",
    "inactive-accounts": "Comptes inactifs depuis deux ans",
    "expertise-requests": "Demandes d’expertise",
    "import-upload": "Importer une liste de participants",
    "import-detail": _heading("import"),
    "meeting-form-error": "Créer une réunion",
    "rechecks": "Questions à revérifier",
    "steering-dashboard": "Tableau de pilotage",
    "steering-unanswered": "Questions sans réponse depuis plus de 7 jours",
    "thread-moderator": _heading("thread"),
    "home-editor": "Entraide",
    "watch-update-editor": _heading("update"),
}
# Pages whose title says what the page is in other words than its heading (allauth's titles).
TITLE_NOT_FROM_HEADING = {
    "home-visitor": "« Accueil »: the heading is the site's name",
    "home-member": "« Accueil »: the heading is the site's name",
    "home-editor": "« Accueil »: the heading is the site's name",
    "signup": "« Inscription » for « Création de compte »",
    "signup-error": "« Inscription » for « Création de compte »",
    "password-reset-bad-key": "« Modifier le mot de passe », the step the bad link was for",
    "mfa-authenticate": "« Connexion », the second step of the login",
}


def _words(text: str) -> set[str]:
    """The words of 4 letters or more, in lower case."""
    return set(re.findall(r"\w{4,}", text.lower()))


STATUS = {
    "social-failure": 401,  # allauth answers a failed provider sign-in with 401
    "unsubscribe-invalid": 400,
    "invitation-invalid": 410,
    "404": 404,
    "500": 500,
    "429": 429,
    "400-nul-character": 400,
    "413": 413,
    "upload-cut-short": 400,
    "403": 403,
    "proposal-form-error": 400,  # forms showing their errors answer 400
    "meeting-form-error": 400,
    "shared-needs-bad-filter": 400,
}


# --- The data set and the logged-in contexts ----------------------------------------------------


def _reload_migrated_database(contents: str):
    """Empty the tables and reload what the migrations created (groups, home page, site…),
    as a `serialized_rollback` test does (see tests/conftest.py for why content types first)."""
    call_command(
        "flush", interactive=False, verbosity=0, inhibit_post_migrate=True, reset_sequences=False
    )
    ContentType.objects.bulk_create(
        ContentType(pk=entry["pk"], **entry["fields"])
        for entry in json.loads(contents)
        if entry["model"] == "contenttypes.contenttype"
    )
    ContentType.objects.clear_cache()
    connection.creation.deserialize_db_from_string(contents)
    for cache in caches.all():
        cache.clear()


def _demo_user(local):
    return User.objects.get(email=f"{local}@{DEMO_DOMAIN}")


def _build_data_set() -> dict:
    # The development path (the published demo password): the test settings run DEBUG off.
    with override_settings(DEBUG=True):
        call_command("load_demo", verbosity=0)
    member = _demo_user("secretaire")
    other = _demo_user("maire")
    moderator = _demo_user("moderatrice")
    thread = (
        Question.objects.filter(kind=QuestionKind.QUESTION, accepted_answer__isnull=False)
        .exclude(comments=None)
        .order_by("pk")
        .first()
    )
    discussion = Question.objects.filter(kind=QuestionKind.DISCUSSION).order_by("pk").first()
    duplicate = Question.objects.exclude(duplicate_of=None).order_by("pk").first()

    # The member's own answer, edited once (its history shows a diff); a flag for the queue.
    answer = qa_services.answer_create(
        question=discussion,
        author=member,
        body="Nous passons par la **CC** depuis 2024.",
        attachments=[check_upload(SimpleUploadedFile("convention-groupement.pdf", pdf()))],
    )
    qa_services.post_edit(
        post=answer, by=member, body="Nous passons par la **CC Moyen Verdon** depuis 2024."
    )
    own_question = Question.objects.filter(author=member).order_by("pk").first()
    # A draft of an answer: listed under « Mes brouillons », resumed in the thread's form.
    qa_services.draft_save(
        user=member, question=thread, body="Nous avons groupé nos achats l'an dernier : *à finir*."
    )
    qa_services.flag_create(
        post=thread.answers.order_by("pk").last(),
        reporter=other,
        reason="off_topic",
        text="Hors sujet : parle d'un autre marché.",
    )
    batch = directory_services.directory_import_upload(
        filename="participants.csv",
        data=(
            "prénom;nom;structure;fonction;e-mail\n"
            "Léonie;Arbousier;Angles;Adjointe;leonie.arbousier@example.org\n"
            ";Sans-Prénom;;;pas-une-adresse\n"
        ).encode(),
        uploaded_by=moderator,
    )
    # A member with two-factor authentication (recovery codes, deactivation, reauthentication).
    totp_user = _demo_user("adjointe")
    secret = generate_totp_secret()
    TOTP.activate(totp_user, secret)
    # The role logs in with recovery codes: a TOTP code is refused the second time within its
    # 30 seconds, and the role may log in twice (desktop and phone) in that time.
    recovery_codes = RecoveryCodes.activate(totp_user).get_unused_codes()
    # A visitor arriving from e-mails: a password reset link, an e-mail confirmation link.
    reset_user = _demo_user("maire")
    address = EmailAddress.objects.create(
        user=reset_user, email="firmin.nouvelle-adresse@example.org", verified=False
    )
    reset_key = f"{user_pk_to_url_str(reset_user)}-{default_token_generator.make_token(reset_user)}"
    # « Mes suivis » with one of each kind, and the thread's posts « Nouveau » for the member
    # (a visit older than them): the lists and the thread show their unread marks.
    followed_person = Person.objects.get(user=other)
    qa_services.question_follow(user=member, question=thread)
    qa_services.topic_follow(user=member, topic=thread.topics.order_by("pk").first())
    directory_services.follow(user=member, entry=followed_person)
    directory_services.follow(user=member, entry=Structure.objects.get(name="CC Moyen Verdon"))
    qa_services.thread_visit_record(user=member, question=thread, when=thread.created_at)
    # The preferences page in its fullest state: the notice of e-mails paused after bounces.
    EmailPause.objects.create(
        user=member, address=member.email, diagnostic="550 5.1.1 <x@example.fr>: User unknown"
    )
    # A question the member sent by e-mail, waiting for their confirmation.
    ask_mail = InboundMail.objects.create(
        message_id="<audit-ask@example.fr>",
        raw=b"Subject: Aides pour le chauffage\r\n\r\nQuelles aides existent ?\r\n",
        status=InboundStatus.AWAITING,
        user=member,
        subject="Aides pour le chauffage de l'école",
        text="Quelles aides au chauffage des bâtiments publics existent ?",
    )
    call_command("search_rebuild", verbosity=0)
    Invitation.objects.create(
        email="invitee@example.org",
        invited_by=moderator,
        token="jeton-de-l-audit",
        sent_at=timezone.now(),
    )

    proposal = Proposal.objects.order_by("pk").first()
    own_proposal = agenda_services.proposal_create(
        author=member,
        title="Un calendrier commun des manifestations",
        rationale="Éviter que deux fêtes tombent le même jour.",
        topics=[thread.topics.order_by("pk").first()],
    )
    own_comment = agenda_services.proposal_comment_create(
        proposal=proposal, author=member, body="Notre commune a le même besoin."
    )
    first_meeting = Meeting.objects.order_by("pk").first()
    update = RegulatoryUpdatePage.objects.live().order_by("pk").first()
    resource = ResourcePage.objects.live().order_by("pk").first()
    return {
        "accounts": {
            "member": member,
            "moderator": moderator,
            "editor": _demo_user("editeur"),
            "pending": _demo_user("en-attente"),
            "totp": totp_user,
        },
        "totp_user": totp_user,
        "totp_recovery_codes": recovery_codes,
        "visitor_user": _anonymous(),
        "thread": thread.get_absolute_url(),
        "discussion": discussion.get_absolute_url(),
        "duplicate": duplicate.get_absolute_url(),
        "answer_edit": f"/reponses/{answer.pk}/modifier/",
        "question_edit": f"/questions/{own_question.pk}/modifier/",
        "revisions": f"/reponses/{answer.pk}/versions/",
        "flag": f"/reponses/{thread.accepted_answer_id}/signaler/",
        "moderate": f"/questions/{thread.pk}/moderer/",
        "attachment_remove": f"/pieces-jointes/{answer.attachments.get().pk}/retirer/",
        "topic": f"/sujets/{thread.topics.order_by('pk').first().slug}/",
        "person": Person.objects.get(user=other).get_absolute_url(),
        "structure": Structure.objects.get(name="CC Moyen Verdon").get_absolute_url(),
        "proposal": proposal.get_absolute_url(),
        "meeting": Meeting.objects.order_by("pk").first().get_absolute_url(),
        "proposal_edit": f"/ordre-du-jour/{own_proposal.pk}/modifier/",
        "proposal_comment_edit": f"/ordre-du-jour/commentaires/{own_comment.pk}/modifier/",
        "proposal_comment_delete": f"/ordre-du-jour/commentaires/{own_comment.pk}/supprimer/",
        "meeting_edit": f"/ordre-du-jour/reunions/{first_meeting.pk}/modifier/",
        "meeting_cancel": f"/ordre-du-jour/reunions/{first_meeting.pk}/annuler/",
        "update": update.url,
        "resource": resource.url,
        "import": f"/annuaire/import/{batch.pk}/",
        "invitation": "/annuaire/invitation/jeton-de-l-audit/",
        "entry_check": "/annuaire/verifier-ma-fiche/"
        + directory_services.entry_check_token(Person.objects.get(user=other))
        + "/",
        "unsubscribe": urlsplit(unsubscribe_url(user_id=member.pk, scope=ALL)).path,
        "reset_key": f"/comptes/password/reset/key/{reset_key}/",
        "confirm_key": f"/comptes/confirm-email/{EmailConfirmationHMAC(address).key}/",
        "answer_pk": answer.pk,
        "ask_confirm": f"/compte/questions-par-courriel/{ask_mail.pk}/",
        "headings": {
            "update": update.title,
            "resource": resource.title,
            "thread": thread.title,
            "discussion": discussion.title,
            "duplicate": duplicate.title,
            "topic": thread.topics.order_by("pk").first().name,
            "person": Person.objects.get(user=other).full_name,
            "structure": "CC Moyen Verdon",
            "proposal": proposal.title,
            "meeting": Meeting.objects.order_by("pk").first().title,
            "meeting-cancel": f"Annuler la réunion « {first_meeting.title} »",
            "import": f"Import de « {batch.filename} »",
        },
    }


def _anonymous():
    from django.contrib.auth.models import AnonymousUser

    return AnonymousUser()


@pytest.fixture(scope="module")
def audit(browser, live_server, django_db_blocker):
    """The data set and one browser context per role, built once for the module.

    Starts from the migrated database (the copy serialized for `serialized_rollback` tests, or
    the database as it is when no such test runs) and leaves it in that state.
    """
    live_server._live_server_modified_settings.enable()
    with django_db_blocker.unblock():
        contents = getattr(connection, "_test_serialized_contents", None)
        if contents is None:
            contents = connection.creation.serialize_db_to_string()
        _reload_migrated_database(contents)
        assert HomePage.objects.exists(), "the audit needs the migrated data (home page, groups)"
        data = _build_data_set()
        contexts = {}
        # "totp-login" stays half logged in (password given, code asked): a context of its own.
        for role in ("visitor", "member", "moderator", "editor", "pending", "totp", "totp-login"):
            contexts[role] = _context(browser, live_server, data, role)
        contexts["phone-visitor"] = _context(browser, live_server, data, "visitor", PHONE)
        contexts["phone-member"] = _context(browser, live_server, data, "member", PHONE)
        for width in REFLOW_WIDTHS:
            for role in ("visitor", "member"):
                viewport = {"width": width, "height": 640}
                contexts[f"{width}-{role}"] = _context(browser, live_server, data, role, viewport)
        yield {"data": data, "contexts": contexts}
        for context in contexts.values():
            context.close()
        _reload_migrated_database(contents)
    live_server._live_server_modified_settings.disable()


# pytest-django wraps each live-server test in a transactional test case that empties the
# database afterwards; these two replace its helpers of the same names so that the data set
# lives for the whole module (the `audit` fixture enables the live server's settings and puts
# the database back). The `django_db` marker still makes pytest-django create the test database.
@pytest.fixture
def _django_db_helper():
    yield


@pytest.fixture
def _live_server_helper():
    yield


def _context(browser, live_server, data, role, viewport=None):
    """The role's browser context, logged in, with the one tab every test of the role reuses
    (`_open`): a tab that stays open keeps its renderer process warm, so that a page costs
    Chromium about a third of what a new tab's first page does (docs/architecture.md, « Test
    suite times »). Every test still loads its page anew: a navigation is a new document."""
    context = browser.new_context(
        base_url=live_server.url,
        locale="fr-FR",
        viewport=viewport or {"width": 1280, "height": 900},
    )
    context.set_default_timeout(10_000)
    preload_axe(context)
    page = context.new_page()
    user = data["accounts"].get(role)
    if user is not None:
        page.goto("/comptes/login/")
        page.get_by_label("E-mail").fill(user.email)
        page.get_by_label("Mot de passe").fill(DEMO_PASSWORD)
        # Wait for the answer to each form before reading the URL or reusing the tab (which
        # could cancel the login before the session cookie is set).
        with page.expect_navigation():
            page.get_by_role("button", name="Connexion").click()
        if role == "totp":
            page.wait_for_url("**/comptes/2fa/authenticate/")
            page.locator("input[name=code]").fill(data["totp_recovery_codes"].pop())
            with page.expect_navigation():
                page.locator("main button[type=submit]").first.click()
        assert "/comptes/login/" not in page.url, f"{role} could not log in"
        assert "/authenticate/" not in page.url, f"{role}: second factor refused"
    _watch(page)
    context.audit_page = page
    return context


class Problems(list):
    """Script dialogs and CSP violations seen while auditing a page."""


def _watch(page):
    """From now on, `page.statuses` collects the HTTP status of every document the tab loads
    (redirects included), the last one being the page audited, and `page.problems` the script
    dialogs and CSP violations; `_open` empties both for each test."""
    page.statuses = []
    page.problems = Problems()
    page.on(
        "response",
        lambda response: (
            response.request.is_navigation_request()
            and response.frame == page.main_frame
            and page.statuses.append(response.status)
        ),
    )
    page.on("dialog", lambda dialog: (page.problems.append(dialog.message), dialog.dismiss()))
    page.on(
        "console",
        lambda message: (
            "Content Security Policy" in message.text and page.problems.append(message.text)
        ),
    )


def _open(context):
    """The role's tab (a new one if the last test crashed it), with nothing seen yet: every
    test then navigates it to its own page."""
    page = context.audit_page
    if page.is_closed():
        page = context.audit_page = context.new_page()
        _watch(page)
    page.statuses = []
    page.problems = Problems()
    return page, page.problems


# --- The tests -----------------------------------------------------------------------------------


@pytest.mark.parametrize("entry", PAGES, ids=[entry.id for entry in PAGES])
def test_page_passes_axe(audit, entry):
    page, problems = _open(audit["contexts"][entry.role])
    entry.open(page, audit["data"])
    # The page meant, not a login form, an error or a redirect elsewhere.
    assert page.statuses and page.statuses[-1] == STATUS.get(entry.id, 200), (
        f"{page.url}: HTTP {page.statuses}"
    )
    heading = HEADINGS[entry.id]
    heading = heading(audit["data"]) if callable(heading) else heading
    assert page.locator("h1").first.inner_text().strip() == heading, page.url
    if entry.role not in ("visitor", "totp-login"):
        assert "/comptes/login/" not in page.url and "/authenticate/" not in page.url, page.url
    if entry.id.endswith("-error"):
        assert page.locator(".errorlist, .form-errors").count(), f"{page.url}: no error shown"
    assert_accessible(page, tags=AUDIT_TAGS)
    assert page.locator("h1").count() == 1, f"{page.url}: one h1 per page"
    assert page.evaluate("document.documentElement.lang") == "fr"
    # RGAA 8.6: the title names the page (a word of its heading), then the site.
    title = page.title()
    assert title.endswith(" — Entraide"), f"{page.url}: title {title!r}"
    if entry.id not in TITLE_NOT_FROM_HEADING:
        assert _words(title.removesuffix(" — Entraide")) & _words(heading), (
            f"{page.url}: title {title!r} does not name the page {heading!r}"
        )
    assert not problems, problems


@pytest.mark.parametrize(("role", "path"), PHONE_PAGES, ids=[f"{r}:{p}" for r, p in PHONE_PAGES])
def test_key_pages_pass_axe_on_a_phone(audit, role, path):
    page, problems = _open(audit["contexts"][f"phone-{role}"])
    page.goto(audit["data"].get(path, path))
    assert_accessible(page, tags=AUDIT_TAGS)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{page.url}: {width} px wide, scrolls sideways"
    assert not problems, problems


# --- RGAA criteria that axe cannot judge (issue 20, item 13; docs/accessibility.md) -----------

# The sample of the accessibility statement: one page of each kind a member uses, the forms
# showing their errors, and the visitor's entrance.
RGAA_SAMPLE = [
    "home-member",
    "questions",
    "thread",
    "ask-error",
    "directory",
    "person",
    "my-profile",
    "search",
    "agenda",
    "notifications",
    "preferences",
    "faq-member",
    "content-page",
    "watch-index",
    "login-error",
    "signup-error",
    "404",
]
_ENTRIES = {entry.id: entry for entry in PAGES}
# RGAA 10.11: 320 px wide (a phone, or 1,280 px at 400 %), and 640 px (1,280 px at 200 %).
REFLOW_WIDTHS = (320, 640)

# What sticks out of the window, and text cut by a box that hides its overflow (the deepest
# five). Visually hidden text (1 px boxes) and closed menus are meant to be out of sight.
_CUT_OR_OUT_OF_THE_WINDOW = """() => {
  const limit = document.documentElement.clientWidth + 1;
  const found = [];
  for (const el of document.body.querySelectorAll("*")) {
    const box = el.getBoundingClientRect();
    if (box.width <= 1 || box.height <= 1 || !el.checkVisibility()) continue;
    const style = getComputedStyle(el);
    const own = [...el.childNodes].some(n => n.nodeType === 3 && n.textContent.trim());
    const hides = /hidden|clip/.test(style.overflowX + style.overflowY);
    const cut = own && hides && (el.scrollWidth > el.clientWidth + 1
                                 || el.scrollHeight > el.clientHeight + 1);
    if (box.right > limit || box.left < -1 || cut) {
      const text = el.textContent.trim().slice(0, 40);
      found.push(`${el.tagName.toLowerCase()}.${el.className} (${box.left}-${box.right}): ${text}`);
    }
  }
  return {scroll: document.documentElement.scrollWidth, found: found.slice(-5)};
}"""

# WCAG 1.4.12's values: line height 1.5, paragraphs 2 em apart, letters 0.12 em, words 0.16 em.
_TEXT_SPACING = """
* { line-height: 1.5 !important; letter-spacing: 0.12em !important;
    word-spacing: 0.16em !important; }
p { margin-bottom: 2em !important; }
"""

# What has the keyboard focus, whether it shows (an outline of 2 px or more, or a shadow), and
# whether it comes after the element focused before in the document (RGAA 12.8: with no
# positive tabindex, the tab order is the reading order).
_FOCUSED = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) return null;
  const previous = window.rgaaPreviousFocus;
  window.rgaaPreviousFocus = el;
  const style = getComputedStyle(el);
  const box = el.getBoundingClientRect();
  const text = (el.innerText || el.value || el.name || el.id || "").trim().slice(0, 40);
  return {
    what: `${el.tagName.toLowerCase()} ${text}`,
    shown: (style.outlineStyle !== "none" && parseFloat(style.outlineWidth) >= 2)
      || style.boxShadow !== "none",
    visible: box.width > 0 && box.height > 0 && el.checkVisibility(),
    inside: box.bottom > 0 && box.top < innerHeight && box.right > 0 && box.left < innerWidth,
    inOrder: !previous || previous === el
      || (previous.compareDocumentPosition(el) & Node.DOCUMENT_POSITION_FOLLOWING) !== 0,
  };
}"""
_POSITIVE_TABINDEX = (
    'document.querySelectorAll(\'[tabindex]:not([tabindex^="-"]):not([tabindex="0"])\').length'
)

# Controls whose visible text is not part of their accessible name (WCAG 2.5.3).
_LABEL_NOT_IN_NAME = r"""() => [...document.querySelectorAll("a[aria-label], button[aria-label]")]
  .filter(el => el.checkVisibility())
  .map(el => [el.innerText.replace(/\s+/g, " ").trim().toLowerCase(),
              el.getAttribute("aria-label").replace(/\s+/g, " ").trim().toLowerCase()])
  .filter(([text, name]) => text && !name.includes(text))"""

# Each field's error message, and whether it is in the description of the field (or of its
# group: a fieldset of checkboxes) that is marked invalid (RGAA 11.10: errors announced).
_FIELD_ERRORS = """() => [...document.querySelectorAll("main .errorlist:not(.nonfield)")]
  .filter(list => list.checkVisibility())
  .map(list => {
    const refs = [...document.querySelectorAll("[aria-describedby]")].filter(
      el => el.getAttribute("aria-describedby").split(/\\s+/).includes(list.id));
    return {
      error: list.textContent.trim(),
      described: list.id !== "" && refs.length > 0,
      invalid: refs.some(el => el.matches("[aria-invalid=true]")
                               || el.querySelector("[aria-invalid=true]") !== null),
    };
  })"""


def _open_sample(audit, entry_id, context_key=None):
    entry = _ENTRIES[entry_id]
    page, problems = _open(audit["contexts"][context_key or entry.role])
    entry.open(page, audit["data"])
    assert page.statuses and page.statuses[-1] == STATUS.get(entry_id, 200), page.url
    return page


@pytest.mark.parametrize("width", REFLOW_WIDTHS)
@pytest.mark.parametrize("entry_id", RGAA_SAMPLE)
def test_sample_reflows_without_scrolling_sideways_or_cutting_text(audit, entry_id, width):
    """RGAA 10.11 (reflow at 320 px) and 10.4 (text at 200 %: 1,280 px zoomed is 640 px)."""
    page = _open_sample(audit, entry_id, f"{width}-{_ENTRIES[entry_id].role}")
    seen = page.evaluate(_CUT_OR_OUT_OF_THE_WINDOW)
    assert seen["scroll"] <= width and not seen["found"], f"{page.url} at {width} px: {seen}"


@pytest.mark.parametrize("entry_id", RGAA_SAMPLE)
def test_sample_keeps_its_text_with_wider_text_spacing(audit, entry_id):
    """RGAA 10.12: the user's own spacing (WCAG 1.4.12's values) cuts no text, on a desktop
    and on a phone."""
    for context_key in (_ENTRIES[entry_id].role, f"320-{_ENTRIES[entry_id].role}"):
        page = _open_sample(audit, entry_id, context_key)
        # A constructed style sheet, as a user's extension adds it (the CSP refuses <style>).
        page.evaluate(
            "css => { const sheet = new CSSStyleSheet(); sheet.replaceSync(css);"
            " document.adoptedStyleSheets = [...document.adoptedStyleSheets, sheet]; }",
            _TEXT_SPACING,
        )
        seen = page.evaluate(_CUT_OR_OUT_OF_THE_WINDOW)
        width = page.viewport_size["width"]
        assert seen["scroll"] <= width and not seen["found"], f"{page.url}: {seen}"


@pytest.mark.parametrize("entry_id", RGAA_SAMPLE)
def test_sample_shows_the_focus_on_every_control_in_reading_order(audit, entry_id):
    """RGAA 10.7: every element reached with Tab shows that it has the focus, and is on screen;
    RGAA 12.8: the tab order is the document's; RGAA 6.1 / WCAG 2.5.3: a control's visible text
    is part of its accessible name."""
    page = _open_sample(audit, entry_id)
    assert page.evaluate(_LABEL_NOT_IN_NAME) == [], page.url
    assert page.evaluate(_POSITIVE_TABINDEX) == 0, f"{page.url}: a positive tabindex"
    seen = []
    for _ in range(60):
        page.keyboard.press("Tab")
        focused = page.evaluate(_FOCUSED)
        if focused is None or (seen and focused["what"] == seen[0]["what"]):
            break
        seen.append(focused)
        assert focused["visible"] and focused["inside"], f"{page.url}: {focused}"
        assert focused["shown"], f"{page.url}: no visible focus on {focused['what']}"
        assert focused["inOrder"], f"{page.url}: {focused['what']} out of the reading order"
    assert len(seen) >= 3, f"{page.url}: the keyboard reaches {len(seen)} controls"


@pytest.mark.parametrize("entry_id", [each for each in RGAA_SAMPLE if each.endswith("-error")])
def test_form_errors_are_announced_and_tied_to_their_fields(audit, entry_id):
    """RGAA 11.10: a summary announced at once (role alert), and every field in error marked
    invalid with its message in its description."""
    page = _open_sample(audit, entry_id)
    expect(page.locator("main [role=alert]").first).not_to_be_empty()
    for error in page.evaluate(_FIELD_ERRORS):
        assert error["described"] and error["invalid"], f"{page.url}: {error}"


def test_every_front_end_page_is_audited():
    """Every named URL of the site is audited or listed in NOT_PAGES with its reason; every
    Wagtail page type of the site is audited; and no entry names a URL that no longer exists."""
    audited = {name for entry in PAGES for name in entry.names}
    routes = {
        route.name for route in url_patterns() if not route.pattern.startswith(FOREIGN_PREFIXES)
    }
    missing = sorted(routes - audited - set(NOT_PAGES))
    assert not missing, f"pages not audited (add them to PAGES or NOT_PAGES): {missing}"
    page_types = {
        f"wagtail:{model.__name__}"
        for model in get_page_models()
        if model._meta.app_label == "pages"
    }
    assert page_types <= audited, sorted(page_types - audited)
    stale = sorted((audited - routes - page_types) | (set(NOT_PAGES) - routes))
    assert not stale, f"entries naming no URL: {stale}"


def test_every_audited_page_names_its_heading_and_status():
    ids = [entry.id for entry in PAGES]
    assert len(ids) == len(set(ids)), "two audited pages with the same id"
    assert set(HEADINGS) == set(ids), sorted(set(HEADINGS) ^ set(ids))
    assert set(STATUS) <= set(ids), sorted(set(STATUS) - set(ids))
