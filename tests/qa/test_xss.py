"""A corpus of XSS payloads goes through every field a member or moderator types; no page
that shows them may contain script, event handler, dangerous URL or style injection."""

from html.parser import HTMLParser

import pytest
from django.core.cache import cache

from qa.markdown import render_inline, render_markdown
from qa.models import Answer, Comment, Flag, Question

pytestmark = pytest.mark.django_db

PAYLOADS = [
    "<script>alert(1)</script>",
    '"><script>alert(2)</script>',
    "<img src=x onerror=alert(3)>",
    "<svg/onload=alert(4)>",
    "[clic](javascript:alert(5))",
    "[clic](JaVaScRiPt:alert(6))",
    "[clic](  javascript:alert(7))",
    '<a href="javascript:alert(8)">x</a>',
    "![x](javascript:alert(9))",
    "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxMCk8L3NjcmlwdD4=)",
    "<iframe src=https://example.org></iframe>",
    "<style>body{display:none}</style>",
    '<p style="position:fixed">x</p>',
    "<details open ontoggle=alert(11)>",
    "`<script>alert(12)</script>`",
    "<<script>script>alert(13)<</script>/script>",
    "&lt;script&gt;alert(14)&lt;/script&gt;",
    "[a](vbscript:msgbox(15))",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(16)>",
    "\u202eevil\u202c texte RTL \u0627\u0644\u0639\u0631\u0628\u064a\u0629 😀 \x00\x07",
    "{{ request.user }} {% debug %}",
    'https://example.org/"onmouseover="alert(17)',
    "<form action=https://evil.example.org><input name=x></form>",
]

DANGEROUS_TAGS = {"script", "iframe", "object", "embed", "svg", "math", "style", "form", "img",
                  "input", "details", "base", "link", "meta"}  # fmt: skip
ALLOWED_SCRIPT_PREFIX = "/static/"
# The site's own forms, inputs and link tags are fine; only those inside user content count.


class Checker(HTMLParser):
    def __init__(self):
        super().__init__()
        self.problems = []
        self.depth_in_user_content = 0
        self.stack = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        in_user = self.depth_in_user_content > 0
        classes = (attributes.get("class") or "").split()
        for name, value in attrs:
            if name.startswith("on"):
                self.problems.append(f"event handler {name} on <{tag}>")
            if name in ("href", "src", "action", "formaction") and value:
                scheme = value.strip().lower().replace("\t", "").replace("\n", "")
                if scheme.startswith(("javascript:", "vbscript:", "data:")):
                    self.problems.append(f"{name}={value!r} on <{tag}>")
            if name == "style":
                self.problems.append(f"style attribute on <{tag}>")
        if tag == "script" and not (attributes.get("src") or "").startswith(ALLOWED_SCRIPT_PREFIX):
            self.problems.append("inline script")
        if in_user and tag in DANGEROUS_TAGS:
            self.problems.append(f"<{tag}> inside user content")
        if tag in ("style", "iframe", "object", "embed", "svg", "math", "base"):
            self.problems.append(f"<{tag}>")
        if tag not in ("br", "hr", "img", "input", "meta", "link"):
            entering = "prose" in classes or "qa-flag__text" in classes
            self.stack.append(entering)
            if entering:
                self.depth_in_user_content += 1

    def handle_endtag(self, tag):
        if tag in ("br", "hr", "img", "input", "meta", "link"):
            return
        if self.stack and self.stack.pop():
            self.depth_in_user_content -= 1


def assert_safe(html):
    checker = Checker()
    checker.feed(html)
    assert checker.problems == []


@pytest.mark.parametrize("payload", PAYLOADS)
def test_renderers_never_emit_dangerous_html(payload):
    for html in (render_markdown(payload), render_inline(payload)):
        assert_safe(f'<div class="prose">{html}</div>')
        assert "\u202e" not in html and "\x00" not in html


@pytest.mark.parametrize("payload", PAYLOADS)
def test_every_field_through_the_site_is_rendered_harmless(
    client, payload, make_user, moderator, topic
):
    cache.clear()
    author = make_user()
    client.force_login(author)
    title = ("Titre " + payload)[:150]
    client.post(
        "/questions/poser/",
        {
            "kind": "question",
            "title": title if len(title) >= 10 else title + " complément",
            "body": "Corps " + payload,
            "topics": [topic.pk],
            "submission_token": "q",
        },
    )
    question = Question.objects.get()
    client.post(
        f"/questions/{question.pk}/repondre/",
        {"body": "Réponse " + payload, "submission_token": "a"},
    )
    answer = Answer.objects.get()
    client.post(
        f"/reponses/{answer.pk}/commenter/",
        {"body": ("Com " + payload)[:600], "submission_token": "c"},
    )
    client.post(
        f"/questions/{question.pk}/modifier/",
        {
            "title": question.title,
            "body": "Nouveau " + payload,
            "topics": [topic.pk],
            "summary": payload[:200],
        },
    )
    reporter = make_user()
    client.force_login(reporter)
    client.post(f"/questions/{question.pk}/signaler/", {"reason": "other", "text": payload})
    client.force_login(moderator)
    client.post(f"/questions/{question.pk}/verrouiller/", {"reason": payload})
    client.post(f"/questions/{question.pk}/deverrouiller/")
    client.post(f"/questions/{question.pk}/fermer/", {"reason": "other", "note": payload[:500]})
    assert Comment.objects.exists() and Flag.objects.exists()
    pages = [
        "/questions/",
        question.get_absolute_url(),
        f"/questions/{question.pk}/versions/?de=1&a=2",
        f"/questions/{question.pk}/modifier/",
        f"/questions/{question.pk}/moderer/",
        "/moderation/signalements/",
        f"/sujets/{topic.slug}/",
        "/recherche/similaires/?title=" + payload,
    ]
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        assert_safe(response.content.decode())
    client.post("/questions/apercu/", {"body": payload})
    assert_safe(client.post("/questions/apercu/", {"body": payload}).content.decode())
