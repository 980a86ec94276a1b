"""Markdown rendering: what members may format, and what never gets through."""

from directory.text import clean_text
from qa.markdown import render_inline, render_markdown


def test_tables_lists_code_and_emphasis_render():
    html = render_markdown("| a | b |\n|---|---|\n| 1 | 2 |\n\n- un\n- deux\n\n`x < 1` **gras**")
    assert "<table>" in html and "<td>1</td>" in html
    assert "<li>un</li>" in html
    assert "<code>x &lt; 1</code>" in html and "<strong>gras</strong>" in html


def test_bare_urls_become_safe_links():
    html = render_markdown("Voir https://www.legifrance.gouv.fr/loi. Merci")
    assert (
        '<a href="https://www.legifrance.gouv.fr/loi" rel="nofollow noopener noreferrer ugc">'
        in html
    )
    assert "</a>. Merci" in html


def test_headings_are_demoted_to_keep_one_h1_per_page():
    assert render_markdown("# Titre\n## Sous-titre") == "<h3>Titre</h3>\n<h4>Sous-titre</h4>"


def test_images_become_links_never_remote_images():
    html = render_markdown("![plan du village](https://example.org/huge.png)")
    assert "<img" not in html
    assert '<a href="https://example.org/huge.png"' in html and "plan du village" in html


def test_raw_html_is_shown_as_text():
    assert render_markdown("<b>x</b>") == "<p>&lt;b&gt;x&lt;/b&gt;</p>"


def test_comments_keep_inline_formatting_only():
    html = render_inline("*ok* [lien](https://example.org)\n\n- pas une liste\n> pas une citation")
    assert "<em>ok</em>" in html and "<a href" in html
    assert "<li>" not in html and "<blockquote>" not in html and "<p>" not in html


def test_control_characters_and_bidi_overrides_are_removed_emoji_and_rtl_kept():
    text = "a\x00b\x07c\u202ed\u2066e 😀 \u0627\u0644\u0639\u0631\u0628\u064a\u0629\r\nf"
    assert clean_text(text) == "abcde 😀 \u0627\u0644\u0639\u0631\u0628\u064a\u0629\nf"
