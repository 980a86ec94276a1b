"""Events → recipients. Each handler reads the objects again (in the background task) and
returns the notifications `services.notify` created.

Handlers take the JSON payload the receivers queued (ids only: objects may have changed or
disappeared by the time the task runs; a vanished object notifies nobody).
"""

from collections.abc import Callable

from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext

from website.notifications.kinds import Kind
from website.notifications.models import Notification
from website.notifications.services import Audience, notify

HANDLERS: dict[str, Callable[[dict], list]] = {}


def handler(event: str):
    def register(function):
        HANDLERS[event] = function
        return function

    return register


def handle(event: str, payload: dict) -> list:
    return HANDLERS[event](payload)


@handler("account_approved")
def account_approved(payload: dict) -> list:
    user = get_user_model().objects.filter(pk=payload["user_id"]).first()
    if user is None:
        return []
    return notify(
        event_key=f"account_approved:{user.pk}",
        audiences=[Audience(Kind.ACCOUNT_APPROVED, [user.pk])],
        actor=payload.get("approved_by_id"),
        title=gettext("Votre compte Entraide est ouvert"),
        url="/",
    )


def _change_lines(change) -> list[str]:
    """« Nom : Mairesse → Mairesse-Blanc », one per field a moderator changed."""
    from django.core.exceptions import FieldDoesNotExist

    from directory.models import Person

    lines = []
    for name, value in change.details.items():
        if name.startswith("fonction"):
            label = gettext("Fonction")
        else:
            try:
                label = str(Person._meta.get_field(name).verbose_name)
            except FieldDoesNotExist:
                label = name
            label = label[:1].upper() + label[1:]
        if isinstance(value, list) and len(value) == 2:
            lines.append(f"{label} : {value[0] or '—'} → {value[1] or '—'}")
    return lines


@handler("entry_corrected")
def entry_corrected(payload: dict) -> list:
    """The owner of a directory entry a moderator corrected (or ended a position of) hears
    what changed, why, and where their entry is. Once per change (its key)."""
    from directory.models import EntryChange

    change = EntryChange.objects.select_related("person").filter(pk=payload["change_id"]).first()
    if change is None or change.person is None or change.person.user_id is None:
        return []
    excerpt = " ; ".join(_change_lines(change))
    if change.reason:
        excerpt += ". " + gettext("Motif : %(reason)s") % {"reason": change.reason}
    return notify(
        event_key=f"entry_corrected:{change.pk}",
        audiences=[Audience(Kind.ENTRY_CORRECTED, [change.person.user_id])],
        actor=change.changed_by_id,
        title=gettext("Votre fiche de l'annuaire : %(change)s")
        % {"change": change.get_kind_display().lower()},
        excerpt=excerpt,
        url=change.person.get_absolute_url(),
        target=change.person,
    )


# --- Q&A -----------------------------------------------------------------------------------


def _plain_excerpt(markdown_text: str, length: int = 300) -> str:
    """The start of a post's text; a mention shows as « @Label », without its entry id."""
    from qa.markdown import MENTION_RE

    text = MENTION_RE.sub(lambda match: f"@{match.group(1)}", markdown_text or "")
    text = " ".join(text.split())
    return text if len(text) <= length else text[: length - 1].rstrip() + "…"


def _post_excerpt(post) -> str:
    """The start of the post's text, then « — 2 pièces jointes » when it has files: the
    e-mail and the feed say so and link to the thread; a file is never attached to an e-mail
    (members-only, served after the download view's check)."""
    from qa.attachments import count_label

    files = count_label(post.attachments.current().count())
    excerpt = _plain_excerpt(post.body)
    return f"{excerpt} — {files}" if files else excerpt


def _first_topic(question):
    topics = sorted(question.topics.all(), key=lambda topic: topic.name)
    return topics[0] if topics else None


def _structure_member_ids(structure) -> list[int]:
    """Accounts of the people currently holding a position in the structure."""
    from directory.models import Position

    return list(
        Position.objects.current()
        .filter(structure=structure, person__user__isnull=False)
        .values_list("person__user_id", flat=True)
        .distinct()
    )


