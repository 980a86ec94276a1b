"""The actor directory: accounts, people, structures, positions, competences and expertise.

Layering: `directory` imports `taxonomy`, never `qa`.
"""

from datetime import timedelta

from django.conf import settings
from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from directory.text import person_key


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create_user(self, email, password, **extra_fields):
        if not email:
            raise ValueError("An e-mail address is required.")
        user = self.model(email=self.normalize_email(email), **extra_fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra_fields)

    def create_superuser(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", True)
        extra_fields.setdefault("is_superuser", True)
        extra_fields.setdefault("approved_at", timezone.now())
        return self._create_user(email, password, **extra_fields)


class User(AbstractUser):
    """An account. The e-mail address is the login.

    A new account is *pending* (`approved_at` is empty) until a moderator approves it or it
    was created from an invitation; a pending account can log in but sees only the
    waiting page.
    """

    username = None
    email = models.EmailField(_("adresse e-mail"), unique=True)
    approved_at = models.DateTimeField(_("approuvé le"), null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("approuvé par"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    signup_structure = models.CharField(
        _("structure indiquée à l'inscription"), max_length=200, blank=True
    )
    signup_function = models.CharField(
        _("fonction indiquée à l'inscription"), max_length=200, blank=True
    )

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    objects = UserManager()

    class Meta:
        verbose_name = _("compte")
        verbose_name_plural = _("comptes")
        constraints = [
            models.UniqueConstraint(Lower("email"), name="user_email_ci_unique"),
        ]

    def __str__(self):
        return self.get_full_name() or self.email

    @property
    def is_pending(self):
        return self.is_authenticated and self.approved_at is None


class InvitationStatus(models.TextChoices):
    INVITED = "invited", _("invitée")
    ACCEPTED = "accepted", _("acceptée")
    BOUNCED = "bounced", _("non distribuée")
    EXPIRED = "expired", _("expirée")


class Invitation(models.Model):
    """A moderator invites an address: the account created with it needs no approval.

    The e-mail carries a link with `token`, valid `DIRECTORY_INVITATION_VALID_DAYS` after the
    last sending; resending draws a new token (the old link stops working)."""

    email = models.EmailField(_("adresse e-mail"))
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    person = models.ForeignKey(
        "Person",
        verbose_name=_("fiche invitée"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="invitations",
    )
    created_at = models.DateTimeField(_("créée le"), auto_now_add=True)
    accepted_at = models.DateTimeField(_("acceptée le"), null=True, blank=True)
    # Invitations from before the links (matched by address at sign-up) have no token.
    token = models.CharField(max_length=64, unique=True, null=True, blank=True, editable=False)
    sent_at = models.DateTimeField(_("envoyée le"), null=True, blank=True)
    send_count = models.PositiveSmallIntegerField(_("envois"), default=0)
    message_id = models.CharField(max_length=255, blank=True, editable=False)
    bounced_at = models.DateTimeField(_("non distribuée le"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        constraints = [
            models.UniqueConstraint(
                Lower("email"),
                condition=Q(accepted_at__isnull=True),
                name="invitation_open_email_unique",
            ),
        ]

    def __str__(self):
        return self.email

    @property
    def expires_at(self):
        if self.sent_at is None:
            return None
        return self.sent_at + timedelta(days=settings.DIRECTORY_INVITATION_VALID_DAYS)

    @property
    def is_expired(self) -> bool:
        return self.expires_at is not None and timezone.now() > self.expires_at

    @property
    def status(self) -> str:
        if self.accepted_at is not None:
            return InvitationStatus.ACCEPTED
        if self.bounced_at is not None:
            return InvitationStatus.BOUNCED
        if self.is_expired:
            return InvitationStatus.EXPIRED
        return InvitationStatus.INVITED

    def get_status_display(self) -> str:
        return InvitationStatus(self.status).label


class StructureKind(models.TextChoices):
    PAYS = "pays", _("Pays")
    CC = "cc", _("Communauté de communes")
    COMMUNE = "commune", _("Commune")
    SYNDICATE = "syndicat", _("Syndicat")
    PARTNER = "partenaire", _("Partenaire")
    STATE = "etat", _("Service de l'État")


class Structure(models.Model):
    """A public body: the Pays, a CC, a commune, a syndicate, a partner or a State service."""

    name = models.CharField(_("nom"), max_length=200, unique=True)
    slug = models.SlugField(_("identifiant d'URL"), max_length=200, unique=True)
    kind = models.CharField(_("type"), max_length=20, choices=StructureKind.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("structure parente"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    address = models.TextField(_("adresse"), blank=True)
    phone = models.CharField(_("standard"), max_length=30, blank=True)
    website = models.URLField(_("site web"), blank=True)
    population = models.PositiveIntegerField(_("population"), null=True, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("structure")
        verbose_name_plural = _("structures")

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("directory:structure_detail", kwargs={"slug": self.slug})


class Visibility(models.TextChoices):
    MEMBERS = "members", _("Visible des membres")
    HIDDEN = "hidden", _("Masqué")


class PersonQuerySet(models.QuerySet):
    def listed(self):
        """People who have not objected to being listed."""
        return self.filter(is_listed=True)

    def with_active_account(self):
        """People linked to an active, approved account (they can receive questions)."""
        return self.filter(user__is_active=True, user__approved_at__isnull=False)


class Person(models.Model):
    """A directory entry. It may exist without an account; an account has at most one entry."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("compte"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="person",
    )
    first_name = models.CharField(_("prénom"), max_length=100, blank=True)
    last_name = models.CharField(_("nom"), max_length=100)
    bio = models.TextField(_("présentation"), max_length=2000, blank=True)
    email = models.EmailField(_("e-mail professionnel"), blank=True)
    email_visibility = models.CharField(
        _("visibilité de l'e-mail"),
        max_length=10,
        choices=Visibility.choices,
        default=Visibility.HIDDEN,
    )
    phone = models.CharField(_("téléphone professionnel"), max_length=30, blank=True)
    phone_visibility = models.CharField(
        _("visibilité du téléphone"),
        max_length=10,
        choices=Visibility.choices,
        default=Visibility.HIDDEN,
    )
    consent_at = models.DateTimeField(_("consentement donné le"), null=True, blank=True)
    is_listed = models.BooleanField(
        _("apparaît dans l'annuaire"),
        default=True,
        help_text=_("Décochez pour vous opposer à figurer dans les listes de l'annuaire."),
    )
    # Derived from the names (see `directory.text.person_key`): accent- and case-insensitive
    # search and duplicate detection with an index, on SQLite and PostgreSQL alike.
    search_name = models.CharField(max_length=210, blank=True, editable=False, db_index=True)
    created_at = models.DateTimeField(_("créé le"), auto_now_add=True)
    updated_at = models.DateTimeField(_("modifié le"), auto_now=True)
    # Raised by every write through `directory.services`: a form carries the version it was
    # shown, and a save from a stale form is refused rather than overwriting the other edit.
    version = models.PositiveIntegerField(_("version"), default=0, editable=False)
    # The yearly « vérifiez votre fiche » campaign (`manage.py directory_check_campaign`).
    checked_at = models.DateTimeField(_("fiche confirmée à jour le"), null=True, blank=True)
    check_requested_at = models.DateTimeField(_("vérification demandée le"), null=True, blank=True)

    objects = PersonQuerySet.as_manager()

    class Meta:
        ordering = ["last_name", "first_name"]
        verbose_name = _("personne")
        verbose_name_plural = _("personnes")

    def __str__(self):
        return self.full_name

    def save(self, *args, **kwargs):
        # A derived column, kept in step with the names whoever saves (services, admin, tests).
        self.search_name = person_key(self.first_name, self.last_name)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and {"first_name", "last_name"} & set(update_fields):
            kwargs["update_fields"] = {*update_fields, "search_name"}
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("directory:person_detail", kwargs={"pk": self.pk})

    def contact_visible_to_members(self, field: str) -> bool:
        """Whether `email` or `phone` may be shown to members (the person's own choice)."""
        return bool(getattr(self, field)) and (
            getattr(self, f"{field}_visibility") == Visibility.MEMBERS
        )

    @property
    def visible_email(self):
        return self.email if self.contact_visible_to_members("email") else ""

    @property
    def visible_phone(self):
        return self.phone if self.contact_visible_to_members("phone") else ""

    @property
    def full_name(self):
        return f"{self.first_name} {self.last_name}".strip()


class PositionKind(models.TextChoices):
    ELU = "elu", _("Élu")
    AGENT = "agent", _("Agent")


class PositionQuerySet(models.QuerySet):
    def current(self, today=None):
        """Positions not ended before `today` (by default the local date)."""
        today = today or timezone.localdate()
        return self.filter(Q(end_date__isnull=True) | Q(end_date__gte=today))


class Position(models.Model):
    """Person × structure × function; a secretary often holds several at once."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="positions")
    structure = models.ForeignKey(Structure, on_delete=models.PROTECT, related_name="positions")
    function = models.CharField(_("fonction"), max_length=200)
    kind = models.CharField(_("élu ou agent"), max_length=10, choices=PositionKind.choices)
    start_date = models.DateField(_("début"), null=True, blank=True)
    end_date = models.DateField(_("fin"), null=True, blank=True)

    objects = PositionQuerySet.as_manager()

    class Meta:
        ordering = ["person", "-start_date"]
        verbose_name = _("fonction occupée")
        verbose_name_plural = _("fonctions occupées")
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__isnull=True)
                | Q(start_date__isnull=True)
                | Q(end_date__gte=models.F("start_date")),
                name="position_dates_ordered",
            ),
        ]

    def __str__(self):
        return f"{self.function} — {self.structure}"

    @property
    def is_current(self) -> bool:
        return self.end_date is None or self.end_date >= timezone.localdate()

    @property
    def years(self) -> str:
        """« 2020–2026 », « –2026 » without a start, « 2020– » while it lasts."""
        start = str(self.start_date.year) if self.start_date else ""
        end = str(self.end_date.year) if self.end_date else ""
        return f"{start}–{end}"

    @property
    def function_in_sentence(self) -> str:
        """The function as it reads inside a sentence: « Maire » → « maire », « DGS » kept."""
        function = self.function
        if len(function) > 1 and function[0].isupper() and function[1].islower():
            return function[0].lower() + function[1:]
        return function


class InterestKind(models.TextChoices):
    INTEREST = "interest", _("Intérêt")
    EXPERTISE = "expertise", _("Expertise")


# An expertise counts once a moderator confirmed it (imported and demo rows are confirmed).
RECOGNISED_EXPERTISE = Q(kind=InterestKind.EXPERTISE, is_confirmed=True)


class TopicInterestQuerySet(models.QuerySet):
    def recognised(self):
        """Recognised expertise: the one definition every layer uses — validating answers,
        clearing re-checks, « Experts du sujet », the home dashboard, routing questions to
        experts, digests, the directory. A member's own request counts nowhere until a
        moderator confirms it."""
        return self.filter(RECOGNISED_EXPERTISE)

    def requested(self):
        """Expertise a member asked for, waiting for a moderator."""
        return self.filter(kind=InterestKind.EXPERTISE, is_confirmed=False)

    def held(self):
        """What a person stands for on a topic: interests and recognised expertise, not the
        requests still waiting for a moderator."""
        return self.filter(Q(kind=InterestKind.INTEREST) | RECOGNISED_EXPERTISE)


class TopicInterest(models.Model):
    """A person's interest in, or recognised expertise on, a topic."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="topic_links")
    topic = models.ForeignKey(
        "taxonomy.Topic", on_delete=models.CASCADE, related_name="person_links"
    )
    kind = models.CharField(_("type"), max_length=10, choices=InterestKind.choices)
    # A member may *ask* to be recognised as an expert; a moderator confirms. Interests are
    # always confirmed.
    is_confirmed = models.BooleanField(_("confirmé"), default=True)

    objects = TopicInterestQuerySet.as_manager()

    class Meta:
        verbose_name = _("sujet d'intérêt ou d'expertise")
        verbose_name_plural = _("sujets d'intérêt ou d'expertise")
        constraints = [
            models.UniqueConstraint(
                fields=["person", "topic", "kind"], name="topic_interest_unique"
            ),
        ]

    def __str__(self):
        return f"{self.person} — {self.topic} ({self.get_kind_display()})"


class Competence(models.Model):
    """Which structure holds which topic here, since when, and whom to call."""

    structure = models.ForeignKey(Structure, on_delete=models.CASCADE, related_name="competences")
    topic = models.ForeignKey(
        "taxonomy.Topic", on_delete=models.PROTECT, related_name="competences"
    )
    since = models.DateField(_("depuis"), null=True, blank=True)
    legal_basis = models.CharField(_("fondement"), max_length=200, blank=True)
    contact = models.ForeignKey(
        Person,
        verbose_name=_("contact"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="competences_contact",
    )

    class Meta:
        ordering = ["topic__name"]
        verbose_name = _("compétence")
        verbose_name_plural = _("compétences")
        constraints = [
            models.UniqueConstraint(fields=["structure", "topic"], name="competence_unique"),
        ]

    def __str__(self):
        return f"{self.topic} — {self.structure}"


class DirectoryImport(models.Model):
    """A participant-list file uploaded by a moderator: checked (dry run), then applied once."""

    filename = models.CharField(_("fichier"), max_length=255)
    content = models.TextField(_("contenu décodé"))
    encoding = models.CharField(_("encodage détecté"), max_length=20)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(_("déposé le"), auto_now_add=True)
    applied_at = models.DateTimeField(_("importé le"), null=True, blank=True)
    summary = models.TextField(_("bilan"), blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("import de l'annuaire")
        verbose_name_plural = _("imports de l'annuaire")

    def __str__(self):
        return self.filename


class Follow(models.Model):
    """A member follows a directory entry: « Mes suivis » counts what is new on its page since
    `seen_at`, the member's last visit of that page. Each concrete follow names its entry's
    field in `followed_field`, which the services in `directory.services` go through."""

    followed_field: str

    created_at = models.DateTimeField(_("le"), default=timezone.now)
    seen_at = models.DateTimeField(_("dernière visite"), default=timezone.now)

    class Meta:
        abstract = True

    def __str__(self):
        return f"{self.user_id} → {getattr(self, self.followed_field + '_id')}"


class PersonFollow(Follow):
    """New on a followed person's page: their questions and answers, and the questions
    addressed to them."""

    followed_field = "person"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="person_follows"
    )
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="follows")

    class Meta:
        verbose_name = _("suivi de personne")
        verbose_name_plural = _("suivis de personnes")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "person"], name="directory_person_follow_unique"
            ),
        ]


class StructureFollow(Follow):
    """New on a followed structure's page: the questions its members asked from it and those
    addressed to it."""

    followed_field = "structure"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="structure_follows"
    )
    structure = models.ForeignKey(Structure, on_delete=models.CASCADE, related_name="follows")

    class Meta:
        verbose_name = _("suivi de structure")
        verbose_name_plural = _("suivis de structures")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "structure"], name="directory_structure_follow_unique"
            ),
        ]


class EntryChangeKind(models.TextChoices):
    EDIT = "edit", _("Modification")
    END_POSITION = "end_position", _("Fin de fonction")
    MERGE = "merge", _("Fusion de doublons")


class EntryChange(models.Model):
    """What a moderator changed on someone's directory entry, when, and why (the log).

    Kept when the entry goes (a merged duplicate): `person_label` names it then."""

    person = models.ForeignKey(
        Person, on_delete=models.SET_NULL, null=True, blank=True, related_name="changes"
    )
    person_label = models.CharField(_("fiche"), max_length=210)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("par"),
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )
    kind = models.CharField(_("type"), max_length=20, choices=EntryChangeKind.choices)
    reason = models.TextField(_("motif"), max_length=1000)
    # {"champ": ["avant", "après"], …} or, for a merge, what was carried over.
    details = models.JSONField(_("détail"), default=dict, blank=True)
    created_at = models.DateTimeField(_("le"), default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("modification de fiche")
        verbose_name_plural = _("modifications de fiches")

    def __str__(self):
        return f"{self.person_label} — {self.get_kind_display()}"

    @property
    def detail_lines(self) -> list[str]:
        """« champ : avant → après », or « clé : valeur » for what a merge carried over."""
        lines = []
        for name, value in self.details.items():
            if isinstance(value, list) and len(value) == 2:
                lines.append(f"{name} : {value[0] or '—'} → {value[1] or '—'}")
            else:
                lines.append(f"{name} : {value}")
        return lines
