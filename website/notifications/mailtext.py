"""Reading a received e-mail: its decoded text, and the new part of a reply without its history.

- Decoding: the standard library's `email` package with the modern policy (quoted-printable,
  base64, RFC 2047 headers, any charset Python knows: windows-1252, ISO-8859-15…). A part whose
  charset is unknown or wrong is read as windows-1252 (what French mail clients actually send
  when they lie), never refused.
- The text part is preferred; an HTML-only mail becomes Markdown-like text (paragraphs, lists,
  bold, italics, links, quotes). Scripts, styles and images (tracking pixels) are dropped and
  nothing is ever fetched.
- `split_reply` keeps what the member wrote and returns the rest apart (the « texte cité »
  shown to moderators). Our own French rules run first (« Le … a écrit : », Outlook's
  « De : / Envoyé : / À : / Objet : », « -----Message d'origine----- », « Envoyé de mon … »,
  sign-offs and legal disclaimers), then `mail-parser-reply` for what is left in other
  languages (« On … wrote: », « From: / Sent: »).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from html.parser import HTMLParser

from mailparser_reply import EmailReplyParser

from directory.text import clean_text

REPLY_HINT = "Répondez directement à ce message pour répondre sur Entraide"
CUT_MARK = "✂"


def parse(raw: bytes) -> EmailMessage:
    return BytesParser(policy=policy.default).parsebytes(raw)


def header(message: EmailMessage, name: str) -> str:
    """A decoded header (RFC 2047), or "" when absent or undecodable."""
    try:
        value = message.get(name)
    except Exception:  # a malformed header must not stop the intake
        return ""
    return " ".join(str(value).split()) if value is not None else ""


def _part_text(part: EmailMessage) -> str:
    try:
        return part.get_content()
    except (LookupError, UnicodeError):
        payload = part.get_payload(decode=True) or b""
        return payload.decode("cp1252", errors="replace")


# What of a message the cleaning reads: far above a post's length limit (the new text of a
# reply comes first; what lies beyond is quoted history), and small enough that no message,
# however built, keeps the worker busy (a 10 MB body of empty paragraphs or of « … a écrit : »
# headers took hours before these caps).
HTML_MAX_CHARS = 1_000_000
TEXT_MAX_CHARS = 100_000


def _cut(text: str, limit: int) -> str:
    """At most `limit` characters, cut at a line's end when there is one."""
    if len(text) <= limit:
        return text
    text = text[:limit]
    return text[: text.rfind("\n")] if "\n" in text else text


def body_text(message: EmailMessage) -> str:
    """The text of the message: its text/plain part, or its HTML converted, else ""."""
    plain = message.get_body(preferencelist=("plain",))
    if plain is not None and not _is_attachment(plain):
        text = _part_text(plain)
        if text.strip():
            return _normalise(_cut(text, TEXT_MAX_CHARS))
    html = message.get_body(preferencelist=("html",))
    if html is not None and not _is_attachment(html):
        text = html_to_text(_cut(_part_text(html), HTML_MAX_CHARS))
        return _normalise(_cut(text, TEXT_MAX_CHARS))
    return ""


def _is_attachment(part: EmailMessage) -> bool:
    return part.get_content_disposition() == "attachment"


def _normalise(text: str) -> str:
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\u00a0", " ")
    return "\n".join(line.rstrip() for line in text.split("\n"))


# --- HTML → Markdown-like text --------------------------------------------------------------

_BLOCKS = {"p", "div", "table", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "pre"}
_SKIPPED = {"script", "style", "head", "title", "template", "noscript", "iframe", "object"}


