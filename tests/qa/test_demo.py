"""The demo content loads through the services, and loading it twice changes nothing."""

import pytest

from directory import demo as directory_demo
from qa import demo as qa_demo
from qa.models import Answer, FaqPromotion, Question
from taxonomy import demo as taxonomy_demo

pytestmark = pytest.mark.django_db


def test_demo_threads_load_once_with_votes_acceptance_validation_and_faq():
    topics = taxonomy_demo.load()
    users = directory_demo.load(topics)
    qa_demo.load(topics, users)
    counts = (Question.objects.count(), Answer.objects.count())
    assert counts[0] == len(qa_demo.THREADS)
    assert Question.objects.filter(accepted_answer__isnull=False).exists()
    assert Answer.objects.filter(validated_at__isnull=False).exists()
    assert Question.objects.filter(duplicate_of__isnull=False).count() == 1
    assert FaqPromotion.objects.count() == 1
    assert Question.objects.filter(kind="discussion").exists()
    qa_demo.load(topics, users)
    assert (Question.objects.count(), Answer.objects.count()) == counts
