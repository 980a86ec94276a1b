"""Demo structures (public bodies, real names) and people (all fictional)."""

import datetime

from allauth.account.models import EmailAddress
from django.contrib.auth.hashers import make_password
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
# Fictional people without an account (yet): (first, last, [(structure, function, kind)],
# expertise, interests, e-mail visible to members). Names are invented; addresses use
# example.org.
ENTRIES = [
    (
        "Lucille",
        "Brancart",
        [("CC Moyen Verdon", "Chargée de mission tourisme", "agent")],
        ["Promotion touristique"],
        ["Culture"],
        True,
    ),
    (
        "Gaëtan",
        "Sourdelle",
        [("CC Haut Verdon Val d'Allos", "Directeur de l'office de tourisme", "agent")],
        ["Promotion touristique"],
        [],
        True,
    ),
    (
        "Perrine",
        "Aubanel",
        [("CC Terres de Lumière", "Chargée de développement touristique", "agent")],
        ["Promotion touristique"],
        ["Développement local et intelligence collective"],
        True,
    ),
    (
        "Anselme",
        "Rivolier",
        [("CC du Pays d'Entrevaux", "Directeur général des services", "agent")],
        ["Fusion et gouvernance des intercommunalités"],
        ["Finances"],
        True,
    ),
    (
        "Clarisse",
        "Mauduech",
        [("CC du Teillon", "Secrétaire générale", "agent")],
        [],
        ["Commande publique", "Finances"],
        False,
    ),
    (
        "Marius",
        "Estublier",
        [("CC Moyen Verdon", "Responsable des services techniques", "agent")],
        ["Services techniques et matériel partagé"],
        ["Hygiène et sécurité"],
        True,
    ),
    (
        "Héloïse",
        "Carbonnel",
        [("CC Moyen Verdon", "Directrice de la crèche", "agent")],
        ["Petite enfance"],
        ["Aide à la personne et action sociale"],
        True,
    ),
    (
        "Tristan",
        "Vaudaine",
        [("Pays A3V", "Responsable informatique mutualisée", "agent")],
        ["Informatique et logiciel libre"],
        [],
        True,
    ),
    (
        "Apolline",
        "Ferrandou",
        [("CC Terres de Lumière", "Responsable finances", "agent")],
        ["Finances"],
        ["Commande publique"],
        True,
    ),
    (
        "Baptiste",
        "Coustellier",
        [("CC Haut Verdon Val d'Allos", "Acheteur public", "agent")],
        ["Commande publique"],
        [],
        True,
    ),
    (
        "Rosalie",
        "Pignatel",
        [
            ("Castellane", "Secrétaire de mairie", "agent"),
            ("Rougon", "Secrétaire de mairie", "agent"),
            ("La Palud-sur-Verdon", "Secrétaire de mairie", "agent"),
        ],
        ["État civil"],
        ["Urbanisme", "Finances"],
        False,
    ),
    (
        "Edmond",
        "Castagnier",
        [("Castellane", "Maire", "elu"), ("CC Moyen Verdon", "Président", "elu")],
        [],
        ["Fusion et gouvernance des intercommunalités", "Promotion touristique"],
        True,
    ),
    (
        "Josiane",
        "Maurel-Fictif",
        [("Saint-André-les-Alpes", "Maire", "elu")],
        [],
        ["Petite enfance", "Culture"],
        False,
    ),
    (
        "Octave",
        "Lambrusque",
        [("Allons", "Conseiller municipal", "elu")],
        [],
        ["Services techniques et matériel partagé"],
        False,
    ),
    (
        "Sidonie",
        "Graveline",
        [("Entrevaux", "Adjointe à la culture", "elu")],
        ["Culture"],
        ["Promotion touristique"],
        True,
    ),
    ("Félicien", "Bramafan", [("Thorame-Haute", "Maire", "elu")], [], ["Urbanisme"], False),
    (
        "Ysaline",
        "Pradelet",
        [
            ("Annot", "Secrétaire de mairie", "agent"),
            ("Le Fugeret", "Secrétaire de mairie", "agent"),
        ],
        [],
        ["État civil", "Ressources humaines et formation"],
        True,
    ),
    (
        "Gervais",
        "Olliver",
        [("CNFPT", "Conseiller formation", "agent")],
        ["Ressources humaines et formation", "Hygiène et sécurité"],
        [],
        True,
    ),
    (
        "Capucine",
        "Revestel",
        [("SYDEVOM", "Chargée de mission prévention des déchets", "agent")],
        ["Services techniques et matériel partagé"],
        [],
        True,
    ),
    (
        "Léopold",
        "Fustier",
        [("PNR des Baronnies provençales", "Chargé de mission patrimoine", "agent")],
        ["Culture"],
        ["Développement local et intelligence collective"],
        True,
    ),
    (
        "Maïwenn",
        "Thorel",
        [("Pays A3V", "Animatrice du réseau des secrétaires de mairie", "agent")],
        ["Développement local et intelligence collective"],
        ["Ressources humaines et formation"],
        True,
    ),
    (
        "Aurèle",
        "Dauphinel",
        [("Barrême", "Premier adjoint", "elu")],
        [],
        ["Commande publique"],
        False,
    ),
    (
        "Philippine",
        "Escoffier-Fictif",
        [("CC Terres de Lumière", "Vice-présidente action sociale", "elu")],
        ["Aide à la personne et action sociale"],
        ["Petite enfance"],
        True,
    ),
    (
        "Norbert",
        "Gavotti",
        [("Castellet-lès-Sausses", "Maire", "elu"), ("La Rochette", "Conseiller municipal", "elu")],
        [],
        ["Fusion et gouvernance des intercommunalités"],
        False,
    ),
]
# Who holds which competence here (structure, topic, since, legal basis, contact last name).
COMPETENCES = [
    (
        "CC Terres de Lumière",
        "Urbanisme",
        datetime.date(2017, 3, 27),
        "Loi ALUR n° 2014-366 du 24 mars 2014 (PLUi)",
        "Plansol",
    ),
    (
        "CC Moyen Verdon",
        "Petite enfance",
        datetime.date(2012, 1, 1),
        "Compétence facultative transférée",
        "Carbonnel",
    ),
    (
        "CC Moyen Verdon",
        "Services techniques et matériel partagé",
        datetime.date(2016, 1, 1),
        "Service commun (mutualisation)",
        "Estublier",
    ),
    ("Castellane", "Culture", None, "Compétence restée communale", "Castagnier"),
    (
        "CC Terres de Lumière",
        "Aide à la personne et action sociale",
        datetime.date(2015, 1, 1),
        "CIAS",
        "Escoffier-Fictif",
    ),
    ("Castellane", "État civil", None, "Compétence communale", "Pignatel"),
    (
        "Pays A3V",
        "Informatique et logiciel libre",
        datetime.date(2016, 1, 1),
        "Service informatique mutualisé",
        "Vaudaine",
    ),
]
TOURISM_CONTACTS = {
    "CC Moyen Verdon": "Brancart",
    "CC Haut Verdon Val d'Allos": "Sourdelle",
    "CC Terres de Lumière": "Aubanel",
}
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


