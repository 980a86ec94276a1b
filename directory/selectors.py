"""Reads of the directory that depend on the viewer or feed other layers.

`experts_for` is the routing hook the Q&A and notification layers call; the rest serves the
directory pages. Each list runs a bounded number of queries whatever the number of people.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from allauth.account.models import EmailAddress
from django.conf import settings
from django.db.models import (
    BooleanField,
    Count,
    Exists,
    ExpressionWrapper,
    F,
    Max,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.utils import timezone

from directory import extensions
from directory.models import (
    Invitation,
    Person,
    Position,
    Structure,
    StructureKind,
    TopicInterest,
    User,
)
from directory.roles import MODERATORS, is_moderator
from directory.text import key

INACTIVE_AFTER = datetime.timedelta(days=730)


def cc_of(structure: Structure | None) -> Structure | None:
    """The communauté de communes a structure belongs to (itself when it is one)."""
    if structure is None:
        return None
    if structure.kind == StructureKind.CC:
        return structure
    parent = structure.parent
    if parent is not None and parent.kind == StructureKind.CC:
        return parent
    return None


def area_ids(structure: Structure | None) -> list[int]:
    """Ids of the asker's CC and its member structures (or just the structure, outside a CC)."""
    if structure is None:
        return []
    cc = cc_of(structure)
    if cc is None:
        return [structure.pk]
    return [cc.pk, *Structure.objects.filter(parent=cc).values_list("pk", flat=True)]


def current_positions() -> QuerySet[Position]:
    """Current positions in the one order every page shows them: the latest begun first
    (no start date last, on every database), then the order they were recorded."""
    return (
        Position.objects.current()
        .select_related("structure__parent")
        .order_by(F("start_date").desc(nulls_last=True), "pk")
    )


def current_positions_prefetch() -> Prefetch:
    """`person.current_positions`, a list in the order of `current_positions()`."""
    return Prefetch("positions", queryset=current_positions(), to_attr="current_positions")


def former_positions(person: Person) -> list[Position]:
    """Positions that ended (« ancien·ne maire de … (2020–2026) »), the latest ended first."""
    today = timezone.localdate()
    return list(
        person.positions.filter(end_date__lt=today)
        .select_related("structure")
        .order_by("-end_date", "-pk")
    )


def duplicates_of(person: Person, limit: int = 10) -> list[Person]:
    """Other entries with the same normalised name or the same e-mail: merge candidates."""
    same = Q(search_name=person.search_name)
    if person.email:
        same |= Q(email__iexact=person.email)
    return list(
        Person.objects.filter(same)
        .exclude(pk=person.pk)
        .prefetch_related(current_positions_prefetch())
        .order_by("pk")[:limit]
    )


def current_position(person: Person | None) -> Position | None:
    """A person's first current position: where they work, what they ask as."""
    if person is None:
        return None
    return current_positions().filter(person=person).first()


def home_structure(person: Person | None) -> Structure | None:
    """The structure of a person's first current position (their "where I work")."""
    position = current_position(person)
    return position.structure if position else None


def experts_for(*, topics, structure: Structure | None = None, limit: int = 5) -> list[Person]:
    """The people to route a question on `topics` to, best first.

    Persons linked to an active, approved account, listed, with a confirmed expertise on at
    least one of the topics. Those holding a current position in the asker's CC (the
    structure itself, its parent CC, or any commune of that CC) come first, then the rest of
    the Pays; within each group, more matching topics first, then by name. Two queries.
    """
    topic_ids = [getattr(topic, "pk", topic) for topic in topics]
    if not topic_ids:
        return []
    matching = TopicInterest.objects.recognised().filter(
        person=OuterRef("pk"), topic_id__in=topic_ids
    )
    matching_count = matching.order_by().values("person").annotate(n=Count("pk")).values("n")
    people = (
        Person.objects.listed()
        .with_active_account()
        .filter(Exists(matching))
        .annotate(matching_topics=Subquery(matching_count))
    )
    nearby = area_ids(structure)
    if nearby:
        people = people.annotate(
            is_near=Exists(
                Position.objects.current().filter(person=OuterRef("pk"), structure_id__in=nearby)
            )
        ).order_by("-is_near", "-matching_topics", "last_name", "first_name")
    else:
        people = people.order_by("-matching_topics", "last_name", "first_name")
    return list(people.select_related("user")[:limit])


@dataclass
class PersonFilters:
    """The directory search form's values, already resolved to objects."""

    q: str = ""
    topic: object = None
    structure: Structure | None = None
    cc: Structure | None = None
    function: str = ""
    kind: str = ""
    near: Structure | None = None


