"""What the layers above `qa` add to its pages, without `qa` importing or naming them.

The site's CMS sits above the Q&A: a thread page may show its banners and link to its FAQ, but
`qa` may not include their templates or hard-code their addresses. The upper app registers its
part when it starts (`AppConfig.ready()`):

- `register_thread_banner(render)`: `render(context, question)` returns HTML shown above a
  thread (the CMS's "à revérifier" banner);
- `use_faq_url(find)`: `find(request)` returns the address of the FAQ page, or "";
- `register_post_notes(find)`: `find(request, question)` returns `{anchor: html}`, notes shown
  under posts of the thread (`question`, `reponse-12`, `commentaire-7`), computed once per page
  (notifications: the « texte cité » of a reply by e-mail, for moderators);
- `use_feed_links(find)`: `find(request, topic=, question=)` returns the `FeedLink` of the
  Atom feed of a topic's questions, of a thread's answers, or (neither given) of all the
  questions, as the viewer may subscribe to it; or None.
- `use_meeting_feed_links(find)`: `find(request)` returns the `FeedLink`s of the agenda's
  meetings (the Atom feed and the iCalendar subscription), as the viewer may subscribe to them.
"""

from collections.abc import Callable
from dataclasses import dataclass

_thread_banners: list[Callable] = []
_post_notes: list[Callable] = []
_faq_url: Callable | None = None
_feed_links: Callable | None = None
_meeting_feed_links: Callable | None = None


@dataclass(frozen=True)
class FeedLink:
    url: str  # with the viewer's personal token when the feed needs one
    title: str  # the `<link rel="alternate">` title
    label: str  # the visible link's text


def register_thread_banner(render: Callable) -> None:
    if render not in _thread_banners:
        _thread_banners.append(render)


def thread_banners(context, question) -> list[str]:
    return [render(context, question) for render in _thread_banners]


def register_post_notes(find: Callable) -> None:
    if find not in _post_notes:
        _post_notes.append(find)


def post_notes(request, question) -> dict[str, list[str]]:
    notes: dict[str, list[str]] = {}
    for find in _post_notes:
        for anchor, html in find(request, question).items():
            notes.setdefault(anchor, []).append(html)
    return notes


def use_faq_url(find: Callable) -> None:
    global _faq_url
    _faq_url = find


def faq_url(request) -> str:
    return _faq_url(request) if _faq_url is not None else ""


def use_feed_links(find: Callable) -> None:
    global _feed_links
    _feed_links = find


def feed_link(request, *, topic=None, question=None) -> FeedLink | None:
    if _feed_links is None:
        return None
    return _feed_links(request, topic=topic, question=question)


def use_meeting_feed_links(find: Callable) -> None:
    global _meeting_feed_links
    _meeting_feed_links = find


def meeting_feed_links(request) -> list[FeedLink]:
    if _meeting_feed_links is None:
        return []
    return _meeting_feed_links(request)
