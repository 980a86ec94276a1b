"""Demo agenda: a past exchange session with its minutes, a coming council, open proposals.

Idempotent: objects are found again by their title; support counters are recomputed.
"""

import datetime

from django.utils import timezone

from directory.models import Structure, StructureKind
from directory.roles import MODERATORS
from qa.agenda.models import Meeting, MeetingKind, Proposal, ProposalStatus, Support

MEETINGS = [
    # title, kind, days from now, place, video link, description
    (
        "Temps d'échange des élus et agents du Pays A3V",
        MeetingKind.EXCHANGE,
        -45,
        "Salle polyvalente de Saint-André-les-Alpes",
        "",
        "Partager les expériences et les inquiétudes du semestre, choisir les chantiers communs.",
    ),
    (
        "Conseil communautaire du Moyen Verdon",
        MeetingKind.COUNCIL,
        21,
        "Hôtel communautaire, Castellane",
        "https://visio.example.org/cc-moyen-verdon",
        "Séance ouverte aux sujets proposés par les élus et agents sur Entraide.",
    ),
]

PROPOSALS = [
    # title, rationale, topics, meeting index or None, status, minutes
    (
        "Groupement de commandes pour les fournitures de bureau",
        "Chaque mairie achète seule et paie plus cher ; un groupement porté par la CC ferait "
        "baisser les prix et alléger les secrétariats.",
        ["Commande publique", "Finances"],
        0,
        ProposalStatus.DISCUSSED,
        "https://www.example.org/comptes-rendus/temps-echange-printemps.pdf",
    ),
    (
        "Instruction mutualisée des autorisations d'urbanisme (ADS)",
        "Depuis la fin de l'instruction gratuite par l'État, les petites communes cherchent "
        "comment s'organiser ensemble.",
        ["Urbanisme"],
        1,
        ProposalStatus.SCHEDULED,
        "",
    ),
    (
        "Un assistant de prévention partagé entre communes",
        "Le document unique n'est pas à jour dans la plupart des communes : un agent partagé "
        "pourrait accompagner chacune.",
        ["Hygiène et sécurité", "Ressources humaines et formation"],
        None,
        ProposalStatus.OPEN,
        "",
    ),
    (
        "Passer les mairies à une messagerie libre commune",
        "Les abonnements s'additionnent ; une solution libre hébergée par le Pays serait "
        "moins chère et mieux maîtrisée.",
        ["Informatique et logiciel libre"],
        None,
        ProposalStatus.OPEN,
        "",
    ),
    (
        "Relais petite enfance itinérant dans les villages",
        "Les familles des hameaux font une heure de route ; un relais itinérant irait vers elles.",
        ["Petite enfance", "Aide à la personne et action sociale"],
        None,
        ProposalStatus.OPEN,
        "",
    ),
]


def load(topics, users) -> list[Proposal]:
    """`topics`: name → Topic (taxonomy demo); `users`: the directory demo's accounts."""
    if not users:
        return []
    now = timezone.now().replace(minute=0, second=0, microsecond=0)
    moderator = next(
        (user for user in users if user.groups.filter(name=MODERATORS).exists()), users[0]
    )
    # Exchange sessions are the Pays'; councils are a CC's.
    hosts = {
        MeetingKind.EXCHANGE: Structure.objects.filter(kind=StructureKind.PAYS).first(),
        MeetingKind.COUNCIL: Structure.objects.filter(kind=StructureKind.CC).first(),
    }
    meetings = []
    for title, kind, days, place, video_url, description in MEETINGS:
        meeting, _ = Meeting.objects.get_or_create(
            title=title,
            defaults={
                "kind": kind,
                "starts_at": (now + datetime.timedelta(days=days)).replace(hour=18),
                "place": place,
                "video_url": video_url,
                "description": description,
                "created_by": moderator,
                "structure": hosts.get(kind),
            },
        )
        meetings.append(meeting)

    proposals = []
    for number, (title, rationale, topic_names, meeting_index, status, minutes) in enumerate(
        PROPOSALS
    ):
        author = users[(number + 2) % len(users)]
        meeting = meetings[meeting_index] if meeting_index is not None else None
        proposal, _ = Proposal.objects.get_or_create(
            title=title,
            defaults={
                "rationale": rationale,
                "author": author,
                "status": status,
                "meeting": meeting,
                "scheduled_at": now if meeting else None,
                "scheduled_by": moderator if meeting else None,
                "discussed_at": meeting.starts_at if status == ProposalStatus.DISCUSSED else None,
                "minutes_url": minutes,
                "minutes_published_at": meeting.starts_at if minutes else None,
                "created_at": now - datetime.timedelta(days=60 - number * 7),
            },
        )
        proposal.topics.set([topics[name] for name in topic_names if name in topics])
        # The author and a varying number of colleagues support each subject.
        supporters = {proposal.author, *users[: (len(PROPOSALS) - number) + 1]} - {None}
        for user in supporters:
            Support.objects.get_or_create(proposal=proposal, user=user)
        proposal.support_count = proposal.supports.count()
        proposal.save(update_fields=["support_count"])
        proposals.append(proposal)
    return proposals
