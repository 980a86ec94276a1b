"""Demo CMS content: legal pages, FAQ, regulatory watch, resource centre (idempotent).

The regulatory updates are real texts the forum talked about; when Q&A demo data exists, each
update is linked to the demo questions of its topics, so publishing marks them "à revérifier".
"""

import datetime

from django.core.files.base import ContentFile
from django.utils.text import slugify
from wagtail.documents import get_document_model
from wagtail.models import Collection, Page

from taxonomy.models import Topic
from website.pages.models import (
    AffectedQuestion,
    Audience,
    ContentPage,
    FaqEntry,
    FaqIndexPage,
    HomePage,
    RegulatoryIndexPage,
    RegulatoryKind,
    RegulatoryUpdatePage,
    ResourceDocument,
    ResourceIndexPage,
    ResourcePage,
)

REVIEWED = datetime.date(2026, 11, 29)
PRIVATE_COLLECTION = "Documents réservés aux membres"

LEGAL_PAGES = {
    "mentions-legales": (
        "Mentions légales",
        "<h2>Éditeur</h2><p>Pays A3V (Asses, Verdon, Vaïre, Var), structure de coopération des "
        "communautés de communes du territoire. Directeur de la publication : le président du "
        "Pays A3V.</p><h2>Hébergement</h2><p>Serveur exploité par le service informatique "
        "mutualisé du Pays A3V, en France.</p><h2>Logiciel</h2><p>Entraide est un logiciel "
        "libre. Les contenus publiés par les membres restent sous leur responsabilité ; les "
        "modérateurs peuvent les retirer s'ils enfreignent la charte.</p>",
    ),
    "accessibilite": (
        "Déclaration d'accessibilité",
        "<p>Le Pays A3V s'engage à rendre Entraide accessible conformément à l'article 47 de la "
        "loi n° 2005-102 du 11 février 2005.</p><p>Cette déclaration d'accessibilité "
        "s'applique au site Entraide.</p>"
        "<h2>État de conformité</h2><p>Entraide est <b>partiellement conforme</b> avec le "
        "référentiel général d'amélioration de l'accessibilité (RGAA) version 4.1. Aucun audit "
        "de conformité RGAA complet n'a été réalisé : il n'existe donc pas de taux de "
        "conformité mesuré. Les vérifications décrites ci-dessous sont des tests automatisés et "
        "des parcours au clavier ; elles ne couvrent qu'une partie des critères du RGAA.</p>"
        "<h2>Résultats des tests</h2><p>Vérifications faites le 29 novembre 2026, complétées "
        "le 2 décembre 2026, et rejouées "
        "automatiquement à chaque modification du logiciel :</p><ul>"
        "<li>Analyse automatique avec axe-core (critères WCAG 2.1 de niveaux A et AA, et "
        "bonnes pratiques d'axe-core comme des repères de page aux noms uniques) de chaque "
        "type de page du site, sans aucune erreur relevée quel que soit son niveau de "
        "gravité : accueil, listes de questions et de discussions (avec et sans filtres), fil "
        "de discussion (réponses, commentaires, votes, réponse acceptée), formulaires (question, "
        "modification d'une réponse, signalement, proposition d'ordre du jour, réunion), "
        "dont ceux qui affichent leurs messages d'erreur, historique des versions, sujets, "
        "annuaire (liste, fiche d'une personne, structures), recherche (résultats avec "
        "filtres et passages surlignés, "
        "suggestion « vouliez-vous dire », aucun résultat, recherche vide), ordre du jour, "
        "notifications et préférences, pages du compte (connexion, création de compte, mot "
        "de passe oublié, adresse e-mail, double authentification, profil), FAQ, veille "
        "réglementaire, centre de ressources, pages légales, files de modération, pages "
        "d'erreur (403, 404, 429, 500) et page du compte en attente de validation.</li>"
        "<li>Ces pages sont vérifiées en visiteur et en membre connecté, et les pages réservées "
        "en modérateur et en éditeur. La liste des pages vérifiées est comparée aux adresses "
        "du site : une nouvelle page ne peut pas y échapper.</li>"
        "<li>Affichage sur un téléphone de 375 pixels de large (accueil, connexion, "
        "questions, fil de discussion, formulaire de question, annuaire, recherche, "
        "notifications, ordre du jour, FAQ) : analyse axe-core sans erreur et aucun "
        "défilement horizontal.</li>"
        "<li>Parcours au clavier seul (Tab, Maj+Tab, Entrée, Espace) : un membre pose une "
        "question, un autre y répond, le premier vote pour la réponse et l'accepte ; le focus "
        "est visible sur chaque élément atteint et le lien d'évitement « Aller au contenu » "
        "mène au contenu principal.</li>"
        "<li>Sur un échantillon de 17 pages (accueil, questions, fil de discussion, formulaires "
        "affichant leurs erreurs, annuaire, fiches, recherche, ordre du jour, notifications, "
        "préférences, FAQ, veille, cette déclaration, page d'erreur) : affichage sans "
        "défilement horizontal ni texte coupé à 320 pixels de large et à un zoom de 200 % ; "
        "texte intact avec un espacement agrandi (interlignage 1,5, lettres 0,12 em, mots "
        "0,16 em, paragraphes 2 em) ; focus visible sur chaque élément atteint avec la touche "
        "Tab ; intitulés visibles compris dans le nom accessible des liens et boutons ; "
        "erreurs de saisie annoncées et reliées à leur champ.</li>"
        "<li>Titre de chaque page pertinent, langue déclarée (français), un seul titre de "
        "niveau 1 par page, titres dans l'ordre.</li>"
        "<li>Limite de temps : la session dure deux semaines et se prolonge à chaque visite ; "
        "une page restée ouverte prévient dix minutes avant la fin de la session et propose "
        "« Rester connecté » sans quitter la page.</li>"
        "<li>Fonctionnement sans JavaScript : les votes et la prévisualisation sont vérifiés "
        "sans script ; toutes les actions sont de vrais formulaires.</li></ul>"
        "<p>Ce qui n'a pas été vérifié : la restitution par les lecteurs d'écran (NVDA, JAWS, "
        "VoiceOver), ni la pertinence des titres et textes saisis par les contributeurs.</p>"
        "<h2>Contenus non accessibles</h2><h3>Non-conformités</h3><p>Aucune non-conformité "
        "n'est connue à ce jour ; en l'absence d'audit complet, il peut en exister.</p>"
        "<h3>Dérogations pour charge disproportionnée</h3><p>Aucune.</p><h3>Contenus non "
        "soumis à l'obligation d'accessibilité</h3><ul><li>Certains documents du centre de "
        "ressources (PDF fournis par des partenaires) peuvent ne pas être balisés ; demandez "
        "une version accessible au Pays A3V.</li></ul><p>L'interface d'administration "
        "(rédaction des pages) repose sur le logiciel Wagtail et n'a pas été vérifiée.</p>"
        "<h2>Établissement de cette déclaration d'accessibilité</h2><p>Cette déclaration a "
        "été établie le 29 novembre 2026 et mise à jour le 2 décembre 2026.</p>"
        "<h3>Technologies utilisées</h3><ul><li>HTML</li>"
        "<li>CSS</li><li>JavaScript (amélioration progressive)</li></ul><h3>Environnement de "
        "test</h3><p>Navigateur Chromium, sur ordinateur (1280 pixels de large) et en "
        "largeur de téléphone (375 pixels).</p><h3>Outils pour évaluer l'accessibilité</h3>"
        "<ul><li>axe-core, par les tests automatisés du logiciel (Playwright)</li><li>Parcours "
        "au clavier automatisé</li></ul>"
        "<h2>Retour d'information et contact</h2><p>Si vous n'arrivez pas à accéder à un "
        "contenu ou à un service, contactez le Pays A3V pour être orienté vers une alternative "
        "accessible.</p><h2>Voies de recours</h2><p>Si vous avez signalé un défaut "
        "d'accessibilité sans obtenir de réponse satisfaisante, vous pouvez saisir le "
        "Défenseur des droits (formulaire en ligne, délégué territorial ou courrier gratuit : "
        "Défenseur des droits, Libre réponse 71120, 75342 Paris CEDEX 07).</p>",
    ),
    "donnees-personnelles": (
        "Données personnelles",
        "<h2>Responsable du traitement</h2><p>Le Pays A3V.</p><h2>Finalités</h2><p>Permettre "
        "aux élus et agents des collectivités du territoire de s'entraider : questions et "
        "réponses, annuaire des acteurs, notifications.</p><h2>Base légale</h2><p>Mission "
        "d'intérêt public (article 6.1.e du RGPD).</p><h2>Données</h2><p>Nom, prénom, "
        "fonctions, structure, coordonnées professionnelles (affichées seulement avec votre "
        "accord), contributions.</p><h2>Durée de conservation</h2><p>Tant que le compte est "
        "actif ; un compte inactif depuis deux ans est signalé aux modérateurs. À l'effacement "
        "du compte, les contributions restent publiées sous « Ancien membre ».</p><h2>Vos "
        "droits</h2><p>Accès, rectification, opposition à figurer dans les listes, "
        "effacement : depuis votre profil (export et effacement en libre-service) ou auprès "
        "du Pays A3V. Vous pouvez saisir la CNIL.</p>",
    ),
}