def _expert_ids(question) -> list[int]:
    """Experts of the question's topics, the asker's CC first, then the Pays, capped."""
    from django.conf import settings

    from directory.selectors import experts_for

    limit = settings.NOTIFICATIONS_MAX_EXPERTS_PER_QUESTION
    if limit <= 0:
        return []
    experts = experts_for(
        topics=list(question.topics.all()), structure=question.author_structure, limit=limit
    )
    # `experts_for` returns directory entries; their accounts are who we notify.
    ids = [expert.user_id if hasattr(expert, "user_id") else expert.pk for expert in experts]
    return [user_id for user_id in ids if user_id is not None][:limit]


def _mentioned_ids(post) -> list[int]:
    """The accounts a post's @mentions notify (the first ones mentioned, listed people)."""
    from qa.mentions import accounts_to_notify

    return accounts_to_notify(post)


def _question(question_id):
    from qa.models import Question

    return (
        Question.objects.alive()
        .select_related("author", "author_structure", "addressed_to_person")
        .prefetch_related("topics")
        .filter(pk=question_id)
        .first()
    )


@handler("question_created")
def question_created(payload: dict) -> list:
    from qa.models import TopicFollow

    question = _question(payload["question_id"])
    if question is None:
        return []
    addressed = []
    if question.addressed_to_person and question.addressed_to_person.user_id:
        addressed.append(question.addressed_to_person.user_id)
    if question.addressed_to_structure_id:
        addressed += _structure_member_ids(question.addressed_to_structure_id)
    followers = TopicFollow.objects.filter(topic__in=question.topics.all()).values_list(
        "user_id", flat=True
    )
    return notify(
        event_key=f"question:{question.pk}",
        audiences=[
            Audience(Kind.QUESTION_ADDRESSED, addressed),
            Audience(Kind.MENTION, _mentioned_ids(question)),
            Audience(Kind.QUESTION_ROUTED, _expert_ids(question)),
            Audience(Kind.QUESTION_IN_TOPIC, followers),
        ],
        actor=question.author,
        title=question.title,
        excerpt=_post_excerpt(question),
        url=question.get_absolute_url(),
        topic=_first_topic(question),
        target=question,
    )


@handler("answer_created")
def answer_created(payload: dict) -> list:
    from qa.models import Answer

    answer = (
        Answer.objects.alive()
        .select_related("author", "question")
        .filter(pk=payload["answer_id"], question__deleted_at__isnull=True)
        .first()
    )
    if answer is None:
        return []
    question = answer.question
    return notify(
        event_key=f"answer:{answer.pk}",
        audiences=[
            Audience(Kind.MENTION, _mentioned_ids(answer)),
            Audience(Kind.ANSWER, [question.author_id]),
            Audience(Kind.ANSWER, question.follows.values_list("user_id", flat=True)),
        ],
        actor=answer.author,
        title=question.title,
        excerpt=_post_excerpt(answer),
        url=answer.get_absolute_url(),
        topic=_first_topic(question),
        target=answer,
    )


@handler("comment_created")
def comment_created(payload: dict) -> list:
    from qa.models import Comment

    comment = (
        Comment.objects.select_related("author", "question", "answer__question")
        .filter(pk=payload["comment_id"], deleted_at__isnull=True)
        .first()
    )
    if comment is None or comment.thread.deleted_at is not None:
        return []
    thread = comment.thread
    return notify(
        event_key=f"comment:{comment.pk}",
        audiences=[
            Audience(Kind.MENTION, _mentioned_ids(comment)),
            Audience(Kind.COMMENT, [comment.post.author_id]),
            Audience(Kind.COMMENT, thread.follows.values_list("user_id", flat=True)),
        ],
        actor=comment.author,
        title=thread.title,
        excerpt=_post_excerpt(comment),
        url=comment.get_absolute_url(),
        topic=_first_topic(thread),
        target=comment,
    )