def _account(local, first, last, roles, *, password_hash, reset_password, approved=True):
    email = f"{local}@{DEMO_DOMAIN}"
    user = User.objects.filter(email=email).first()
    if user is None:
        user = User.objects.create_user(
            email=email,
            first_name=first,
            last_name=last,
            approved_at=timezone.now() if approved else None,
            is_staff=local == "admin",
            is_superuser=local == "admin",
        )
        reset_password = True
    if reset_password:
        user.password = password_hash
        user.save(update_fields=["password"])
    EmailAddress.objects.update_or_create(
        user=user, email=email, defaults={"verified": True, "primary": True}
    )
    if approved:
        user.groups.add(*Group.objects.filter(name__in=["Membres", *roles]))
    return user


def load(topics, *, password: str | None = None) -> list[User]:
    """The demo people and accounts.

    `password=None` (development): new accounts get the published `DEMO_PASSWORD`, existing
    ones keep theirs. A `password` (production, `load_demo --allow-production`): every demo
    account gets it, including those an earlier run created with the published one.
    """
    accounts = {
        "password_hash": make_password(password or DEMO_PASSWORD),
        "reset_password": password is not None,
    }
    structures = load_structures()
    users = []
    for local, first, last, roles, where, function, kind, expertise in PEOPLE:
        user = _account(local, first, last, roles, **accounts)
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
    pending = _account(local, first, last, [], approved=False, **accounts)
    pending.signup_structure, pending.signup_function = structure, function
    pending.save(update_fields=["signup_structure", "signup_function"])

    people = load_entries(structures, topics)
    people.update({user.person.last_name: user.person for user in users})
    for cc_name in CCS:
        contact = people.get(TOURISM_CONTACTS.get(cc_name, ""))
        Competence.objects.update_or_create(
            structure=structures[cc_name],
            topic=topics["Promotion touristique"],
            defaults={
                "since": datetime.date(2017, 1, 1),
                "legal_basis": "Loi NOTRe n° 2015-991 du 7 août 2015",
                "contact": contact,
            },
        )
    for where, topic_name, since, basis, contact in COMPETENCES:
        Competence.objects.update_or_create(
            structure=structures[where],
            topic=topics[topic_name],
            defaults={"since": since, "legal_basis": basis, "contact": people.get(contact)},
        )
    return users


def load_entries(structures, topics) -> dict[str, Person]:
    """Fictional directory entries without accounts, across the CCs."""
    people = {}
    for first, last, positions, expertise, interests, visible in ENTRIES:
        local = slugify(f"{first}.{last}").replace("-", ".")
        person, _ = Person.objects.update_or_create(
            first_name=first,
            last_name=last,
            user=None,
            defaults={
                "email": f"{local}@{DEMO_DOMAIN}",
                "email_visibility": Visibility.MEMBERS if visible else Visibility.HIDDEN,
                "bio": f"{positions[0][1]} ({positions[0][0]}). Personne fictive de démonstration.",
            },
        )
        for where, function, kind in positions:
            Position.objects.get_or_create(
                person=person,
                structure=structures[where],
                function=function,
                defaults={"kind": kind, "start_date": datetime.date(2020, 7, 1)},
            )
        for names, kind in (
            (expertise, InterestKind.EXPERTISE),
            (interests, InterestKind.INTEREST),
        ):
            for topic_name in names:
                TopicInterest.objects.get_or_create(
                    person=person, topic=topics[topic_name], kind=kind
                )
        people[last] = person
    return people