INDEX_PAGES = [
    (
        FaqIndexPage,
        "faq",
        "Foire aux questions",
        "<p>Les réponses aux questions qui reviennent souvent : rédigées par l'équipe "
        "éditoriale ou choisies par les modérateurs parmi les questions-réponses du forum.</p>",
    ),
    (
        RegulatoryIndexPage,
        "veille",
        "Veille réglementaire",
        "<p>Les nouveaux textes qui concernent les communes et communautés de communes du "
        "Pays A3V, avec ce qui change pour vous. Quand un texte rend une réponse du forum "
        "inexacte, la question est signalée « à revérifier ».</p>",
    ),
    (
        ResourceIndexPage,
        "ressources",
        "Centre de ressources",
        "<p>Modèles de délibération, conventions de mise à disposition, guides : des "
        "documents à reprendre et adapter. Certains sont réservés aux membres.</p>",
    ),
]

UPDATES = [
    {
        "slug": "loi-notre",
        "title": "Loi NOTRe : la promotion du tourisme passe aux communautés de communes",
        "kind": RegulatoryKind.LAW,
        "official_reference": "Loi n° 2015-991 du 7 août 2015 portant nouvelle organisation "
        "territoriale de la République",
        "official_url": "https://www.legifrance.gouv.fr/loda/id/JORFTEXT000030985460",
        "publication_date": datetime.date(2015, 8, 8),
        "effective_date": datetime.date(2017, 1, 1),
        "topics": ["promotion-touristique", "fusion-et-gouvernance-des-intercommunalites"],
        "audience": Audience.ALL,
        "summary": "Au 1er janvier 2017, la promotion du tourisme, dont la création "
        "d'offices de tourisme, devient une compétence obligatoire des communautés de "
        "communes. Les offices communaux sont transférés ou deviennent des bureaux "
        "d'information de l'office intercommunal.",
        "body": "<h2>Pour les communes</h2><p>La commune ne peut plus porter seule son office "
        "de tourisme, sauf station classée ayant obtenu une dérogation.</p><h2>Pour les "
        "communautés de communes</h2><p>Délibérer sur l'office intercommunal, le transfert "
        "du personnel et la taxe de séjour.</p>",
    },
    {
        "slug": "loi-alur-plui",
        "title": "Loi ALUR : le plan local d'urbanisme devient intercommunal",
        "kind": RegulatoryKind.LAW,
        "official_reference": "Loi n° 2014-366 du 24 mars 2014 pour l'accès au logement et un "
        "urbanisme rénové",
        "official_url": "https://www.legifrance.gouv.fr/loda/id/JORFTEXT000028772256",
        "publication_date": datetime.date(2014, 3, 26),
        "effective_date": datetime.date(2017, 3, 27),
        "topics": ["urbanisme"],
        "audience": Audience.CCS,
        "summary": "Les communautés de communes deviennent compétentes en matière de PLU le "
        "27 mars 2017, sauf si au moins 25 % des communes représentant 20 % de la "
        "population s'y opposent dans les trois mois précédents.",
        "body": "<p>Le PLU intercommunal (PLUi) remplace à terme les PLU communaux. Les "
        "procédures en cours peuvent être achevées par la communauté.</p>",
    },
    {
        "slug": "fin-instruction-ads-etat",
        "title": "Fin de l'instruction gratuite des permis de construire par l'État",
        "kind": RegulatoryKind.OTHER,
        "official_reference": "Article 134 de la loi n° 2014-366 du 24 mars 2014 (ALUR)",
        "official_url": "",
        "publication_date": datetime.date(2014, 3, 26),
        "effective_date": datetime.date(2015, 7, 1),
        "topics": ["urbanisme"],
        "audience": Audience.COMMUNES,
        "summary": "Depuis le 1er juillet 2015, les communes membres d'une intercommunalité "
        "de 10 000 habitants ou plus ne peuvent plus confier gratuitement l'instruction des "
        "autorisations d'urbanisme (ADS) aux services de l'État : elles instruisent "
        "elles-mêmes ou mutualisent un service instructeur.",
        "body": "<p>Les solutions du territoire : service commun porté par une communauté, "
        "convention avec le Pays, ou prestataire.</p>",
    },
    {
        "slug": "gemapi",
        "title": "GEMAPI : la gestion des milieux aquatiques confiée aux intercommunalités",
        "kind": RegulatoryKind.LAW,
        "official_reference": "Loi n° 2014-58 du 27 janvier 2014 (MAPTAM), article 56",
        "official_url": "",
        "publication_date": datetime.date(2014, 1, 28),
        "effective_date": datetime.date(2018, 1, 1),
        "topics": [
            "fusion-et-gouvernance-des-intercommunalites",
            "services-techniques-et-materiel-partage",
        ],
        "audience": Audience.CCS,
        "summary": "Depuis le 1er janvier 2018, la gestion des milieux aquatiques et la "
        "prévention des inondations est une compétence obligatoire des communautés de "
        "communes, qui peuvent lever une taxe dédiée et la confier à un syndicat.",
        "body": "<p>Les digues et ouvrages communaux sont mis à disposition de la communauté.</p>",
    },
    {
        "slug": "document-unique-2022",
        "title": "Document unique d'évaluation des risques : conservation et mise à jour",
        "kind": RegulatoryKind.DECREE,
        "official_reference": "Décret n° 2022-395 du 18 mars 2022 relatif au document unique "
        "d'évaluation des risques professionnels",
        "official_url": "",
        "publication_date": datetime.date(2022, 3, 20),
        "effective_date": datetime.date(2022, 3, 31),
        "topics": ["hygiene-et-securite", "ressources-humaines-et-formation"],
        "audience": Audience.ALL,
        "summary": "Chaque version du document unique doit être conservée au moins 40 ans ; "
        "les collectivités de moins de 11 agents le mettent à jour au moins à chaque "
        "changement important, les autres au moins une fois par an.",
        "body": "<p>L'assistant de prévention mutualisé peut accompagner les petites communes.</p>",
    },
]