class _HtmlToText(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.skip = 0
        self.quote = 0
        self.href: list[str | None] = []
        self.link_text_start: list[int] = []
        self.divs: list[bool] = []  # for each open <div>: whether it opened a quote
        self.has_text = False

    def _trailing_newlines(self) -> int:
        """Newlines at the end of the output, read from its last pieces only (joining the
        whole output at every tag made long messages quadratic)."""
        count = 0
        for piece in reversed(self.out):
            stripped = piece.rstrip("\n")
            count += len(piece) - len(stripped)
            if stripped:
                break
        return count

    def _newline(self, count: int = 1):
        if self.has_text:
            self.out.append("\n" * max(count - self._trailing_newlines(), 0))

    def handle_starttag(self, tag, attrs):
        if tag in _SKIPPED:
            self.skip += 1
            return
        attributes = dict(attrs)
        opens_quote = tag == "blockquote" or (
            tag == "div" and "gmail_quote" in (attributes.get("class") or "")
        )
        if tag == "div":
            self.divs.append(opens_quote)
        if opens_quote:
            self._newline(2)
            self.quote += 1
        elif tag == "br":
            self.out.append("\n")
        elif tag in _BLOCKS:
            self._newline(2)
        elif tag == "li":
            self._newline(1)
            self.out.append("- ")
        elif tag in {"strong", "b"}:
            self.out.append("**")
        elif tag in {"em", "i"}:
            self.out.append("*")
        elif tag == "a":
            href = attributes.get("href") or ""
            self.href.append(href if href.startswith(("http://", "https://")) else None)
            self.link_text_start.append(len(self.out))
        elif tag == "hr":
            self._newline(2)

    def handle_endtag(self, tag):
        if tag in _SKIPPED:
            self.skip = max(self.skip - 1, 0)
            return
        closes_quote = tag == "blockquote" or (tag == "div" and self.divs and self.divs.pop())
        if closes_quote:
            self.quote = max(self.quote - 1, 0)
            self._newline(2)
        elif tag in _BLOCKS or tag == "li":
            self._newline(2 if tag != "li" else 1)
        elif tag in {"strong", "b"}:
            self.out.append("**")
        elif tag in {"em", "i"}:
            self.out.append("*")
        elif tag == "a" and self.href:
            href = self.href.pop()
            start = self.link_text_start.pop()
            label = "".join(self.out[start:]).strip()
            if href and label and label != href and not href.startswith("mailto:"):
                self.out[start:] = [f"[{label}]({href})"]

    def handle_data(self, data):
        if self.skip:
            return
        data = re.sub(r"\s+", " ", data)
        if not data.strip() and (not self.out or self.out[-1].endswith("\n")):
            return
        if self.quote and (not self.has_text or self._trailing_newlines()):
            data = "> " * self.quote + data.lstrip()
        self.has_text = self.has_text or bool(data.strip())
        self.out.append(data)

    def text(self) -> str:
        lines = [line.strip() for line in "".join(self.out).split("\n")]
        return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def html_to_text(html: str) -> str:
    parser = _HtmlToText()
    parser.feed(html)
    parser.close()
    return parser.text()


# --- Keeping the new part of a reply --------------------------------------------------------

_WROTE = re.compile(
    r"^\s*(?:le|on)\b.{0,250}?(?:a\s+écrit|wrote|a\s+ecrit)\s*:\s*$", re.IGNORECASE | re.DOTALL
)
_ORIGINAL = re.compile(
    r"^\s*-{2,}\s*(?:message d'origine|original message|mail original|message original"
    r"|message transféré|forwarded message|courrier transféré)\s*-{2,}\s*$",
    re.IGNORECASE,
)
_FORWARD_IOS = re.compile(r"^\s*(?:début du message (?:réexpédié|transféré))\s*:?\s*$", re.I)
_HEADER = re.compile(r"^\s*\**(de|from)\s*:\**\s*\S", re.IGNORECASE)
_HEADER_NEXT = re.compile(
    r"^\s*\**(envoyé|date|sent|à|a|to|cc|objet|subject)\s*:\**", re.IGNORECASE
)
_UNDERSCORES = re.compile(r"^\s*_{8,}\s*$")
_SENT_FROM = re.compile(
    r"^\s*(?:envoyé (?:de|depuis|à partir de) (?:mon|ma|mes|l'application|outlook|yahoo|"
    r"mail|orange|free)\b.*|envoyé depuis .*|obtenir outlook pour .*|télécharger outlook .*|"
    r"sent from my .*|get outlook for .*|provenance : courrier pour windows.*)$",
    re.IGNORECASE,
)
_SIGN_OFF = re.compile(
    r"^\s*(?:(?:bien |très |tr[eè]s bien )?cordialement|bien à (?:vous|toi)|"
    r"(?:sinc[eè]res |meilleures |bien )?salutations(?: distinguées)?|"
    r"bonne (?:journée|soirée|fin de journée|réception)|belle journée|à bientôt|"
    r"amitiés|bien amicalement|amicalement|respectueusement|regards|best regards)"
    r"[\s,.!]*$",
    re.IGNORECASE,
)
_DISCLAIMER = re.compile(
    r"^\s*(?:ce (?:message|courriel|mail|e-mail|courrier électronique)\b.{0,60}"
    r"(?:confidentiel|destiné|pièces jointes|exclusivement)|avertissement\s*:|"
    r"avis de confidentialité|confidentialité\s*:|pensez à l'environnement|"
    r"merci de penser à l'environnement|afin de contribuer au respect de l'environnement|"
    r"this (?:e-?mail|message) (?:and any attachments )?(?:is|are) confidential)",
    re.IGNORECASE,
)
_SIGNATURE_DELIMITER = re.compile(r"^-- ?$")
# A sign-off ends the message when at most this many short lines follow (name, title, phone).
_SIGNATURE_LINES = 8


@dataclass(frozen=True)
class SplitReply:
    text: str
    quoted: str


def _is_quote(line: str) -> bool:
    return line.lstrip().startswith(">")


def _outlook_header_at(lines: list[str], index: int) -> bool:
    if not _HEADER.match(lines[index]):
        return False
    following = [line for line in lines[index + 1 : index + 6] if line.strip()]
    return sum(1 for line in following[:4] if _HEADER_NEXT.match(line)) >= 2


def _wrote_header_at(lines: list[str], index: int) -> int:
    """Number of lines (1 to 3) of a « Le … a écrit : » header starting here, else 0."""
    if not re.match(r"^\s*(?:le|on)\b", lines[index], re.IGNORECASE):
        return 0
    for span in (1, 2, 3):
        joined = " ".join(line.strip() for line in lines[index : index + span])
        if _WROTE.match(joined):
            return span
    return 0


def _history_start(lines: list[str]) -> tuple[int, bool]:
    """Where the quoted history starts, and whether it is a `>`-quoted block (bottom-posting
    possible: the member's text may follow it) rather than a history that runs to the end."""
    for index, line in enumerate(lines):
        if not _is_quote(line) and (
            REPLY_HINT.lower() in line.lower() or (CUT_MARK in line and "-----" in line)
        ):
            return index, False
        span = _wrote_header_at(lines, index)
        if span:
            following = next((other for other in lines[index + span :] if other.strip()), None)
            return index, following is not None and _is_quote(following)
        if _ORIGINAL.match(line) or _FORWARD_IOS.match(line) or _outlook_header_at(lines, index):
            start = index
            if index and _UNDERSCORES.match(lines[index - 1]):
                start = index - 1
            return start, False
    return len(lines), False


def _strip_history(lines: list[str]) -> tuple[list[str], list[str]]:
    kept: list[str] = []
    quoted: list[str] = []
    while True:
        start, quote_block = _history_start(lines)
        kept.extend(lines[:start])
        if start >= len(lines):
            break
        if not quote_block:
            quoted.extend(lines[start:])
            break
        span = _wrote_header_at(lines, start)
        quoted.extend(lines[start : start + span])
        lines = lines[start + span :]
    final = []
    for line in kept:
        (quoted if _is_quote(line) else final).append(line)
    return final, quoted


def _strip_signature(lines: list[str]) -> tuple[list[str], list[str]]:
    for index, line in enumerate(lines):
        if _SIGNATURE_DELIMITER.match(line) or _DISCLAIMER.match(line):
            lines, cut = lines[:index], lines[index:]
            kept, signature = _strip_signature(lines)
            return kept, [*signature, *cut]
    for index, line in enumerate(lines):
        if _SIGN_OFF.match(line):
            rest = [other for other in lines[index + 1 :] if other.strip()]
            if len(rest) <= _SIGNATURE_LINES and all(len(other) <= 80 for other in rest):
                return lines[:index], lines[index:]
    return lines, []


def _tidy(lines: list[str]) -> str:
    text = "\n".join(lines)
    text = re.sub(r"\n{3,}", "\n\n", text)
    return text.strip()


def split_reply(text: str) -> SplitReply:
    """The member's new text, and apart the quoted history, signature and disclaimers."""
    lines = _normalise(text).split("\n")
    kept, quoted = _strip_history(lines)
    kept = [line for line in kept if not _SENT_FROM.match(line)]
    kept, signature = _strip_signature(kept)
    new_text = _tidy(kept)
    if new_text:
        # The library's English (and other languages') rules, on what our rules kept.
        parsed = EmailReplyParser(languages=["fr", "en"]).read(new_text)
        latest = (parsed.latest_reply or "").strip()
        if latest and len(latest) < len(new_text):
            rest = new_text[len(latest) :] if new_text.startswith(latest) else ""
            new_text, signature = latest, [rest, *signature] if rest else signature
    quoted_text = _tidy([*signature, *quoted])
    return SplitReply(text=clean_text(new_text).strip(), quoted=quoted_text)
