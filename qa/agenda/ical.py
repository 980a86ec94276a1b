"""Meetings as iCalendar (RFC 5545): one meeting to add to a calendar, or the subscription.

Written by hand (a few properties): text is escaped (`\\`, `;`, `,`, new lines), lines are
folded at 75 octets and end with CRLF, times are in UTC. A cancelled meeting stays in the
calendar with `STATUS:CANCELLED` and a higher `SEQUENCE`, so that a subscribed calendar removes
it instead of keeping a meeting that will not happen.
"""

import datetime
from collections.abc import Iterable

from django.utils import timezone

from qa.agenda.models import Meeting

# A meeting has a start only; calendars need an end.
DEFAULT_DURATION = datetime.timedelta(hours=2)
PRODID = "-//Entraide//Ordre du jour//FR"


def _escape(text: str) -> str:
    text = text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
    return text.replace("\r\n", "\\n").replace("\n", "\\n").replace("\r", "\\n")


def _fold(line: str) -> str:
    """Cut a content line into chunks of at most 75 octets, never inside a character."""
    encoded = line.encode()
    if len(encoded) <= 75:
        return line
    chunks, current, limit = [], b"", 75
    for char in line:
        piece = char.encode()
        if len(current) + len(piece) > limit:
            chunks.append(current.decode())
            current, limit = b"", 74  # continuation lines start with a space
        current += piece
    chunks.append(current.decode())
    return "\r\n ".join(chunks)


def _utc(moment: datetime.datetime) -> str:
    return moment.astimezone(datetime.UTC).strftime("%Y%m%dT%H%M%SZ")


def _sequence(meeting: Meeting) -> int:
    """Grows with each change: the number of seconds between creation and the last change."""
    last = max(
        (m for m in (meeting.updated_at, meeting.cancelled_at) if m), default=meeting.created_at
    )
    return max(0, int((last - meeting.created_at).total_seconds()))


def _event(meeting: Meeting, *, base_url: str, host: str) -> list[str]:
    url = base_url + meeting.get_absolute_url()
    description = meeting.description
    if meeting.video_url:
        description = f"{description}\n\n{meeting.video_url}".strip()
    if meeting.is_cancelled and meeting.cancellation_reason:
        description = f"{meeting.cancellation_reason}\n\n{description}".strip()
    location = meeting.place or meeting.video_url
    summary = meeting.title
    if meeting.structure_id:
        summary = f"{summary} — {meeting.structure.name}"
    lines = [
        "BEGIN:VEVENT",
        f"UID:meeting-{meeting.pk}@{host}",
        f"DTSTAMP:{_utc(timezone.now())}",
        f"DTSTART:{_utc(meeting.starts_at)}",
        f"DTEND:{_utc(meeting.starts_at + DEFAULT_DURATION)}",
        f"SEQUENCE:{_sequence(meeting)}",
        f"STATUS:{'CANCELLED' if meeting.is_cancelled else 'CONFIRMED'}",
        f"SUMMARY:{_escape(summary)}",
        f"URL:{url}",
    ]
    if location:
        lines.append(f"LOCATION:{_escape(location)}")
    if description:
        lines.append(f"DESCRIPTION:{_escape(description)}")
    lines.append("END:VEVENT")
    return lines


def calendar(meetings: Iterable[Meeting], *, base_url: str, host: str, name: str) -> str:
    """A VCALENDAR with one event per meeting (`structure` loaded with them)."""
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:{PRODID}",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        f"X-WR-CALNAME:{_escape(name)}",
    ]
    for meeting in meetings:
        lines.extend(_event(meeting, base_url=base_url, host=host))
    lines.append("END:VCALENDAR")
    return "".join(_fold(line) + "\r\n" for line in lines)


def calendar_meetings():
    """What a subscribed calendar holds: meetings of the last 90 days and to come, cancelled
    ones included (as cancelled)."""
    since = timezone.now() - datetime.timedelta(days=90)
    return Meeting.objects.filter(starts_at__gte=since).select_related("structure")
