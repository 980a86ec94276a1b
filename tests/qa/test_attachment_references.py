"""`piece-jointe:<n>` references in a post's text (issue 17, item 1; docs/qa.md « Références
dans le texte »).

A number names the post's own file (`Attachment.number`, 1 for the first file attached): an
image is embedded as its thumbnail linking to the full size, any other file (and every file of
a comment) is a link to the checked download view. A number the post does not have — another
post's file, a file a moderator removed, a number never used — renders as the label's plain
text. File names and labels are escaped, and nh3 lets an `img` show nothing but a thumbnail.
"""

import re
from html.parser import HTMLParser

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from qa import services
from qa.attachments import check_upload
from qa.markdown import render_inline, render_markdown
from qa.models import Attachment, Revision
from tests.qa.attachment_files import jpeg_with_gps, pdf, png

pytestmark = pytest.mark.django_db

XSS_NAME = '"><img src=x onerror=alert(1)><script>alert(2)</script>.pdf'


def _files(*names_and_bytes):
    return [check_upload(SimpleUploadedFile(name, content)) for name, content in names_and_bytes]


@pytest.fixture
def answer(question, member):
    return services.answer_create(
        question=question,
        author=member,
        body=(
            "Voici la délibération : [notre délibération](piece-jointe:1).\n\n"
            "![La route abîmée](piece-jointe:2)"
        ),
        attachments=_files(("délibération.pdf", pdf()), ("route.jpg", jpeg_with_gps((640, 480)))),
    )


def test_numbers_follow_the_order_the_files_were_sent(answer):
    assert [(a.number, a.original_name) for a in answer.attachments.order_by("number")] == [
        (1, "délibération.pdf"),
        (2, "route.jpg"),
    ]


def test_a_new_post_links_and_embeds_its_own_files(answer):
    document, photo = answer.attachments.order_by("number")
    html = answer.body_html
    assert (
        f'<a href="{document.get_absolute_url()}" class="qa-inline-attachment" '
        'rel="nofollow noopener noreferrer ugc">notre délibération</a>'
    ) in html
    image = re.search(r"<img [^>]*>", html).group(0)
    assert f'src="/pieces-jointes/{photo.pk}/miniature/"' in image
    assert 'alt="La route abîmée"' in image
    assert 'width="320" height="240"' in image  # the thumbnail's size: nothing moves on load
    assert 'loading="lazy"' in image
    assert f'<a href="{photo.get_absolute_url()}" class="qa-inline-attachment"' in html


def test_the_thread_page_shows_the_inline_file(client, member, answer):
    client.force_login(member)
    html = client.get(answer.question.get_absolute_url()).content.decode()
    photo = answer.attachments.get(number=2)
    assert f'src="/pieces-jointes/{photo.pk}/miniature/" alt="La route abîmée"' in html
    assert client.get(f"/pieces-jointes/{photo.pk}/miniature/").status_code == 200


def test_a_comment_links_its_file_even_an_image(question, member):
    comment = services.comment_create(
        post=question,
        author=member,
        body="La photo : ![le trou](piece-jointe:1)",
        attachments=_files(("trou.png", png())),
    )
    photo = comment.attachments.get()
    assert "<img" not in comment.body_html
    assert (
        f'<a href="{photo.get_absolute_url()}" class="qa-inline-attachment" '
        'rel="nofollow noopener noreferrer ugc">le trou</a>'
    ) in comment.body_html


def test_another_posts_file_an_unknown_number_and_a_plain_image_stay_text(question, member):
    other = services.answer_create(
        question=question, author=member, body="Autre.", attachments=_files(("a.pdf", pdf()))
    )
    foreign = other.attachments.get()
    body = (
        f"[le fichier de l'autre](piece-jointe:{foreign.number}) "
        f"![photo inconnue](piece-jointe:{foreign.pk + 7}) ![](piece-jointe:9) "
        "![distante](https://pisteur.example/pixel.png)"
    )
    answer = services.answer_create(question=question, author=member, body=body)
    html = answer.body_html
    assert "le fichier de l'autre" in html
    assert "photo inconnue" in html
    assert "piece-jointe:9" in html  # no label: the reference itself, as text
    assert "/pieces-jointes/" not in html
    assert "<img" not in html  # a remote image stays a link
    assert '<a href="https://pisteur.example/pixel.png"' in html


