"""Demo CMS pages: the legal pages every French public website must carry."""

import datetime

from wagtail.models import Page

from website.pages.models import ContentPage, HomePage

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
        "loi n° 2005-102 du 11 février 2005.</p><h2>État de conformité</h2><p>Entraide est "
        "<b>partiellement conforme</b> avec le référentiel général d'amélioration de "
        "l'accessibilité (RGAA) version 4.1 : un audit complet n'a pas encore été réalisé.</p>"
        "<h2>Vérifications effectuées</h2><ul><li>Chaque parcours principal est testé "
        "automatiquement dans un navigateur avec axe-core (critères WCAG 2.1 niveaux A et AA) : "
        "inscription, validation de compte, page d'accueil.</li><li>Navigation au clavier, lien "
        "d'évitement, contraste des couleurs d'au moins 4,5:1, affichage sur téléphone.</li>"
        "</ul><h2>Retour d'information et contact</h2><p>Si vous n'arrivez pas à accéder à un "
        "contenu ou à un service, contactez le Pays A3V pour être orienté vers une alternative "
        "accessible.</p><h2>Voies de recours</h2><p>Vous pouvez saisir le Défenseur des droits "
        "(formulaire en ligne, délégué territorial ou courrier gratuit : Défenseur des droits, "
        "Libre réponse 71120, 75342 Paris CEDEX 07).</p>",
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
        page.last_reviewed = datetime.date(2026, 11, 29)
        page.save_revision().publish()
