"""Questions, discussions, answers, comments, votes, revisions and moderation.

Layering: `qa` imports `directory` and `taxonomy`, never `website.pages`, `search` or
`notifications`; those learn about events through the signals of `qa/signals.py`.

Writes go through `qa/services.py` (counters change with `F()` expressions there); reads that
depend on the viewer live in `qa/selectors.py`. Invariants (one vote per member and post, one
"same problem" per member and question, a comment hangs on exactly one post) are guarded by
database constraints as well.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Length
from django.db.models.lookups import LessThanOrEqual
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop
from django.utils.translation import gettext_lazy as _

TITLE_MIN_LENGTH = 10
TITLE_MAX_LENGTH = 150
BODY_MAX_LENGTH = 30_000
ANSWER_MIN_LENGTH = 2
COMMENT_MAX_LENGTH = 600
MAX_TOPICS = 5
# CSS pixels of an image's thumbnail in a post's list of files (static/css/qa.css).
LISTED_THUMBNAIL_BOX = 160


# Not soft-deleted: the condition of the list indexes (see `Question.Meta.indexes`).
ALIVE = Q(deleted_at__isnull=True)


class QuestionKind(models.TextChoices):
    QUESTION = "question", _("Question")
    DISCUSSION = "discussion", _("Discussion")


class CloseReason(models.TextChoices):
    RESOLVED = "resolved", _("Résolue")
    DUPLICATE = "duplicate", _("Doublon d'une autre question")
    OFF_TOPIC = "off_topic", _("Hors sujet")
    OUTDATED = "outdated", _("Obsolète (la réglementation a changé)")
    OTHER = "other", _("Autre raison")


class QuestionQuerySet(models.QuerySet):
    def alive(self):
        """Not soft-deleted."""
        return self.filter(ALIVE)

    def questions(self):
        return self.filter(kind=QuestionKind.QUESTION)

    def discussions(self):
        return self.filter(kind=QuestionKind.DISCUSSION)

    def unanswered(self):
        """No answer yet (discussions count replies the same way)."""
        return self.filter(answer_count=0)

    def open(self):
        return self.filter(closed_at__isnull=True)

    def as_links(self):
        """For a list of links to threads (title, date): the bodies, source and HTML, stay in
        the database; they run to tens of kilobytes where the rest of the row is a few
        hundred bytes. (`defer`, not `only`: a related manager sets its foreign key on each
        row, which `only` would load one query per row.)"""
        return self.defer("body", "body_html")


class Question(models.Model):
    """A question (expects answers, one may be accepted) or a discussion (expects replies).

    Both share this model, the thread page and the moderation tools; only the vocabulary and
    acceptance differ. `body_html` is rendered once by `qa.markdown` when a service saves.
    """

    # What kind of post this is, for the code shared by questions, answers and comments:
    # `post_kind` names the foreign key that points a Vote, Revision, Flag or moderation
    # action at it; `url_prefix` starts its action URLs (/questions/12/modifier/).
    post_kind = "question"
    url_prefix = "questions"

    kind = models.CharField(
        _("type"), max_length=12, choices=QuestionKind.choices, default=QuestionKind.QUESTION
    )
    title = models.CharField(_("titre"), max_length=TITLE_MAX_LENGTH)
    slug = models.SlugField(_("identifiant d'URL"), max_length=160, allow_unicode=False)
    body = models.TextField(_("texte (Markdown)"), max_length=BODY_MAX_LENGTH)
    body_html = models.TextField(_("texte affiché (HTML)"), editable=False)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("auteur"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="questions",
    )
    # The asker's structure and function when asking: lists "by structure" and each row's
    # byline stay right even after the asker changes jobs.
    author_structure = models.ForeignKey(
        "directory.Structure",
        verbose_name=_("structure de l'auteur"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="questions_asked",
    )
    author_function = models.CharField(_("fonction de l'auteur"), max_length=200, blank=True)
    topics = models.ManyToManyField(
        "taxonomy.Topic", verbose_name=_("sujets"), related_name="questions"
    )
    addressed_to_person = models.ForeignKey(
        "directory.Person",
        verbose_name=_("adressée à (personne)"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="questions_addressed",
        db_index=False,  # partial index in Meta: almost every row is NULL
    )
    addressed_to_structure = models.ForeignKey(
        "directory.Structure",
        verbose_name=_("adressée à (structure)"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="questions_addressed",
        db_index=False,  # partial index in Meta: almost every row is NULL
    )
    created_at = models.DateTimeField(_("créée le"), default=timezone.now, db_index=True)
    updated_at = models.DateTimeField(_("modifiée le"), default=timezone.now)
    last_activity_at = models.DateTimeField(
        _("dernière activité"), default=timezone.now, db_index=True
    )
    score = models.IntegerField(_("score"), default=0)
    answer_count = models.PositiveIntegerField(_("nombre de réponses"), default=0)
    same_problem_count = models.PositiveIntegerField(_("« même problème »"), default=0)
    accepted_answer = models.ForeignKey(
        "Answer",
        verbose_name=_("réponse acceptée"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,  # partial index in Meta: NULL until an answer is accepted
    )
    closed_at = models.DateTimeField(_("fermée le"), null=True, blank=True)
    close_reason = models.CharField(
        _("motif de fermeture"), max_length=12, choices=CloseReason.choices, blank=True
    )
    close_note = models.CharField(_("précision sur la fermeture"), max_length=500, blank=True)
    duplicate_of = models.ForeignKey(
        "self",
        verbose_name=_("doublon de"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="duplicates",
        db_index=False,  # partial index in Meta: almost every row is NULL
    )
    locked_at = models.DateTimeField(_("verrouillée le"), null=True, blank=True)
    deleted_at = models.DateTimeField(_("supprimée le"), null=True, blank=True)

    objects = QuestionQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("question ou discussion")
        verbose_name_plural = _("questions et discussions")
        indexes = [
            # Lists show the alive threads of one kind (`alive()` + `kind`). Partial indexes
            # hold only those rows, so the paginator's COUNT(*) reads an index and no table
            # row, and each sort of the list walks its own index. With `id` in the key,
            # PostgreSQL also joins the topic and "validated" filters without reading rows.
            models.Index(fields=["kind", "id"], condition=ALIVE, name="qa_question_alive_kind"),
            # The dashboard's questions by commune (`commune_activity`) read only this index.
            models.Index(
                fields=["kind", "-created_at"], condition=ALIVE, name="qa_question_alive_created"
            ),
            models.Index(
                fields=["kind", "-last_activity_at"],
                condition=ALIVE,
                name="qa_question_alive_active",
            ),
            models.Index(
                fields=["kind", "-score", "-created_at"],
                condition=ALIVE,
                name="qa_question_alive_score",
            ),
            models.Index(
                fields=["kind", "-same_problem_count", "-created_at"],
                condition=ALIVE,
                name="qa_question_alive_same",
            ),
            models.Index(
                fields=["kind", "answer_count"], condition=ALIVE, name="qa_question_alive_answers"
            ),
            models.Index(
                fields=["kind", "-last_activity_at"],
                condition=ALIVE & Q(accepted_answer__isnull=True, closed_at__isnull=True),
                name="qa_question_alive_unresolved",
            ),
            # Foreign keys that are NULL on almost every row: an index on the set rows only.
            # A full index would hold one huge NULL group, which SQLite's statistics (after
            # ANALYZE) turn into "100,000 rows per value" and the planner then scans by date.
            models.Index(
                fields=["addressed_to_person", "-created_at"],
                condition=Q(addressed_to_person__isnull=False),
                name="qa_question_to_person",
            ),
            models.Index(
                fields=["addressed_to_structure", "-created_at"],
                condition=Q(addressed_to_structure__isnull=False),
                name="qa_question_to_structure",
            ),
            models.Index(
                fields=["accepted_answer"],
                condition=Q(accepted_answer__isnull=False),
                name="qa_question_accepted",
            ),
            models.Index(
                fields=["duplicate_of"],
                condition=Q(duplicate_of__isnull=False),
                name="qa_question_duplicate_of",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(duplicate_of=models.F("id")) | Q(duplicate_of__isnull=True),
                name="qa_question_not_own_duplicate",
            ),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("qa:question_detail", kwargs={"pk": self.pk, "slug": self.slug or "-"})

    @property
    def is_question(self):
        return self.kind == QuestionKind.QUESTION

    @property
    def is_discussion(self):
        return self.kind == QuestionKind.DISCUSSION

    @property
    def is_closed(self):
        return self.closed_at is not None

    @property
    def is_locked(self):
        return self.locked_at is not None

    @property
    def is_deleted(self):
        return self.deleted_at is not None

    @property
    def thread(self):
        """The question itself (posts share this attribute)."""
        return self

    @property
    def anchor(self) -> str:
        """The post's id in the thread page (its URL fragment)."""
        return "question"


