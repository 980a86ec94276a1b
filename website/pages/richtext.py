"""Rich text that is safe whichever way it arrives (admin editor, import script, shell).

Draftail never produces `<script>`, but pages created through code (demo data, imports) bypass
it; the field sanitises with nh3 on every save, keeping Wagtail's own link and embed markup.
"""

import nh3
from wagtail.fields import RichTextField

ALLOWED_TAGS = {
    "p",
    "br",
    "h2",
    "h3",
    "h4",
    "b",
    "strong",
    "i",
    "em",
    "ol",
    "ul",
    "li",
    "a",
    "hr",
    "embed",
    "blockquote",
    "abbr",
}
# Draftail keys every block (`<p data-block-key="h4r0s">`). Dropping the keys made the editor's
# form differ from the stored text on every round trip (new random keys each time), so Wagtail
# took any submission, an approval included, for an edit.
BLOCK_KEY = {"data-block-key"}
ALLOWED_ATTRIBUTES = {
    # Wagtail stores internal links as <a linktype="page" id="3"> and documents likewise.
    "a": {"href", "linktype", "id", "title", "hreflang"},
    "embed": {"embedtype", "id", "format", "alt", "url"},
    "abbr": {"title"},
    **dict.fromkeys(("p", "h2", "h3", "h4", "li", "blockquote"), BLOCK_KEY),
}


def sanitise_rich_text(html: str) -> str:
    """Keep the editor's formatting, drop scripts, event handlers and foreign tags."""
    if not html:
        return html
    return nh3.clean(
        str(html),
        tags=ALLOWED_TAGS,
        clean_content_tags={"script", "style"},
        attributes=ALLOWED_ATTRIBUTES,
        link_rel=None,
        url_schemes={"http", "https", "mailto", "tel"},
    )


class SafeRichTextField(RichTextField):
    """A `RichTextField` whose stored HTML always went through `sanitise_rich_text`."""

    def pre_save(self, model_instance, add):
        value = sanitise_rich_text(getattr(model_instance, self.attname))
        setattr(model_instance, self.attname, value)
        return value