def person_list_for(viewer: User, filters: PersonFilters) -> QuerySet[Person]:
    """Directory entries the viewer may list, filtered; unlisted people only for moderators."""
    people = Person.objects.all() if is_moderator(viewer) else Person.objects.listed()
    for word in key(filters.q).split():
        people = people.filter(search_name__contains=word)
    if filters.topic is not None:
        people = people.filter(
            Exists(TopicInterest.objects.held().filter(person=OuterRef("pk"), topic=filters.topic))
        )
    positions = Position.objects.current().filter(person=OuterRef("pk"))
    position_filter = False
    if filters.structure is not None:
        positions = positions.filter(
            Q(structure=filters.structure) | Q(structure__parent=filters.structure)
        )
        position_filter = True
    if filters.cc is not None:
        positions = positions.filter(Q(structure=filters.cc) | Q(structure__parent=filters.cc))
        position_filter = True
    if filters.function:
        positions = positions.filter(function__icontains=filters.function)
        position_filter = True
    if filters.kind:
        positions = positions.filter(kind=filters.kind)
        position_filter = True
    if position_filter:
        people = people.filter(Exists(positions))
    order = ["last_name", "first_name", "pk"]
    if filters.topic is not None:
        people = people.annotate(
            is_expert=Exists(
                TopicInterest.objects.recognised().filter(
                    person=OuterRef("pk"), topic=filters.topic
                )
            )
        )
        order = ["-is_expert", *order]
    nearby = area_ids(filters.near)
    if nearby:
        people = people.annotate(
            is_near=Exists(
                Position.objects.current().filter(person=OuterRef("pk"), structure_id__in=nearby)
            )
        )
        order = ["-is_near", *order]
    return people.order_by(*order).prefetch_related(current_positions_prefetch())


CHOICES_LIMIT = 20
CHOICES_MIN_LENGTH = 2


def person_choices(query: str, *, limit: int = CHOICES_LIMIT) -> tuple[list[Person], bool]:
    """Listed people matching every word of `query`, for a "choose a person" field.

    A word matches the name (`search_name`), a current function or the name of a current
    structure, ignoring case and accents ("secretaire barreme" finds the secretary of
    Barrême). Function and structure names are folded here, in Python: there are a few
    hundred distinct ones, and neither database folds accents the same way. Returns at most
    `limit` people by name, and whether more matched. Four queries, whatever the directory's
    size; none for a query shorter than two characters.
    """
    words = key(query).split()[:6]
    if len("".join(words)) < CHOICES_MIN_LENGTH:
        return [], False
    current = Position.objects.current()
    structures = [(pk, key(name)) for pk, name in Structure.objects.values_list("pk", "name")]
    function_names = current.order_by().values_list("function", flat=True).distinct()
    functions = [(name, key(name)) for name in function_names]
    people = Person.objects.listed()
    for word in words:
        condition = Q(search_name__contains=word)
        structure_ids = [pk for pk, folded in structures if word in folded]
        function_names = [name for name, folded in functions if word in folded]
        if structure_ids or function_names:
            held = Q(structure_id__in=structure_ids) | Q(function__in=function_names)
            condition |= Exists(current.filter(held, person=OuterRef("pk")))
        people = people.filter(condition)
    found = list(
        people.order_by("last_name", "first_name", "pk").prefetch_related(
            current_positions_prefetch()
        )[: limit + 1]
    )
    return found[:limit], len(found) > limit


MENTION_RESULTS = 10


def mention_choices(query: str) -> list[Person]:
    """The people the @mention autocomplete offers for `query`: `person_choices`, at most
    `MENTION_RESULTS` (listed people only: who objected to the directory cannot be mentioned)."""
    return person_choices(query, limit=MENTION_RESULTS)[0]


def mentionable_people(ids) -> dict[int, Person]:
    """The people of `ids` that a post may mention (and link to): listed entries; an entry
    that is unlisted or erased (deleted) is left out, so its mention stays plain text. One
    query, none for no ids."""
    ids = list(ids)
    return Person.objects.listed().in_bulk(ids) if ids else {}


def people_who_asked_about(topic, *, viewer: User, limit: int = 5) -> list[Person]:
    """Listed people whose account asked a (not deleted) question on this topic, latest first.

    Reaches `qa` through the reverse relation `user.questions` only.
    """
    return list(
        Person.objects.listed()
        .filter(user__questions__topics=topic, user__questions__deleted_at__isnull=True)
        .exclude(user=viewer)
        .annotate(last_asked=Max("user__questions__created_at"))
        .order_by("-last_asked")[:limit]
    )