class AnswerQuerySet(models.QuerySet):
    def alive(self):
        return self.filter(deleted_at__isnull=True)

    def as_links(self):
        """For a list of links to answers (their thread's title, a date): no body is loaded,
        neither the answer's nor its question's (`QuestionQuerySet.as_links`)."""
        return self.select_related("question").defer(
            "body", "body_html", "question__body", "question__body_html"
        )


class Answer(models.Model):
    """An answer to a question, or a reply in a discussion."""

    post_kind = "answer"
    url_prefix = "reponses"

    question = models.ForeignKey(
        Question, verbose_name=_("question"), on_delete=models.CASCADE, related_name="answers"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("auteur"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="answers",
    )
    body = models.TextField(_("texte (Markdown)"), max_length=BODY_MAX_LENGTH)
    body_html = models.TextField(_("texte affiché (HTML)"), editable=False)
    score = models.IntegerField(_("score"), default=0)
    created_at = models.DateTimeField(_("créée le"), default=timezone.now)
    updated_at = models.DateTimeField(_("modifiée le"), default=timezone.now)
    deleted_at = models.DateTimeField(_("supprimée le"), null=True, blank=True)
    validated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("validée par"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="answers_validated",
    )
    validated_at = models.DateTimeField(_("validée le"), null=True, blank=True)
    # Set when a moderator merges a duplicate's answers into the canonical question.
    moved_from = models.ForeignKey(
        Question,
        verbose_name=_("déplacée depuis"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    objects = AnswerQuerySet.as_manager()

    class Meta:
        ordering = ["created_at"]
        verbose_name = _("réponse")
        verbose_name_plural = _("réponses")
        indexes = [
            models.Index(fields=["question", "created_at"], name="qa_answer_question_created"),
            # "Validated by an expert" (list filter and row mark) probes this small index.
            models.Index(
                fields=["question"],
                condition=Q(validated_at__isnull=False, deleted_at__isnull=True),
                name="qa_answer_validated",
            ),
            # The dashboard's answers by author (`commune_activity`) read only this index.
            models.Index(
                fields=["author", "created_at"],
                condition=Q(deleted_at__isnull=True),
                name="qa_answer_alive_author",
            ),
        ]

    def __str__(self):
        return _("Réponse à « %(title)s »") % {"title": self.question.title}

    def get_absolute_url(self):
        return f"{self.question.get_absolute_url()}#{self.anchor}"

    @property
    def anchor(self) -> str:
        return f"reponse-{self.pk}"

    @property
    def is_deleted(self):
        return self.deleted_at is not None

    @property
    def is_validated(self):
        return self.validated_at is not None

    @property
    def thread(self):
        return self.question


class Comment(models.Model):
    """A short remark on a question or on an answer (exactly one); inline Markdown only."""

    post_kind = "comment"
    url_prefix = "commentaires"

    question = models.ForeignKey(
        Question, null=True, blank=True, on_delete=models.CASCADE, related_name="comments"
    )
    answer = models.ForeignKey(
        Answer, null=True, blank=True, on_delete=models.CASCADE, related_name="comments"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("auteur"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="qa_comments",
    )
    body = models.TextField(_("commentaire"), max_length=COMMENT_MAX_LENGTH)
    body_html = models.TextField(_("commentaire affiché (HTML)"), editable=False)
    created_at = models.DateTimeField(_("créé le"), default=timezone.now)
    updated_at = models.DateTimeField(_("modifié le"), default=timezone.now)
    deleted_at = models.DateTimeField(_("supprimé le"), null=True, blank=True)

    class Meta:
        ordering = ["created_at"]
        verbose_name = _("commentaire")
        verbose_name_plural = _("commentaires")
        constraints = [
            models.CheckConstraint(
                condition=Q(question__isnull=False, answer__isnull=True)
                | Q(question__isnull=True, answer__isnull=False),
                name="qa_comment_on_exactly_one_post",
            ),
        ]

    def __str__(self):
        return self.body[:60]

    def get_absolute_url(self):
        return f"{self.thread.get_absolute_url()}#{self.anchor}"

    @property
    def anchor(self) -> str:
        return f"commentaire-{self.pk}"

    @property
    def is_deleted(self):
        return self.deleted_at is not None

    @property
    def post(self):
        return self.question if self.question_id else self.answer

    @property
    def thread(self):
        return self.question if self.question_id else self.answer.question


def _exactly_one(*fields):
    """Q: exactly one of these nullable foreign keys is set."""
    conditions = []
    for field in fields:
        others = {f"{other}__isnull": True for other in fields if other != field}
        conditions.append(Q(**{f"{field}__isnull": False}, **others))
    result = conditions[0]
    for condition in conditions[1:]:
        result |= condition
    return result


class Vote(models.Model):
    """+1 or −1 by one member on one question or answer (never their own)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="qa_votes"
    )
    question = models.ForeignKey(
        Question, null=True, blank=True, on_delete=models.CASCADE, related_name="votes"
    )
    answer = models.ForeignKey(
        Answer, null=True, blank=True, on_delete=models.CASCADE, related_name="votes"
    )
    value = models.SmallIntegerField(_("valeur"))
    created_at = models.DateTimeField(_("le"), default=timezone.now)

    class Meta:
        verbose_name = _("vote")
        verbose_name_plural = _("votes")
        constraints = [
            models.CheckConstraint(condition=Q(value__in=(-1, 1)), name="qa_vote_value_pm1"),
            models.CheckConstraint(
                condition=_exactly_one("question", "answer"), name="qa_vote_one_post"
            ),
            models.UniqueConstraint(
                fields=["user", "question"],
                condition=Q(question__isnull=False),
                name="qa_vote_unique_user_question",
            ),
            models.UniqueConstraint(
                fields=["user", "answer"],
                condition=Q(answer__isnull=False),
                name="qa_vote_unique_user_answer",
            ),
        ]

    def __str__(self):
        return f"{self.value:+d}"


class SameProblem(models.Model):
    """ "Me too": a member says they share the problem a question describes."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="qa_same_problems"
    )
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="same_problems")
    created_at = models.DateTimeField(_("le"), default=timezone.now)

    class Meta:
        verbose_name = _("« même problème »")
        verbose_name_plural = _("« même problème »")
        constraints = [
            models.UniqueConstraint(fields=["user", "question"], name="qa_same_problem_unique"),
        ]

    def __str__(self):
        return f"{self.user_id} × {self.question_id}"


class Revision(models.Model):
    """One version of a question, answer or comment; number 1 is the original text."""

    question = models.ForeignKey(
        Question, null=True, blank=True, on_delete=models.CASCADE, related_name="revisions"
    )
    answer = models.ForeignKey(
        Answer, null=True, blank=True, on_delete=models.CASCADE, related_name="revisions"
    )
    comment = models.ForeignKey(
        Comment, null=True, blank=True, on_delete=models.CASCADE, related_name="revisions"
    )
    number = models.PositiveIntegerField(_("version"))
    title = models.CharField(_("titre"), max_length=TITLE_MAX_LENGTH, blank=True)
    body = models.TextField(_("texte (Markdown)"))
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("auteur"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="qa_revisions",
    )
    created_at = models.DateTimeField(_("le"), default=timezone.now)
    summary = models.CharField(_("résumé de la modification"), max_length=200, blank=True)
    # The files the post had at this version (issue 17: revisions keep their attachments); the
    # history compares two versions' sets to say which files each edit added. A file a
    # moderator removes leaves every version (the moderation log keeps its name).
    attachments = models.ManyToManyField(
        "Attachment", verbose_name=_("pièces jointes"), blank=True, related_name="revisions"
    )

    class Meta:
        ordering = ["number"]
        verbose_name = _("version")
        verbose_name_plural = _("versions")
        constraints = [
            models.CheckConstraint(
                condition=_exactly_one("question", "answer", "comment"),
                name="qa_revision_one_post",
            ),
            models.UniqueConstraint(
                fields=["question", "number"],
                condition=Q(question__isnull=False),
                name="qa_revision_unique_question_number",
            ),
            models.UniqueConstraint(
                fields=["answer", "number"],
                condition=Q(answer__isnull=False),
                name="qa_revision_unique_answer_number",
            ),
            models.UniqueConstraint(
                fields=["comment", "number"],
                condition=Q(comment__isnull=False),
                name="qa_revision_unique_comment_number",
            ),
        ]

    def __str__(self):
        return _("Version %(number)s") % {"number": self.number}

    @property
    def post(self):
        return self.question or self.answer or self.comment


class AttachmentQuerySet(models.QuerySet):
    def current(self):
        """The files the post has now: not those an edit removed (`removed_at`), which only
        its earlier versions keep."""
        return self.filter(removed_at__isnull=True)


class Attachment(models.Model):
    """A file attached to a question, answer or comment (exactly one), checked by its content
    (`qa/attachments.py`) and stored under a random name; served only by the view that checks
    the reader may see the post (`qa/views/attachments.py`)."""

    question = models.ForeignKey(
        Question, null=True, blank=True, on_delete=models.CASCADE, related_name="attachments"
    )
    answer = models.ForeignKey(
        Answer, null=True, blank=True, on_delete=models.CASCADE, related_name="attachments"
    )
    comment = models.ForeignKey(
        Comment, null=True, blank=True, on_delete=models.CASCADE, related_name="attachments"
    )
    # The file's number in its post, from 1, never reused: what `piece-jointe:<n>` in the
    # post's text refers to (qa.markdown).
    number = models.PositiveSmallIntegerField(_("numéro dans le message"), default=1)
    file = models.FileField(_("fichier"), max_length=200)
    thumbnail = models.FileField(_("miniature"), max_length=200, blank=True)
    original_name = models.CharField(_("nom d'origine"), max_length=120)
    size = models.PositiveBigIntegerField(_("taille (octets)"))
    content_type = models.CharField(_("type détecté"), max_length=120)
    is_image = models.BooleanField(_("image"), default=False)
    width = models.PositiveIntegerField(null=True, blank=True)
    height = models.PositiveIntegerField(null=True, blank=True)
    uploader = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("déposé par"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="qa_attachments",
    )
    created_at = models.DateTimeField(_("déposé le"), default=timezone.now)
    # Filled by the `extract_attachment_text` task (qa/extraction.py), then searched with the
    # thread; `text_extracted_at` empty: not extracted yet (`search_check --repair` does it).
    extracted_text = models.TextField(_("texte extrait"), blank=True, default="")
    text_extracted_at = models.DateTimeField(_("texte extrait le"), null=True, blank=True)
    # Set when an edit of the post removed the file (`services.post_edit(remove=…)`): the
    # post no longer shows it, members can no longer download it, and the earlier versions
    # that had it keep it (moderators open it from the history). Still stored, still counted
    # in the uploader's space; a moderator's `attachment_remove` deletes it for good.
    removed_at = models.DateTimeField(_("retirée du message le"), null=True, blank=True)

    objects = AttachmentQuerySet.as_manager()

    class Meta:
        ordering = ["pk"]
        verbose_name = _("pièce jointe")
        verbose_name_plural = _("pièces jointes")
        constraints = [
            models.CheckConstraint(
                condition=_exactly_one("question", "answer", "comment"),
                name="qa_attachment_one_post",
            ),
            *(
                models.UniqueConstraint(
                    fields=[kind, "number"],
                    condition=Q(**{f"{kind}__isnull": False}),
                    name=f"qa_attachment_unique_{kind}_number",
                )
                for kind in ("question", "answer", "comment")
            ),
        ]

    def __str__(self):
        return self.original_name

    def get_absolute_url(self):
        # The name in the address is for the reader and the browser's "save as"; the view
        # goes by the id.
        name = "".join(char for char in self.original_name if char.isprintable()) or "fichier"
        return reverse("qa:attachment", kwargs={"pk": self.pk, "name": name})

    def get_thumbnail_url(self):
        return reverse("qa:attachment_thumbnail", kwargs={"pk": self.pk})

    def fitted_size(self, box_width: int, box_height: int) -> tuple[int, int] | None:
        """This image's size fitted in the box (never enlarged), None without a known size:
        the `width` and `height` of its thumbnail in a page, which then does not move while
        the (lazy) thumbnail loads."""
        if not self.width or not self.height:
            return None
        scale = min(box_width / self.width, box_height / self.height, 1)
        return max(round(self.width * scale), 1), max(round(self.height * scale), 1)

    @property
    def listed_size(self) -> tuple[int, int] | None:
        """The thumbnail's size in a post's list of files (a 160 px box: `.qa-attachment img`
        in static/css/qa.css)."""
        return self.fitted_size(LISTED_THUMBNAIL_BOX, LISTED_THUMBNAIL_BOX)

    @property
    def post(self):
        return self.question or self.answer or self.comment

    @property
    def extension(self) -> str:
        return self.file.name.rpartition(".")[2].upper()


class Draft(models.Model):
    """A member's unpublished text, saved on the server so that it survives a closed tab and
    follows them to another device. `question` empty: their one draft of a new question
    (kind, title, body, topics); set: their draft of an answer on that thread (body only).
    Never published by itself (the member clicks « Publier »), removed on publish; attachments
    are not kept (a browser cannot restore a file selection)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="qa_drafts"
    )
    question = models.ForeignKey(
        Question, null=True, blank=True, on_delete=models.CASCADE, related_name="drafts"
    )
    kind = models.CharField(
        _("type"), max_length=20, choices=QuestionKind.choices, default=QuestionKind.QUESTION
    )
    title = models.CharField(_("titre"), max_length=TITLE_MAX_LENGTH, blank=True)
    body = models.TextField(_("texte"), blank=True)
    topics = models.ManyToManyField("taxonomy.Topic", blank=True, related_name="qa_drafts")
    updated_at = models.DateTimeField(_("enregistré le"), default=timezone.now)

    class Meta:
        ordering = ["-updated_at", "-pk"]
        verbose_name = _("brouillon")
        verbose_name_plural = _("brouillons")
        constraints = [
            models.UniqueConstraint(
                fields=["user"],
                condition=Q(question__isnull=True),
                name="qa_draft_one_new_question",
            ),
            models.UniqueConstraint(
                fields=["user", "question"],
                condition=Q(question__isnull=False),
                name="qa_draft_one_per_thread",
            ),
            models.CheckConstraint(
                condition=LessThanOrEqual(Length("body"), BODY_MAX_LENGTH),
                name="qa_draft_body_length",
            ),
        ]

    def __str__(self):
        return f"{self.user_id} → {self.question_id or 'new'}"

    @property
    def is_new_question(self) -> bool:
        return self.question_id is None


class FlagReason(models.TextChoices):
    SPAM = "spam", _("Spam ou publicité")
    OFF_TOPIC = "off_topic", _("Hors sujet")
    RUDE = "rude", _("Propos irrespectueux")
    OUTDATED = "outdated", _("Information obsolète")
    OTHER = "other", _("Autre")


class FlagStatus(models.TextChoices):
    OPEN = "open", _("À traiter")
    ACCEPTED = "accepted", _("Retenu")
    DISMISSED = "dismissed", _("Écarté")


class FlagQuerySet(models.QuerySet):
    def open(self):
        return self.filter(status=FlagStatus.OPEN)


class Flag(models.Model):
    """A member reports a post to the moderators (one open report per member and post)."""

    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("signalé par"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="qa_flags",
    )
    question = models.ForeignKey(
        Question, null=True, blank=True, on_delete=models.CASCADE, related_name="flags"
    )
    answer = models.ForeignKey(
        Answer, null=True, blank=True, on_delete=models.CASCADE, related_name="flags"
    )
    comment = models.ForeignKey(
        Comment, null=True, blank=True, on_delete=models.CASCADE, related_name="flags"
    )
    reason = models.CharField(_("motif"), max_length=12, choices=FlagReason.choices)
    text = models.TextField(_("précisions"), max_length=1000, blank=True)
    status = models.CharField(
        _("état"), max_length=10, choices=FlagStatus.choices, default=FlagStatus.OPEN
    )
    created_at = models.DateTimeField(_("signalé le"), default=timezone.now)
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("traité par"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    handled_at = models.DateTimeField(_("traité le"), null=True, blank=True)

    objects = FlagQuerySet.as_manager()

    class Meta:
        ordering = ["created_at"]
        verbose_name = _("signalement")
        verbose_name_plural = _("signalements")
        constraints = [
            models.CheckConstraint(
                condition=_exactly_one("question", "answer", "comment"), name="qa_flag_one_post"
            ),
            models.UniqueConstraint(
                fields=["reporter", "question"],
                condition=Q(question__isnull=False, status="open"),
                name="qa_flag_open_unique_question",
            ),
            models.UniqueConstraint(
                fields=["reporter", "answer"],
                condition=Q(answer__isnull=False, status="open"),
                name="qa_flag_open_unique_answer",
            ),
            models.UniqueConstraint(
                fields=["reporter", "comment"],
                condition=Q(comment__isnull=False, status="open"),
                name="qa_flag_open_unique_comment",
            ),
        ]

    def __str__(self):
        return f"{self.get_reason_display()} — {self.post}"

    @property
    def post(self):
        return self.question or self.answer or self.comment

    @property
    def thread(self):
        return self.post.thread


class ModerationKind(models.TextChoices):
    CLOSE = "close", _("Fermeture")
    REOPEN = "reopen", _("Réouverture")
    DUPLICATE = "duplicate", _("Marquée comme doublon")
    LOCK = "lock", _("Verrouillage")
    UNLOCK = "unlock", _("Déverrouillage")
    DELETE = "delete", _("Suppression")
    RESTORE = "restore", _("Restauration")
    MERGE = "merge", _("Fusion des réponses")
    ROLLBACK = "rollback", _("Retour à une version antérieure")
    EDIT = "edit", _("Modification par un modérateur")
    FAQ = "faq", _("Promotion en FAQ")
    FAQ_WITHDRAW = "faq_withdraw", _("Retrait de la FAQ")
    FLAG = "flag", _("Signalement traité")
    ATTACHMENT_REMOVED = "attachment", _("Pièce jointe retirée")


# Reasons the site writes into the moderation log itself (translated when shown).
OWN_DELETE_REASON = gettext_noop("Supprimé par son auteur.")
SYSTEM_REASONS = frozenset({OWN_DELETE_REASON})


class ModerationAction(models.Model):
    """Who did what, when and why, on which post: shown on the thread, never deleted."""

    moderator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("modérateur"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="qa_moderation_actions",
    )
    kind = models.CharField(_("action"), max_length=16, choices=ModerationKind.choices)
    # The thread the action is shown on; answer/comment say which post inside it, if any.
    question = models.ForeignKey(
        Question, on_delete=models.CASCADE, related_name="moderation_actions"
    )
    answer = models.ForeignKey(
        Answer, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    comment = models.ForeignKey(
        Comment, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    # The other question involved (canonical of a duplicate, target of a merge).
    other_question = models.ForeignKey(
        Question, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reason = models.TextField(_("motif"), max_length=1000, blank=True)
    created_at = models.DateTimeField(_("le"), default=timezone.now)

    class Meta:
        ordering = ["created_at"]
        verbose_name = _("action de modération")
        verbose_name_plural = _("actions de modération")

    def __str__(self):
        return f"{self.get_kind_display()} — {self.question}"

    @property
    def post(self):
        return self.comment or self.answer or self.question

    @property
    def shown_reason(self) -> str:
        """The reason in the reader's language when the site wrote it (stored in French, the
        source language, whoever acted); a moderator's own words as they typed them."""
        if self.reason in SYSTEM_REASONS:
            return gettext(self.reason)
        return self.reason


class QuestionFollow(models.Model):
    """A member follows a question (notified of answers and comments)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="qa_question_follows"
    )
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="follows")
    created_at = models.DateTimeField(_("le"), default=timezone.now)

    class Meta:
        verbose_name = _("suivi de question")
        verbose_name_plural = _("suivis de questions")
        constraints = [
            models.UniqueConstraint(fields=["user", "question"], name="qa_question_follow_unique"),
        ]

    def __str__(self):
        return f"{self.user_id} → {self.question_id}"


class TopicFollow(models.Model):
    """A member follows a topic (notified of its new questions)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="qa_topic_follows"
    )
    topic = models.ForeignKey("taxonomy.Topic", on_delete=models.CASCADE, related_name="follows")
    created_at = models.DateTimeField(_("le"), default=timezone.now)
    # The member's last visit of the topic's page: « Mes suivis » counts the questions since.
    seen_at = models.DateTimeField(_("dernière visite"), default=timezone.now)

    class Meta:
        verbose_name = _("suivi de sujet")
        verbose_name_plural = _("suivis de sujets")
        constraints = [
            models.UniqueConstraint(fields=["user", "topic"], name="qa_topic_follow_unique"),
        ]

    def __str__(self):
        return f"{self.user_id} → {self.topic_id}"


