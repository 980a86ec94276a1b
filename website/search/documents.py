"""What goes into the index: one builder per kind of object, and who may see each document.

Every document is addressed by a uid `<kind>:<pk>` ("question:12", "person:3", "page:40",
"structure:5"). Sync, rebuild and check all go through `build(uid)`, which reads the object
from the database and returns its document, or None when it must not be in the index (deleted,
unpublished, unlisted…): indexing a uid is therefore idempotent and safe to repeat.
"""

import itertools
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, time
from urllib.parse import quote

from django.apps import apps
from django.conf import settings
from django.db.models import Prefetch, Q
from django.utils import timezone
from django.utils.html import strip_tags

from directory.roles import is_member, is_moderator, role_names
from website.search.results import SearchDocument

PUBLIC = "public"
MEMBERS = "members"
MODERATORS = "moderators"
# Q&A threads carry this too: visitors hold it only when `settings.PUBLIC_READ` is on, so
# opening Q&A to the public needs no re-indexing.
QA_PUBLIC = "qa-public"

# Page types whose `kind` is more precise than "page", by model name. The pages app registers
# its own when it starts (`register_page_kind`): search names no page model.
PAGE_KINDS: dict[str, str] = {}
MAX_BODY_CHARS = 200_000


def principals_for(user) -> frozenset[str]:
    """What a user holds; a document is visible when it shares one principal with them."""
    principals = {PUBLIC}
    if not user.is_authenticated:
        if settings.PUBLIC_READ:
            principals.add(QA_PUBLIC)
        return frozenset(principals)
    if is_member(user):
        principals |= {MEMBERS, f"user:{user.pk}"}
        names = sorted(role_names(user))
        principals |= {group_principal(combination) for combination in _combinations(names)}
        if is_moderator(user):
            principals.add(MODERATORS)
    return frozenset(principals)


def _html_text(value) -> str:
    """Plain text of rich text, stream fields or any value with HTML in it."""
    if value is None:
        return ""
    if hasattr(value, "render_as_block"):
        try:
            value = value.render_as_block()
        except Exception:
            value = str(value)
    text = strip_tags(str(value))
    text = re.sub(r"&nbsp;|&#160;", " ", text)
    from html import unescape

    return " ".join(unescape(text).split())


def _aware(value) -> datetime | None:
    if value is None:
        return None
    if not isinstance(value, datetime):
        value = datetime.combine(value, time(12))
    if timezone.is_naive(value):
        value = timezone.make_aware(value)
    return value.astimezone(UTC)


# --- Builders ---------------------------------------------------------------------------------


def question_document(question) -> SearchDocument | None:
    # The rebuild prefetches into plain lists (`_REBUILD`); a single build reads the managers.
    topics = getattr(question, "search_topics", None)
    if topics is None:
        topics = list(question.topics.all())
    answers = getattr(question, "search_answers", None)
    if answers is None:
        answers = question.answers.all()
    answers = sorted((a for a in answers if not a.deleted_at), key=lambda a: (a.created_at, a.pk))
    accepted = [a for a in answers if a.pk == question.accepted_answer_id or a.validated_at]
    others = [a for a in answers if a not in accepted]
    # Accepted and validated answers first: they carry the useful vocabulary.
    body = "\n\n".join([question.body, *(a.body for a in accepted), *(a.body for a in others)])
    acl = (MODERATORS,) if question.deleted_at else (MEMBERS, QA_PUBLIC)
    structure = question.author_structure
    files = getattr(question, "search_files", None)
    if files is None:
        files = _thread_files([question.pk]).get(question.pk, [])
    return SearchDocument(
        uid=f"question:{question.pk}",
        kind=question.kind,
        title=question.title,
        url=getattr(question, "search_url", None) or question.get_absolute_url(),
        acl=acl,
        body=body[:MAX_BODY_CHARS],
        topics=tuple(t.slug for t in topics),
        topic_names=" ".join(t.name for t in topics),
        structure=structure.slug if structure else "",
        date=_aware(question.created_at),
        extra="closed" if question.closed_at else "",
        answered=bool(accepted),
        files=tuple(files),
    )


