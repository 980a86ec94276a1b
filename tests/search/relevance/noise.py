"""Unrelated French threads that compete with the relevance set's threads.

Deterministic (a fixed seed for `random` and for Faker `fr_FR`): the same 1,000 threads on
every run and every backend. They speak of other municipal matters (cemeteries, elections,
roads, village fairs, stray dogs, water bills, hunting…) in the same administrative French
(commune, conseil municipal, délibération, agent, CC, préfecture…), so that a query's
common words match many of them and the ranking has to choose.
"""

import random

from faker import Faker

SEED = 20260412
COUNT = 1000

# topic → (title templates, sentences of the question, sentences of the answers)
SUBJECTS = {
    "Cimetière et funéraire": (
        [
            "Reprise des concessions abandonnées au cimetière de {city}",
            "Procédure pour un columbarium dans le cimetière communal",
            "Tarifs des concessions funéraires : trentenaires ou perpétuelles ?",
            "Caveau provisoire : combien de temps peut-on y laisser un cercueil ?",
            "Jardin du souvenir et dispersion des cendres à {city}",
        ],
        [
            "Le conseil municipal doit délibérer sur les tarifs du cimetière avant le {date}.",
            "Plusieurs tombes sont en état d'abandon depuis plus de trente ans.",
            "Les familles demandent des cases de columbarium et un espace de dispersion.",
            "Le registre des concessions n'est pas à jour depuis {year}.",
        ],
        [
            "La procédure de reprise dure au moins trois ans avec deux constats affichés.",
            "Nous avons confié l'inventaire des tombes à une entreprise spécialisée.",
            "Le maire exerce la police des funérailles et des lieux de sépulture.",
        ],
    ),
    "Élections et citoyenneté": (
        [
            "Organisation du bureau de vote pour les élections de {year}",
            "Tenue du bureau de vote : pas assez d'assesseurs à {city}",
            "Commission de contrôle des listes électorales : qui désigner ?",
            "Procurations et répertoire électoral unique",
            "Panneaux électoraux : combien en installer ?",
        ],
        [
            "Nous manquons de conseillers pour tenir le bureau de vote toute la journée.",
            "La préfecture demande la composition de la commission de contrôle.",
            "Des électeurs radiés se sont présentés le jour du scrutin.",
            "Le dépouillement a fini très tard la dernière fois.",
        ],
        [
            "Des électeurs inscrits sur la liste de la commune peuvent être assesseurs.",
            "Le répertoire électoral unique est tenu par l'INSEE, la mairie y inscrit.",
            "Prévoyez un planning par créneaux de deux heures.",
        ],
    ),
    "Voirie et déplacements": (
        [
            "Nids de poule sur la route de {city} : qui est responsable ?",
            "Limiter la vitesse dans la traversée du village",
            "Chemin rural effondré après les orages",
            "Élagage des arbres le long des voies communales",
            "Déneigement des routes communales par un agriculteur",
            "Stationnement gênant devant l'école de {city}",
        ],
        [
            "La route départementale traverse le bourg et les camions roulent trop vite.",
            "Un riverain a chuté à vélo et demande une indemnisation à la commune.",
            "Le chemin rural n'est plus praticable depuis l'orage du {date}.",
            "Les branches débordent sur la chaussée et gênent le passage du car.",
        ],
        [
            "Le maire peut prendre un arrêté de limitation de vitesse en agglomération.",
            "Les chemins ruraux font partie du domaine privé de la commune.",
            "Une convention avec un exploitant agricole est possible pour le déneigement.",
        ],
    ),
    "Vie associative et fêtes": (
        [
            "Buvette de la fête votive : licence temporaire et horaires",
            "Prêt de la salle des fêtes aux associations de {city}",
            "Feu d'artifice du 14 juillet : assurance et sécurité",
            "Règlement intérieur de la salle polyvalente",
            "Vide-greniers : déclaration en mairie et registre",
            "Comité des fêtes en sommeil : qui organise la fête du village ?",
        ],
        [
            "Le comité des fêtes demande l'autorisation d'ouvrir une buvette jusqu'à deux heures.",
            "Les associations sportives réservent la salle polyvalente tous les week-ends.",
            "Un habitant se plaint du bruit après la fête du {date}.",
            "Le club de pétanque voudrait un local pour ranger son matériel.",
        ],
        [
            "Le maire accorde cinq autorisations de buvette temporaire par an et par association.",
            "Une caution et une attestation d'assurance sont demandées avant chaque location.",
            "Le tir du feu d'artifice doit être confié à un artificier certifié.",
        ],
    ),
    "Animaux et nuisances": (
        [
            "Chiens errants dans le village : convention de fourrière",
            "Chats errants : campagne de stérilisation avec une association",
            "Nuisances sonores d'un coq : que peut faire le maire ?",
            "Sangliers dans les jardins de {city}",
            "Frelons asiatiques : qui paie la destruction des nids ?",
        ],
        [
            "Des chiens divaguent près de l'école et les parents s'inquiètent.",
            "Une colonie de chats s'est installée derrière la mairie.",
            "Un voisin menace de porter plainte contre un élevage de volailles.",
            "Les dégâts de gibier se multiplient dans les potagers.",
        ],
        [
            "Toute commune doit disposer d'une fourrière ou d'une convention avec une fourrière.",
            "La fondation propose des aides pour la stérilisation des chats libres.",
            "Le lieutenant de louveterie peut organiser des battues administratives.",
        ],
    ),
    "Eau potable": (
        [
            "Factures d'eau impayées : coupure possible ?",
            "Relève des compteurs d'eau en hiver à {city}",
            "Fuite après compteur : plafonnement de la facture",
            "Analyse de l'eau non conforme : information des habitants",
            "Tarif de l'eau : part fixe et part variable",
        ],
        [
            "Plusieurs abonnés n'ont pas payé leur facture d'eau depuis {year}.",
            "Un compteur a gelé et la fuite a duré tout le mois de janvier.",
            "L'ARS signale une contamination bactérienne sur le captage.",
            "Le conseil municipal doit voter le prix du mètre cube.",
        ],
        [
            "La coupure d'eau d'une résidence principale est interdite toute l'année.",
            "La loi Warsmann plafonne la facture en cas de fuite après compteur.",
            "Affichez les résultats d'analyse en mairie et prévenez les personnes fragiles.",
        ],
    ),
    "Patrimoine communal": (
        [
            "Vendre un bâtiment communal inoccupé à {city}",
            "Bail d'un logement communal : loyer et charges",
            "Restauration de l'église : qui paie le clocher ?",
            "Location du four banal aux habitants",
            "Bien sans maître : comment l'incorporer au domaine communal ?",
        ],
        [
            "L'ancien presbytère est vide depuis {year} et se dégrade.",
            "Le locataire du logement communal ne paie plus son loyer.",
            "Le clocher de l'église menace de tomber, l'architecte a rendu son rapport.",
            "Une maison abandonnée n'a plus de propriétaire connu.",
        ],
        [
            "La vente d'un bien du domaine privé se fait par délibération après avis des Domaines.",
            "La commune propriétaire de l'église en assure l'entretien.",
            "La procédure de bien sans maître dure six mois après l'arrêté du maire.",
        ],
    ),
    "Forêt, chasse et agriculture": (
        [
            "Affouage : répartition du bois entre les habitants",
            "Bail de chasse sur les terrains communaux",
            "Débroussaillement obligatoire autour des maisons",
            "Pâturage sur les communaux : convention avec un éleveur",
            "Coupe de bois dans la forêt communale de {city}",
        ],
        [
            "L'ONF propose une coupe dans la forêt communale cette année.",
            "La société de chasse demande le renouvellement de son bail.",
            "Des propriétaires ne débroussaillent pas autour de leurs maisons.",
            "Un berger voudrait faire pâturer ses brebis sur les terrains de la commune.",
        ],
        [
            "Le rôle d'affouage est établi par le conseil municipal.",
            "Le maire peut faire exécuter d'office le débroussaillement aux frais du propriétaire.",
            "Une convention pluriannuelle de pâturage protège la commune et l'éleveur.",
        ],
    ),
    "Adressage et numérotation": (
        [
            "Nommer les rues et numéroter les maisons à {city}",
            "Base adresse locale : qui la met à jour ?",
            "Plaques de rue : achat et pose",
            "Numérotation métrique ou séquentielle ?",
        ],
        [
            "Les livreurs et les secours ne trouvent pas les maisons des hameaux.",
            "La dénomination des voies relève du conseil municipal.",
            "Il faut commander plus de deux cents plaques.",
        ],
        [
            "Déposez vos adresses dans la base adresse nationale avec l'outil gratuit.",
            "La numérotation métrique laisse de la place pour les constructions futures.",
        ],
    ),
    "Camping et loisirs": (
        [
            "Camping municipal de {city} : régie ou délégation ?",
            "Aire de camping-cars : tarifs et stationnement",
            "Baignade en rivière : surveillance et arrêté",
            "Piscine intercommunale : horaires d'été",
            "City stade : entretien et responsabilité",
        ],
        [
            "Le camping municipal perd de l'argent depuis trois saisons.",
            "Les camping-cars stationnent sur la place du village tout l'été.",
            "Des baigneurs plongent depuis le pont malgré les panneaux.",
            "Le city stade a été dégradé pendant les vacances.",
        ],
        [
            "Une régie de recettes permet d'encaisser les nuitées.",
            "Le maire réglemente la baignade hors zones aménagées par arrêté.",
        ],
    ),
    "Énergie et mobilité": (
        [
            "Borne de recharge pour véhicules électriques sur la place",
            "Panneaux photovoltaïques sur le toit de la salle des fêtes",
            "Chaudière bois pour les bâtiments communaux de {city}",
            "Covoiturage : aménager une aire de stationnement",
        ],
        [
            "Un opérateur propose d'installer une borne de recharge gratuitement.",
            "La toiture de la salle des fêtes est bien orientée plein sud.",
            "La vieille chaudière fioul de la mairie consomme beaucoup.",
        ],
        [
            "Le syndicat d'énergie installe des bornes et en assure la maintenance.",
            "Une étude de faisabilité est souvent financée par l'ADEME.",
        ],
    ),
    "Recensement et population": (
        [
            "Recrutement des agents recenseurs à {city}",
            "Recensement de la population : rémunération des agents",
            "Accueil des nouveaux habitants",
        ],
        [
            "L'INSEE nous annonce le recensement de la population en janvier.",
            "Aucun habitant ne veut être agent recenseur cette année.",
            "Nous voudrions organiser une réunion d'accueil des nouveaux arrivants.",
        ],
        [
            "La dotation forfaitaire de recensement couvre une partie de la rémunération.",
            "Le coordonnateur communal suit la collecte au jour le jour.",
        ],
    ),
}
NOISE_KINDS = ("question", "question", "question", "discussion")


def noise_threads(count: int = COUNT, seed: int = SEED) -> list[dict]:
    """`count` threads in the shape of threads.json, the same on every call."""
    rng = random.Random(seed)
    fake = Faker("fr_FR")
    fake.seed_instance(seed)
    topics = sorted(SUBJECTS)
    threads = []
    for number in range(count):
        topic = topics[number % len(topics)]
        titles, asks, replies = SUBJECTS[topic]

        def fill(text):
            return text.format(
                city=fake.city(),
                date=fake.date(pattern="%d/%m/%Y"),
                year=fake.year(),
            )

        body = " ".join(
            [fill(s) for s in rng.sample(asks, k=min(2, len(asks)))] + [fake.paragraph(4)]
        )
        answers = [
            {
                "body": " ".join([fill(rng.choice(replies)), fake.paragraph(3)]),
                "accepted": index == 0 and rng.random() < 0.4,
            }
            for index in range(rng.randint(0, 3))
        ]
        threads.append(
            {
                "id": f"bruit-{number:04d}",
                "kind": rng.choice(NOISE_KINDS),
                "title": fill(rng.choice(titles)),
                "body": body,
                "topics": [topic],
                "answers": answers,
            }
        )
    return threads
