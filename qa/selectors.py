"""Reads that depend on the viewer: lists, the thread page, experts, similar questions.

Each function runs a fixed number of queries whatever the number of answers, comments,
votes or topics (select_related for single rows, one prefetch per relation).
"""

from __future__ import annotations

import difflib
import hashlib
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db.models import (
    Exists,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce

from directory import compiled
from directory.models import (
    Person,
    PersonFollow,
    Position,
    Structure,
    StructureFollow,
    TopicInterest,
)
from directory.roles import is_member, is_moderator
from directory.selectors import current_positions, current_positions_prefetch
from qa import permissions
from qa.markdown import attachment_numbers
from qa.models import (
    Answer,
    Attachment,
    Comment,
    Draft,
    FaqPromotion,
    Flag,
    ModerationAction,
    Question,
    QuestionFollow,
    QuestionKind,
    Revision,
    SameProblem,
    ThreadVisit,
    TopicFollow,
    Vote,
)
from taxonomy.models import Topic

SORTS = {
    # URL value: (label key, ordering)
    "recent": ("-created_at", "-pk"),
    "actif": ("-last_activity_at", "-pk"),
    "votes": ("-score", "-created_at", "-pk"),
    "meme-probleme": ("-same_problem_count", "-created_at", "-pk"),
}
FILTERS = ("sans-reponse", "non-resolue", "validee")


def attachments_without_text() -> list[int]:
    """Attachments whose text extraction never ran (`search_check` reports and repairs them)."""
    return list(
        Attachment.objects.filter(text_extracted_at__isnull=True)
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def listed_questions() -> QuerySet[Question]:
    """Alive questions and discussions: what every list starts from, whoever the viewer (who
    may see the Q&A at all is checked by the views; moderators reach deleted threads by their
    URL)."""
    return Question.objects.alive()


def question_list(
    *,
    user,
    kind: str | None = QuestionKind.QUESTION,
    sort: str = "actif",
    filter: str = "",
    topics: list[Topic] | None = None,
    structure=None,
) -> QuerySet[Question]:
    """A list page: filters combine (kind, topic(s), asker's structure, state), one sort."""
    qs = listed_questions()
    if kind:
        qs = qs.filter(kind=kind)
    for topic in topics or []:
        qs = qs.filter(topics=topic)
    if structure is not None:
        qs = qs.filter(author_structure=structure)
    if filter == "sans-reponse":
        qs = qs.unanswered()
    elif filter == "non-resolue":
        qs = qs.filter(accepted_answer__isnull=True, closed_at__isnull=True)
    elif filter == "validee":
        qs = qs.filter(
            Exists(
                Answer.objects.filter(
                    question=OuterRef("pk"), validated_at__isnull=False, deleted_at__isnull=True
                )
            )
        )
    return with_row_data(qs.order_by(*SORTS.get(sort, SORTS["actif"])))


def with_row_data(qs: QuerySet[Question]) -> QuerySet[Question]:
    """What a list row shows, in a constant number of queries."""
    return (
        qs.select_related("author", "author_structure", "accepted_answer")
        .prefetch_related(Prefetch("topics", queryset=Topic.objects.order_by("name")))
        .annotate(
            has_validated_answer=Exists(
                Answer.objects.filter(
                    question=OuterRef("pk"), validated_at__isnull=False, deleted_at__isnull=True
                )
            )
        )
    )


def addressed_to(*, person_id: int | None, structure_ids, limit: int) -> list[Question]:
    """Newest alive threads addressed to a person or to one of the structures.

    One query per side, each on its partial index (`qa_question_to_person`,
    `qa_question_to_structure`), merged here: an `OR` of the two columns, or a join to the
    person's account, makes the database walk every question by date instead.
    """
    found = {}
    sides = []
    if person_id is not None:
        sides.append(("addressed_to_person_id", [person_id]))
    structure_ids = sorted(set(structure_ids))
    for start in range(0, len(structure_ids), ADDRESSED_STRUCTURES):
        sides.append(
            ("addressed_to_structure_id__in", structure_ids[start : start + ADDRESSED_STRUCTURES])
        )
    for column, values in sides:
        sentinels = _SENTINEL_ADDRESSEES[: len(values)]

        def build(*ids, column=column):
            lookup = {column: ids} if column.endswith("__in") else {column: ids[0]}
            alive = listed_questions().filter(**lookup)
            return alive.order_by("-created_at", "-pk")[:limit]

        # One compiled query per number of ids (at most ADDRESSED_STRUCTURES): a list padded
        # with repeated ids made PostgreSQL estimate several structures and leave the partial
        # index for the date index (tests/qa/test_indexes.py).
        rows = compiled.fetch_objects(
            f"qa.addressed_to:{column}:{len(values)}:{limit}",
            build,
            sentinels,
            values,
            model=Question,
        )
        for question in rows:
            found[question.pk] = question
    newest = sorted(found.values(), key=lambda q: (q.created_at, q.pk), reverse=True)
    return newest[:limit]


# `addressed_to`'s two queries are compiled once (directory/compiled.py); the structures are
# asked `ADDRESSED_STRUCTURES` at a time (a member holds a few positions).
ADDRESSED_STRUCTURES = 5
_SENTINEL_ADDRESSEES = tuple(range(-730_194_610, -730_194_610 - ADDRESSED_STRUCTURES, -1))


@dataclass
class Thread:
    """Everything the thread page shows, loaded in a fixed number of queries."""

    question: Question
    answers: list[Answer]
    question_comments: list[Comment]
    votes: dict[tuple[str, int], int] = field(default_factory=dict)
    same_problem: bool = False
    following: bool = False
    moderation_log: list[ModerationAction] = field(default_factory=list)
    open_flag_count: int = 0
    canonical: Question | None = None
    duplicates: list[Question] = field(default_factory=list)
    # Unread markers (`mark_new_posts`): the first new post in page order, and how many.
    first_new: Answer | Comment | None = None
    new_count: int = 0
    # The member's last visit before this one (None: never, pruned, or not a member) and
    # whether they keep a draft of an answer here.
    last_seen: datetime | None = None
    has_draft: bool = False
    # `thread_details`: whether the positions and attachments are read, and whether the
    # question or its answers may have attachments (the probe's answer).
    details_loaded: bool = False
    may_have_files: bool = False

    def vote_of(self, post) -> int:
        key = ("q" if isinstance(post, Question) else "a", post.pk)
        return self.votes.get(key, 0)


# The thread page's queries are compiled once (directory/compiled.py): on a thread whose posts'
# HTML comes from the cache, building them through the ORM cost more CPU than running them.
_SENTINEL_QUESTION = -730_194_701
_SENTINEL_VIEWER = -730_194_702


def _question_row(pk):
    return Question.objects.select_related(
        "author", "author__person", "author_structure", "faq_promotion"
    ).filter(pk=pk)


def _question_topics(pk):
    return Topic.objects.filter(questions=pk).order_by("name")


def question_for_thread(pk: int) -> Question:
    """The question row with what its header needs (raises Question.DoesNotExist).

    The links that are usually empty (addressed to, duplicate of) are not joined: an empty
    foreign key reads as None without a query, and a set one costs one. The topics are read
    by a plain query and kept as the prefetched `question.topics.all()` (what the template and
    the permissions read): `prefetch_related` cost three times as much CPU to build."""
    found = compiled.fetch_objects(
        "qa.thread.question", _question_row, (_SENTINEL_QUESTION,), (pk,), model=Question
    )
    if not found:
        raise Question.DoesNotExist(f"No question {pk}.")
    question = found[0]
    topics = question.topics.all()
    topics._result_cache = compiled.fetch_objects(
        "qa.thread.topics", _question_topics, (_SENTINEL_QUESTION,), (pk,), model=Topic
    )
    topics._prefetch_done = True
    question._prefetched_objects_cache = {"topics": topics}
    return question


# How a thread's answers are sorted (`?tri=` on the thread page, remembered in the session).
ANSWER_SORTS = ("votes", "date")


def _probe_query(question_id, user_id=None):
    pk = OuterRef("pk")
    probes = {
        "question_comments": Exists(Comment.objects.filter(question=pk)),
        "answer_comments": Exists(Comment.objects.filter(answer__question=pk)),
        "question_files": Exists(Attachment.objects.filter(question=pk)),
        "answer_files": Exists(Attachment.objects.filter(answer__question=pk)),
        "has_log": Exists(ModerationAction.objects.filter(question=pk)),
        "has_duplicates": Exists(Question.objects.filter(duplicate_of=pk)),
    }
    if user_id is not None:
        mine = {"user": user_id, "question": pk}
        probes |= {
            "my_vote": Subquery(Vote.objects.filter(**mine).values("value")[:1]),
            "same_problem": Exists(SameProblem.objects.filter(**mine)),
            "following": Exists(QuestionFollow.objects.filter(**mine)),
            "last_seen": Subquery(ThreadVisit.objects.filter(**mine).values("seen_at")[:1]),
            "has_draft": Exists(Draft.objects.filter(**mine)),
        }
    return Question.objects.filter(pk=question_id).values(**probes)


_PROBES = ("question_comments", "answer_comments", "question_files", "answer_files", "has_log",
           "has_duplicates")  # fmt: skip
_MEMBER_PROBES = (*_PROBES, "my_vote", "same_problem", "following", "last_seen", "has_draft")


def _thread_probe(question: Question, user, *, member: bool) -> dict:
    """One query for what the thread holds besides its answers (comments, attachments, a
    moderation log, duplicates: their reads are skipped when there are none, the usual case)
    and for the member's own marks on the question (vote, « même problème », follow, last
    visit, draft)."""
    if member:
        names, sentinels, values = (
            _MEMBER_PROBES,
            (_SENTINEL_QUESTION, _SENTINEL_VIEWER),
            (
                question.pk,
                user.pk,
            ),
        )
    else:
        names, sentinels, values = _PROBES, (_SENTINEL_QUESTION,), (question.pk,)
    (row,) = compiled.fetch(
        f"qa.thread.probe:{member}", _probe_query, sentinels, values, model=Question
    )
    return dict(zip(names, row, strict=True))


def _answers_query(question_id, user_id=None, *, show_deleted, answer_sort):
    answers = Answer.objects.filter(question=question_id).select_related(
        "author", "author__person", "validated_by", "validated_by__person"
    )
    if user_id is not None:
        mine = Vote.objects.filter(user=user_id, answer=OuterRef("pk")).values("value")[:1]
        answers = answers.annotate(my_vote=Subquery(mine))
    if not show_deleted:
        answers = answers.filter(deleted_at__isnull=True)
    if answer_sort == "date":
        return answers.order_by("created_at", "pk")
    return answers.order_by("-score", "created_at", "pk")


def _comments_query(question_id, *, show_deleted):
    comments = (
        Comment.objects.filter(Q(question=question_id) | Q(answer__question=question_id))
        .select_related("author")
        .order_by("created_at", "pk")
    )
    return comments if show_deleted else comments.filter(deleted_at__isnull=True)


def thread_for(
    question: Question, user, *, answer_sort: str = "votes", details: bool = True
) -> Thread:
    """`answer_sort`: "votes" (accepted, then validated, then score, then oldest: Stack
    Overflow's order) or "date" (oldest first, the order of the conversation).

    Queries: the probe, the answers (with the member's vote on each); then only when the probe
    found some: comments, moderation log, duplicates; the open flags for a moderator. The
    details only the posts' shared HTML shows (the positions of the people shown, the
    attachments: two queries) are read here unless `details` is False: the thread page reads
    them with `thread_details` only when a post's shared fragment is not in the cache."""
    show_deleted = is_moderator(user)
    member = is_member(user)
    probe = _thread_probe(question, user, member=member)
    answer_sort = "date" if answer_sort == "date" else "votes"
    sentinels, values = (_SENTINEL_QUESTION,), (question.pk,)
    if member:
        sentinels, values = (*sentinels, _SENTINEL_VIEWER), (*values, user.pk)
    answers = compiled.fetch_objects(
        f"qa.thread.answers:{member}:{show_deleted}:{answer_sort}",
        partial(_answers_query, show_deleted=show_deleted, answer_sort=answer_sort),
        sentinels,
        values,
        model=Answer,
    )
    by_answer: dict[int, list[Comment]] = {}
    question_comments = []
    if probe["question_comments"] or probe["answer_comments"]:
        comments = compiled.fetch_objects(
            f"qa.thread.comments:{show_deleted}",
            partial(_comments_query, show_deleted=show_deleted),
            (_SENTINEL_QUESTION,),
            (question.pk,),
            model=Comment,
        )
        for comment in comments:
            if comment.question_id:
                question_comments.append(comment)
            else:
                by_answer.setdefault(comment.answer_id, []).append(comment)
    answer_by_pk = {}
    for answer in answers:
        answer.question = question  # no query per answer for `answer.question`
        answer.thread_comments = by_answer.get(answer.pk, [])
        answer_by_pk[answer.pk] = answer
        for comment in answer.thread_comments:
            comment.answer = answer
    for comment in question_comments:
        comment.question = question
    if answer_sort != "date":
        accepted_id = question.accepted_answer_id
        answers.sort(key=lambda a: (a.pk != accepted_id, not a.validated_at))
    thread = Thread(question=question, answers=answers, question_comments=question_comments)
    thread.may_have_files = bool(probe["question_files"] or probe["answer_files"])
    if details:
        thread_details(thread)
    if member:
        if probe["my_vote"]:
            thread.votes[("q", question.pk)] = probe["my_vote"]
        for answer in answers:
            if answer.my_vote:
                thread.votes[("a", answer.pk)] = answer.my_vote
        thread.same_problem = probe["same_problem"]
        thread.following = probe["following"]
        thread.last_seen = probe["last_seen"]
        thread.has_draft = probe["has_draft"]
    if probe["has_log"]:
        thread.moderation_log = list(
            ModerationAction.objects.filter(question=question)
            .select_related("moderator", "other_question")
            .order_by("created_at", "pk")
        )
    if show_deleted:
        thread.open_flag_count = (
            Flag.objects.open()
            .filter(
                Q(question=question)
                | Q(answer__question=question)
                | Q(comment__question=question)
                | Q(comment__answer__question=question)
            )
            .count()
        )
    thread.canonical = question.duplicate_of
    if probe["has_duplicates"]:
        thread.duplicates = list(Question.objects.alive().filter(duplicate_of=question)[:20])
    return thread


def thread_details(thread: Thread) -> None:
    """The people's positions and the posts' attachments (what the bylines, the expert marks
    and the attachment lists show): at most two queries, once per thread."""
    if thread.details_loaded:
        return
    thread.details_loaded = True
    question, answers = thread.question, thread.answers
    _attach_people(question, answers)
    answer_comments = [comment for answer in answers for comment in answer.thread_comments]
    shown_comments = [*thread.question_comments, *answer_comments]
    if thread.may_have_files or shown_comments:
        _attach_files(question, answers, shown_comments)
    else:
        question.thread_attachments = []
        for answer in answers:
            answer.thread_attachments = []


def _attach_files(question, answers, comments):
    """The attachments of the question, of its answers and of the comments shown: one query,
    in upload order."""
    by_answer: dict[int, list[Attachment]] = {}
    by_comment: dict[int, list[Attachment]] = {}
    question.thread_attachments = []
    for attachment in (
        Attachment.objects.current()
        .filter(
            Q(question=question)
            | Q(answer__in=[answer.pk for answer in answers])
            | Q(comment__in=[comment.pk for comment in comments])
        )
        .order_by("pk")
    ):
        if attachment.question_id:
            question.thread_attachments.append(attachment)
        elif attachment.answer_id:
            by_answer.setdefault(attachment.answer_id, []).append(attachment)
        else:
            by_comment.setdefault(attachment.comment_id, []).append(attachment)
    for answer in answers:
        answer.thread_attachments = by_answer.get(answer.pk, [])
    for comment in comments:
        comment.thread_attachments = by_comment.get(comment.pk, [])


def _attach_people(question, answers):
    """Current positions of the people shown (authors, validating experts): one query."""
    users = [question.author] + [a.author for a in answers] + [a.validated_by for a in answers]
    persons = {}
    for user in users:
        person = getattr(user, "person", None) if user else None
        if person is not None:
            persons[person.pk] = person
    if not persons:
        return
    positions: dict[int, list[Position]] = {}
    for position in current_positions().filter(person_id__in=persons):
        positions.setdefault(position.person_id, []).append(position)
    for pk, person in persons.items():
        person.current_positions = positions.get(pk, [])


# --- Similar questions ---------------------------------------------------------------------

# The search layer ranks similar questions (`website.search.services.similar_questions_for`);
# `qa` may not import it, so the search app registers it here when it starts (`ready()`).
_similar_questions_source = None


def use_similar_questions_source(source) -> None:
    """`source(user, title, limit=, exclude_pk=)` returns questions, best first."""
    global _similar_questions_source
    _similar_questions_source = source


def similar_questions(title: str, user, *, limit: int = 5, exclude_pk=None) -> list[Question]:
    """Existing questions and discussions close to `title` that `user` may see, best first.

    The same ranking as the search page and the ask form's live list: the search index,
    through the source the search app registered (none: no suggestions).
    """
    if _similar_questions_source is None:
        return []
    return _similar_questions_source(user, title, limit=limit, exclude_pk=exclude_pk)


RELATED_THREADS_CACHE_SECONDS = 3600


def related_threads(question: Question, user, *, limit: int = 5) -> list[Question]:
    """« Questions liées »: the live threads the search ranks closest to this one's title,
    among what `user` may see.

    The ranking is cached for an hour per thread, title and audience: a thread's visibility
    in the index depends only on whether the reader is a member (a visitor sees threads when
    reading is public), so every member shares one entry. The live threads are read again at
    each call, so a thread deleted since drops out at once.
    """
    audience = "members" if is_member(user) else "public"
    title_key = hashlib.sha256(question.title.encode()).hexdigest()[:16]
    key = f"qa:related:{question.pk}:{audience}:{title_key}"
    pks = cache.get(key)
    if pks is None:
        # A few more than shown: a moderator's ranking may hold deleted threads.
        found = similar_questions(question.title, user, limit=limit + 3, exclude_pk=question.pk)
        pks = [thread.pk for thread in found]
        cache.set(key, pks, RELATED_THREADS_CACHE_SECONDS)
    if not pks:
        return []
    # Compiled once per number of threads (directory/compiled.py).
    pks = pks[: len(_SENTINEL_RELATED)]
    rows = compiled.fetch_objects(
        f"qa.related:{len(pks)}",
        _alive_related,
        _SENTINEL_RELATED[: len(pks)],
        pks,
        model=Question,
    )
    by_pk = {row.pk: row for row in rows}
    return [by_pk[pk] for pk in pks if pk in by_pk][:limit]


_SENTINEL_RELATED = tuple(range(-730_194_710, -730_194_730, -1))


def _alive_related(*pks):
    return Question.objects.filter(deleted_at__isnull=True, pk__in=pks).only(
        "pk", "title", "slug", "kind", "answer_count", "accepted_answer"
    )


# --- Topics and experts --------------------------------------------------------------------


def topic_experts(topic: Topic) -> list[Person]:
    """Listed people with a recognised expertise on the topic, with current positions."""
    recognised = TopicInterest.objects.recognised().filter(person=OuterRef("pk"), topic=topic)
    return list(
        Person.objects.listed()
        .filter(Exists(recognised))
        .select_related("user")
        .prefetch_related(current_positions_prefetch())
        .order_by("last_name", "first_name")
    )


def topics_with_counts() -> QuerySet[Topic]:
    from django.db.models import Count

    return Topic.objects.active().annotate(
        question_count=Count("questions", filter=Q(questions__deleted_at__isnull=True))
    )


def followed_topic_ids(user) -> set[int]:
    if not is_member(user):
        return set()
    return set(TopicFollow.objects.filter(user=user).values_list("topic_id", flat=True))


# --- Revisions -----------------------------------------------------------------------------


def revisions_of(post) -> list[Revision]:
    return list(
        Revision.objects.filter(**{post.post_kind: post})
        .select_related("author")
        .prefetch_related("attachments")
        .order_by("number")
    )


def next_attachment_number(post) -> int:
    """The number the post's next file gets: after its files, and after every number its
    earlier versions refer to (`piece-jointe:<n>`), so a reference to a file a moderator
    removed never starts showing a newer file (one query for the files, one for the texts)."""
    if post.pk is None:
        return 1
    numbers = [a.number for a in Attachment.objects.filter(**{post.post_kind: post})]
    for body in Revision.objects.filter(**{post.post_kind: post}).values_list("body", flat=True):
        numbers.extend(attachment_numbers(body))
    return max(numbers, default=0) + 1


def files_added(old: Revision | None, new: Revision) -> list:
    """The files version `new` of a post has that `old` had not (`old` None: the original,
    whose files all came with it). Reads the prefetched `attachments` of `revisions_of`.
    A moderator's removal takes a file out of every version (the moderation log keeps its
    name); an edit's removal does not (`files_removed`)."""
    before = {a.pk for a in old.attachments.all()} if old else set()
    return sorted((a for a in new.attachments.all() if a.pk not in before), key=lambda a: a.pk)


def files_removed(old: Revision | None, new: Revision) -> list:
    """The files version `old` had that version `new` no longer has: an edit removed them
    (`services.post_edit(remove=…)`). Reads the prefetched `attachments` of `revisions_of`."""
    if old is None:
        return []
    after = {a.pk for a in new.attachments.all()}
    return sorted((a for a in old.attachments.all() if a.pk not in after), key=lambda a: a.pk)


@dataclass
class DiffLine:
    kind: str  # "same", "added", "removed"
    text: str


def revision_diff(old: Revision, new: Revision) -> dict[str, list[DiffLine]]:
    """Line diff of title and body between two versions (difflib, no HTML built here)."""
    result = {}
    for name in ("title", "body"):
        a = (getattr(old, name) or "").splitlines()
        b = (getattr(new, name) or "").splitlines()
        lines = []
        for line in difflib.ndiff(a, b):
            code, text = line[:2], line[2:]
            if code == "  ":
                lines.append(DiffLine("same", text))
            elif code == "- ":
                lines.append(DiffLine("removed", text))
            elif code == "+ ":
                lines.append(DiffLine("added", text))
        result[name] = lines
    return result


# --- Moderation ----------------------------------------------------------------------------


def faq_candidate_answers(question: Question) -> QuerySet[Answer]:
    """The answers a moderator may put in the FAQ with this question: the accepted one and
    those an expert validated (`services.faq_promote` refuses any other)."""
    return (
        Answer.objects.alive()
        .filter(question=question)
        .filter(Q(pk=question.accepted_answer_id) | Q(validated_at__isnull=False))
        .select_related("author")
        .order_by("pk")
    )


def faq_review_queue() -> list[FaqPromotion]:
    """« FAQ à revalider »: entries whose thread changed since the version the FAQ shows,
    oldest change first, with what a new version would show."""
    return list(
        FaqPromotion.objects.awaiting_review()
        .select_related("question__accepted_answer", "answer")
        .order_by("review_requested_at", "pk")
    )


def flag_queue() -> list[Flag]:
    """Open reports, oldest first, with their post and thread."""
    return list(
        Flag.objects.open()
        .select_related(
            "reporter",
            "question",
            "answer",
            "answer__question",
            "comment",
            "comment__question",
            "comment__answer",
            "comment__answer__question",
        )
        .order_by("created_at", "pk")
    )


# --- Unread markers and « Mes suivis » -----------------------------------------------------


class SubqueryCount(Subquery):
    """`(SELECT COUNT(*) FROM (subquery))`: a count per outer row, without GROUP BY."""

    template = "(SELECT COUNT(*) FROM (%(subquery)s) _count)"
    output_field = IntegerField()


def _new_answers(thread_ref, since_ref, user) -> QuerySet[Answer]:
    """Alive answers of the thread published after `since` by someone else."""
    return (
        Answer.objects.alive()
        .filter(question=thread_ref, created_at__gt=since_ref)
        .exclude(author=user)
        .values("pk")
    )


def _new_comments(thread_ref, since_ref, user) -> QuerySet[Comment]:
    """Alive comments of the thread (on the question or an alive answer) published after
    `since` by someone else."""
    return (
        Comment.objects.filter(deleted_at__isnull=True, created_at__gt=since_ref)
        .filter(
            Q(question=thread_ref) | Q(answer__question=thread_ref, answer__deleted_at__isnull=True)
        )
        .exclude(author=user)
        .values("pk")
    )


def mark_new_posts(thread: Thread, *, since, user) -> None:
    """Mark `is_new` the alive answers and comments others published after `since`, and keep
    the first of them in page order (the « Premier message non lu » link). No query."""
    if since is None or thread.question.deleted_at:
        return
    in_page_order = list(thread.question_comments)
    for answer in thread.answers:
        in_page_order.append(answer)
        in_page_order.extend(answer.thread_comments)
    for post in in_page_order:
        post.is_new = (
            post.deleted_at is None
            and post.created_at > since
            and (post.author_id is None or post.author_id != user.pk)
            and not (isinstance(post, Comment) and post.answer_id and post.answer.deleted_at)
        )
        if post.is_new:
            thread.new_count += 1
            thread.first_new = thread.first_new or post


def mark_unread_rows(rows, user) -> list[Question]:
    """Set `has_unread` on each listed thread: the member opened it before, and someone else
    answered or commented since. One query for the whole page (none for visitors)."""
    rows = list(rows)
    unread = unread_thread_ids([row.pk for row in rows], user)
    for row in rows:
        row.has_unread = row.pk in unread
    return rows


# A page asks which of at most `UNREAD_IDS_PER_QUERY` threads are unread in one query (a list
# page's rows); more are asked in chunks. The query is compiled once (directory/compiled.py):
# building it through the ORM cost more CPU than the rest of a cached list page.
UNREAD_IDS_PER_QUERY = 20
_SENTINEL_USER = -730_194_603
_SENTINEL_IDS = tuple(range(-830_194_600, -830_194_600 - UNREAD_IDS_PER_QUERY, -1))


def _unread_query(user_id, *ids):
    member = get_user_model()(pk=user_id)
    thread, since = OuterRef("question_id"), OuterRef("seen_at")
    return (
        ThreadVisit.objects.filter(user_id=user_id, question_id__in=ids)
        .filter(
            Exists(_new_answers(thread, since, member))
            | Exists(_new_comments(thread, since, member))
        )
        .values_list("question_id")
    )


def unread_thread_ids(ids, user) -> set[int]:
    """Which of these threads the member opened before and someone else answered or
    commented since. One query per 20 ids (none for visitors or no ids)."""
    ids = sorted(set(ids))
    if not ids or not is_member(user):
        return set()
    unread = set()
    for start in range(0, len(ids), UNREAD_IDS_PER_QUERY):
        chunk = ids[start : start + UNREAD_IDS_PER_QUERY]
        padded = [chunk[min(n, len(chunk) - 1)] for n in range(UNREAD_IDS_PER_QUERY)]
        rows = compiled.fetch(
            "qa.unread_thread_ids",
            _unread_query,
            (_SENTINEL_USER, *_SENTINEL_IDS),
            (user.pk, *padded),  # a repeated id changes nothing
            model=ThreadVisit,
        )
        unread.update(row[0] for row in rows)
    return unread


def list_filter_choices() -> tuple[list[Topic], list[tuple[int, str, str]]]:
    """The list page's filter choices, in one query (a UNION): the active topics, and the
    structures some question was asked from (EXISTS probes the author_structure index once
    per structure; a join + DISTINCT read every question, 0.15 s on 100,000 of them), these
    as `(pk, name, slug)`: a whole Pays has hundreds, and model objects cost CPU per row."""
    label = ("choice_kind", "id", "name", "slug")
    topics = Topic.objects.active().order_by().annotate(choice_kind=Value(0)).values_list(*label)
    structures = (
        Structure.objects.filter(Exists(Question.objects.filter(author_structure=OuterRef("pk"))))
        .order_by()
        .annotate(choice_kind=Value(1))
        .values_list(*label)
    )
    rows = topics.union(structures, all=True).order_by("choice_kind", "name")
    topics, structures = [], []
    for kind, pk, name, slug in rows:
        if kind == 0:
            topics.append(Topic(pk=pk, name=name, slug=slug))
        else:
            structures.append((pk, name, slug))
    return topics, structures


def followed_questions(user) -> QuerySet[QuestionFollow]:
    """The alive threads the member follows, most recently active first, each with
    `new_answers` and `new_comments`: by others since the member's last visit of the thread
    (since they followed it when they have not opened it since, or the marker was pruned)."""
    last_visit = ThreadVisit.objects.filter(user=user, question=OuterRef("question_id")).values(
        "seen_at"
    )[:1]
    thread, since = OuterRef("question_id"), OuterRef("since")
    return (
        QuestionFollow.objects.filter(user=user, question__deleted_at__isnull=True)
        .select_related("question")
        .annotate(since=Coalesce(Subquery(last_visit), "created_at"))
        .annotate(
            new_answers=SubqueryCount(_new_answers(thread, since, user)),
            new_comments=SubqueryCount(_new_comments(thread, since, user)),
        )
        .order_by("-question__last_activity_at", "-pk")
    )


def followed_topics(user) -> list[TopicFollow]:
    """Active topics the member follows, by name, with `new_questions`: alive threads others
    opened in it since the member's last visit of the topic's page."""
    new_questions = (
        listed_questions()
        .filter(topics=OuterRef("topic_id"), created_at__gt=OuterRef("seen_at"))
        .exclude(author=user)
        .values("pk")
    )
    return list(
        TopicFollow.objects.filter(user=user, topic__is_active=True)
        .select_related("topic")
        .annotate(new_questions=SubqueryCount(new_questions))
        .order_by("topic__name")
    )


def followed_people(user) -> list[PersonFollow]:
    """Listed people the member follows, by name, with what their page shows that is new
    since the member's last visit of it: `new_questions` and `new_answers` they wrote,
    `new_addressed` questions others addressed to them. A person who left the lists is not
    shown (the row stays, and comes back with them)."""
    since = OuterRef("seen_at")
    author = OuterRef("person__user_id")
    return list(
        PersonFollow.objects.filter(user=user, person__is_listed=True)
        .select_related("person")
        .annotate(
            new_questions=SubqueryCount(
                listed_questions().filter(author_id=author, created_at__gt=since).values("pk")
            ),
            new_answers=SubqueryCount(
                Answer.objects.alive()
                .filter(author_id=author, created_at__gt=since, question__deleted_at__isnull=True)
                .values("pk")
            ),
            new_addressed=SubqueryCount(
                listed_questions()
                .filter(addressed_to_person_id=OuterRef("person_id"), created_at__gt=since)
                .exclude(author=user)
                .values("pk")
            ),
        )
        .order_by("person__last_name", "person__first_name")
    )


def followed_structures(user) -> list[StructureFollow]:
    """Structures the member follows, by name, with `new_asked` (questions asked from the
    structure) and `new_addressed` (questions addressed to it), by others, since the member's
    last visit of its page."""
    since, structure = OuterRef("seen_at"), OuterRef("structure_id")
    others = listed_questions().exclude(author=user).filter(created_at__gt=since)
    return list(
        StructureFollow.objects.filter(user=user)
        .select_related("structure")
        .annotate(
            new_asked=SubqueryCount(others.filter(author_structure_id=structure).values("pk")),
            new_addressed=SubqueryCount(
                others.filter(addressed_to_structure_id=structure).values("pk")
            ),
        )
        .order_by("structure__name")
    )


# --- Drafts and the ask form's topic templates ----------------------------------------------


def drafts_for(user) -> list[Draft]:
    """The drafts « Mes brouillons » offers: the new question's while the member may ask, and
    each answer's while they may still answer there (`permissions.can_answer`: a thread
    deleted, locked or closed since is not offered; its draft comes back if it reopens). Two
    queries, whatever the number of drafts."""
    drafts = (
        Draft.objects.filter(user=user)
        .select_related("question")
        .prefetch_related(Prefetch("topics", queryset=Topic.objects.only("name")))
    )
    return [
        draft
        for draft in drafts
        if (
            permissions.can_ask(user)
            if draft.question is None
            else permissions.can_answer(user, draft.question)
        )
    ]


def new_question_draft(user) -> Draft | None:
    """The member's draft of a new question, which the ask form starts from."""
    if not permissions.can_ask(user):
        return None
    return Draft.objects.filter(user=user, question=None).prefetch_related("topics").first()


def answer_draft(user, question: Question) -> Draft | None:
    """The member's draft of an answer on this thread, while they may answer there."""
    if not permissions.can_answer(user, question):
        return None
    return Draft.objects.filter(user=user, question=question).first()


def topic_templates() -> list[Topic]:
    """Active topics with a guide or a body template for the ask form (`Topic.ask_guide`,
    `Topic.ask_template`: plain text, escaped wherever shown). One query."""
    return list(
        Topic.objects.active()
        .exclude(ask_guide="", ask_template="")
        .only("pk", "name", "slug", "ask_guide", "ask_template")
    )


@dataclass
class AttachmentStorage:
    used: int
    quota: int

    @property
    def remaining(self) -> int:
        return max(self.quota - self.used, 0)

    @property
    def percent(self) -> int:
        return min(100, round(100 * self.used / self.quota)) if self.quota else 100


def attachment_storage(user) -> AttachmentStorage:
    """The space a member's attachments take (every post they attached to, deleted posts
    included: their files are still stored) against `QA_ATTACHMENT_QUOTA`. One query."""
    used = Attachment.objects.filter(uploader=user).aggregate(total=Sum("size"))["total"]
    return AttachmentStorage(used=used or 0, quota=settings.QA_ATTACHMENT_QUOTA)
