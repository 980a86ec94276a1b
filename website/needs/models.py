"""The shared needs' aggregates, materialised (`website/needs/refresh.py` fills them).

Counting distinct structures per topic over 100,000 threads at each view took seconds; these
tables hold, per refresh, what the page reads in a few milliseconds. They are derived data:
`refresh()` replaces them as a whole, in one transaction, and `NeedsRefresh` says when.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class NeedsRefresh(models.Model):
    """When the aggregates were last computed (one row)."""

    refreshed_at = models.DateTimeField(_("mis à jour le"))
    duration_ms = models.PositiveIntegerField(_("durée du calcul (ms)"), default=0)

    class Meta:
        verbose_name = _("mise à jour des besoins partagés")
        verbose_name_plural = _("mises à jour des besoins partagés")

    def __str__(self):
        return self.refreshed_at.isoformat()


class TopicStructure(models.Model):
    """A structure expressed a topic (one of its people asked a thread on it, marked one
    « même problème » or supported a proposal on it); `last_at` is the latest time, so a
    period filter keeps the pair when `last_at` is inside it."""

    topic = models.ForeignKey("taxonomy.Topic", on_delete=models.CASCADE, related_name="+")
    structure = models.ForeignKey("directory.Structure", on_delete=models.CASCADE, related_name="+")
    last_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["topic", "structure"], name="needs_topic_structure")
        ]

    def __str__(self):
        return f"{self.topic_id} × {self.structure_id}"


class TopicSupporter(models.Model):
    """A person supported a proposal on a topic, `last_at` their latest support."""

    topic = models.ForeignKey("taxonomy.Topic", on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    last_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["topic", "user"], name="needs_topic_supporter")
        ]

    def __str__(self):
        return f"{self.topic_id} × {self.user_id}"


class TopicDay(models.Model):
    """Threads on a topic created on a day (UTC)."""

    topic = models.ForeignKey("taxonomy.Topic", on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    threads = models.PositiveIntegerField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["topic", "day"], name="needs_topic_day")]

    def __str__(self):
        return f"{self.topic_id} {self.day}"


class TrendMonth(models.Model):
    """Needs expressed in a month (threads asked, « même problème » marks, supports), for one
    CC (null: everywhere) and one topic (null: all topics): the trend of each filter."""

    month = models.DateField()
    cc = models.ForeignKey(
        "directory.Structure", null=True, on_delete=models.CASCADE, related_name="+"
    )
    topic = models.ForeignKey(
        "taxonomy.Topic", null=True, on_delete=models.CASCADE, related_name="+"
    )
    expressions = models.PositiveIntegerField()

    class Meta:
        indexes = [models.Index(fields=["cc", "topic", "month"], name="needs_trend_filter")]

    def __str__(self):
        return f"{self.month} {self.cc_id} {self.topic_id}"
