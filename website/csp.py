"""The site's Content-Security-Policy, built in one place (settings, and tests that need the
policy for another provider address).

Scripts only from this server, inline scripts only with the per-request nonce. The Wagtail
admin ships inline styles and scripts of its own, so it gets its own relaxed policy.
"""

from urllib.parse import urlsplit

from csp.constants import NONCE, NONE, SELF


def provider_origin(domain: str) -> str:
    """`PROCONNECT_DOMAIN` is a host name (https implied) or a full base address."""
    base = domain if domain.startswith(("https://", "http://")) else f"https://{domain}"
    parts = urlsplit(base)
    return f"{parts.scheme}://{parts.netloc}"


def content_security_policy(*, proconnect_domain: str = "") -> dict:
    """With ProConnect on, forms may also lead to the provider: sign-in and sign-out are forms
    posted here whose answer redirects there, and Chromium applies `form-action` to that
    redirect (security review, finding 11)."""
    form_action = [SELF]
    if proconnect_domain:
        form_action.append(provider_origin(proconnect_domain))
    return {
        "EXCLUDE_URL_PREFIXES": ["/admin/", "/django-admin/"],
        "DIRECTIVES": {
            "default-src": [SELF],
            "script-src": [SELF, NONCE],
            "style-src": [SELF],
            "img-src": [SELF, "data:"],
            "font-src": [SELF],
            "connect-src": [SELF],
            "form-action": form_action,
            "frame-ancestors": [NONE],
            "base-uri": [SELF],
            "object-src": [NONE],
        },
    }
