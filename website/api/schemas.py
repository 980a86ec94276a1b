"""What the API reads and writes. Inputs refuse unknown fields and wrong types (strict
mode: "1" is not a number), so a client cannot set anything the schema does not name."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from ninja import Schema
from pydantic import ConfigDict, Field

from qa.models import (
    BODY_MAX_LENGTH,
    COMMENT_MAX_LENGTH,
    MAX_TOPICS,
    TITLE_MAX_LENGTH,
    FlagReason,
)


class Input(Schema):
    model_config = ConfigDict(extra="forbid", strict=True)


# --- Reading -------------------------------------------------------------------------------


class TopicOut(Schema):
    slug: str
    name: str
    question_count: int | None = None


class CommentOut(Schema):
    id: int
    author: str
    body: str
    body_html: str = Field(description="Rendered and sanitised Markdown (the site's pipeline).")
    created_at: datetime
    deleted: bool = False


class AnswerOut(Schema):
    id: int
    author: str
    body: str
    body_html: str
    created_at: datetime
    score: int
    accepted: bool
    validated: bool
    deleted: bool = False
    comments: list[CommentOut]


class QuestionSummary(Schema):
    id: int
    kind: Literal["question", "discussion"]
    title: str
    url: str
    author: str
    author_structure: str | None
    topics: list[str] = Field(description="Topic slugs.")
    created_at: datetime
    last_activity_at: datetime
    score: int
    answer_count: int
    accepted_answer_id: int | None
    has_validated_answer: bool
    closed: bool


class QuestionPage(Schema):
    items: list[QuestionSummary]
    next_cursor: str | None = Field(
        description="Pass it as `cursor` for the next page; null on the last page."
    )


class QuestionDetail(QuestionSummary):
    body: str
    body_html: str
    deleted: bool = False
    locked: bool
    comments: list[CommentOut]
    answers: list[AnswerOut]


class SearchHit(Schema):
    kind: str
    title: str
    url: str
    snippet_html: str = Field(description="Escaped text with <mark> highlights only.")
    date: datetime | None
    topics: list[str]


class SearchPage(Schema):
    query: str
    total: int
    page: int
    page_count: int
    hits: list[SearchHit]


# --- Writing -------------------------------------------------------------------------------


class QuestionIn(Input):
    kind: Literal["question", "discussion"] = "question"
    title: str = Field(max_length=TITLE_MAX_LENGTH * 2)
    body: str = Field(max_length=BODY_MAX_LENGTH * 2)
    topics: list[str] = Field(description="Topic slugs (1 to 5).", max_length=MAX_TOPICS * 2)


class AnswerIn(Input):
    body: str = Field(max_length=BODY_MAX_LENGTH * 2)


class CommentIn(Input):
    body: str = Field(max_length=COMMENT_MAX_LENGTH * 2)


class VoteIn(Input):
    # An int, not a Literal: a Literal would take `true` for 1.
    value: int = Field(ge=-1, le=1, description="+1, −1, or 0 to withdraw your vote.")


class AcceptIn(Input):
    accepted: bool = Field(description="true accepts this answer, false withdraws it.")


class FollowIn(Input):
    following: bool = Field(description="true follows, false stops following.")


class FlagIn(Input):
    reason: Literal[tuple(FlagReason.values)] = Field(  # type: ignore[valid-type]
        description="spam, off_topic, rude, outdated, or other (then `text` is required)."
    )
    text: str = Field("", max_length=2000)


class Created(Schema):
    id: int
    url: str


class VoteOut(Schema):
    value: int
    score: int


class AcceptOut(Schema):
    accepted_answer_id: int | None


class FollowOut(Schema):
    following: bool


class FlagOut(Schema):
    id: int
    reason: str
    status: str = Field(description="open until a moderator handles it.")


# --- The CMS: FAQ and regulatory watch -----------------------------------------------------


class FaqItemOut(Schema):
    question: str
    answer_html: str = Field(description="Sanitised rich text (or the approved answer).")
    topic: str | None = Field(description="The section's topic slug.")
    last_checked: date | None
    sources: list[str]
    url: str
    thread_url: str | None = Field(description="The Q&A thread, for a promoted entry.")
    promoted: bool


class FaqPage(Schema):
    items: list[FaqItemOut]
    next_cursor: str | None


class RegulatoryUpdateOut(Schema):
    id: int
    title: str
    url: str
    kind: str
    official_reference: str
    official_url: str | None
    publication_date: date
    effective_date: date | None
    audience: str
    topics: list[str]
    summary: str
    body_html: str


class RegulatoryPage(Schema):
    items: list[RegulatoryUpdateOut]
    next_cursor: str | None
