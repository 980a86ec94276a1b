from allauth.account import views as allauth_account_views
from allauth.account.decorators import secure_admin_login
from django.conf import settings
from django.contrib import admin
from django.urls import include, path, re_path
from django.views.generic import RedirectView
from django.views.i18n import JavaScriptCatalog
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.documents import urls as wagtaildocs_urls

from directory import allauth as account_views
from website import views
from website.api.api import api as api_v1
from website.api.api import not_found as api_not_found
from website.cache import fail_closed_on_post
from website.files import views as file_views
from website.observability import metrics

# The Django admin login goes through allauth (rate limits, MFA); no second login form.
admin.site.login = secure_admin_login(admin.site.login)
admin.site.site_header = "Entraide — administration technique"

handler403 = "website.views.permission_denied"
handler404 = "website.views.page_not_found"
handler500 = "website.views.server_error"
handler429 = "website.views.too_many_requests"

# Where a password or a code is checked, and at sign-up, the rate limit fails closed:
# without the shared cache, a POST answers 503 (website/cache.py).
ACCOUNT_FORMS_LIMITED_BY_THE_CACHE = [
    ("comptes/login/", account_views.LoginView.as_view(), "account_login"),
    ("comptes/signup/", allauth_account_views.signup, "account_signup"),
    (
        "comptes/reauthenticate/",
        account_views.ReauthenticateView.as_view(),
        "account_reauthenticate",
    ),
    (
        "comptes/reauthenticate/code/",
        account_views.RequestReauthenticationCodeView.as_view(),
        "account_request_reauthentication_code",
    ),
    ("comptes/password/change/", allauth_account_views.password_change, "account_change_password"),
    ("comptes/2fa/authenticate/", account_views.MfaAuthenticateView.as_view(), "mfa_authenticate"),
    (
        "comptes/2fa/reauthenticate/",
        account_views.MfaReauthenticateView.as_view(),
        "mfa_reauthenticate",
    ),
]

urlpatterns = [
    path("sante/", views.health, name="health"),
    path("metriques/", metrics.metrics, name="metrics"),
    # allauth's own views, answering 429 when the failed-login budget is spent.
    *(
        path(route, fail_closed_on_post(view), name=name)
        for route, view, name in ACCOUNT_FORMS_LIMITED_BY_THE_CACHE
    ),
    # Opening another account's confirmation link (GET) no longer logs out; the POST does.
    re_path(
        r"^comptes/confirm-email/(?P<key>[-:\w]+)/$",
        account_views.ConfirmEmailView.as_view(),
        name="account_confirm_email",
    ),
    path("comptes/", include("allauth.urls")),
    path("compte/en-attente/", views.pending, name="pending"),
    path("compte/session/prolonger/", views.session_renew, name="session_renew"),
    # Wagtail's own login form would bypass allauth's rate limits and MFA: send it away.
    path(
        "admin/login/",
        RedirectView.as_view(url=settings.WAGTAILADMIN_LOGIN_URL, query_string=True),
        name="wagtailadmin_login_redirect",
    ),
    # Nor Wagtail's front-end login form for private pages (Django's plain LoginView).
    path(
        "_util/login/",
        RedirectView.as_view(url=settings.WAGTAILADMIN_LOGIN_URL, query_string=True),
        name="wagtail_frontend_login_redirect",
    ),
    # Wagtail's admin logout answers GET (a forged image would log editors out): allauth's
    # logout asks for a POST.
    path(
        "admin/logout/",
        RedirectView.as_view(url="/comptes/logout/"),
        name="wagtailadmin_logout_redirect",
    ),
    path("admin/", include(wagtailadmin_urls)),
    path("django-admin/", admin.site.urls),
    path("documents/", include(wagtaildocs_urls)),
    # Every uploaded file (documents, images, renditions), after a permission check.
    path("fichiers/<path:name>", file_views.protected_file, name="protected_file"),
    path("jsi18n/", JavaScriptCatalog.as_view(), name="javascript-catalog"),
    path("i18n/setlang/", views.set_language, name="set_language"),
    # The REST API (docs/api.md): before Wagtail's catch-all page route. Wagtail's own ninja
    # API (`wagtail.api.v3`, /api/v3/) is not mounted.
    path("api/v1/", api_v1.urls),
    re_path(r"^api/v1/(?P<rest>.*)$", api_not_found, name="api_not_found"),
    path("", include("website.api.urls")),
    path("", include("directory.urls")),
    path("", include("qa.urls")),
    path("", include("qa.agenda.urls")),
    path("", include("website.search.urls")),
    path("", include("website.notifications.urls")),
    path("", include("website.pages.urls")),
    path("", include("website.needs.urls")),
    path("", include("website.steering.urls")),
    path("", include(wagtail_urls)),
]
