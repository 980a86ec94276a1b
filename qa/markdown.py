"""Markdown → safe HTML, computed once when a post is saved and stored beside its source.

markdown-it-py's CommonMark preset with tables and bare-URL links, raw HTML disabled, then nh3
(the Rust `ammonia` sanitiser) with an allow-list as the last word. Images are rendered as
plain links: a remote image would leak readers' addresses to a third party and a huge one
would break the page on a phone.

An @mention, `@[Prénom Nom](personne:42)` (docs/qa.md « @mentions »), renders as a link to the
directory entry, named as the directory names the person; a mention of someone unlisted or
erased renders as the plain text `@Prénom Nom`.
"""

import re

import nh3
from markdown_it import MarkdownIt
from markdown_it.common.utils import escapeHtml
from markdown_it.token import Token

from directory.selectors import mentionable_people
from directory.text import clean_text  # drops control characters and bidi overrides

BLOCK_TAGS = {
    "p", "br", "hr", "h3", "h4", "h5", "h6", "blockquote", "pre", "code",
    "ul", "ol", "li", "table", "thead", "tbody", "tr", "th", "td",
    "em", "strong", "del", "s", "a",
}  # fmt: skip
INLINE_TAGS = {"em", "strong", "code", "del", "s", "a", "br"}
ATTRIBUTES = {
    "a": {"href", "title"},
    "ol": {"start"},
    "th": {"align"},
    "td": {"align"},
}
URL_SCHEMES = {"http", "https", "mailto"}
CLASSES = {"a": {"mention"}}

# The one mention syntax: a label (what the author sees while typing) and the entry's id (what
# the link is made of). Names change and are shared; the id does not and is not.
MENTION_RE = re.compile(r"@\[([^\[\]\n]{1,100})\]\(personne:([0-9]{1,9})\)")

# Bare URLs in text become links (the role linkify-it plays, without the extra dependency).
URL_RE = re.compile(r"(?<![\w/@])(https?://[^\s<>\"'`]+[^\s<>\"'`.,;:!?)\]}»])", re.IGNORECASE)


def _linkify(state):
    """Core rule: turn bare http(s) URLs of text tokens into links (not inside links/code)."""
    for block in state.tokens:
        if block.type != "inline" or not block.children:
            continue
        children, link_depth = [], 0
        for token in block.children:
            if token.type == "link_open":
                link_depth += 1
            elif token.type == "link_close":
                link_depth -= 1
            if token.type != "text" or link_depth or not URL_RE.search(token.content):
                children.append(token)
                continue
            position = 0
            for match in URL_RE.finditer(token.content):
                if match.start() > position:
                    children.append(_text(token.content[position : match.start()]))
                url = match.group(1)
                opening = Token("link_open", "a", 1)
                opening.attrs = {"href": url}
                children += [opening, _text(url), Token("link_close", "a", -1)]
                position = match.end()
            if position < len(token.content):
                children.append(_text(token.content[position:]))
        block.children = children


def _mention(state, silent):
    """Inline rule, before links: `@[label](personne:<id>)` becomes a `mention` token (not
    inside a link, nor glued to a word: `nom@[…]` stays text)."""
    pos = state.pos
    if state.src[pos] != "@" or state.linkLevel > 0:
        return False
    if pos > 0 and (state.src[pos - 1].isalnum() or state.src[pos - 1] == "_"):
        return False
    match = MENTION_RE.match(state.src, pos)
    if match is None:
        return False
    if not silent:
        token = state.push("mention", "", 0)
        token.meta = {"id": int(match.group(2)), "label": match.group(1)}
    state.pos = match.end()
    return True


def _render_mention(self, tokens, idx, options, env):
    meta = tokens[idx].meta
    person = env.get("people", {}).get(meta["id"])
    if person is None:
        return escapeHtml(f"@{meta['label']}")
    url = escapeHtml(person.get_absolute_url())
    return f'<a href="{url}" class="mention">@{escapeHtml(person.full_name)}</a>'


def _mention_ids(tokens) -> list[int]:
    """The ids mentioned in parsed tokens, each once, in the order of first mention."""
    ids = {}
    for block in tokens:
        for token in block.children or []:
            if token.type == "mention":
                ids.setdefault(token.meta["id"], None)
    return list(ids)


def _demote_headings(state):
    """A post's `# Title` becomes h3: the page keeps one h1 and a sane outline."""
    for token in state.tokens:
        if token.type in ("heading_open", "heading_close"):
            token.tag = f"h{min(int(token.tag[1]) + 2, 6)}"


def _text(content):
    token = Token("text", "", 0)
    token.content = content
    return token


def _image_as_link(self, tokens, idx, options, env):
    token = tokens[idx]
    src = str(token.attrGet("src") or "")
    alt = self.renderInlineAsText(token.children or [], options, env) or src
    return f'<a href="{escapeHtml(src)}">{escapeHtml(alt)}</a>'


def _parser(*, inline_only: bool) -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False, "breaks": False, "typographer": False})
    md.enable(["table", "strikethrough"])
    if inline_only:
        # Comments: emphasis, code spans, links; no headings, lists, quotes or tables.
        md.disable(
            ["table", "heading", "lheading", "list", "blockquote", "hr", "code", "fence"],
            ignoreInvalid=True,
        )
    md.core.ruler.push("entraide_linkify", _linkify)
    md.core.ruler.push("entraide_headings", _demote_headings)
    md.inline.ruler.before("link", "entraide_mention", _mention)
    md.add_render_rule("image", _image_as_link)
    md.add_render_rule("mention", _render_mention)
    return md


_BLOCK = _parser(inline_only=False)
_INLINE = _parser(inline_only=True)


def _sanitize(html: str, tags: set[str]) -> str:
    return nh3.clean(
        html,
        tags=tags,
        attributes={tag: attrs for tag, attrs in ATTRIBUTES.items() if tag in tags},
        url_schemes=URL_SCHEMES,
        allowed_classes={tag: classes for tag, classes in CLASSES.items() if tag in tags},
        link_rel="nofollow noopener noreferrer ugc",
        strip_comments=True,
    ).strip()


def _render(md: MarkdownIt, text: str) -> str:
    env: dict = {}
    tokens = md.parse(clean_text(text), env)
    # One query when the text mentions someone, none otherwise.
    env["people"] = mentionable_people(_mention_ids(tokens))
    return md.renderer.render(tokens, md.options, env)


def mentioned_ids(text: str, *, inline: bool = False) -> list[int]:
    """The entry ids a body (`inline`: a comment's) mentions, each once, in order; mentions
    inside code are not mentions."""
    return _mention_ids((_INLINE if inline else _BLOCK).parse(clean_text(text), {}))


def render_markdown(text: str) -> str:
    """The stored HTML of a question or answer body."""
    return _sanitize(_render(_BLOCK, text), BLOCK_TAGS)


def render_inline(text: str) -> str:
    """The stored HTML of a comment: one paragraph of inline Markdown."""
    html = _render(_INLINE, text)
    # Paragraph breaks become line breaks: a comment is one short block.
    html = re.sub(r"</p>\s*<p>", "<br>", html.strip())
    html = re.sub(r"^<p>|</p>$", "", html)
    return _sanitize(html, INLINE_TAGS)