def person_detail_for(viewer: User, pk: int) -> Person | None:
    """One entry, or None when the viewer may not see it (unlisted, except self/moderators)."""
    person = (
        Person.objects.select_related("user")
        .prefetch_related(
            current_positions_prefetch(),
            Prefetch(
                "topic_links",
                queryset=TopicInterest.objects.held()
                .select_related("topic")
                .order_by("topic__name"),
            ),
            Prefetch("competences_contact", queryset=_competences()),
        )
        .filter(pk=pk)
        .first()
    )
    if person is None:
        return None
    if not person.is_listed and not is_moderator(viewer) and person.user_id != viewer.pk:
        return None
    return person


def _competences():
    from directory.models import Competence

    return Competence.objects.select_related("structure", "topic")


def structure_list() -> QuerySet[Structure]:
    """Every structure, by name, with its parent: the directory shows all of them to members."""
    return Structure.objects.select_related("parent").order_by("name", "pk")


def structure_people(structure: Structure, viewer: User) -> QuerySet[Person]:
    people = Person.objects.all() if is_moderator(viewer) else Person.objects.listed()
    return (
        people.filter(
            Exists(Position.objects.current().filter(person=OuterRef("pk"), structure=structure))
        )
        .order_by("last_name", "first_name")
        .prefetch_related(current_positions_prefetch())
    )


def pending_accounts() -> QuerySet[User]:
    """Accounts waiting for a moderator's approval, oldest first.

    Only accounts whose sign-in address is verified: until then nothing proves the person
    holds the address, so neither approval nor an e-mail match may rest on it.
    """
    return (
        User.objects.filter(approved_at__isnull=True, is_active=True)
        .filter(
            Exists(
                EmailAddress.objects.filter(
                    user=OuterRef("pk"), email__iexact=OuterRef("email"), verified=True
                )
            )
        )
        .order_by("date_joined")
    )


@dataclass(frozen=True)
class EntrySuggestion:
    """An entry without account that may be the new account's, and why it is proposed."""

    person: Person
    same_email: bool  # the entry holds the account's verified address; else same name only


def person_suggestions_for(user: User) -> list[EntrySuggestion]:
    """Entries without an account that may be this new account: the same verified e-mail
    first, then the same name (which anyone can type at sign-up)."""
    from directory.text import person_key

    email_verified = EmailAddress.objects.filter(
        user=user, email__iexact=user.email, verified=True
    ).exists()
    same_email = Q(email__iexact=user.email)
    name = person_key(user.first_name, user.last_name)
    same_name = Q(search_name=name) if name else None
    if email_verified:
        condition = same_email | same_name if same_name else same_email
        is_same_email = ExpressionWrapper(same_email, output_field=BooleanField())
    elif same_name:
        condition, is_same_email = same_name, Value(False)
    else:
        return []
    people = (
        Person.objects.filter(condition, user__isnull=True)
        .annotate(same_email=is_same_email)
        .prefetch_related(current_positions_prefetch())
        .order_by("-same_email", "last_name", "first_name")[:5]
    )
    return [EntrySuggestion(person=person, same_email=person.same_email) for person in people]


def inactive_accounts(now=None) -> QuerySet[User]:
    """Active accounts without a login for two years (never logged in: since sign-up)."""
    cutoff = (now or timezone.now()) - INACTIVE_AFTER
    return (
        User.objects.filter(is_active=True)
        .filter(Q(last_login__lt=cutoff) | Q(last_login__isnull=True, date_joined__lt=cutoff))
        .order_by("last_login", "date_joined")
    )


def expertise_requests() -> QuerySet[TopicInterest]:
    return TopicInterest.objects.requested().select_related("person", "topic").order_by("pk")