FAQ_ENTRIES = [
    (
        "urbanisme",
        "Qui instruit les permis de construire de ma commune ?",
        "<p>Depuis le 1er juillet 2015, plus l'État si votre communauté compte 10 000 "
        "habitants ou plus : la commune instruit elle-même ou adhère à un service "
        "instructeur mutualisé. Le maire reste compétent pour signer.</p>",
        "Article L. 422-8 du code de l'urbanisme",
    ),
    (
        "promotion-touristique",
        "La commune peut-elle garder son office de tourisme ?",
        "<p>Non, sauf station classée de tourisme ayant demandé à conserver son office : la "
        "promotion du tourisme est une compétence de la communauté depuis 2017.</p>",
        "Loi n° 2015-991 du 7 août 2015 (NOTRe), article 68",
    ),
    (
        "hygiene-et-securite",
        "Une petite commune doit-elle avoir un document unique ?",
        "<p>Oui, dès le premier agent. Un assistant de prévention mutualisé peut vous aider "
        "à le rédiger et à le tenir à jour.</p>",
        "Code du travail, article R. 4121-1",
    ),
]

RESOURCES = [
    (
        "urbanisme",
        "Service commun d'instruction des autorisations d'urbanisme",
        "<p>Modèles pour adhérer à un service instructeur mutualisé.</p>",
        [
            ("Convention type d'adhésion au service instructeur", "convention-ads.txt", False),
            (
                "Délibération type de la commune (réservée aux membres)",
                "deliberation-ads.txt",
                True,
            ),
        ],
    ),
    (
        "services-techniques-et-materiel-partage",
        "Mise à disposition de personnel et de matériel",
        "<p>Conventions de mise à disposition entre communes et communauté.</p>",
        [
            ("Convention de mise à disposition de matériel", "convention-materiel.txt", False),
        ],
    ),
]


