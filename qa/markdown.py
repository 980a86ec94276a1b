"""Markdown → safe HTML, computed once when a post is saved and stored beside its source.

markdown-it-py's CommonMark preset with tables and bare-URL links, raw HTML disabled, then nh3
(the Rust `ammonia` sanitiser) with an allow-list as the last word. Images are rendered as
plain links: a remote image would leak readers' addresses to a third party and a huge one
would break the page on a phone.

An @mention, `@[Prénom Nom](personne:42)` (docs/qa.md « @mentions »), renders as a link to the
directory entry, named as the directory names the person; a mention of someone unlisted or
erased renders as the plain text `@Prénom Nom`.

A reference to an attachment of the same post, `![légende](piece-jointe:2)` or
`[texte](piece-jointe:2)` (docs/qa.md « Références dans le texte »), names the post's file by
its number (`Attachment.number`: 1 for the first file attached). In a question or an answer an
image is embedded as its thumbnail linking to the full size; any other file, and every file in
a comment, becomes a link. The caller passes the post's own files, so a number never reaches
another post's file; a number the post does not have (never, or removed) renders as the plain
text of the label.
"""

import re

import nh3
from markdown_it import MarkdownIt
from markdown_it.common.utils import escapeHtml
from markdown_it.token import Token

from directory.selectors import mentionable_people
from directory.text import clean_text  # drops control characters and bidi overrides
from qa.attachments import THUMBNAIL_SIZE

BLOCK_TAGS = {
    "img", "p", "br", "hr", "h3", "h4", "h5", "h6", "blockquote", "pre", "code",
    "ul", "ol", "li", "table", "thead", "tbody", "tr", "th", "td",
    "em", "strong", "del", "s", "a",
}  # fmt: skip
INLINE_TAGS = {"em", "strong", "code", "del", "s", "a", "br"}
ATTRIBUTES = {
    "a": {"href", "title"},
    "ol": {"start"},
    "th": {"align"},
    "td": {"align"},
    "img": {"src", "alt", "width", "height", "loading", "decoding"},
}
URL_SCHEMES = {"http", "https", "mailto"}
CLASSES = {"a": {"mention", "qa-inline-attachment"}, "img": {"qa-inline-image"}}

# `piece-jointe:<number>`, the whole link target of a reference to one of the post's files.
ATTACHMENT_REF_RE = re.compile(r"piece-jointe:([0-9]{1,3})")
# The only images a post may show: thumbnails served by the checked attachment view.
THUMBNAIL_SRC_RE = re.compile(r"/pieces-jointes/[0-9]{1,12}/miniature/")

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


def _attachment_number(target) -> int | None:
    match = ATTACHMENT_REF_RE.fullmatch(str(target or ""))
    return int(match.group(1)) if match else None


def _attachment_refs(state):
    """Core rule: resolve `piece-jointe:<n>` links against the post's files (`env`). A link to
    a file the post has points at the checked download view; any other reference loses its
    link and keeps its text."""
    files = state.env.get("attachments", {})
    for block in state.tokens:
        if block.type != "inline" or not block.children:
            continue
        children, dropping = [], False
        for token in block.children:
            if token.type == "link_open" and (number := _attachment_number(token.attrGet("href"))):
                attachment = files.get(number)
                if attachment is None:
                    dropping = True
                    continue
                token.attrs = {
                    "href": attachment.get_absolute_url(),
                    "class": "qa-inline-attachment",
                }
            elif token.type == "link_close" and dropping:
                dropping = False
                continue
            elif token.type == "image" and (number := _attachment_number(token.attrGet("src"))):
                token.meta = {"attachment": files.get(number), "reference": token.attrGet("src")}
            children.append(token)
        block.children = children


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
    alt = self.renderInlineAsText(token.children or [], options, env)
    if "reference" in (token.meta or {}):
        return _attachment_image(token.meta["attachment"], alt or token.meta["reference"], env)
    alt = alt or src
    return f'<a href="{escapeHtml(src)}">{escapeHtml(alt)}</a>'


