"""XSS checks: the payload corpus and an allow-list check of rendered HTML.

Plugging a new field in (the cross-feature pass does this for every user-writable field):

    from tests.security.xss import assert_no_xss, payloads

    def test_my_field_is_safe(client, member):
        for payload in payloads():
            thing = my_service_create(author=member, text=payload)   # or a form POST
            assert_no_xss(client.get(thing.get_absolute_url()).content, context=payload)

`payloads()` reads `xss_payloads.txt`: one payload per line, `\\n` (backslash, n) standing for
a line break (Markdown reference links need one). The check works on the whole page, so the
site's own templates must pass it too — they do: scripts only as static files, no inline
handler, no `style=` attribute (the CSP forbids them anyway).
"""

from __future__ import annotations

import re
from functools import cache
from html.parser import HTMLParser
from pathlib import Path

CORPUS = Path(__file__).with_name("xss_payloads.txt")

# Elements that must never come out of user input (nor appear in our own pages).
FORBIDDEN_ELEMENTS = {
    "iframe", "frame", "frameset", "object", "embed", "applet", "base", "style", "portal",
    "xmp", "plaintext", "listing", "noembed",
}  # fmt: skip
# Attributes that carry a URL (or a value an SVG animation turns into one).
URL_ATTRIBUTES = {
    "href", "src", "action", "formaction", "xlink:href", "data", "background", "poster",
    "srcset", "lowsrc", "dynsrc", "codebase", "cite", "longdesc", "usemap", "ping",
    "manifest", "icon", "to", "from", "values", "by", "content",
}  # fmt: skip
DANGEROUS_SCHEMES = ("javascript:", "vbscript:", "livescript:", "data:")
SAFE_DATA_IMAGE = re.compile(r"^data:image/(png|gif|jpeg|webp);", re.IGNORECASE)
# Our own scripts: static files only, or JSON data blocks.
OWN_SCRIPT_PREFIXES = ("/static/", "/jsi18n/")
DATA_SCRIPT_TYPES = {"application/json", "application/ld+json"}
# htmx attributes that run code or fire requests on their own.
HTMX_CODE_ATTRIBUTE = re.compile(r"^(data-)?hx-(on|vals|vars)\b|^(data-)?hx-on:", re.IGNORECASE)


@cache
def payloads() -> tuple[str, ...]:
    lines = CORPUS.read_text(encoding="utf-8").splitlines()
    return tuple(line.replace("\\n", "\n") for line in lines if line)


def normalise_url(value: str) -> str:
    """What a browser makes of an attribute value: entities are already decoded by the
    parser; browsers drop control characters and whitespace inside the scheme."""
    return re.sub(r"[\x00-\x20\x7f-\x9f]+", "", value).lower()


class _Checker(HTMLParser):
    def __init__(self, allow_data_images: bool):
        super().__init__(convert_charrefs=True)
        self.allow_data_images = allow_data_images
        self.problems: list[str] = []
        self.in_inline_script = False

    def handle_starttag(self, tag, attrs):
        self._check(tag, attrs)

    def handle_startendtag(self, tag, attrs):
        self._check(tag, attrs)
        self.in_inline_script = False

    def handle_endtag(self, tag):
        if tag == "script":
            self.in_inline_script = False

    def handle_data(self, data):
        if self.in_inline_script and data.strip():
            self.problems.append(f"inline script content: {data.strip()[:80]!r}")

    def _check(self, tag, attrs):
        values = dict(attrs)
        if tag in FORBIDDEN_ELEMENTS:
            self.problems.append(f"<{tag}> element")
        if tag == "script":
            src = values.get("src") or ""
            kind = (values.get("type") or "").lower()
            if src:
                if not src.startswith(OWN_SCRIPT_PREFIXES):
                    self.problems.append(f"<script src={src!r}>")
            elif kind not in DATA_SCRIPT_TYPES:
                self.in_inline_script = True
                self.problems.append("<script> without src")
        if tag == "meta" and (values.get("http-equiv") or "").lower() == "refresh":
            self.problems.append("<meta http-equiv=refresh>")
        if tag == "link" and (values.get("rel") or "").lower() in ("import", "stylesheet"):
            href = values.get("href") or ""
            if not href.startswith("/static/"):
                self.problems.append(f"<link rel={values.get('rel')} href={href!r}>")
        for name, value in attrs:
            name = name.lower()
            value = value or ""
            if name.startswith("on"):
                self.problems.append(f"<{tag} {name}=…> event handler")
            elif name == "style":
                self.problems.append(f"<{tag} style=…> attribute")
            elif name == "srcdoc":
                self.problems.append(f"<{tag} srcdoc=…>")
            elif HTMX_CODE_ATTRIBUTE.match(name):
                self.problems.append(f"<{tag} {name}=…> htmx code attribute")
            elif name in URL_ATTRIBUTES:
                self._check_url(tag, name, value)

    def _check_url(self, tag, name, value):
        candidates = [value]
        if name == "srcset":
            candidates = [part.strip().split(" ")[0] for part in value.split(",")]
        if name == "content":
            candidates = [value.split("url=", 1)[1]] if "url=" in value.lower() else []
        for candidate in candidates:
            url = normalise_url(candidate)
            if not url.startswith(DANGEROUS_SCHEMES):
                continue
            if self.allow_data_images and tag == "img" and name == "src":
                if SAFE_DATA_IMAGE.match(url):
                    continue
            self.problems.append(f"<{tag} {name}={candidate[:60]!r}> dangerous URL")


def xss_problems(html: str | bytes, *, allow_data_images: bool = True) -> list[str]:
    """Everything in `html` that the allow-list does not accept (empty list: safe)."""
    if isinstance(html, bytes):
        html = html.decode("utf-8", errors="replace")
    checker = _Checker(allow_data_images)
    checker.feed(html)
    checker.close()
    return checker.problems


def assert_no_xss(html: str | bytes, *, context: str = "", allow_data_images: bool = True):
    problems = xss_problems(html, allow_data_images=allow_data_images)
    assert not problems, f"XSS for {context!r}: {problems}"
