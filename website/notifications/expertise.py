"""Open, unanswered questions in each expert's topics (for digests).

Reads the Q&A layer and the directory (both below us). Two queries whatever the number of
experts: their expertise topics, then the candidate questions.
"""

from collections import defaultdict
from datetime import datetime

from django.db.models import QuerySet

from directory.models import TopicInterest


def unanswered_in_expertise(users: QuerySet, *, since: datetime, limit: int) -> dict[int, list]:
    """user id → up to `limit` unanswered open questions (newest first) in their expertise,
    excluding the ones they asked themselves. Only users with an expertise appear."""
    from qa.models import Question

    topics_of: dict[int, set[int]] = defaultdict(set)
    for user_id, topic_id in (
        TopicInterest.objects.recognised()
        .filter(person__user__in=users)
        .values_list("person__user_id", "topic_id")
    ):
        topics_of[user_id].add(topic_id)
    if not topics_of:
        return {}
    all_topics = set().union(*topics_of.values())
    questions = (
        Question.objects.alive()
        .questions()
        .open()
        .unanswered()
        .filter(created_at__gte=since, topics__in=all_topics)
        .distinct()
        .prefetch_related("topics")
        .order_by("-created_at", "-pk")[:500]
    )
    questions = list(questions)
    topics_of_question = {q.pk: {topic.pk for topic in q.topics.all()} for q in questions}
    result: dict[int, list] = {}
    for user_id, topic_ids in topics_of.items():
        mine = [
            question
            for question in questions
            if question.author_id != user_id and topics_of_question[question.pk] & topic_ids
        ][:limit]
        if mine:
            result[user_id] = mine
    return result
