"""What the API reads and writes. Inputs refuse unknown fields and wrong types (strict
mode: "1" is not a number), so a client cannot set anything the schema does not name."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from django.utils.translation import gettext as _
from ninja import Schema
from pydantic import ConfigDict, Field, model_validator

from qa.models import (
    BODY_MAX_LENGTH,
    COMMENT_MAX_LENGTH,
    MAX_TOPICS,
    TITLE_MAX_LENGTH,
    FlagReason,
)
from website.pages.models import Audience, RegulatoryKind


class Input(Schema):
    model_config = ConfigDict(extra="forbid", strict=True)

    @model_validator(mode="before")
    @classmethod
    def _refuse_nul_characters(cls, data):
        """PostgreSQL refuses a NUL character in any text it is sent (a 500 for a topic slug
        holding one); the site's forms refuse it too."""
        if _holds_nul(data):
            raise ValueError(_("Un champ contient un caractère nul, refusé par l'API."))
        return data


def _holds_nul(value) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_holds_nul(key) or _holds_nul(item) for key, item in value.items())
    if isinstance(value, list | tuple):
        return any(_holds_nul(item) for item in value)
    return False


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


class RegulatoryAffected(Schema):
    id: int
    title: str
    url: str


class RegulatoryUpdateDetail(RegulatoryUpdateOut):
    affected_questions: list[RegulatoryAffected] = Field(
        description="The threads this update makes « à revérifier » (members only, as on the "
        "page; empty for visitors)."
    )


class RegulatoryIn(Input):
    title: str = Field(min_length=1, max_length=255)
    kind: Literal[tuple(RegulatoryKind.values)]  # type: ignore[valid-type]
    official_reference: str = Field(min_length=1, max_length=255)
    official_url: str = Field("", max_length=500)
    # JSON has no dates: these two alone accept an ISO string ("2026-10-01").
    publication_date: date = Field(strict=False)
    effective_date: date | None = Field(None, strict=False)
    topics: list[str] = Field(description="Topic slugs (at least one).", max_length=20)
    audience: Literal[tuple(Audience.values)] = Audience.ALL.value  # type: ignore[valid-type]
    summary: str = Field(min_length=1, max_length=1000)
    body_html: str = Field(
        "",
        max_length=200_000,
        description="Rich text (HTML); sanitised by the CMS like the admin's editor.",
    )
    affected_questions: list[int] = Field(
        [],
        max_length=200,
        description="Ids of the threads to mark « à revérifier » once the update is published.",
    )


class RegulatoryDraft(Schema):
    id: int
    title: str
    live: bool = Field(description="Always false: a second editor's approval publishes it.")
    in_review: bool = Field(description="Submitted to the second-editor workflow.")
    admin_url: str


# --- The directory -------------------------------------------------------------------------


class StructureRef(Schema):
    slug: str
    name: str
    kind: str
    url: str


class PositionOut(Schema):
    function: str
    kind: str
    structure: StructureRef
    start_date: date | None


class PersonOut(Schema):
    id: int
    name: str
    url: str
    positions: list[PositionOut] = Field(description="Current positions, latest begun first.")


class PersonPage(Schema):
    items: list[PersonOut]
    next_cursor: str | None


class PersonDetail(PersonOut):
    bio: str
    email: str | None = Field(description="Only when the person shows it to members.")
    phone: str | None = Field(description="Only when the person shows it to members.")
    expertise: list[str] = Field(description="Topic slugs.")
    interests: list[str] = Field(description="Topic slugs.")


class StructureOut(StructureRef):
    parent: str | None = Field(description="The parent structure's slug.")


class StructurePage(Schema):
    items: list[StructureOut]
    next_cursor: str | None


class StructureDetail(StructureOut):
    address: str
    phone: str
    website: str | None
    population: int | None
    children: list[StructureRef]
    people: list[PersonOut] = Field(
        description="The first people with a current position here (all of them, with the "
        "member structures': /people?structure=<slug>)."
    )


# --- The agenda ----------------------------------------------------------------------------


class ProposalOut(Schema):
    id: int
    title: str
    url: str
    status: str = Field(description="ouverte, programmee, debattue or retiree.")
    author: str
    topics: list[str]
    support_count: int
    created_at: datetime
    meeting_id: int | None
    minutes_url: str | None


class ProposalPage(Schema):
    items: list[ProposalOut]
    next_cursor: str | None


class ProposalDetail(ProposalOut):
    rationale: str
    supported: bool = Field(description="Whether this caller supports it.")


class MeetingDetail(Schema):
    id: int
    title: str
    kind: str
    url: str
    starts_at: datetime
    place: str
    video_url: str | None
    description: str
    agenda: list[ProposalOut]


class MeetingPage(Schema):
    items: list[MeetingDetail]
    next_cursor: str | None
