"""Writing through the API: the site's forms, permissions, budgets and sanitising."""

import pytest
from django.core.cache import cache

from qa import services as qa_services
from qa.models import Answer, CloseReason, Comment, Flag, FlagStatus, Question, TopicFollow

pytestmark = pytest.mark.django_db

SCRIPT = (
    'Voici <script>alert("x")</script> et [lien](javascript:alert(1)) <img src=x onerror=alert(1)>'
)


@pytest.fixture(autouse=True)
def _fresh_budgets():
    cache.clear()


@pytest.fixture
def writer(member, make_token, api):
    return api(make_token(member).secret)


def _clean(html: str) -> None:
    """The tags are escaped text, the link is not a link (the site's pipeline)."""
    lowered = html.lower()
    assert "<script" not in lowered and "<img" not in lowered
    assert "href=" not in lowered
    assert "&lt;script&gt;" in lowered


def test_a_member_asks_through_the_service(writer, member, topic):
    response = writer.post(
        "/questions",
        {
            "title": "Qui déneige les routes communales ?",
            "body": "Depuis le transfert de la voirie. " + SCRIPT,
            "topics": [topic.slug],
            "kind": "discussion",
        },
    )
    assert response.status_code == 201, response.content
    question = Question.objects.get(pk=response.json()["id"])
    assert question.author == member and question.kind == "discussion"
    assert list(question.topics.all()) == [topic]
    assert response["Location"].endswith(question.get_absolute_url())
    assert question.follows.filter(user=member).exists()  # the service's follow, as on the site
    _clean(question.body_html)


def test_answers_and_comments_are_sanitised_like_the_site(writer, make_question):
    question = make_question()
    answer = writer.post(f"/questions/{question.pk}/answers", {"body": SCRIPT})
    assert answer.status_code == 201
    _clean(Answer.objects.get(pk=answer.json()["id"]).body_html)
    comment = writer.post(f"/answers/{answer.json()['id']}/comments", {"body": SCRIPT[:200]})
    assert comment.status_code == 201
    _clean(Comment.objects.get(pk=comment.json()["id"]).body_html)


@pytest.mark.parametrize(
    "path, payload",
    [
        (
            "/questions",
            {"title": "Un titre assez long ?", "body": "x" * 30, "topics": [], "author": 1},
        ),
        ("/questions/{q}/answers", {"body": "Une réponse assez longue.", "score": 99}),
        ("/questions/{q}/answers", {"body": "Une réponse assez longue.", "author_id": 1}),
        ("/questions/{q}/comments", {"body": "Bien vu.", "deleted_at": None}),
    ],
)
def test_unknown_fields_are_refused(writer, make_question, path, payload):
    question = make_question()
    before = (Question.objects.count(), Answer.objects.count(), Comment.objects.count())
    response = writer.post(path.format(q=question.pk), payload)
    assert response.status_code == 422
    assert response.json()["errors"][0]["type"] == "extra_forbidden"
    assert (Question.objects.count(), Answer.objects.count(), Comment.objects.count()) == before


@pytest.mark.parametrize(
    "method, path, payload",
    [
        ("put", "/questions/{q}/vote", {"value": "1"}),
        ("put", "/questions/{q}/vote", {"value": 2}),
        ("put", "/questions/{q}/vote", {"value": True}),
        ("post", "/questions/{q}/answers", {"body": 12345678901234567890}),
        ("post", "/questions/{q}/answers", {"body": ["une", "liste"]}),
        ("post", "/questions/{q}/answers", {}),
        (
            "post",
            "/questions",
            {"title": "Un titre assez long ?", "body": "x" * 30, "topics": "commande-publique"},
        ),
    ],
)
def test_wrong_types_are_refused(writer, make_question, method, path, payload):
    question = make_question()
    response = getattr(writer, method)(path.format(q=question.pk), payload)
    assert response.status_code == 422, response.content
    assert response["Content-Type"] == "application/problem+json"
    assert question.answers.count() == 0 and question.votes.count() == 0


