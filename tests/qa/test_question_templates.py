"""Question templates per topic (issue 20, item 3): editors write a guide and a body template
for a topic in the Wagtail admin; the ask form pre-fills the template when the topic is chosen
(`?sujet=` without JavaScript), shows the guide, lets the member clear it, and never treats
either as HTML."""

import json
import re

import pytest
from django.utils.html import escape

from qa import selectors, services
from qa.models import Draft
from taxonomy import demo as taxonomy_demo
from taxonomy.models import Topic

pytestmark = pytest.mark.django_db

ASK = "/questions/poser/"
TEMPLATE = "Commune :\nNombre d'habitants :\nCe que vous avez déjà essayé :\nÉchéance :"
HOSTILE = '<img src=x onerror="alert(1)"></textarea><script>alert(2)</script>'


@pytest.fixture
def templated(make_topic):
    return make_topic(
        name="Voirie",
        slug="voirie",
        ask_guide="Précisez la voie concernée.",
        ask_template=TEMPLATE,
    )


def _templates_json(html):
    match = re.search(
        r'<script id="qa-topic-templates" type="application/json">(.*?)</script>', html
    )
    return match.group(1)


def test_the_selector_reads_only_topics_with_a_guide_or_a_template(
    templated, topic, django_assert_num_queries
):
    Topic.objects.filter(pk=topic.pk).update(ask_guide="Seulement un conseil.")
    with django_assert_num_queries(1):
        found = selectors.topic_templates()
    assert {t.pk for t in found} == {templated.pk, topic.pk}


def test_the_topic_link_pre_fills_the_template_and_shows_its_guide(client, member, templated):
    client.force_login(member)
    html = client.get(ASK, {"sujet": "voirie"}).content.decode()
    assert f"{escape(TEMPLATE)}</textarea>" in html
    assert f'value="{templated.pk}" id="id_topics_0" checked' in html
    guide = re.search(r'<div class="message message--info qa-topic-guide"[^>]*>', html).group(0)
    assert "hidden" not in guide
    assert "Précisez la voie concernée." in html
    # The body is still the template: « Vider le modèle » is offered.
    button = re.search(r"<button[^>]*data-clear-template[^>]*>", html).group(0)
    assert "hidden" not in button
    assert json.loads(_templates_json(html)) == {str(templated.pk): TEMPLATE}


def test_without_a_topic_the_guide_and_the_clear_button_are_hidden(client, member, templated):
    client.force_login(member)
    html = client.get(ASK).content.decode()
    assert re.search(r'data-topic-guide="\d+" hidden', html)
    assert re.search(r"<button[^>]*data-clear-template hidden", html)
    assert 'src="/static/js/question_templates.js"' in html


def test_the_topic_page_asks_with_its_topic(client, member, templated):
    client.force_login(member)
    html = client.get("/sujets/voirie/").content.decode()
    assert 'href="/questions/poser/?sujet=voirie"' in html


def test_clearing_the_template_without_javascript_keeps_the_rest(client, member, templated):
    client.force_login(member)
    response = client.post(
        ASK,
        {
            "clear_template": "1",
            "kind": "question",
            "title": "Refaire le marquage au sol",
            "body": TEMPLATE,
            "topics": [templated.pk],
        },
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert re.search(r'<textarea name="body"[^>]*>\s*</textarea>', html)
    assert 'value="Refaire le marquage au sol"' in html
    assert f'value="{templated.pk}" id="id_topics_0" checked' in html


def test_a_draft_wins_over_the_topic_template(client, member, templated):
    services.draft_save(user=member, title="Mon brouillon", body="Mon propre texte")
    client.force_login(member)
    html = client.get(ASK, {"sujet": "voirie"}).content.decode()
    assert "Mon propre texte</textarea>" in html
    assert "Commune :" not in html.split("<textarea", 1)[1].split("</textarea>", 1)[0]


def test_a_template_or_guide_holding_html_is_shown_as_text(client, member, make_topic):
    hostile = make_topic(name="Piège", slug="piege", ask_guide=HOSTILE, ask_template=HOSTILE)
    client.force_login(member)
    html = client.get(ASK, {"sujet": "piege"}).content.decode()
    assert "<script>alert(2)</script>" not in html
    assert '<img src=x onerror="alert(1)">' not in html
    # In the textarea and the guide: escaped text.
    assert "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;&lt;/textarea&gt;" in html
    # In the JSON data block, `json_script` escapes <, > and &: nothing closes the block.
    raw = _templates_json(html)
    assert "<" not in raw and ">" not in raw
    assert json.loads(raw) == {str(hostile.pk): HOSTILE}


def test_publishing_the_template_unchanged_is_a_question_like_any_other(client, member, templated):
    client.force_login(member)
    response = client.post(
        ASK,
        {
            "publish": "1",
            "kind": "question",
            "title": "Refaire le marquage au sol de la place",
            "body": TEMPLATE + "\nRien encore.",
            "topics": [templated.pk],
            "submission_token": "tpl-1",
        },
    )
    assert response.status_code == 302
    assert not Draft.objects.exists()


def test_an_editor_writes_a_topics_guide_and_template_in_the_wagtail_admin(
    client, editor, templated
):
    client.force_login(editor)
    listing = client.get("/admin/sujets/")
    assert listing.status_code == 200 and "Voirie" in listing.content.decode()
    form = client.get(f"/admin/sujets/edit/{templated.pk}/").content.decode()
    assert 'name="ask_template"' in form and 'name="slug"' not in form
    response = client.post(
        f"/admin/sujets/edit/{templated.pk}/",
        {"description": "", "ask_guide": "Nouveau conseil.", "ask_template": "Commune :"},
    )
    assert response.status_code == 302
    templated.refresh_from_db()
    assert (templated.ask_guide, templated.ask_template) == ("Nouveau conseil.", "Commune :")
    assert templated.slug == "voirie"


def test_members_do_not_reach_the_topics_in_the_admin(client, member, templated):
    client.force_login(member)
    assert client.get(f"/admin/sujets/edit/{templated.pk}/").status_code == 302


def test_three_demo_topics_have_a_guide_and_a_template():
    topics = taxonomy_demo.load()
    with_template = [t for t in topics.values() if t.ask_template and t.ask_guide]
    assert len(with_template) == 3
    assert all("Échéance :" in t.ask_template for t in with_template)