def _publish(page):
    page.save_revision().publish()


def _index_pages(home) -> dict:
    pages = {}
    for model, slug, title, introduction in INDEX_PAGES:
        page = model.objects.first()
        if page is None:
            page = model(title=title, slug=slug, introduction=introduction)
            home.add_child(instance=page)
            _publish(page)
        pages[model] = page
    return pages


def _demo_questions(topic_slugs, limit=2):
    from qa.models import Question

    return list(
        Question.objects.alive()
        .filter(pk__in=Question.objects.filter(topics__slug__in=topic_slugs).values("pk"))
        .order_by("created_at")[:limit]
    )


def _updates(index, topics):
    for data in UPDATES:
        update = RegulatoryUpdatePage.objects.filter(slug=data["slug"]).first()
        if update is not None:
            continue
        fields = {k: v for k, v in data.items() if k != "topics"}
        update = RegulatoryUpdatePage(**fields)
        update.topics = [topics[slug] for slug in data["topics"] if slug in topics]
        update.affected_questions = [
            AffectedQuestion(question=question) for question in _demo_questions(data["topics"])
        ]
        index.add_child(instance=update)
        _publish(update)


def _faq(faq, topics):
    if faq.entries.exists():
        return
    faq.entries = [
        FaqEntry(
            topic=topics[slug],
            question=question,
            answer=answer,
            sources=sources,
            last_checked=REVIEWED,
            sort_order=order,
        )
        for order, (slug, question, answer, sources) in enumerate(FAQ_ENTRIES)
        if slug in topics
    ]
    _publish(faq)


