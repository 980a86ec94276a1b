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


def load() -> dict[str, Topic]:
    topics = {}
    for name, description in TOPICS.items():
        topic, _ = Topic.objects.update_or_create(
            slug=slugify(name), defaults={"name": name, "description": description}
        )
        topics[name] = topic
    return topics
