"""The five roles and the named predicates every layer uses to check them.

Groups are created by data migrations (`directory/migrations/0002_roles.py`, and
`0009_coordinators_group.py` for the coordinators); what each
role may do on objects is written once, here and in `qa/permissions.py`, and used by views,
templates (through the `roles` template tags) and commands alike.
"""

from django.utils.translation import gettext_lazy as _

MEMBERS = "Membres"
EXPERTS = "Experts"
MODERATORS = "Modérateurs"
EDITORS = "Éditeurs"
COORDINATORS = "Coordinateurs"
ALL_ROLES = (MEMBERS, EXPERTS, MODERATORS, EDITORS, COORDINATORS)

ROLE_DESCRIPTIONS = {
    MEMBERS: _("pose des questions, répond, commente, vote, suit des sujets, propose des sujets"),
    EXPERTS: _("reçoit les questions de ses sujets et peut valider une réponse"),
    MODERATORS: _("approuve les comptes, modère, ferme, fusionne, promeut en FAQ"),
    EDITORS: _("publie la veille réglementaire, la FAQ et les ressources"),
    COORDINATORS: _("suit le tableau de pilotage et relance les questions sans réponse"),
}


def role_names(user) -> frozenset[str]:
    """The user's group names, read once per request object."""
    if not user.is_authenticated:
        return frozenset()
    cached = getattr(user, "_role_names", None)
    if cached is None:
        cached = frozenset(user.groups.values_list("name", flat=True))
        user._role_names = cached
    return cached


def is_member(user) -> bool:
    """An active, approved account: may read and take part in Q&A and the directory."""
    return bool(user.is_authenticated and user.is_active and not user.is_pending)


def is_moderator(user) -> bool:
    return is_member(user) and (user.is_superuser or MODERATORS in role_names(user))


def is_editor(user) -> bool:
    return is_member(user) and (user.is_superuser or EDITORS in role_names(user))


def is_expert(user) -> bool:
    return is_member(user) and EXPERTS in role_names(user)


def is_coordinator(user) -> bool:
    """In the « Coordinateurs » group (the Pays' staff, the CCs' general managers)."""
    return is_member(user) and COORDINATORS in role_names(user)


def can_steer(user) -> bool:
    """May open the coordinator's dashboard (/pilotage/) and route questions again:
    moderators and coordinators."""
    return is_moderator(user) or is_coordinator(user)
