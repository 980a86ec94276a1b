"""What kind of post is this: class attributes shared by questions, answers and comments."""

import pytest
from django.template import Context, Template

from qa import selectors, services
from qa.models import Answer, Comment, Question

pytestmark = pytest.mark.django_db


def test_each_kind_names_its_foreign_key_and_url_prefix():
    assert (Question.post_kind, Question.url_prefix) == ("question", "questions")
    assert (Answer.post_kind, Answer.url_prefix) == ("answer", "reponses")
    assert (Comment.post_kind, Comment.url_prefix) == ("comment", "commentaires")


def test_anchor_urls_and_revisions_agree(question, make_answer, make_comment):
    answer = make_answer(question=question)
    comment = make_comment(post=answer)
    assert question.anchor == "question"
    assert answer.anchor == f"reponse-{answer.pk}"
    assert comment.anchor == f"commentaire-{comment.pk}"
    assert answer.get_absolute_url().endswith(f"#reponse-{answer.pk}")
    assert comment.get_absolute_url().endswith(f"#commentaire-{comment.pk}")
    for post in (question, answer, comment):
        assert [r.number for r in selectors.revisions_of(post)] == [1]
    html = Template("{% load qa_tags %}{% post_url post 'modifier' %}").render(
        Context({"post": comment})
    )
    assert html == f"/commentaires/{comment.pk}/modifier/"


def test_faq_candidates_are_the_accepted_and_the_validated_answers(question, member, make_answer):
    accepted = make_answer(question=question)
    validated = make_answer(question=question)
    make_answer(question=question)
    services.answer_accept(answer=accepted, by=member)
    Answer.objects.filter(pk=validated.pk).update(validated_at=question.created_at)
    question.refresh_from_db()
    assert list(selectors.faq_candidate_answers(question)) == [accepted, validated]
