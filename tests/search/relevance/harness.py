"""The relevance set: load it, build its corpus, run its queries, score and print the result.

Shared by the test (tests/search/relevance/test_relevance.py) and the benchmark
(benchmarks/relevance.py, run by `make bench`).

- `threads.json`: the threads that queries must find, written from the seed's reports and the
  demo content (`id`, `kind`, `title`, `body`, `topics`, `answers` with `accepted` /
  `validated`).
- `queries.tsv`: one query per line as members type it, the ids of the threads of which one
  must be in the top 3, and what the query tests (typo, acronym, paraphrase…).
- `noise.py`: 1,000 generated threads about other municipal matters.

The set's threads are created through the Q&A services, as on the site; the noise is written
in bulk (the same rows, without revisions and follows: a thousand threads through the services
take minutes). Then a rebuild indexes everything.
"""

import json
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from django.utils import timezone
from django.utils.html import escape
from django.utils.text import slugify

from qa import services as qa_services
from qa.models import Answer, Question
from tests import factories
from tests.search.relevance.noise import noise_threads
from website.search import services

DATA = Path(__file__).resolve().parent
TOP = 3
RANKED = 10  # MRR counts a thread found on the first results page (MRR@10)
MIN_SUCCESS_AT_3 = 0.90
MIN_MRR = 0.85


@dataclass(frozen=True)
class Query:
    text: str
    expected: tuple[str, ...]
    tests: str


@dataclass
class Corpus:
    member: object  # the logged-in member who searches
    thread_of_uid: dict[str, str]  # "question:12" → thread id
    titles: dict[str, str]  # thread id → title
    size: int = 0


@dataclass(frozen=True)
class Miss:
    query: Query
    rank: int | None  # rank of the first expected thread on the first page, None if absent
    top: tuple[str, ...]  # titles of the first three hits


@dataclass
class Score:
    backend: str
    queries: int = 0
    at_1: int = 0
    at_3: int = 0
    reciprocal_ranks: float = 0.0
    misses: list[Miss] = field(default_factory=list)

    @property
    def success_at_1(self) -> float:
        return self.at_1 / self.queries if self.queries else 0.0

    @property
    def success_at_3(self) -> float:
        return self.at_3 / self.queries if self.queries else 0.0

    @property
    def mrr(self) -> float:
        return self.reciprocal_ranks / self.queries if self.queries else 0.0

    @property
    def passes(self) -> bool:
        return self.success_at_3 >= MIN_SUCCESS_AT_3 and self.mrr >= MIN_MRR


def load_threads() -> list[dict]:
    return json.loads((DATA / "threads.json").read_text(encoding="utf-8"))


def load_queries() -> list[Query]:
    queries = []
    for line in (DATA / "queries.tsv").read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        text, expected, tests = line.split("\t")
        queries.append(Query(text=text, expected=tuple(expected.split()), tests=tests))
    return queries


def _people():
    """A few askers and answerers, and the expert who validates answers."""
    askers = [factories.UserFactory() for _ in range(6)]
    expert = factories.UserFactory(roles=["Experts"])
    return askers, expert


def _topics(threads) -> dict:
    names = sorted({name for thread in threads for name in thread["topics"]})
    return {name: factories.TopicFactory(name=name, slug=slugify(name)[:100]) for name in names}


def create_thread(thread: dict, *, number: int, askers, expert, topics):
    """One thread through the services: the question, its answers, acceptance, validation."""
    asker = askers[number % len(askers)]
    question = qa_services.question_create(
        author=asker,
        kind=thread["kind"],
        title=thread["title"],
        body=thread["body"],
        topics=[topics[name] for name in thread["topics"]],
    )
    for index, answer in enumerate(thread["answers"]):
        author = askers[(number + index + 1) % len(askers)]
        if author == asker:
            author = expert
        created = qa_services.answer_create(question=question, author=author, body=answer["body"])
        if answer.get("accepted"):
            qa_services.answer_accept(answer=created, by=asker)
        if answer.get("validated"):
            qa_services.answer_validate(answer=created, by=expert)
    return question