def test_a_reference_made_in_an_edit_shows_the_file(answer, member):
    services.post_edit(post=answer, by=member, body="Finalement : ![photo](piece-jointe:2)")
    answer.refresh_from_db()
    photo = answer.attachments.get(number=2)
    assert f'src="/pieces-jointes/{photo.pk}/miniature/"' in answer.body_html


def test_a_removed_file_becomes_plain_text(answer, moderator):
    photo = answer.attachments.get(number=2)
    services.attachment_remove(attachment=photo, by=moderator, reason="Visage reconnaissable.")
    answer.refresh_from_db()
    assert "<img" not in answer.body_html
    assert "La route abîmée" in answer.body_html
    assert "notre délibération</a>" in answer.body_html


def test_file_names_and_labels_are_escaped(question, member):
    answer = services.answer_create(
        question=question,
        author=member,
        body=(
            '[<b>x</b>"onmouseover=alert(3)](piece-jointe:1) '
            '![a" onerror="alert(4)](piece-jointe:2)'
        ),
        attachments=_files((XSS_NAME, pdf()), ('"><svg onload=alert(5)>.png', png())),
    )
    html = answer.body_html
    tags = _tags(html)
    assert [tag for tag, _attrs in tags] == ["p", "a", "a", "img"]
    assert not [name for _tag, attrs in tags for name, _value in attrs if name.startswith("on")]
    assert [value for _tag, attrs in tags for name, value in attrs if name == "alt"] == [
        'a" onerror="alert(4)'
    ]
    document, image = answer.attachments.order_by("number")
    # The names reach the addresses only percent-encoded.
    assert [value for _tag, attrs in tags for name, value in attrs if name in {"href", "src"}] == [
        document.get_absolute_url(),
        image.get_absolute_url(),
        f"/pieces-jointes/{image.pk}/miniature/",
    ]
    assert document.original_name == "script>.pdf"  # the part after the last "/"
    assert document.get_absolute_url().endswith("/script%3E.pdf")


def _tags(html):
    """Every start tag of an HTML fragment, with its attributes, as a browser would see them."""
    found = []

    class Collector(HTMLParser):
        def handle_starttag(self, tag, attrs):
            found.append((tag, attrs))

    Collector().feed(html)
    return found


def test_the_sanitiser_lets_an_img_show_only_a_thumbnail():
    # Even if a renderer bug emitted them, nh3 drops other sources.
    from qa.markdown import BLOCK_TAGS, _sanitize

    html = _sanitize(
        '<img src="https://pisteur.example/p.png" alt="a">'
        '<img src="/pieces-jointes/3/miniature/?x" alt="b">'
        '<img src="/pieces-jointes/3/miniature/" alt="c" onerror="alert(1)">',
        BLOCK_TAGS,
    )
    assert html.count("src=") == 1
    assert '<img src="/pieces-jointes/3/miniature/" alt="c">' in html


def test_references_without_files_render_without_a_query(django_assert_num_queries):
    with django_assert_num_queries(0):
        assert render_markdown("![x](piece-jointe:1)") == "<p>x</p>"
        assert render_inline("[y](piece-jointe:2)") == "y"


def test_a_post_without_files_reads_no_file_numbers(question, member):
    """The next file number (two queries and every earlier version's text read) is only
    needed when files come with the post."""
    with CaptureQueriesContext(connection) as queries:
        services.answer_create(question=question, author=member, body="Sans pièce jointe.")

    read = " ".join(q["sql"] for q in queries.captured_queries if q["sql"].startswith("SELECT"))
    assert Attachment._meta.db_table not in read
    assert Revision._meta.db_table not in read