def _resources(index, topics):
    document_model = get_document_model()
    private = Collection.objects.filter(name=PRIVATE_COLLECTION).first()
    public = Collection.get_first_root_node()
    for slug, title, introduction, documents in RESOURCES:
        if slug not in topics or ResourcePage.objects.filter(title=title).exists():
            continue
        page = ResourcePage(
            title=title, slug=slugify(title), topic=topics[slug], introduction=introduction
        )
        items = []
        for order, (doc_title, filename, members_only) in enumerate(documents):
            document = document_model.objects.filter(title=doc_title).first()
            if document is None:
                document = document_model(
                    title=doc_title,
                    collection=private if members_only and private else public,
                )
                document.file.save(
                    filename,
                    ContentFile(f"{doc_title}\n\nDocument de démonstration.\n".encode()),
                    save=False,
                )
                document.save()
            items.append(ResourceDocument(document=document, sort_order=order))
        page.documents = items
        index.add_child(instance=page)
        _publish(page)


def load() -> None:
    home = HomePage.objects.first() or Page.objects.get(depth=1)
    for slug, (title, body) in LEGAL_PAGES.items():
        page = ContentPage.objects.filter(slug=slug).first()
        if page is None:
            page = ContentPage(title=title, slug=slug, body=body)
            home.add_child(instance=page)
        elif (page.title, page.body) == (title, body):
            continue
        page.title, page.body = title, body
        page.last_reviewed = REVIEWED
        _publish(page)

    topics = {topic.slug: topic for topic in Topic.objects.all()}
    pages = _index_pages(home)
    _updates(pages[RegulatoryIndexPage], topics)
    _faq(pages[FaqIndexPage], topics)
    _resources(pages[ResourceIndexPage], topics)