@handler("post_edited")
def post_edited(payload: dict) -> list:
    """People an edit newly mentions. The event is the post's creation event, so whoever that
    event already told (mentioned, follower, author) is not told again; and the post's
    mentions notify `QA_MENTIONS_NOTIFIED_PER_POST` people at most over all its versions."""
    from django.conf import settings

    from qa.mentions import accounts_to_notify
    from qa.models import Answer, Comment, Question

    model = {"question": Question, "answer": Answer, "comment": Comment}[payload["kind"]]
    related = {"question": [], "answer": ["question"], "comment": ["question", "answer__question"]}
    post = (
        model.objects.select_related(*related[payload["kind"]])
        .filter(pk=payload["post_id"], deleted_at__isnull=True)
        .first()
    )
    if post is None or post.thread.deleted_at is not None:
        return []
    event_key = f"{payload['kind']}:{post.pk}"
    told = Notification.objects.filter(event_key=event_key)
    already = set(told.values_list("recipient_id", flat=True))
    budget = settings.QA_MENTIONS_NOTIFIED_PER_POST - told.filter(kind=Kind.MENTION).count()
    new = [user_id for user_id in accounts_to_notify(post) if user_id not in already]
    if budget <= 0 or not new:
        return []
    thread = post.thread
    return notify(
        event_key=event_key,
        audiences=[Audience(Kind.MENTION, new[:budget])],
        actor=payload.get("by_id"),
        title=thread.title,
        excerpt=_plain_excerpt(post.body),
        url=post.get_absolute_url(),
        topic=_first_topic(thread),
        target=post,
    )


def _answer(answer_id):
    """The answer, unless it or its thread was deleted before the task ran (finding 5)."""
    from qa.models import Answer

    return (
        Answer.objects.alive()
        .select_related("author", "question")
        .filter(pk=answer_id, question__deleted_at__isnull=True)
        .first()
    )


@handler("answer_accepted")
def answer_accepted(payload: dict) -> list:
    answer = _answer(payload["answer_id"])
    if answer is None:
        return []
    return notify(
        event_key=f"answer_accepted:{answer.pk}",
        audiences=[Audience(Kind.ANSWER_ACCEPTED, [answer.author_id])],
        actor=payload.get("by_id"),
        title=answer.question.title,
        url=answer.get_absolute_url(),
        topic=_first_topic(answer.question),
        target=answer,
    )


@handler("answer_validated")
def answer_validated(payload: dict) -> list:
    answer = _answer(payload["answer_id"])
    if answer is None:
        return []
    by = get_user_model().objects.filter(pk=payload.get("by_id")).first()
    return notify(
        event_key=f"answer_validated:{answer.pk}",
        audiences=[Audience(Kind.ANSWER_VALIDATED, [answer.author_id])],
        actor=by,
        title=answer.question.title,
        url=answer.get_absolute_url(),
        topic=_first_topic(answer.question),
        target=answer,
    )


# --- For the moderators ----------------------------------------------------------------------


@handler("flag_created")
def flag_created(payload: dict) -> list:
    """Each new report, to every moderator (their « Nouveau signalement » preference)."""
    from django.urls import reverse

    from directory.selectors import moderator_accounts
    from qa.models import Flag

    flag = (
        Flag.objects.open()
        .select_related(
            "reporter", "question", "answer__question", "comment__question", "comment__answer"
        )
        .filter(pk=payload["flag_id"])
        .first()
    )
    if flag is None:
        return []
    return notify(
        event_key=f"flag:{flag.pk}",
        audiences=[Audience(Kind.FLAG_CREATED, moderator_accounts().values_list("pk", flat=True))],
        actor=flag.reporter,
        title=flag.post.thread.title,
        excerpt=f"{flag.get_reason_display()} — {flag.text}".strip(" —"),
        url=reverse("qa:flag_queue"),
    )


@handler("account_pending")
def account_pending(payload: dict) -> list:
    """An account entered the approval queue (address verified, not approved yet)."""
    from django.urls import reverse

    from directory.selectors import moderator_accounts, pending_accounts

    user = pending_accounts().filter(pk=payload["user_id"]).first()
    if user is None:
        return []
    details = ", ".join(part for part in (user.signup_structure, user.signup_function) if part)
    return notify(
        event_key=f"account_pending:{user.pk}",
        audiences=[
            Audience(Kind.ACCOUNT_PENDING, moderator_accounts().values_list("pk", flat=True))
        ],
        actor_name=user.get_full_name() or user.email,
        title=user.get_full_name() or user.email,
        excerpt=details,
        url=reverse("directory:pending_accounts"),
    )