def person_data_export(user: User) -> dict:
    """Everything the directory holds about an account, for its owner (JSON-serialisable)."""
    person = Person.objects.filter(user=user).first()
    data = {
        "compte": {
            "email": user.email,
            "prenom": user.first_name,
            "nom": user.last_name,
            "inscrit_le": user.date_joined.isoformat(),
            "derniere_connexion": user.last_login.isoformat() if user.last_login else None,
            "approuve_le": user.approved_at.isoformat() if user.approved_at else None,
            "structure_indiquee": user.signup_structure,
            "fonction_indiquee": user.signup_function,
            "roles": sorted(user.groups.values_list("name", flat=True)),
            "adresses_email": [
                {"email": address.email, "verifiee": address.verified}
                for address in user.emailaddress_set.all()
            ],
        },
        "fiche_annuaire": None,
        "personnes_suivies": [
            {"nom": follow.person.full_name, "depuis": follow.created_at.isoformat()}
            for follow in user.person_follows.select_related("person").order_by("pk")
        ],
        "structures_suivies": [
            {"nom": follow.structure.name, "depuis": follow.created_at.isoformat()}
            for follow in user.structure_follows.select_related("structure").order_by("pk")
        ],
        # What `qa`, the agenda and the notifications hold (`extensions.py`).
        **extensions.account_export_parts(user),
    }
    if person is not None:
        data["fiche_annuaire"] = {
            "prenom": person.first_name,
            "nom": person.last_name,
            "presentation": person.bio,
            "email": person.email,
            "visibilite_email": person.email_visibility,
            "telephone": person.phone,
            "visibilite_telephone": person.phone_visibility,
            "apparait_dans_l_annuaire": person.is_listed,
            "consentement_le": person.consent_at.isoformat() if person.consent_at else None,
            "cree_le": person.created_at.isoformat(),
            "modifie_le": person.updated_at.isoformat(),
            "fonctions": [
                {
                    "structure": position.structure.name,
                    "fonction": position.function,
                    "type": position.kind,
                    "debut": position.start_date.isoformat() if position.start_date else None,
                    "fin": position.end_date.isoformat() if position.end_date else None,
                }
                for position in person.positions.select_related("structure")
            ],
            "sujets": [
                {
                    "sujet": link.topic.name,
                    "type": link.kind,
                    "confirme": link.is_confirmed,
                }
                for link in person.topic_links.select_related("topic")
            ],
            "contact_pour_competences": [
                f"{competence.topic} — {competence.structure}"
                for competence in person.competences_contact.select_related("topic", "structure")
            ],
            **extensions.person_export_parts(person),
        }
    return data


# --- Who handles… ----------------------------------------------------------------------------

# The search app ranks people and structures for a subject (`website.search.services.
# who_handles_for`); the directory may not import it, so the search app registers it here
# when it starts (`ready()`).
_who_handles_source = None


def use_who_handles_source(source) -> None:
    """`source(user, text, limit=)` returns uids ("person:3", "structure:5"), best first."""
    global _who_handles_source
    _who_handles_source = source


@dataclass(frozen=True)
class Handler:
    """A person or a structure that handles a subject (`kind` says which)."""

    kind: str
    object: Person | Structure


def who_handles(text: str, viewer: User, *, limit: int = 5) -> list[Handler]:
    """The listed people and the structures whose functions, expertise or competences match
    `text`, in the search's order. Three queries at most."""
    if _who_handles_source is None or not text.strip():
        return []
    uids = _who_handles_source(viewer, text, limit=limit)
    wanted = {"person": [], "structure": []}
    for uid in uids:
        kind, _, pk = uid.partition(":")
        if kind in wanted and pk.isdigit():
            wanted[kind].append(int(pk))
    people = (
        Person.objects.listed()
        .prefetch_related(current_positions_prefetch())
        .in_bulk(wanted["person"])
        if wanted["person"]
        else {}
    )
    structures = Structure.objects.in_bulk(wanted["structure"]) if wanted["structure"] else {}
    found = {"person": people, "structure": structures}
    handlers = []
    for uid in uids:
        kind, _, pk = uid.partition(":")
        obj = found.get(kind, {}).get(int(pk)) if pk.isdigit() else None
        if obj is not None:
            handlers.append(Handler(kind=kind, object=obj))
    return handlers


def moderator_accounts() -> QuerySet[User]:
    """Active, approved accounts of the moderators (and superusers): who is told about a new
    flag or a new pending account."""
    return (
        User.objects.filter(is_active=True, approved_at__isnull=False)
        .filter(Q(is_superuser=True) | Q(groups__name=MODERATORS))
        .distinct()
    )


INVITABLE_SHOWN = 200


def invitable_people():
    """Entries with an e-mail, no account and no invitation yet (an imported list), by name."""
    return (
        Person.objects.filter(user__isnull=True)
        .exclude(email="")
        .exclude(invitations__isnull=False)
        .exclude(email__in=Invitation.objects.filter(accepted_at__isnull=True).values("email"))
        .order_by("last_name", "first_name")
    )


def invitations():
    return Invitation.objects.select_related("invited_by", "person")


def entries_to_check():
    """Entries of active accounts neither confirmed, nor edited, nor asked within
    `DIRECTORY_CHECK_EVERY_DAYS`: the yearly « vérifiez votre fiche » campaign."""
    since = timezone.now() - datetime.timedelta(days=settings.DIRECTORY_CHECK_EVERY_DAYS)
    return (
        Person.objects.with_active_account()
        .filter(updated_at__lt=since)
        .filter(Q(checked_at__isnull=True) | Q(checked_at__lt=since))
        .filter(Q(check_requested_at__isnull=True) | Q(check_requested_at__lt=since))
        .select_related("user")
        .prefetch_related(current_positions_prefetch())
        .order_by("pk")
    )
