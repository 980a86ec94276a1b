"""Demo structures (public bodies, real names) and people (all fictional)."""

import datetime

from allauth.account.models import EmailAddress
from django.contrib.auth.models import Group
from django.utils import timezone
from django.utils.text import slugify

from directory.models import (
    Competence,
    InterestKind,
    Person,
    Position,
    PositionKind,
    Structure,
    StructureKind,
    TopicInterest,
    User,
    Visibility,
)

DEMO_PASSWORD = "demo-entraide-2026"  # noqa: S105 — published demo password, demo data only
DEMO_DOMAIN = "demo.entraide.example.org"

CCS = {
    "CC Haut Verdon Val d'Allos": ["Thorame-Basse", "Thorame-Haute", "Villars-Colmars"],
    "CC Moyen Verdon": [
        "Castellane",
        "Saint-André-les-Alpes",
        "Barrême",
        "Angles",
        "Rougon",
        "Allons",
        "La Palud-sur-Verdon",
        "Saint-Julien-du-Verdon",
        "Clumanc",
        "Saint-Lions",
        "La Mure-Argens",
    ],
    "CC du Pays d'Entrevaux": ["Entrevaux", "Castellet-lès-Sausses", "La Rochette"],
    "CC Terres de Lumière": ["Annot", "Saint-Benoît", "Méailles", "Braux", "Le Fugeret"],
    "CC du Teillon": [],
}
PARTNERS = {
    "CNFPT": StructureKind.PARTNER,
    "PNR des Baronnies provençales": StructureKind.PARTNER,
    "SYDEVOM": StructureKind.SYNDICATE,
}

# (e-mail local part, first name, last name, roles, structure, function, kind, expertise)
PEOPLE = [
    (
        "admin",
        "Alix",
        "Administratrice",
        [],
        "Pays A3V",
        "Administratrice technique",
        PositionKind.AGENT,
        [],
    ),
    (
        "moderatrice",
        "Maëlle",
        "Durandal",
        ["Modérateurs"],
        "Pays A3V",
        "Chargée de mission",
        PositionKind.AGENT,
        ["Développement local et intelligence collective"],
    ),
    (
        "editeur",
        "Bastien",
        "Lavandin",
        ["Éditeurs"],
        "Pays A3V",
        "Chargé de communication",
        PositionKind.AGENT,
        [],
    ),
    (
        "editrice",
        "Solène",
        "Martelet",
        ["Éditeurs"],
        "CC Moyen Verdon",
        "Directrice générale",
        PositionKind.AGENT,
        ["Fusion et gouvernance des intercommunalités"],
    ),
    (
        "expert.marches",
        "Corentin",
        "Achardier",
        ["Experts"],
        "CC Moyen Verdon",
        "Responsable de la commande publique",
        PositionKind.AGENT,
        ["Commande publique"],
    ),
    (
        "expert.urbanisme",
        "Ophélie",
        "Plansol",
        ["Experts"],
        "CC Terres de Lumière",
        "Instructrice ADS",
        PositionKind.AGENT,
        ["Urbanisme"],
    ),
    (
        "secretaire",
        "Noémie",
        "Vallonet",
        [],
        "Barrême",
        "Secrétaire de mairie",
        PositionKind.AGENT,
        [],
    ),
    ("maire", "Firmin", "Roquebrune", [], "Angles", "Maire", PositionKind.ELU, []),
    ("adjointe", "Hortense", "Clapier", [], "Annot", "Première adjointe", PositionKind.ELU, []),
]
PENDING = ("en-attente", "Gaspard", "Patience", "Mairie de Thorame-Haute", "Secrétaire de mairie")


def _structure(name, kind, parent=None):
    structure, _ = Structure.objects.update_or_create(
        slug=slugify(name), defaults={"name": name, "kind": kind, "parent": parent}
    )
    return structure


def load_structures() -> dict[str, Structure]:
    structures = {"Pays A3V": _structure("Pays A3V", StructureKind.PAYS)}
    for cc_name, communes in CCS.items():
        cc = _structure(cc_name, StructureKind.CC, structures["Pays A3V"])
        structures[cc_name] = cc
        for commune in communes:
            structures[commune] = _structure(commune, StructureKind.COMMUNE, cc)
    for name, kind in PARTNERS.items():
        structures[name] = _structure(name, kind)
    return structures


def _account(local, first, last, roles, approved=True):
    email = f"{local}@{DEMO_DOMAIN}"
    user = User.objects.filter(email=email).first()
    if user is None:
        user = User.objects.create_user(
            email=email,
            password=DEMO_PASSWORD,
            first_name=first,
            last_name=last,
            approved_at=timezone.now() if approved else None,
            is_staff=local == "admin",
            is_superuser=local == "admin",
        )
    EmailAddress.objects.update_or_create(
        user=user, email=email, defaults={"verified": True, "primary": True}
    )
    if approved:
        user.groups.add(*Group.objects.filter(name__in=["Membres", *roles]))
    return user


def load(topics) -> list[User]:
    structures = load_structures()
    users = []
    for local, first, last, roles, where, function, kind, expertise in PEOPLE:
        user = _account(local, first, last, roles)
        person, _ = Person.objects.update_or_create(
            user=user,
            defaults={
                "first_name": first,
                "last_name": last,
                "email": user.email,
                "email_visibility": Visibility.MEMBERS,
                "consent_at": timezone.now(),
                "bio": f"{function} ({where}). Personne fictive de démonstration.",
            },
        )
        Position.objects.get_or_create(
            person=person,
            structure=structures[where],
            function=function,
            defaults={"kind": kind, "start_date": datetime.date(2020, 7, 1)},
        )
        for topic_name in expertise:
            TopicInterest.objects.get_or_create(
                person=person, topic=topics[topic_name], kind=InterestKind.EXPERTISE
            )
        users.append(user)
    local, first, last, structure, function = PENDING
    pending = _account(local, first, last, [], approved=False)
    pending.signup_structure, pending.signup_function = structure, function
    pending.save(update_fields=["signup_structure", "signup_function"])

    for cc_name in CCS:
        Competence.objects.get_or_create(
            structure=structures[cc_name],
            topic=topics["Promotion touristique"],
            defaults={
                "since": datetime.date(2017, 1, 1),
                "legal_basis": "Loi NOTRe n° 2015-991 du 7 août 2015",
            },
        )
    return users