def _thread_files(question_ids) -> dict[int, list[tuple[str, str]]]:
    """The extracted text of the files of these threads, by question id: the question's, and
    those of its answers and comments that are not deleted (a deleted post's files leave the
    index with it). One query; the text is already capped at extraction."""
    attachment = apps.get_model("qa.Attachment")
    rows = (
        attachment.objects.filter(
            Q(question_id__in=question_ids)
            | Q(answer__question_id__in=question_ids)
            | Q(comment__question_id__in=question_ids)
            | Q(comment__answer__question_id__in=question_ids)
        )
        .filter(
            answer__deleted_at__isnull=True,
            comment__deleted_at__isnull=True,
            comment__answer__deleted_at__isnull=True,
        )
        .filter(removed_at__isnull=True)  # a file an edit removed leaves the index
        .exclude(extracted_text="")
        .order_by("pk")
        .values_list(
            "question_id",
            "answer__question_id",
            "comment__question_id",
            "comment__answer__question_id",
            "original_name",
            "extracted_text",
        )
    )
    files: dict[int, list[tuple[str, str]]] = {}
    for *threads, name, text in rows:
        thread = next(pk for pk in threads if pk is not None)
        files.setdefault(thread, []).append((name, text))
    return files


def person_document(person) -> SearchDocument | None:
    if not person.is_listed:
        return None
    today = timezone.localdate()
    # `.all()` so that the rebuild's prefetching serves these (no query per person).
    positions = [p for p in person.positions.all() if p.end_date is None or p.end_date >= today]
    # Interests and recognised expertise only: a request waiting for a moderator is no topic.
    links = getattr(person, "search_topic_links", None)
    if links is None:
        links = person.topic_links.held().select_related("topic")
    topics = [link.topic for link in links]
    functions = [f"{p.function} — {p.structure.name}" for p in positions]
    return SearchDocument(
        uid=f"person:{person.pk}",
        kind="person",
        title=person.full_name,
        url=person.get_absolute_url(),
        acl=(MEMBERS,),
        body=" · ".join([*functions, person.bio]).strip(" ·"),
        names=" ".join([person.full_name, *(p.function for p in positions)]),
        topics=tuple(sorted({t.slug for t in topics})),
        topic_names=" ".join(sorted({t.name for t in topics})),
        structure=positions[0].structure.slug if positions else "",
        date=None,
    )


def structure_document(structure) -> SearchDocument | None:
    competences = list(structure.competences.all())
    parts = [structure.get_kind_display()]
    if structure.parent_id:
        parts.append(structure.parent.name)
    if structure.address:
        parts.append(structure.address)
    parts += [c.topic.name for c in competences]
    return SearchDocument(
        uid=f"structure:{structure.pk}",
        kind="structure",
        title=structure.name,
        url=structure.get_absolute_url(),
        acl=(MEMBERS,),
        body=" · ".join(parts),
        names=structure.name,
        topics=tuple(sorted({c.topic.slug for c in competences})),
        topic_names=" ".join(sorted({c.topic.name for c in competences})),
        structure=structure.slug,
    )


def _page_text(page) -> str:
    """The text of every searchable field of a page (Wagtail `search_fields`), else all
    its text-like fields."""
    from wagtail.search import index

    names = [
        f.field_name
        for f in getattr(page, "search_fields", [])
        if isinstance(f, index.SearchField) and f.field_name != "title"
    ]
    if not names:
        names = [
            f.name
            for f in page._meta.get_fields()
            if getattr(f, "concrete", False)
            and f.get_internal_type() in ("TextField", "RichTextField", "StreamField")
        ]
    chunks = []
    for name in names:
        value = getattr(page, name, None)
        if callable(value) or value is None:
            continue
        chunks.append(_html_text(value))
    return "\n".join(c for c in chunks if c)


def group_principal(names: Iterable[str]) -> str:
    """The principal of holding *all* these groups: `group:Experts` for one group,
    `groups:Experts|%C3%89diteurs` for several (each name percent-encoded, so no name can
    forge another, and no comma or space reaches Whoosh's comma-separated keyword field)."""
    names = sorted(set(names))
    if len(names) == 1:
        return f"group:{names[0]}"
    return "groups:" + "|".join(quote(name, safe="") for name in names)