@handler("moderation_action")
def moderation_action(payload: dict) -> list:
    from qa.models import ModerationAction

    action = (
        ModerationAction.objects.select_related("question", "answer", "comment", "moderator")
        .filter(pk=payload["action_id"])
        .first()
    )
    if action is None:
        return []
    post = action.post
    reason = f" — {action.reason}" if action.reason else ""
    return notify(
        event_key=f"moderation:{action.pk}",
        audiences=[Audience(Kind.MODERATION, [post.author_id])],
        actor=action.moderator,
        title=action.question.title,
        excerpt=f"{action.get_kind_display()}{reason}",
        url=post.get_absolute_url(),
        topic=_first_topic(action.question),
        target=action.question,
    )


# --- Agenda --------------------------------------------------------------------------------


@handler("proposal_scheduled")
def proposal_scheduled(payload: dict) -> list:
    from qa.agenda.models import Proposal

    proposal = (
        Proposal.objects.select_related("meeting")
        .prefetch_related("topics")
        .filter(pk=payload["proposal_id"], meeting_id=payload["meeting_id"])
        .first()
    )
    if proposal is None:
        return []
    topics = sorted(proposal.topics.all(), key=lambda topic: topic.name)
    meeting = proposal.meeting
    return notify(
        event_key=f"proposal_scheduled:{proposal.pk}:{meeting.pk}",
        audiences=[
            Audience(
                Kind.PROPOSAL_SCHEDULED,
                [proposal.author_id, *proposal.supports.values_list("user_id", flat=True)],
            )
        ],
        actor=payload.get("scheduled_by_id"),
        title=proposal.title,
        excerpt=gettext("Inscrite à l'ordre du jour de : %(meeting)s (%(date)s)")
        % {
            "meeting": meeting.title,
            "date": date_format(timezone.localtime(meeting.starts_at), "DATETIME_FORMAT"),
        },
        url=proposal.get_absolute_url(),
        topic=topics[0] if topics else None,
        target=proposal,
    )


def _proposal_people(proposal) -> list[int]:
    """Who hears about a proposal: its author and its supporters."""
    return [proposal.author_id, *proposal.supports.values_list("user_id", flat=True)]


def _proposal(proposal_id):
    from qa.agenda.models import Proposal, ProposalStatus

    return (
        Proposal.objects.with_listing_data()
        .select_related("meeting")
        .filter(pk=proposal_id, status=ProposalStatus.DISCUSSED)
        .first()
    )


@handler("proposal_discussed")
def proposal_discussed(payload: dict) -> list:
    proposal = _proposal(payload["proposal_id"])
    if proposal is None:
        return []
    topics = sorted(proposal.topics.all(), key=lambda topic: topic.name)
    if proposal.has_minutes:
        excerpt = gettext("Débattue lors de : %(meeting)s. Le compte rendu est en ligne.")
    else:
        excerpt = gettext("Débattue lors de : %(meeting)s. Le compte rendu sera publié plus tard.")
    return notify(
        event_key=f"proposal_discussed:{proposal.pk}",
        audiences=[Audience(Kind.PROPOSAL_DISCUSSED, _proposal_people(proposal))],
        actor=payload.get("by_id"),
        title=proposal.title,
        excerpt=excerpt % {"meeting": proposal.meeting.title},
        url=proposal.get_absolute_url(),
        topic=topics[0] if topics else None,
        target=proposal,
    )


@handler("proposal_minutes_published")
def proposal_minutes_published(payload: dict) -> list:
    proposal = _proposal(payload["proposal_id"])
    if proposal is None or not proposal.has_minutes:
        return []
    topics = sorted(proposal.topics.all(), key=lambda topic: topic.name)
    return notify(
        event_key=f"proposal_minutes:{proposal.pk}:{payload.get('published_at', '')}",
        audiences=[Audience(Kind.PROPOSAL_MINUTES, _proposal_people(proposal))],
        actor=payload.get("by_id"),
        title=proposal.title,
        excerpt=gettext("Le compte rendu de « %(meeting)s » est publié.")
        % {"meeting": proposal.meeting.title},
        url=proposal.get_absolute_url(),
        topic=topics[0] if topics else None,
        target=proposal,
    )


