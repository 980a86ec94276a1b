"""Writes on accounts and directory entries. Views, commands and tests call these."""

from datetime import timedelta

from allauth.account.models import EmailAddress
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.contrib.sessions.models import Session
from django.db import transaction
from django.db.models import ProtectedError
from django.utils import timezone
from django.utils.translation import gettext as _

from directory import importer
from directory.importer import ImportReport
from directory.models import (
    DirectoryImport,
    Follow,
    InterestKind,
    Invitation,
    Person,
    PersonFollow,
    Position,
    Structure,
    StructureFollow,
    TopicInterest,
    User,
)
from directory.roles import EXPERTS, MEMBERS
from directory.signals import account_approved, account_erasing


@transaction.atomic
def account_approve(*, user: User, approved_by: User | None) -> User:
    """Approve a pending account: it becomes a member. Approving twice changes nothing."""
    user = User.objects.select_for_update().get(pk=user.pk)
    if user.approved_at is None:
        user.approved_at = timezone.now()
        user.approved_by = approved_by
        user.save(update_fields=["approved_at", "approved_by"])
        user.groups.add(Group.objects.get(name=MEMBERS))
        transaction.on_commit(
            lambda: account_approved.send(sender=User, user=user, approved_by=approved_by)
        )
    return user


@transaction.atomic
def account_accept_invitation(*, user: User) -> bool:
    """Approve a new account at once when its address was invited. Returns whether it was."""
    invitation = (
        Invitation.objects.select_for_update()
        .filter(email__iexact=user.email, accepted_at__isnull=True)
        .first()
    )
    if invitation is None:
        return False
    invitation.accepted_at = timezone.now()
    invitation.save(update_fields=["accepted_at"])
    account_approve(user=user, approved_by=invitation.invited_by)
    return True


def invitation_create(*, email: str, invited_by: User) -> Invitation:
    invitation, _ = Invitation.objects.get_or_create(
        email__iexact=email,
        accepted_at__isnull=True,
        defaults={"email": email, "invited_by": invited_by},
    )
    return invitation


# --- Directory entries -------------------------------------------------------------------------


class LinkError(Exception):
    """A person entry cannot be linked to this account (it already has one)."""


@transaction.atomic
def person_create_for_user(*, user: User) -> Person:
    """A directory entry for an account, from the names given at sign-up; no-op when it exists."""
    existing = Person.objects.filter(user=user).first()
    if existing is not None:
        return existing
    person = Person.objects.create(
        user=user,
        first_name=user.first_name,
        last_name=user.last_name or user.email.split("@")[0],
        email=user.email,
        consent_at=timezone.now(),
    )
    _position_from_signup(user=user, person=person)
    return person


def _position_from_signup(*, user: User, person: Person) -> Position | None:
    """The position given at sign-up, when its structure is one the directory knows.

    Matched as tolerantly as the import ("Mairie de St André" → Saint-André-les-Alpes); an
    unknown structure is not created from a sign-up form: the member adds it on their entry.
    """
    cell = " ".join(user.signup_structure.split())
    if not cell:
        return None
    row = importer.Row(line=0, section_kind=None, structure_cell=cell)
    structure = importer.resolve_structure(
        row, importer.StructureIndex(Structure.objects.select_related("parent"))
    )
    if not isinstance(structure, Structure) or row.errors:
        return None
    kind, _note = importer.infer_kind(user.signup_function, None)
    return Position.objects.create(
        person=person, structure=structure, function=user.signup_function[:200], kind=kind
    )


@transaction.atomic
def account_link_person(*, user: User, person: Person) -> Person:
    """Link an account to an existing entry (one account ↔ one entry)."""
    person = Person.objects.select_for_update().get(pk=person.pk)
    if person.user_id not in (None, user.pk):
        raise LinkError(_("Cette fiche est déjà liée à un autre compte."))
    Person.objects.filter(user=user).exclude(pk=person.pk).update(user=None)
    person.user = user
    if not person.email:
        person.email = user.email
    person.consent_at = person.consent_at or timezone.now()
    person.save(update_fields=["user", "email", "consent_at", "updated_at"])
    return person


