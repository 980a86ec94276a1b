"""What a member can be notified about, and how often they get an e-mail for it by default."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Kind(models.TextChoices):
    QUESTION_IN_TOPIC = "question_in_topic", _("Nouvelle question dans un sujet que je suis")
    QUESTION_ADDRESSED = "question_addressed", _("Question adressée à moi ou à ma structure")
    QUESTION_ROUTED = "question_routed", _("Question de mon domaine d'expertise")
    QUESTION_ESCALATED = (
        "question_escalated",
        _("Ma question sans réponse relayée à d'autres experts"),
    )
    MENTION = "mention", _("Quand on me mentionne")
    ANSWER = "answer", _("Réponse à une question que je suis ou que j'ai posée")
    COMMENT = "comment", _("Commentaire sur un message que je suis ou que j'ai écrit")
    ANSWER_ACCEPTED = "answer_accepted", _("Ma réponse acceptée")
    ANSWER_VALIDATED = "answer_validated", _("Ma réponse validée par un expert")
    REGULATORY_UPDATE = "regulatory_update", _("Veille réglementaire dans mes sujets")
    RECHECK = "recheck", _("Fil auquel j'ai répondu marqué « à revérifier »")
    PROPOSAL_SCHEDULED = (
        "proposal_scheduled",
        _("Proposition que je soutiens inscrite à l'ordre du jour"),
    )
    PROPOSAL_DISCUSSED = (
        "proposal_discussed",
        _("Proposition que je soutiens débattue en réunion"),
    )
    PROPOSAL_MINUTES = (
        "proposal_minutes",
        _("Compte rendu publié d'une proposition que je soutiens"),
    )
    MEETING_CANCELLED = (
        "meeting_cancelled",
        _("Réunion annulée où figurait une proposition que je soutiens"),
    )
    ENTRY_CORRECTED = "entry_corrected", _("Ma fiche de l'annuaire corrigée par un modérateur")
    MODERATION = "moderation", _("Action de modération sur mon message")
    ACCOUNT_APPROVED = "account_approved", _("Mon compte approuvé")
    FLAG_CREATED = "flag_created", _("Nouveau signalement à traiter (modérateurs)")
    ACCOUNT_PENDING = "account_pending", _("Nouveau compte à valider (modérateurs)")
    EMAILS_PAUSED = "emails_paused", _("Mes e-mails suspendus après des retours en erreur")


class Frequency(models.TextChoices):
    IMMEDIATELY = "immediately", _("Tout de suite")
    DAILY = "daily", _("Résumé quotidien")
    WEEKLY = "weekly", _("Résumé hebdomadaire")
    NEVER = "never", _("Jamais (seulement sur le site)")


DIGEST_FREQUENCIES = (Frequency.DAILY, Frequency.WEEKLY)

# Discourse's rule of thumb: what is addressed to me personally comes at once; what merely
# happens in my topics is gathered in a digest so nobody gets flooded.
DEFAULT_FREQUENCY = {
    Kind.QUESTION_IN_TOPIC: Frequency.DAILY,
    Kind.QUESTION_ADDRESSED: Frequency.IMMEDIATELY,
    Kind.QUESTION_ROUTED: Frequency.IMMEDIATELY,
    Kind.QUESTION_ESCALATED: Frequency.IMMEDIATELY,
    Kind.MENTION: Frequency.IMMEDIATELY,
    Kind.ANSWER: Frequency.IMMEDIATELY,
    Kind.COMMENT: Frequency.DAILY,
    Kind.ANSWER_ACCEPTED: Frequency.IMMEDIATELY,
    Kind.ANSWER_VALIDATED: Frequency.IMMEDIATELY,
    Kind.REGULATORY_UPDATE: Frequency.WEEKLY,
    Kind.RECHECK: Frequency.IMMEDIATELY,
    Kind.PROPOSAL_SCHEDULED: Frequency.IMMEDIATELY,
    Kind.PROPOSAL_DISCUSSED: Frequency.IMMEDIATELY,
    Kind.PROPOSAL_MINUTES: Frequency.IMMEDIATELY,
    Kind.MEETING_CANCELLED: Frequency.IMMEDIATELY,
    Kind.ENTRY_CORRECTED: Frequency.IMMEDIATELY,
    Kind.MODERATION: Frequency.IMMEDIATELY,
    Kind.ACCOUNT_APPROVED: Frequency.IMMEDIATELY,
    Kind.FLAG_CREATED: Frequency.IMMEDIATELY,
    Kind.ACCOUNT_PENDING: Frequency.IMMEDIATELY,
    Kind.EMAILS_PAUSED: Frequency.NEVER,
}

# Told on the site only, never by e-mail, and not offered on the preferences page: the member's
# e-mails are paused because their address bounces (`bounces.py`).
SITE_ONLY_KINDS = frozenset({Kind.EMAILS_PAUSED})


# Sent to moderators only (`directory.selectors.moderator_accounts`): offered on the
# preferences page to moderators only.
MODERATOR_KINDS = frozenset({Kind.FLAG_CREATED, Kind.ACCOUNT_PENDING})


def email_kinds(*, moderator: bool = True) -> list[Kind]:
    """The kinds a member chooses an e-mail frequency for (without the moderators' own
    kinds for anyone else)."""
    return [
        kind
        for kind in Kind
        if kind not in SITE_ONLY_KINDS and (moderator or kind not in MODERATOR_KINDS)
    ]


# The sentence shown for a notification; `actor` and `title` are filled in at display time so
# the wording follows the reader's language.
HEADLINES = {
    Kind.QUESTION_IN_TOPIC: _("%(actor)s a posé une question dans un sujet que vous suivez"),
    Kind.QUESTION_ADDRESSED: _("%(actor)s vous adresse une question"),
    Kind.QUESTION_ROUTED: _("Une question de votre domaine d'expertise attend une réponse"),
    Kind.QUESTION_ESCALATED: _(
        "Votre question sans réponse a été relayée à d'autres experts par %(actor)s"
    ),
    Kind.MENTION: _("%(actor)s vous a mentionné"),
    Kind.ANSWER: _("%(actor)s a répondu"),
    Kind.COMMENT: _("%(actor)s a commenté"),
    Kind.ANSWER_ACCEPTED: _("Votre réponse a été acceptée"),
    Kind.ANSWER_VALIDATED: _("Votre réponse a été validée par %(actor)s"),
    Kind.REGULATORY_UPDATE: _("Nouvelle veille réglementaire dans vos sujets"),
    Kind.RECHECK: _("Un fil auquel vous avez répondu est à revérifier"),
    Kind.PROPOSAL_SCHEDULED: _("Une proposition que vous soutenez est inscrite à l'ordre du jour"),
    Kind.PROPOSAL_DISCUSSED: _("Une proposition que vous soutenez a été débattue"),
    Kind.PROPOSAL_MINUTES: _("Le compte rendu d'une proposition que vous soutenez est publié"),
    Kind.MEETING_CANCELLED: _(
        "Une réunion où figurait une proposition que vous soutenez est annulée"
    ),
    Kind.ENTRY_CORRECTED: _("%(actor)s a corrigé votre fiche de l'annuaire"),
    Kind.MODERATION: _("Un modérateur a agi sur votre message"),
    Kind.ACCOUNT_APPROVED: _("Votre compte a été approuvé : bienvenue sur Entraide"),
    Kind.FLAG_CREATED: _("Un message a été signalé : un signalement attend les modérateurs"),
    Kind.ACCOUNT_PENDING: _("Un nouveau compte attend la validation d'un modérateur"),
    Kind.EMAILS_PAUSED: _(
        "Nos e-mails vous reviennent en erreur : nous les avons suspendus. Vérifiez votre "
        "adresse, puis reprenez l'envoi"
    ),
}
