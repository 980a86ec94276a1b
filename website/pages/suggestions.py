"""The threads a regulatory update may make stale, suggested to its editor (admin panel).

It reads the update through its own relations, so the panel that shows it (imported by the
page models) does not import the page models back.
"""

import re

from qa.models import Question
from website.search import services as search_services
from website.search.analysis import FRENCH_STOP_WORDS


def suggested_questions_for(update, limit=10, *, user=None) -> list:
    """Threads the update may make stale, not yet chosen as affected.

    First those the search index finds close to the update's title and summary (among what
    `user`, the editor, may see), then the newest threads on its topics.
    """
    chosen = {link.question_id for link in update.affected_questions.all() if link.question_id}
    found = []
    if user is not None and update.title:
        # Only the meaningful words: a search query keeps its first dozen words.
        words = re.findall(r"\w+", f"{update.title} {update.summary or ''}")
        text = " ".join(
            dict.fromkeys(w for w in words if len(w) > 2 and w.lower() not in FRENCH_STOP_WORDS)
        )
        found = [
            question
            for question in search_services.similar_questions_for(user, text, limit=limit)
            if question.pk not in chosen
        ]
    topic_ids = [topic.pk for topic in update.topics.all()]
    if topic_ids and len(found) < limit:
        found += (
            Question.objects.alive()
            .filter(pk__in=Question.objects.filter(topics__in=topic_ids).values("pk"))
            .exclude(pk__in=chosen | {question.pk for question in found})
            .order_by("-created_at")[: limit - len(found)]
        )
    return found