def create_noise(threads: list[dict], *, askers, topics) -> list[Question]:
    """The noise threads in bulk, dated over the last three years, with their answers."""
    now = timezone.now()
    questions = Question.objects.bulk_create(
        Question(
            kind=thread["kind"],
            title=thread["title"],
            slug=slugify(thread["title"])[:150],
            body=thread["body"],
            body_html=f"<p>{escape(thread['body'])}</p>",
            author=askers[number % len(askers)],
            created_at=now - timedelta(days=number),
            updated_at=now - timedelta(days=number),
            last_activity_at=now - timedelta(days=number),
            answer_count=len(thread["answers"]),
        )
        for number, thread in enumerate(threads)
    )
    links = Question.topics.through
    links.objects.bulk_create(
        links(question_id=question.pk, topic_id=topics[name].pk)
        for question, thread in zip(questions, threads, strict=True)
        for name in thread["topics"]
    )
    answers = Answer.objects.bulk_create(
        Answer(
            question=question,
            author=askers[(number + index + 1) % len(askers)],
            body=answer["body"],
            body_html=f"<p>{escape(answer['body'])}</p>",
            created_at=question.created_at + timedelta(hours=index + 1),
            updated_at=question.created_at + timedelta(hours=index + 1),
        )
        for number, (question, thread) in enumerate(zip(questions, threads, strict=True))
        for index, answer in enumerate(thread["answers"])
    )
    accepted = iter(answers)
    for question, thread in zip(questions, threads, strict=True):
        for answer in thread["answers"]:
            row = next(accepted)
            if answer["accepted"]:
                question.accepted_answer = row
    Question.objects.bulk_update(
        [q for q in questions if q.accepted_answer_id], ["accepted_answer"], batch_size=500
    )
    return questions


def build_corpus(noise: int | None = None) -> Corpus:
    """Create the set's threads and the noise in the database (the index is built apart)."""
    threads = load_threads()
    generated = noise_threads() if noise is None else noise_threads(noise)
    askers, expert = _people()
    topics = _topics(threads + generated)
    thread_of_uid, titles = {}, {}
    created = create_noise(generated, askers=askers, topics=topics)
    created += [
        create_thread(thread, number=number, askers=askers, expert=expert, topics=topics)
        for number, thread in enumerate(threads)
    ]
    for question, thread in zip(created, generated + threads, strict=True):
        thread_of_uid[f"question:{question.pk}"] = thread["id"]
        titles[thread["id"]] = thread["title"]
    return Corpus(
        member=factories.UserFactory(),
        thread_of_uid=thread_of_uid,
        titles=titles,
        size=len(thread_of_uid),
    )


def evaluate(corpus: Corpus, backend: str, queries: list[Query] | None = None) -> Score:
    """Run each query through the search service as the corpus's member; score the top 3."""
    score = Score(backend=backend)
    for query in queries or load_queries():
        outcome = services.search_for(corpus.member, query.text, per_page=RANKED)
        hits = outcome.results.hits if outcome.results else []
        found = [corpus.thread_of_uid.get(hit.uid, hit.uid) for hit in hits]
        rank = next((i for i, t in enumerate(found, 1) if t in query.expected), None)
        score.queries += 1
        if rank is not None:
            score.reciprocal_ranks += 1 / rank
            score.at_1 += rank == 1
            score.at_3 += rank <= TOP
        if rank is None or rank > TOP:
            top = tuple(hit.title for hit in hits[:TOP])
            score.misses.append(Miss(query=query, rank=rank, top=top))
    return score


def format_table(scores: list[Score]) -> str:
    """The table `make bench` prints: the figures per backend, then every miss."""
    lines = [
        f"Relevance set: {scores[0].queries if scores else 0} queries "
        f"(target: success@3 >= {MIN_SUCCESS_AT_3:.0%}, MRR >= {MIN_MRR})",
        "",
        "| backend | success@1 | success@3 | MRR | misses |",
        "|---|---|---|---|---|",
    ]
    for score in scores:
        lines.append(
            f"| {score.backend} | {score.success_at_1:.1%} | {score.success_at_3:.1%} "
            f"| {score.mrr:.3f} | {len(score.misses)} |"
        )
    for score in scores:
        lines += ["", f"Misses ({score.backend}):"]
        for miss in score.misses:
            where = f"rank {miss.rank}" if miss.rank else "not on the first page"
            top = " | ".join(miss.top) if miss.top else "no result"
            lines.append(
                f"- « {miss.query.text} » ({miss.query.tests}) → {', '.join(miss.query.expected)}"
                f": {where}; top 3: {top}"
            )
    return "\n".join(lines)