@transaction.atomic
def account_approve_and_link(
    *, user: User, approved_by: User, person: Person | None, create_person: bool
) -> User:
    """What the approval page does: approve, then link an entry or create one (or neither)."""
    if person is not None:
        account_link_person(user=user, person=person)
    elif create_person:
        person_create_for_user(user=user)
    return account_approve(user=user, approved_by=approved_by)


@transaction.atomic
def person_update_profile(*, person: Person, data: dict) -> Person:
    """Save the fields a member edits on their own entry (bio, contact details, listing)."""
    fields = [name for name in PROFILE_FIELDS if name in data]
    for name in fields:
        setattr(person, name, data[name])
    if {"email", "phone"} & set(fields):
        person.consent_at = timezone.now()
    person.save(update_fields=[*fields, "consent_at", "updated_at"])
    return person


PROFILE_FIELDS = (
    "first_name",
    "last_name",
    "bio",
    "email",
    "email_visibility",
    "phone",
    "phone_visibility",
    "is_listed",
)


@transaction.atomic
def person_set_topics(*, person: Person, interests, expertise_requests) -> None:
    """Replace a person's interests; expertise not yet held becomes a request to confirm."""
    interest_ids = {topic.pk for topic in interests}
    TopicInterest.objects.filter(person=person, kind=InterestKind.INTEREST).exclude(
        topic_id__in=interest_ids
    ).delete()
    held = set(
        TopicInterest.objects.filter(person=person, kind=InterestKind.INTEREST).values_list(
            "topic_id", flat=True
        )
    )
    TopicInterest.objects.bulk_create(
        TopicInterest(person=person, topic_id=topic_id, kind=InterestKind.INTEREST)
        for topic_id in interest_ids - held
    )
    expertise_ids = {topic.pk for topic in expertise_requests}
    TopicInterest.objects.filter(person=person, kind=InterestKind.EXPERTISE).exclude(
        topic_id__in=expertise_ids
    ).delete()
    held = set(
        TopicInterest.objects.filter(person=person, kind=InterestKind.EXPERTISE).values_list(
            "topic_id", flat=True
        )
    )
    TopicInterest.objects.bulk_create(
        TopicInterest(
            person=person, topic_id=topic_id, kind=InterestKind.EXPERTISE, is_confirmed=False
        )
        for topic_id in expertise_ids - held
    )


@transaction.atomic
def expertise_confirm(*, link: TopicInterest, confirmed_by: User) -> TopicInterest:
    """A moderator recognises a member's expertise: they join the Experts group."""
    link.is_confirmed = True
    link.save(update_fields=["is_confirmed"])
    user = link.person.user
    if user is not None:
        user.groups.add(Group.objects.get(name=EXPERTS))
    return link


@transaction.atomic
def expertise_refuse(*, link: TopicInterest, refused_by: User) -> None:
    link.delete()


# --- Import ------------------------------------------------------------------------------------

# A participant list uploaded but never applied is personal data without purpose after this.
UNAPPLIED_IMPORT_KEPT_FOR = timedelta(days=7)


def directory_import(
    *, text: str, dry_run: bool, valid_rows_only: bool = False, encoding: str = ""
) -> ImportReport:
    """Read a participant list and, unless `dry_run`, apply it: all rows or nothing.

    With errors in the file nothing is written, unless `valid_rows_only` (then the rows with
    errors are left out and reported).
    """
    with transaction.atomic():
        report = importer.plan_import(text, valid_rows_only=valid_rows_only, encoding=encoding)
        if not dry_run and report.can_apply:
            importer.apply_plan(report)
    return report


