"""The starting taxonomy, from the 19 reports of the 2015 forum."""

from django.utils.text import slugify

from taxonomy.models import Topic

TOPICS = {
    "Promotion touristique": "Offices de tourisme, promotion du territoire, taxe de séjour.",
    "Commande publique": "Marchés publics, groupements de commandes, achats mutualisés.",
    "Aide à la personne et action sociale": "CCAS, CIAS, maintien à domicile, partenaires sociaux.",
    "Fusion et gouvernance des intercommunalités": "Schémas, fusions de CC, gouvernance.",
    "Petite enfance": "Crèches, relais petite enfance, accueil de loisirs.",
    "Services techniques et matériel partagé": "Mutualisation des agents et du matériel.",
    "Culture": "Équipements, saisons culturelles, compétence culture.",
    "Urbanisme": "Instruction ADS, PLU et PLUi, SCoT.",
    "Informatique et logiciel libre": "Logiciels métiers, messagerie, logiciels libres.",
    "Ressources humaines et formation": "Recrutement, formation, conditions de travail.",
    "Hygiène et sécurité": "Document unique, assistant de prévention.",
    "Finances": "Budget, fiscalité, dotations.",
    "État civil": "Actes, mariages, recensement.",
    "Développement local et intelligence collective": "Projets de territoire, coopération.",
}


# The ask form's guide and body template for three topics (fictional, for the demo).
ASK_HELP = {
    "Commande publique": (
        "Dites quel achat vous préparez, pour combien de communes, et à quelle date le marché "
        "doit être notifié : les acheteurs du Pays vous répondront plus vite.",
        "Commune ou structure :\nNombre d'habitants :\nCe que vous voulez acheter :\n"
        "Montant estimé :\nCe que vous avez déjà essayé :\nÉchéance :\n",
    ),
    "Urbanisme": (
        "Précisez le document d'urbanisme en vigueur (carte communale, PLU, PLUi) et la "
        "référence du dossier si elle n'est pas nominative.",
        "Commune :\nNombre d'habitants :\nDocument d'urbanisme en vigueur :\n"
        "Ce que vous avez déjà essayé :\nÉchéance :\n",
    ),
    "Hygiène et sécurité": (
        "Ne citez aucun agent par son nom : décrivez le poste et la situation.",
        "Commune ou structure :\nNombre d'agents concernés :\nLe poste ou le lieu :\n"
        "Ce que vous avez déjà essayé :\nÉchéance :\n",
    ),
}


def load() -> dict[str, Topic]:
    topics = {}
    for name, description in TOPICS.items():
        guide, template = ASK_HELP.get(name, ("", ""))
        topic, _ = Topic.objects.update_or_create(
            slug=slugify(name),
            defaults={
                "name": name,
                "description": description,
                "ask_guide": guide,
                "ask_template": template,
            },
        )
        topics[name] = topic
    return topics
