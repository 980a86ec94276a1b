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
