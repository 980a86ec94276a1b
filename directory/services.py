"""Writes on accounts and directory entries. Views, commands and tests call these."""

import logging
import secrets
from datetime import timedelta
from email.utils import make_msgid

from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.contrib.sessions.models import Session
from django.core import signing
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import F, ProtectedError
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from directory import extensions, importer
from directory.importer import ImportReport
from directory.models import (
    DirectoryImport,
    EntryChange,
    EntryChangeKind,
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
from directory.signals import account_approved, account_erasing, entry_changed
from directory.text import clean_text
from directory.text import key as key_of

logger = logging.getLogger(__name__)


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
    """Approve a new account at once when its address was invited (and the invitation has
    not expired). Returns whether it was. The invited entry, if any, gets the account."""
    invitation = (
        Invitation.objects.select_for_update()
        .filter(email__iexact=user.email, accepted_at__isnull=True)
        .first()
    )
    if invitation is None or invitation.is_expired:
        return False
    invitation.accepted_at = timezone.now()
    invitation.save(update_fields=["accepted_at"])
    if invitation.person is not None and invitation.person.user_id is None:
        account_link_person(user=user, person=invitation.person)
    account_approve(user=user, approved_by=invitation.invited_by)
    return True


class InvitationError(ValueError):
    """An address that cannot be invited, or an invitation link that no longer works."""


def _already_has_account(email: str) -> bool:
    return (
        User.objects.filter(email__iexact=email).exists()
        or EmailAddress.objects.filter(email__iexact=email).exists()
    )


@transaction.atomic
def invitation_create(
    *, email: str, invited_by: User, person: Person | None = None, send: bool = True
) -> Invitation:
    """Invite an address (a single form, or an imported entry's e-mail) and send the link.

    An address that already has an account is refused (`InvitationError`); an address
    already invited and not yet accepted keeps its invitation (sent again if it expired)."""
    email = User.objects.normalize_email(email.strip())
    if _already_has_account(email):
        raise InvitationError(
            _("%(email)s a déjà un compte : pas besoin d'invitation.") % {"email": email}
        )
    invitation = (
        Invitation.objects.select_for_update()
        .filter(email__iexact=email, accepted_at__isnull=True)
        .first()
    )
    if invitation is None:
        invitation = Invitation.objects.create(email=email, invited_by=invited_by, person=person)
    elif invitation.sent_at is not None and not invitation.is_expired:
        return invitation
    if send:
        invitation = invitation_send(invitation=invitation)
    return invitation


@transaction.atomic
def invitation_send(*, invitation: Invitation) -> Invitation:
    """(Re)send an invitation: a new link (the previous one stops working), valid
    `DIRECTORY_INVITATION_VALID_DAYS` from now. The e-mail leaves after the commit."""
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if invitation.accepted_at is not None:
        raise InvitationError(_("Cette invitation a déjà été acceptée."))
    if _already_has_account(invitation.email):
        raise InvitationError(
            _("%(email)s a déjà un compte : pas besoin d'invitation.") % {"email": invitation.email}
        )
    invitation.token = secrets.token_urlsafe(32)
    invitation.sent_at = timezone.now()
    invitation.send_count += 1
    invitation.bounced_at = None
    invitation.message_id = make_msgid(domain="entraide.invalid")
    invitation.save(update_fields=["token", "sent_at", "send_count", "bounced_at", "message_id"])
    _send_invitation_email(invitation)
    return invitation


def _send_invitation_email(invitation: Invitation) -> None:
    """Into the outbox with the invitation (it leaves after the commit, retried until sent).
    Its Message-ID is the invitation's: a bounce names it (`invitation_bounced`)."""
    link = settings.SITE_URL.rstrip("/") + reverse(
        "directory:invitation_open", kwargs={"token": invitation.token}
    )
    context = {"invitation": invitation, "link": link}
    extensions.send_email(
        key=f"invitation:{invitation.pk}:{invitation.send_count}",
        to=invitation.email,
        subject=_("Invitation à rejoindre Entraide"),
        body=render_to_string("directory/emails/invitation.txt", context),
        message_id=invitation.message_id,
    )


def invitation_check(*, token: str) -> Invitation:
    """The invitation a link opens, or `InvitationError` saying why the link does not work."""
    invitation = Invitation.objects.filter(token=token).first() if token else None
    if invitation is None:
        raise InvitationError(
            _(
                "Ce lien d'invitation n'est pas valable : il a peut-être été remplacé par un "
                "envoi plus récent. Utilisez le dernier e-mail reçu, ou demandez à un "
                "modérateur de vous inviter à nouveau."
            )
        )
    if invitation.accepted_at is not None:
        raise InvitationError(
            _(
                "Ce lien d'invitation a déjà servi : un compte a été créé avec. "
                "Connectez-vous avec l'adresse %(email)s."
            )
            % {"email": invitation.email}
        )
    if invitation.is_expired:
        raise InvitationError(
            _(
                "Ce lien d'invitation a expiré le %(date)s. Demandez à un modérateur de vous "
                "l'envoyer à nouveau."
            )
            % {"date": timezone.localtime(invitation.expires_at).strftime("%d/%m/%Y")}
        )
    return invitation


def invitation_bounced(*, message_id: str, addresses: set[str]) -> bool:
    """A delivery report says the invitation e-mail with this Message-ID did not arrive at
    one of `addresses` (its permanent failures). Message-IDs are never shown: a forged report
    cannot guess one."""
    if not message_id:
        return False
    invitation = Invitation.objects.filter(message_id=message_id, accepted_at__isnull=True).first()
    if invitation is None or invitation.email.lower() not in addresses:
        return False
    invitation.bounced_at = timezone.now()
    invitation.save(update_fields=["bounced_at"])
    return True


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


class EntryChanged(Exception):
    """The entry was saved by someone else since the form was shown: nothing is written.

    `person` is the entry as it is now, for the form to show beside what was typed."""

    def __init__(self, person: Person):
        super().__init__(
            _(
                "Cette fiche a été modifiée par quelqu'un d'autre pendant que vous la "
                "modifiiez : rien n'est enregistré. Vos saisies sont conservées ci-dessous ; "
                "vérifiez-les au regard des valeurs actuelles, puis enregistrez à nouveau."
            )
        )
        self.person = person


def _lock_entry(person: Person, expected_version: int | None) -> Person:
    """The entry, locked until the end of the transaction; `EntryChanged` when a form shown
    at `expected_version` is stale (None: the caller read it just now, under the lock)."""
    current = Person.objects.select_for_update().get(pk=person.pk)
    if expected_version is not None and current.version != expected_version:
        raise EntryChanged(current)
    return current


def _bump_version(person: Person) -> None:
    Person.objects.filter(pk=person.pk).update(version=F("version") + 1)
    person.refresh_from_db(fields=["version", "updated_at"])


@transaction.atomic
def person_update_profile(
    *, person: Person, data: dict, expected_version: int | None = None
) -> Person:
    """Save the fields a member edits on their own entry (bio, contact details, listing).

    With `expected_version` (the version the form showed), a save from a form that another
    edit overtook raises `EntryChanged` and writes nothing."""
    current = _lock_entry(person, expected_version)
    fields = [name for name in PROFILE_FIELDS if name in data]
    for name in fields:
        setattr(current, name, data[name])
    if {"email", "phone"} & set(fields):
        current.consent_at = timezone.now()
    current.save(update_fields=[*fields, "consent_at", "updated_at"])
    _bump_version(current)
    person.version = current.version
    return current


# What a moderator corrects on someone's entry. The listing and the contacts' visibility are
# the person's own consent: a moderator does not change them.
MODERATOR_FIELDS = ("first_name", "last_name", "bio", "email", "phone")


def _position_label(position: Position) -> str:
    years = f" ({position.years})" if position.start_date or position.end_date else ""
    return f"{position.function} — {position.structure}{years}"


@transaction.atomic
def person_moderate(
    *, person: Person, data: dict, positions, changed_by: User, reason: str, expected_version: int
) -> EntryChange | None:
    """A moderator corrects someone's entry and positions, with a reason, logged.

    `positions` is the bound, valid positions formset of the page (saved here, under the
    entry's lock). A stale form (`expected_version`) raises `EntryChanged`: nothing is written.
    Returns the log row, or None when nothing changed."""
    current = _lock_entry(person, expected_version)
    details: dict = {}
    for name in MODERATOR_FIELDS:
        if name in data and getattr(current, name) != data[name]:
            details[name] = [getattr(current, name), data[name]]
            setattr(current, name, data[name])
    before = {p.pk: _position_label(p) for p in current.positions.select_related("structure")}
    positions.instance = current
    positions.save()
    after = {p.pk: _position_label(p) for p in current.positions.select_related("structure")}
    for pk in before.keys() - after.keys():
        details[f"fonction {pk}"] = [before[pk], ""]
    for pk in after.keys() - before.keys():
        details[f"fonction {pk}"] = ["", after[pk]]
    for pk in before.keys() & after.keys():
        if before[pk] != after[pk]:
            details[f"fonction {pk}"] = [before[pk], after[pk]]
    if not details:
        return None
    current.save(update_fields=[*(f for f in MODERATOR_FIELDS if f in details), "updated_at"])
    _bump_version(current)
    person.version = current.version
    change = EntryChange.objects.create(
        person=current,
        person_label=current.full_name,
        changed_by=changed_by,
        kind=EntryChangeKind.EDIT,
        reason=clean_text(reason).strip(),
        details=details,
    )
    _announce_change(change)
    return change


def _announce_change(change: EntryChange) -> None:
    """Tell the layers above (the owner's notification) once the correction is committed."""
    transaction.on_commit(lambda: entry_changed.send(sender=EntryChange, change=change))


class PositionEndError(ValueError):
    """An end date the mandate cannot have (in the future, before its start, already ended)."""


@transaction.atomic
def position_end(*, position: Position, end_date, ended_by: User, reason: str) -> Position:
    """End a mandate or a post on `end_date` (a departed mayor): it stays on the entry as a
    former position (« ancien·ne maire de … (2020–2026) »). Logged with the reason."""
    person = _lock_entry(position.person, None)
    position = Position.objects.select_for_update().select_related("structure").get(pk=position.pk)
    today = timezone.localdate()
    if position.end_date is not None and position.end_date < today:
        raise PositionEndError(
            _("Cette fonction est déjà terminée (le %(date)s).")
            % {"date": position.end_date.strftime("%d/%m/%Y")}
        )
    if end_date > today:
        raise PositionEndError(
            _(
                "La date de fin ne peut pas être dans le futur : terminez la fonction le jour "
                "où elle prend fin."
            )
        )
    if position.start_date is not None and end_date < position.start_date:
        raise PositionEndError(
            _("La date de fin ne peut pas précéder le début de la fonction (%(date)s).")
            % {"date": position.start_date.strftime("%d/%m/%Y")}
        )
    before = _position_label(position)
    position.end_date = end_date
    position.save(update_fields=["end_date"])
    _bump_version(person)
    change = EntryChange.objects.create(
        person=person,
        person_label=person.full_name,
        changed_by=ended_by,
        kind=EntryChangeKind.END_POSITION,
        reason=clean_text(reason).strip(),
        details={f"fonction {position.pk}": [before, _position_label(position)]},
    )
    _announce_change(change)
    return position


class MergeError(ValueError):
    """Two entries that cannot be merged (the same one, or two different accounts)."""


# Empty fields of the kept entry are completed from the duplicate; nothing filled is replaced.
MERGE_COMPLETED_FIELDS = ("first_name", "bio", "email", "phone", "consent_at")


@transaction.atomic
def person_merge(*, duplicate: Person, kept: Person, merged_by: User, reason: str) -> EntryChange:
    """Merge a duplicate entry into the one kept, then delete the duplicate. Logged.

    Carried over: positions (one already held is not doubled), interests and expertise (a
    recognised expertise wins over a request), follows, competences, the linked account, and
    every other row that points at the duplicate (questions addressed to it, from the layers
    above, through the reverse relations: the directory does not name them)."""
    if duplicate.pk == kept.pk:
        raise MergeError(_("Une fiche ne peut pas être fusionnée avec elle-même."))
    first, second = sorted([duplicate.pk, kept.pk])
    locked = {p.pk: p for p in Person.objects.select_for_update().filter(pk__in=[first, second])}
    if len(locked) != 2:
        raise MergeError(_("L'une des deux fiches n'existe plus."))
    duplicate, kept = locked[duplicate.pk], locked[kept.pk]
    if duplicate.user_id and kept.user_id and duplicate.user_id != kept.user_id:
        raise MergeError(
            _(
                "Les deux fiches sont liées à deux comptes différents : fusionner ferait "
                "perdre l'un des comptes. Demandez d'abord à la personne d'effacer le compte "
                "en trop."
            )
        )
    carried: dict = {"fiche fusionnée": f"{duplicate.full_name} (n° {duplicate.pk})"}

    held = {(p.structure_id, key_of(p.function)) for p in kept.positions.all()}
    moved_positions = 0
    for position in duplicate.positions.all():
        if (position.structure_id, key_of(position.function)) in held:
            continue
        position.person = kept
        position.save(update_fields=["person"])
        moved_positions += 1
    carried["fonctions"] = moved_positions

    kept_links = {(link.topic_id, link.kind): link for link in kept.topic_links.all()}
    moved_links = 0
    for link in duplicate.topic_links.all():
        mine = kept_links.get((link.topic_id, link.kind))
        if mine is None:
            link.person = kept
            link.save(update_fields=["person"])
            moved_links += 1
        elif link.is_confirmed and not mine.is_confirmed:
            mine.is_confirmed = True
            mine.save(update_fields=["is_confirmed"])
    carried["sujets"] = moved_links

    followers = set(kept.follows.values_list("user_id", flat=True))
    duplicate.follows.exclude(user_id__in=followers).exclude(user_id=kept.user_id).update(
        person=kept
    )
    duplicate.competences_contact.update(contact=kept)

    for name in MERGE_COMPLETED_FIELDS:
        if not getattr(kept, name) and getattr(duplicate, name):
            setattr(kept, name, getattr(duplicate, name))
    if duplicate.user_id and not kept.user_id:
        carried["compte"] = str(duplicate.user)
        kept.user_id = duplicate.user_id
        Person.objects.filter(pk=duplicate.pk).update(user=None)
        # A follower cannot follow their own entry.
        kept.follows.filter(user_id=kept.user_id).delete()
    kept.is_listed = kept.is_listed or duplicate.is_listed

    # Whatever else points at the duplicate (from this app or the layers above) follows.
    handled = {"positions", "topic_links", "follows", "competences_contact", "changes"}
    for relation in Person._meta.related_objects:
        if relation.one_to_many and relation.get_accessor_name() not in handled:
            relation.related_model._base_manager.filter(**{relation.field.name: duplicate}).update(
                **{relation.field.name: kept}
            )
        elif relation.many_to_many and relation.get_accessor_name() not in handled:
            for row in relation.related_model._base_manager.filter(
                **{relation.field.name: duplicate}
            ):
                getattr(row, relation.field.name).remove(duplicate)
                getattr(row, relation.field.name).add(kept)

    duplicate.changes.update(person=kept)
    kept.save()
    duplicate.delete()
    _bump_version(kept)
    return EntryChange.objects.create(
        person=kept,
        person_label=kept.full_name,
        changed_by=merged_by,
        kind=EntryChangeKind.MERGE,
        reason=clean_text(reason).strip(),
        details=carried,
    )


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


# --- « Vérifiez votre fiche » -------------------------------------------------------------------

ENTRY_CHECK_SALT = "directory.entry-check"


def entry_check_token(person: Person) -> str:
    return signing.TimestampSigner(salt=ENTRY_CHECK_SALT).sign(str(person.pk))


def entry_check_read(token: str) -> Person:
    """The entry a confirmation link names. `signing.SignatureExpired` after
    `DIRECTORY_CHECK_LINK_DAYS`, `signing.BadSignature` for anything else."""
    pk = signing.TimestampSigner(salt=ENTRY_CHECK_SALT).unsign(
        token, max_age=timedelta(days=settings.DIRECTORY_CHECK_LINK_DAYS)
    )
    person = Person.objects.filter(pk=pk, user__is_active=True).first()
    if person is None:
        raise signing.BadSignature("no such entry")
    return person


def entry_check_request(*, person: Person) -> None:
    """Ask the person to check their entry: one e-mail with a signed one-click link."""
    Person.objects.filter(pk=person.pk).update(check_requested_at=timezone.now())
    site = settings.SITE_URL.rstrip("/")
    context = {
        "person": person,
        "positions": getattr(person, "current_positions", None)
        or list(person.positions.current().select_related("structure")),
        "link": site
        + reverse("directory:entry_check", kwargs={"token": entry_check_token(person)}),
        "profile_link": site + reverse("directory:my_profile"),
    }
    message = EmailMessage(
        subject=_("Vérifiez votre fiche dans l'annuaire d'Entraide"),
        body=render_to_string("directory/emails/entry_check.txt", context),
        to=[person.user.email],
        headers={"Auto-Submitted": "auto-generated"},
    )
    try:
        message.send()
    except OSError:
        logger.exception("entry check e-mail to person %s not sent", person.pk)


def entry_confirm(*, person: Person) -> None:
    """The person confirms their entry is right. Only the date is written (no version change:
    a form opened before stays valid)."""
    Person.objects.filter(pk=person.pk).update(checked_at=timezone.now())
    person.refresh_from_db(fields=["checked_at"])


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