@handler("meeting_cancelled")
def meeting_cancelled(payload: dict) -> list:
    """The people of the subjects that were on a cancelled meeting's agenda (their authors and
    supporters, those told when the subjects were scheduled). Once per meeting: the event key
    is the meeting's, and a second cancel is refused by the service."""
    from qa.agenda.models import Meeting, Proposal, Support

    meeting = Meeting.objects.filter(pk=payload["meeting_id"], cancelled_at__isnull=False).first()
    if meeting is None:
        return []
    proposal_ids = payload.get("proposal_ids") or []
    people = [
        *Proposal.objects.filter(pk__in=proposal_ids).values_list("author_id", flat=True),
        *Support.objects.filter(proposal_id__in=proposal_ids).values_list("user_id", flat=True),
    ]
    date = date_format(timezone.localtime(meeting.starts_at), "DATETIME_FORMAT")
    excerpt = gettext(
        "La réunion du %(date)s est annulée. Les sujets de son ordre du jour reviennent parmi "
        "les propositions ouvertes."
    ) % {"date": date}
    if meeting.cancellation_reason:
        excerpt += " " + gettext("Motif : %(reason)s") % {"reason": meeting.cancellation_reason}
    return notify(
        event_key=f"meeting_cancelled:{meeting.pk}",
        audiences=[Audience(Kind.MEETING_CANCELLED, people)],
        actor=payload.get("by_id"),
        title=meeting.title,
        excerpt=excerpt,
        url=meeting.get_absolute_url(),
        target=meeting,
    )


# --- CMS: regulatory watch -----------------------------------------------------------------


@handler("question_marked_for_recheck")
def question_marked_for_recheck(payload: dict) -> list:
    """A published text may make a thread's answers wrong: tell who answered (and the asker),
    if they may view the text (its title is in the message)."""
    from qa.models import Answer
    from website.pages.models import QuestionRecheck
    from website.pages.permissions import page_viewer_ids

    question = _question(payload["question_id"])
    recheck = QuestionRecheck.objects.select_related("update").filter(pk=payload["recheck_id"])
    recheck = recheck.first()
    if question is None or recheck is None:
        return []
    answerers = list(
        Answer.objects.alive()
        .filter(question=question, author__isnull=False)
        .values_list("author_id", flat=True)
    )
    may_view = page_viewer_ids(recheck.update, [*answerers, question.author_id])
    return notify(
        event_key=f"recheck:{payload['recheck_id']}",
        audiences=[
            Audience(Kind.RECHECK, [pk for pk in answerers if pk in may_view]),
            Audience(Kind.RECHECK, [question.author_id] if question.author_id in may_view else []),
        ],
        title=question.title,
        excerpt=gettext("À revérifier au regard de : %(update)s") % {"update": payload["update"]},
        url=question.get_absolute_url(),
        topic=_first_topic(question),
        target=question,
    )


@handler("regulatory_update_published")
def regulatory_update_published(payload: dict) -> list:
    """A new regulatory text: for those who follow, or declared interest or expertise in,
    one of its topics, and who may view it (a text behind a view restriction reaches only those
    it lets in). Republishing (a typo fixed) notifies nobody again."""
    from directory.models import TopicInterest
    from qa.models import TopicFollow
    from website.pages.models import RegulatoryUpdatePage
    from website.pages.permissions import page_viewer_ids

    page = (
        RegulatoryUpdatePage.objects.live()
        .prefetch_related("topics")
        .filter(pk=payload["page_id"])
        .first()
    )
    if page is None:
        return []
    topics = sorted(page.topics.all(), key=lambda topic: topic.name)
    followers = list(TopicFollow.objects.filter(topic__in=topics).values_list("user_id", flat=True))
    interested = list(
        TopicInterest.objects.held()
        .filter(topic__in=topics, person__user__isnull=False)
        .values_list("person__user_id", flat=True)
    )
    may_view = page_viewer_ids(page, [*followers, *interested])
    return notify(
        event_key=f"regulatory_update:{page.pk}",
        audiences=[
            Audience(Kind.REGULATORY_UPDATE, [pk for pk in followers if pk in may_view]),
            Audience(Kind.REGULATORY_UPDATE, [pk for pk in interested if pk in may_view]),
        ],
        actor=payload.get("published_by_id"),
        title=page.title,
        excerpt=page.summary,
        url=page.get_url() or "/veille/",
        topic=topics[0] if topics else None,
        target=page,
    )
