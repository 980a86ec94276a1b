"""The slow queries found on 100,000 questions (benchmarks/README.md, "Findings") use their
partial indexes: the database's own plan (EXPLAIN) names the index, on SQLite and PostgreSQL.

The test tables are tiny, so on PostgreSQL sequential scans are switched off for the plan:
what is checked is that a usable index exists for the query, not the planner's cost model.
"""

import pytest
from django.core.paginator import Paginator
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from qa import selectors
from qa.models import Question

pytestmark = pytest.mark.django_db


def _plan_of(run, index: str | None = None) -> str:
    """The plan of the first query `run()` sends (the rows, before any prefetch).

    With `index`, on PostgreSQL, the table's other non-unique indexes are dropped for the
    plan (and restored by the rollback): on tables this small every index scan costs the
    same, and the planner's tie between the partial index and, say, `qa_question_alive_answers`
    with a filter changed from run to run. What is checked is that `index` can serve the query.
    """
    with CaptureQueriesContext(connection) as context:
        run()
    sql = context.captured_queries[0]["sql"]
    assert sql.startswith("SELECT"), sql
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            if index is not None:
                cursor.execute(
                    "SELECT c.relname FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
                    "JOIN pg_class t ON t.oid = i.indrelid WHERE t.relname = 'qa_question' "
                    "AND NOT i.indisprimary AND NOT i.indisunique AND c.relname <> %s",
                    [index],
                )
                for (other,) in cursor.fetchall():
                    cursor.execute(f'DROP INDEX "{other}"')
            cursor.execute("SET LOCAL enable_seqscan = off")
            cursor.execute(f"EXPLAIN {sql}")
        else:
            cursor.execute(f"EXPLAIN QUERY PLAN {sql}")
        plan = "\n".join(" ".join(str(cell) for cell in row) for row in cursor.fetchall())
        transaction.set_rollback(True)
    return plan


@pytest.fixture
def threads(make_question):
    return [make_question(title=f"Une question de test n° {n}") for n in range(3)]


@pytest.mark.parametrize("state", ["", "sans-reponse", "non-resolue", "validee"])
def test_the_list_count_reads_an_index_of_alive_threads(member, threads, state):
    rows = selectors.question_list(user=member, filter=state)
    plan = _plan_of(lambda: Paginator(rows, 20).count)
    assert "qa_question_alive_" in plan, plan
    if state == "validee":
        assert "qa_answer_validated" in plan, plan


@pytest.mark.parametrize("sort", ["actif", "recent", "votes", "meme-probleme"])
def test_each_sort_of_the_list_walks_an_index_of_alive_threads(member, threads, sort):
    rows = selectors.question_list(user=member, sort=sort)
    plan = _plan_of(lambda: list(rows[:20]))
    assert "qa_question_alive_" in plan, plan


def test_addressed_questions_use_the_partial_indexes_of_their_foreign_keys(
    threads, make_person, make_structure
):
    person, structure = make_person(), make_structure()
    plan = _plan_of(
        lambda: selectors.addressed_to(person_id=person.pk, structure_ids=[], limit=5),
        index="qa_question_to_person",
    )
    assert "qa_question_to_person" in plan, plan
    plan = _plan_of(
        lambda: selectors.addressed_to(person_id=None, structure_ids=[structure.pk], limit=5),
        index="qa_question_to_structure",
    )
    assert "qa_question_to_structure" in plan, plan


def test_the_duplicates_of_a_thread_use_the_partial_index(threads):
    question = threads[0]
    plan = _plan_of(
        lambda: list(Question.objects.alive().filter(duplicate_of=question)[:20]),
        index="qa_question_duplicate_of",
    )
    assert "qa_question_duplicate_of" in plan, plan