def _combinations(names: list[str]) -> Iterator[tuple[str, ...]]:
    """Every non-empty set of the user's groups: a page may require any of them together."""
    for size in range(1, len(names) + 1):
        yield from itertools.combinations(names, size)


def _all_groups_acl(group_sets: list[frozenset[str]]) -> tuple[str, ...]:
    """Principals of "one group of each restriction": Wagtail lets a user view a page only when
    they pass every restriction on its path, while principals combine with OR. Each way of
    picking one group per restriction becomes the principal of holding that set of groups."""
    needed = {frozenset(pick) for pick in itertools.product(*map(sorted, group_sets))}
    minimal = {s for s in needed if not any(other < s for other in needed)}
    return tuple(sorted(group_principal(s) for s in minimal))


def page_acl(page) -> tuple[str, ...] | None:
    """Who may find a page: the restrictions on its whole path (its own and its ancestors')
    must *all* pass, as Wagtail's serve view requires.

    No restriction: everyone; only logins: members; group restrictions: the users holding one
    group of each (a login restriction adds nothing to that); a shared password anywhere on
    the path: not indexed (the password is the only key). A group restriction naming no group
    lets nobody in, so only moderators find the page."""
    return _restrictions_acl(list(page.get_view_restrictions().prefetch_related("groups")))


def collection_acl(collection) -> tuple[str, ...] | None:
    """Who may open the documents of a Wagtail collection: its view restrictions and its
    ancestors', read as `page_acl` reads a page's."""
    return _restrictions_acl(list(collection.get_view_restrictions().prefetch_related("groups")))


def _restrictions_acl(restrictions) -> tuple[str, ...] | None:
    if not restrictions:
        return (PUBLIC,)
    if any(r.restriction_type == r.PASSWORD for r in restrictions):
        return None
    group_sets = [
        frozenset(g.name for g in r.groups.all())
        for r in restrictions
        if r.restriction_type == r.GROUPS
    ]
    if not group_sets:
        return (MEMBERS,)
    if not all(group_sets):
        return (MODERATORS,)
    return _all_groups_acl(group_sets)


def page_document(page) -> SearchDocument | None:
    page = page.specific
    if not page.live or page.depth <= 1:
        return None
    url = page.get_url()
    if not url:
        return None
    acl = page_acl(page)
    if acl is None:
        return None
    topics = _page_topics(page)
    date = (
        getattr(page, "publication_date", None) or page.last_published_at or page.first_published_at
    )
    search_description = getattr(page, "search_description", "")
    body = "\n".join(x for x in (search_description, _page_text(page)) if x)
    files = _page_files(page, acl)
    return SearchDocument(
        uid=f"page:{page.pk}",
        kind=PAGE_KINDS.get(page._meta.model_name, "page"),
        title=page.title,
        url=url,
        acl=acl,
        body=body[:MAX_BODY_CHARS],
        topics=tuple(t.slug for t in topics if hasattr(t, "slug")),
        topic_names=" ".join(t.name for t in topics if hasattr(t, "name")),
        date=_aware(date),
        files=tuple(files),
    )


def _page_files(page, acl: tuple[str, ...]) -> list[tuple[str, str]]:
    """(file name, text) of the documents a page links, for the page types that declare them
    (`search_documents()`), keeping only those every reader of the page may open: the text of a
    members-only document is never indexed with a page visitors find."""
    linked = getattr(page, "search_documents", None)
    if linked is None:
        return []
    files = []
    for document, text in linked():
        if text and _open_to_all_readers(collection_acl(document.collection), acl):
            files.append((document.filename, text))
    return files


def _open_to_all_readers(document_acl, page_acl) -> bool:
    """Whether everyone who finds a page (`page_acl`) may open a document (`document_acl`).

    Every principal but PUBLIC and QA_PUBLIC is held by members only, so a document for
    members (a login restriction) suits any page that is not public. Otherwise the page must
    ask for at least what the document asks: no principal of the page that the document does
    not list (a stricter combination of groups is refused too: it errs on the safe side)."""
    if document_acl is None:  # a shared password: nobody but its holders
        return False
    if PUBLIC in document_acl:
        return True
    if PUBLIC in page_acl or QA_PUBLIC in page_acl:
        return False
    return document_acl == (MEMBERS,) or set(page_acl) <= set(document_acl)


