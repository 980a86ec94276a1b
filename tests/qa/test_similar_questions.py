"""The ask form without JavaScript lists the similar questions the search service ranks."""

import pytest

from qa import selectors

pytestmark = pytest.mark.django_db


def test_the_no_javascript_preview_asks_the_injected_search_ranking(
    client, member, question, monkeypatch
):
    calls = []

    def ranking(user, title, *, limit, exclude_pk):
        calls.append((user, title, limit))
        return [question]

    monkeypatch.setattr(selectors, "_similar_questions_source", ranking)
    client.force_login(member)
    html = client.post(
        "/questions/poser/", {"title": "Acheter du sel ensemble", "body": "", "preview": "1"}
    ).content.decode()
    assert calls == [(member, "Acheter du sel ensemble", 5)]
    assert question.get_absolute_url() in html


def test_the_search_app_registers_its_ranking_at_start_up():
    from website.search import services

    assert selectors._similar_questions_source is services.similar_questions_for