def _attachment_image(attachment, label: str, env) -> str:
    """`![légende](piece-jointe:n)`: the image's thumbnail linking to the full size (a link
    in a comment, or for a file that is not an image); the label alone when the post has no
    such file."""
    if attachment is None:
        return escapeHtml(label)
    url = escapeHtml(attachment.get_absolute_url())
    size = attachment.fitted_size(*THUMBNAIL_SIZE)  # the thumbnail's own size
    if not attachment.is_image or env.get("inline") or size is None:
        return f'<a href="{url}" class="qa-inline-attachment">{escapeHtml(label)}</a>'
    return (
        f'<a href="{url}" class="qa-inline-attachment">'
        f'<img src="{escapeHtml(attachment.get_thumbnail_url())}" alt="{escapeHtml(label)}" '
        f'width="{size[0]}" height="{size[1]}" loading="lazy" decoding="async" '
        f'class="qa-inline-image"></a>'
    )


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
    md.core.ruler.push("entraide_attachments", _attachment_refs)
    md.inline.ruler.before("link", "entraide_mention", _mention)
    md.add_render_rule("image", _image_as_link)
    md.add_render_rule("mention", _render_mention)
    return md


_BLOCK = _parser(inline_only=False)
_INLINE = _parser(inline_only=True)


def _only_thumbnails(tag: str, attribute: str, value: str) -> str | None:
    """nh3's last word on images: an `img` may only show one of our thumbnails."""
    if tag == "img" and attribute == "src" and not THUMBNAIL_SRC_RE.fullmatch(value):
        return None
    return value


def _sanitize(html: str, tags: set[str]) -> str:
    return nh3.clean(
        html,
        tags=tags,
        attributes={tag: attrs for tag, attrs in ATTRIBUTES.items() if tag in tags},
        attribute_filter=_only_thumbnails,
        url_schemes=URL_SCHEMES,
        allowed_classes={tag: classes for tag, classes in CLASSES.items() if tag in tags},
        link_rel="nofollow noopener noreferrer ugc",
        strip_comments=True,
    ).strip()


def _render(md: MarkdownIt, text: str, attachments=()) -> str:
    env: dict = {
        "attachments": {attachment.number: attachment for attachment in attachments},
        "inline": md is _INLINE,
    }
    tokens = md.parse(clean_text(text), env)
    # One query when the text mentions someone, none otherwise.
    env["people"] = mentionable_people(_mention_ids(tokens))
    return md.renderer.render(tokens, md.options, env)


def mentioned_ids(text: str, *, inline: bool = False) -> list[int]:
    """The entry ids a body (`inline`: a comment's) mentions, each once, in order; mentions
    inside code are not mentions."""
    return _mention_ids((_INLINE if inline else _BLOCK).parse(clean_text(text), {}))


def attachment_numbers(text: str) -> set[int]:
    """The file numbers a body refers to (`piece-jointe:<n>`), to know whether it must be
    rendered again when its files change."""
    return {int(number) for number in ATTACHMENT_REF_RE.findall(text or "")}


def render_markdown(text: str, attachments=()) -> str:
    """The stored HTML of a question or answer body; `attachments`: the post's own files,
    which its `piece-jointe:<n>` references may show."""
    return _sanitize(_render(_BLOCK, text, attachments), BLOCK_TAGS)


def render_inline(text: str, attachments=()) -> str:
    """The stored HTML of a comment: one paragraph of inline Markdown."""
    html = _render(_INLINE, text, attachments)
    # Paragraph breaks become line breaks: a comment is one short block.
    html = re.sub(r"</p>\s*<p>", "<br>", html.strip())
    html = re.sub(r"^<p>|</p>$", "", html)
    return _sanitize(html, INLINE_TAGS)