class ThreadVisit(models.Model):
    """When a member last opened a thread: one row per member and thread, rewritten on each
    visit. Answers and comments by others published after `seen_at` are « Nouveau » for them
    (lists, the thread page, « Mes suivis »). Pruned by `manage.py prune_thread_visits`."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="qa_thread_visits"
    )
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="visits")
    seen_at = models.DateTimeField(_("vu le"))

    class Meta:
        verbose_name = _("dernière visite d'un fil")
        verbose_name_plural = _("dernières visites des fils")
        constraints = [
            models.UniqueConstraint(fields=["user", "question"], name="qa_thread_visit_unique"),
        ]

    def __str__(self):
        return f"{self.user_id} → {self.question_id}"


class FaqPromotionQuerySet(models.QuerySet):
    def listed(self):
        """Promotions the FAQ page shows: the question and its answer are still visible."""
        return self.filter(question__deleted_at__isnull=True, answer__deleted_at__isnull=True)

    def awaiting_review(self):
        """The « FAQ à revalider » queue: the thread changed since the shown version."""
        return self.listed().filter(review_requested_at__isnull=False)


class FaqPromotion(models.Model):
    """A moderator turned a question and its accepted or validated answer into an FAQ entry.

    The FAQ page (CMS layer) lists `FaqPromotion.objects.listed()` and shows the *frozen* title
    and answer a moderator approved, never the thread's live text: an edit of the question or
    of the answer, or another accepted answer, only sets `review_requested_at`, which puts the
    entry in the moderators' « FAQ à revalider » queue until one approves the new version.
    """

    question = models.OneToOneField(
        Question, on_delete=models.CASCADE, related_name="faq_promotion"
    )
    answer = models.ForeignKey(Answer, on_delete=models.CASCADE, related_name="faq_promotions")
    promoted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("promue par"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("le"), default=timezone.now)
    title = models.CharField(_("question publiée"), max_length=255, default="")
    answer_html = models.TextField(_("réponse publiée"), default="")
    approved_at = models.DateTimeField(_("version approuvée le"), default=timezone.now)
    review_requested_at = models.DateTimeField(
        _("à revalider depuis"), null=True, blank=True, db_index=True
    )

    objects = FaqPromotionQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("entrée de FAQ")
        verbose_name_plural = _("entrées de FAQ")

    def __str__(self):
        return self.title or self.question.title

    @property
    def reference_answer(self):
        """The answer a new version of the entry shows: the thread's accepted answer if alive,
        else the promoted one."""
        accepted = self.question.accepted_answer
        if accepted is not None and accepted.deleted_at is None:
            return accepted
        return self.answer
