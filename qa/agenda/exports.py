"""The agenda's part of a member's data export (GDPR): their proposals and supports.

Registered with `directory.extensions` by `AgendaConfig.ready()`.
"""


def _when(value) -> str | None:
    return value.isoformat() if value else None


def account_export(user) -> dict:
    return {
        "propositions": [
            {
                "titre": proposal.title,
                "pourquoi": proposal.rationale,
                "etat": proposal.status,
                "le": _when(proposal.created_at),
            }
            for proposal in user.agenda_proposals.order_by("created_at")
        ],
        "soutiens": [
            {"proposition": support.proposal.title, "le": _when(support.created_at)}
            for support in user.agenda_supports.select_related("proposal").order_by("created_at")
        ],
    }