@pytest.mark.parametrize("raw", ["{nope", "", "[1, 2", '{"body": "é', "null"])
def test_invalid_json_is_refused(writer, make_question, raw):
    question = make_question()
    response = writer.post(f"/questions/{question.pk}/answers", raw=raw)
    assert response.status_code in (400, 422)
    if response.status_code == 400:
        assert response.json()["code"] == "json_invalid"
    assert question.answers.count() == 0


def test_the_forms_rules_apply_with_their_french_or_english_messages(writer, make_question):
    question = make_question()
    short = writer.post(f"/questions/{question.pk}/answers", {"body": " \u202e "})
    assert short.status_code == 422
    assert short.json()["errors"][0]["msg"] == "Écrivez votre réponse."
    long = writer.post(f"/questions/{question.pk}/comments", {"body": "x" * 601})
    assert "Le commentaire ne doit pas dépasser 600 caractères." in long.json()["errors"][0]["msg"]
    english = writer.post(
        f"/questions/{question.pk}/comments", {"body": "x" * 601}, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert english.json()["title"] == "Invalid data"
    unknown_topic = writer.post(
        "/questions",
        {"title": "Un titre assez long ?", "body": "x" * 30, "topics": ["inconnu"]},
    )
    assert unknown_topic.status_code == 422
    assert unknown_topic.json()["errors"][0]["type"] == "unknown_topic"


def test_the_sites_permissions_apply(writer, member, make_question, moderator):
    own = make_question(author=member)
    refused = writer.put(f"/questions/{own.pk}/vote", {"value": 1})
    assert refused.status_code == 403
    assert refused.json()["detail"] == "On ne vote pas pour ses propres messages."
    closed = make_question()
    qa_services.question_close(question=closed, by=moderator, reason=CloseReason.RESOLVED)
    refused = writer.post(f"/questions/{closed.pk}/answers", {"body": "Une réponse tardive."})
    assert refused.status_code == 403
    assert "fermée" in refused.json()["detail"]
    assert closed.answers.count() == 0


def test_a_vote_is_set_idempotently_and_withdrawn_with_zero(writer, make_question):
    question = make_question()
    path = f"/questions/{question.pk}/vote"
    assert writer.put(path, {"value": 1}).json() == {"value": 1, "score": 1}
    assert writer.put(path, {"value": 1}).json() == {"value": 1, "score": 1}
    assert writer.put(path, {"value": -1}).json() == {"value": -1, "score": -1}
    assert writer.put(path, {"value": 0}).json() == {"value": 0, "score": 0}


def test_a_new_members_hourly_budget_holds_through_the_api(settings, writer, make_question):
    settings.QA_NEW_MEMBER_POSTS_PER_HOUR = 2
    question = make_question()
    path = f"/questions/{question.pk}/answers"
    for _ in range(2):
        assert writer.post(path, {"body": "Une réponse assez longue."}).status_code == 201
    refused = writer.post(path, {"body": "Une réponse assez longue."})
    assert refused.status_code == 429
    assert refused.json()["code"] == "posting_budget_spent"
    assert question.answers.count() == 2


# --- Accept, follow, flag ------------------------------------------------------------------


def test_the_asker_accepts_and_withdraws_idempotently(writer, member, make_question, make_answer):
    question = make_question(author=member)
    answer = make_answer(question=question)
    path = f"/answers/{answer.pk}/accept"
    for _ in range(2):
        response = writer.put(path, {"accepted": True})
        assert response.json() == {"accepted_answer_id": answer.pk}
        question.refresh_from_db()
        assert question.accepted_answer == answer
    other = make_answer(question=question)
    assert writer.put(f"/answers/{other.pk}/accept", {"accepted": False}).json() == {
        "accepted_answer_id": answer.pk
    }
    assert writer.put(path, {"accepted": False}).json() == {"accepted_answer_id": None}
    question.refresh_from_db()
    assert question.accepted_answer is None


def test_only_the_asker_or_a_moderator_accepts_and_not_in_a_discussion(
    writer, member, make_question, make_answer
):
    someone_elses = make_answer(question=make_question())
    refused = writer.put(f"/answers/{someone_elses.pk}/accept", {"accepted": True})
    assert refused.status_code == 403
    assert refused.json()["detail"].startswith("Seul l'auteur de la question")
    discussion = make_question(author=member, kind="discussion")
    reply = make_answer(question=discussion)
    assert writer.put(f"/answers/{reply.pk}/accept", {"accepted": True}).status_code == 403
    discussion.refresh_from_db()
    assert discussion.accepted_answer is None


def test_following_a_question_and_a_topic(writer, member, make_question, topic):
    question = make_question()
    path = f"/questions/{question.pk}/follow"
    assert writer.put(path, {"following": True}).json() == {"following": True}
    assert writer.put(path, {"following": True}).status_code == 200
    assert question.follows.filter(user=member).count() == 1
    assert writer.put(path, {"following": False}).json() == {"following": False}
    assert not question.follows.filter(user=member).exists()
    topic_path = f"/topics/{topic.slug}/follow"
    assert writer.put(topic_path, {"following": True}).json() == {"following": True}
    assert TopicFollow.objects.filter(user=member, topic=topic).exists()
    assert writer.put(topic_path, {"following": False}).status_code == 200
    assert not TopicFollow.objects.filter(user=member, topic=topic).exists()
    unknown = writer.put("/topics/inconnu/follow", {"following": True})
    assert unknown.status_code == 404 and unknown.json()["code"] == "topic_not_found"


def test_a_flag_reaches_the_moderators_queue_once(writer, member, make_question, make_answer):
    answer = make_answer(question=make_question())
    path = f"/answers/{answer.pk}/flags"
    first = writer.post(path, {"reason": "spam"})
    assert first.status_code == 201, first.content
    flag = Flag.objects.get(pk=first.json()["id"])
    assert (flag.reporter, flag.answer, flag.reason, flag.status) == (
        member,
        answer,
        "spam",
        FlagStatus.OPEN,
    )
    again = writer.post(path, {"reason": "other", "text": "Lien <script>x</script>\u202e mort."})
    assert again.status_code == 200 and again.json()["id"] == flag.pk
    flag.refresh_from_db()
    assert flag.reason == "other" and "\u202e" not in flag.text
    assert Flag.objects.count() == 1


def test_flags_follow_the_sites_rules(writer, member, make_question):
    own = make_question(author=member)
    refused = writer.post(f"/questions/{own.pk}/flags", {"reason": "spam"})
    assert refused.status_code == 403
    assert refused.json()["detail"] == "Vous ne pouvez pas signaler ce message."
    question = make_question()
    no_text = writer.post(f"/questions/{question.pk}/flags", {"reason": "other"})
    assert no_text.status_code == 422
    assert no_text.json()["errors"][0]["msg"] == "Précisez le motif du signalement."
    unknown = writer.post(f"/questions/{question.pk}/flags", {"reason": "boring"})
    assert unknown.status_code == 422
    assert not Flag.objects.exists()


@pytest.mark.parametrize(
    "method, path, payload",
    [
        ("put", "/answers/{a}/accept", {"accepted": True, "by": 1}),
        ("put", "/answers/{a}/accept", {"accepted": "true"}),
        ("put", "/questions/{q}/follow", {"following": 1}),
        ("put", "/questions/{q}/follow", {"following": True, "user": 1}),
        ("post", "/answers/{a}/flags", {"reason": "spam", "status": "dismissed"}),
        ("post", "/answers/{a}/flags", {"reason": "spam", "reporter_id": 1}),
    ],
)
def test_accept_follow_and_flag_refuse_unknown_fields_and_wrong_types(
    writer, member, make_question, make_answer, method, path, payload
):
    question = make_question(author=member)
    answer = make_answer(question=question)
    question.follows.all().delete()
    response = getattr(writer, method)(path.format(q=question.pk, a=answer.pk), payload)
    assert response.status_code == 422, response.content
    assert response.json()["code"] == "invalid_input"
    question.refresh_from_db()
    assert question.accepted_answer is None
    assert not Flag.objects.exists() and not question.follows.exists()
