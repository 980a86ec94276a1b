from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Escalation(models.Model):
    """A coordinator routed an unanswered question again, to experts not asked before.

    `experts` are the directory entries asked this time (the next circle after the first
    routing and the earlier escalations); the asker is told their names.
    """

    question = models.ForeignKey(
        "qa.Question",
        verbose_name=_("question"),
        on_delete=models.CASCADE,
        related_name="escalations",
    )
    round = models.PositiveSmallIntegerField(_("relance n°"))
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("relancée par"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    experts = models.ManyToManyField(
        "directory.Person", verbose_name=_("experts sollicités"), related_name="+"
    )
    created_at = models.DateTimeField(_("le"), default=timezone.now)

    class Meta:
        verbose_name = _("relance d'une question")
        verbose_name_plural = _("relances de questions")
        constraints = [
            models.UniqueConstraint(fields=["question", "round"], name="steering_one_round_once")
        ]

    def __str__(self):
        return f"{self.question_id} #{self.round}"


# The dashboard's heavy figures, materialised: `website/steering/aggregates.py` computes them
# and the shared needs' refresh (`website/needs/refresh.py`) replaces these tables with its own,
# in one transaction; `NeedsRefresh` says when. Derived data, never edited.


class OpenTopic(models.Model):
    """Open questions on a topic (a question with two topics counts in both)."""

    topic = models.ForeignKey("taxonomy.Topic", on_delete=models.CASCADE, related_name="+")
    questions = models.PositiveIntegerField()

    def __str__(self):
        return f"{self.topic_id}: {self.questions}"


class OpenTerritory(models.Model):
    """Open questions of a territory: a CC, a structure outside any CC, or (null) none."""

    territory = models.ForeignKey(
        "directory.Structure", null=True, on_delete=models.CASCADE, related_name="+"
    )
    questions = models.PositiveIntegerField()

    def __str__(self):
        return f"{self.territory_id}: {self.questions}"


class DelayMonth(models.Model):
    """The response delays of the questions asked in one month (its first day, local time)."""

    month = models.DateField(unique=True)
    asked = models.PositiveIntegerField()
    answered = models.PositiveIntegerField()
    accepted = models.PositiveIntegerField()
    first_median = models.FloatField(null=True)
    first_p90 = models.FloatField(null=True)
    accepted_median = models.FloatField(null=True)
    accepted_p90 = models.FloatField(null=True)

    def __str__(self):
        return self.month.isoformat()


class CommuneActivityRow(models.Model):
    """A commune's questions and answers of the last twelve months, its last question, and
    whether anyone from it ever posted."""

    structure = models.OneToOneField(
        "directory.Structure", on_delete=models.CASCADE, related_name="+"
    )
    questions = models.PositiveIntegerField()
    answers = models.PositiveIntegerField()
    last_question_at = models.DateTimeField(null=True)
    ever_posted = models.BooleanField()

    def __str__(self):
        return f"{self.structure_id}"