def _page_topics(page) -> list:
    """`topics` (many) or `topic` (one), whichever the page type has."""
    topics = []
    many = getattr(page, "topics", None)
    if many is not None and hasattr(many, "all"):
        topics = list(many.all())
    single = getattr(page, "topic", None)
    if single is not None and hasattr(single, "slug"):
        topics.append(single)
    return topics


def faq_entry_document(entry) -> SearchDocument | None:
    """An FAQ entry written by an editor (registered by the pages app as the "faqentry"
    source): its own result, pointing at its anchor."""
    page = entry.page
    if not page.live:
        return None
    url = page.get_url()
    acl = page_acl(page)
    if not url or acl is None:
        return None
    topic = entry.topic
    return SearchDocument(
        uid=f"faqentry:{entry.pk}",
        kind="faq",
        title=entry.question,
        url=f"{url}#{entry.anchor}",
        acl=acl,
        body="\n".join(x for x in (_html_text(entry.answer), entry.sources) if x),
        topics=(topic.slug,) if topic else (),
        topic_names=topic.name if topic else "",
        date=_aware(entry.last_checked),
    )


def proposal_document(proposal) -> SearchDocument | None:
    """An agenda proposal, readable as the agenda is (members, and visitors when the site opens
    reading); a withdrawn one leaves the index."""
    if proposal.status == "retiree":
        return None
    topics = getattr(proposal, "search_topics", None)
    if topics is None:
        topics = list(proposal.topics.all())
    return SearchDocument(
        uid=f"proposal:{proposal.pk}",
        kind="proposal",
        title=proposal.title,
        url=proposal.get_absolute_url(),
        acl=(MEMBERS, QA_PUBLIC),
        body=proposal.rationale[:MAX_BODY_CHARS],
        topics=tuple(t.slug for t in topics),
        topic_names=" ".join(t.name for t in topics),
        date=_aware(proposal.created_at),
        extra=proposal.status,
    )


# --- Registry ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Source:
    kind: str  # the uid prefix
    model: str  # "app_label.ModelName"
    build: object

    def model_class(self):
        return apps.get_model(self.model)

    def queryset(self):
        manager = self.model_class()._default_manager
        if self.kind == "page":
            return manager.filter(live=True, depth__gt=1)
        if self.kind == "person":
            return manager.filter(is_listed=True)
        return manager.all()


SOURCES = {
    "question": Source("question", "qa.Question", question_document),
    "person": Source("person", "directory.Person", person_document),
    "structure": Source("structure", "directory.Structure", structure_document),
    "page": Source("page", "wagtailcore.Page", page_document),
    "proposal": Source("proposal", "agenda.Proposal", proposal_document),
}


def register_page_kind(model, kind: str) -> None:
    """Pages of this type are indexed with `kind` (a facet value) instead of "page"."""
    PAGE_KINDS[model._meta.model_name] = kind


def register_source(kind: str, model, build, *, select=()) -> None:
    """Index the objects of a model of an upper app as their own documents: `build(obj)`
    returns the document (or None), `kind` is the uid prefix (the model name) and `select`
    what each rebuild batch reads with them. The model's deletions are watched by
    `signals.reindex_on_delete`."""
    SOURCES[kind] = Source(kind, model._meta.label, build)
    if select:
        _SELECT[kind] = tuple(select)