@transaction.atomic
def directory_import_upload(*, filename: str, data: bytes, uploaded_by: User) -> DirectoryImport:
    """Keep an uploaded file (decoded) so the moderator can check it, then apply it.

    Uploads never applied are deleted after `UNAPPLIED_IMPORT_KEPT_FOR` (at the next upload).
    """
    decoded = importer.decode(data)
    DirectoryImport.objects.filter(
        applied_at__isnull=True, created_at__lt=timezone.now() - UNAPPLIED_IMPORT_KEPT_FOR
    ).delete()
    return DirectoryImport.objects.create(
        filename=filename[:255],
        content=decoded.text,
        encoding=decoded.encoding,
        uploaded_by=uploaded_by,
    )


def directory_import_apply(
    *, batch: DirectoryImport, valid_rows_only: bool, applied_by: User
) -> ImportReport:
    """Apply a checked upload once; a second attempt changes nothing."""
    with transaction.atomic():
        batch = DirectoryImport.objects.select_for_update().get(pk=batch.pk)
        if batch.applied_at is not None:
            raise ImportAlreadyApplied(_("Ce fichier a déjà été importé."))
        report = directory_import(
            text=batch.content,
            dry_run=False,
            valid_rows_only=valid_rows_only,
            encoding=batch.encoding,
        )
        if report.applied:
            # The file (names, e-mails, phones) is not kept once applied: only the summary.
            batch.applied_at = timezone.now()
            batch.summary = report.summary()
            batch.content = ""
            batch.save(update_fields=["applied_at", "summary", "content"])
    return report


class ImportAlreadyApplied(Exception):
    pass


# --- Personal data -----------------------------------------------------------------------------


@transaction.atomic
def account_erase(*, user: User) -> None:
    """Erase an account: the directory entry goes, the account is deleted, sessions end.

    Posts keep existing (their author becomes empty: "Ancien membre"). The layers above
    erase what else names the person (`signals.account_erasing`, same transaction). If
    another table protects the account from deletion, it is deactivated and anonymised.
    """
    account_erasing.send(sender=User, user=user)
    Person.objects.filter(user=user).delete()
    user_id = user.pk
    try:
        with transaction.atomic():
            User.objects.filter(pk=user_id).delete()
    except ProtectedError:
        anonymous = f"ancien-membre-{user_id}@invalid.example.org"
        User.objects.filter(pk=user_id).update(
            email=anonymous,
            first_name="",
            last_name="",
            signup_structure="",
            signup_function="",
            is_active=False,
            password=make_password(None),
        )
        EmailAddress.objects.filter(user_id=user_id).delete()
    sessions_end_for(user_id=user_id)


def sessions_end_for(*, user_id: int) -> int:
    """End every database session of an account. Returns how many were deleted."""
    ended = 0
    for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator():
        if str(session.get_decoded().get("_auth_user_id")) == str(user_id):
            session.delete()
            ended += 1
    return ended


# --- Follows (« Mes suivis ») ----------------------------------------------------------------


_FOLLOW_MODELS: dict[type, type[Follow]] = {Person: PersonFollow, Structure: StructureFollow}


def _follows(user: User, entry: Person | Structure):
    model = _FOLLOW_MODELS[type(entry)]
    return model.objects.filter(user=user, **{model.followed_field: entry})


@transaction.atomic
def follow(*, user: User, entry: Person | Structure) -> Follow:
    """The member follows a person or a structure (once, whatever the number of clicks)."""
    model = _FOLLOW_MODELS[type(entry)]
    followed, _created = model.objects.get_or_create(user=user, **{model.followed_field: entry})
    return followed


@transaction.atomic
def unfollow(*, user: User, entry: Person | Structure) -> None:
    _follows(user, entry).delete()


def follow_seen(*, user: User, entry: Person | Structure, visited: bool = True) -> bool:
    """Whether the member follows the person or structure. When they `visited` (GET) its page,
    what it lists is no longer new: one UPDATE, whose row count also answers the question."""
    if not user.is_authenticated:
        return False
    follows = _follows(user, entry)
    if not visited:
        return follows.exists()
    return follows.update(seen_at=timezone.now()) > 0