def _prefetches(kind: str) -> tuple:
    """What the rebuild reads with each batch of objects of a kind.

    Questions get plain lists (`to_attr`) rather than managers: `.all()` on a prefetched
    manager clones a queryset, a tenth of the rebuild's time at 100,000 questions.
    """
    if kind == "question":
        topic, answer = apps.get_model("taxonomy.Topic"), apps.get_model("qa.Answer")
        return (
            Prefetch(
                "topics", queryset=topic.objects.only("slug", "name"), to_attr="search_topics"
            ),
            Prefetch(
                "answers",
                queryset=answer.objects.only(
                    "pk", "question_id", "body", "created_at", "deleted_at", "validated_at"
                ),
                to_attr="search_answers",
            ),
        )
    if kind == "person":
        interest = apps.get_model("directory.TopicInterest")
        return (
            "positions__structure",
            Prefetch(
                "topic_links",
                queryset=interest.objects.held().select_related("topic"),
                to_attr="search_topic_links",
            ),
        )
    if kind == "structure":
        return ("competences__topic",)
    if kind == "proposal":
        topic = apps.get_model("taxonomy.Topic")
        return (
            Prefetch(
                "topics", queryset=topic.objects.only("slug", "name"), to_attr="search_topics"
            ),
        )
    return ()


_ONLY = {
    # What `question_document` reads; the rendered HTML and counters stay in the database.
    "question": (
        "pk",
        "kind",
        "title",
        "slug",
        "body",
        "author_structure__slug",
        "accepted_answer_id",
        "created_at",
        "closed_at",
        "deleted_at",
    ),
}
_SELECT = {
    "question": ("author_structure",),
    "structure": ("parent",),
}


def uid_of(obj) -> str:
    from wagtail.models import Page

    if isinstance(obj, Page):
        return f"page:{obj.pk}"
    return f"{obj._meta.model_name}:{obj.pk}"


def build(uid: str) -> SearchDocument | None:
    """The document for a uid as the database has it now, or None when it must be absent."""
    kind, _, pk = uid.partition(":")
    source = SOURCES.get(kind)
    if source is None or not pk.isdigit():
        return None
    obj = source.model_class()._default_manager.filter(pk=int(pk)).first()
    if obj is None:
        return None
    return source.build(obj)


def build_many(uids) -> tuple[list[SearchDocument], list[str]]:
    """Documents to write and uids to delete, for a batch of uids."""
    documents, gone = [], []
    for uid in sorted(set(uids)):
        document = build(uid)
        if document is None:
            gone.append(uid)
        else:
            documents.append(document)
    return documents, gone


_PK_MARK, _SLUG_MARK = 987654321, "slug-mark"
_PLAIN_SLUG = re.compile(r"[-a-zA-Z0-9_]+\Z")


def _question_url_maker():
    """`question.get_absolute_url()` for a rebuild's questions: `reverse()` once, then the
    pk and slug put in its place (`reverse()` was a tenth of the time spent building a
    question's document, measured). A slug that `reverse()` would quote goes through it."""
    from django.urls import reverse

    marked = reverse("qa:question_detail", kwargs={"pk": _PK_MARK, "slug": _SLUG_MARK})
    pattern = marked.replace("{", "{{").replace("}", "}}")
    pattern = pattern.replace(str(_PK_MARK), "{pk}", 1).replace(_SLUG_MARK, "{slug}", 1)

    def url_of(question) -> str:
        slug = question.slug or "-"
        if _PLAIN_SLUG.match(slug):
            return pattern.format(pk=question.pk, slug=slug)
        return question.get_absolute_url()

    return url_of


def all_documents(chunk: int = 500) -> Iterator[SearchDocument]:
    """Every document the database holds, read in chunks (rebuild and check)."""
    for kind, source in SOURCES.items():
        queryset = source.queryset()
        if kind == "page":
            queryset = queryset.specific()
            for page in queryset.iterator(chunk_size=chunk):
                document = page_document(page)
                if document is not None:
                    yield document
            continue
        queryset = queryset.order_by("pk")
        if kind in _SELECT:
            queryset = queryset.select_related(*_SELECT[kind])
        if kind in _ONLY:
            queryset = queryset.only(*_ONLY[kind])
        last = 0
        url_of = None
        while True:
            batch = list(queryset.filter(pk__gt=last).prefetch_related(*_prefetches(kind))[:chunk])
            if not batch:
                break
            if kind == "question":
                files = _thread_files([question.pk for question in batch])
                url_of = url_of or _question_url_maker()
                for question in batch:
                    question.search_files = files.get(question.pk, [])
                    question.search_url = url_of(question)
            for obj in batch:
                document = source.build(obj)
                if document is not None:
                    yield document
            last = batch[-1].pk
