"""Demo Q&A content drawn from the forum's own concerns (fictional people, real public bodies).

`load(topics, users)` is idempotent: a thread whose title already exists is left alone.
Everything goes through the services, as on the site (revisions, counters, follows).
"""

from qa import services
from qa.models import Question, QuestionKind

# (asker, kind, title, body, topics, answers, comments on the question)
# answers: (author, body, votes from, accepted, validated_by, comments)
THREADS = [
    (
        "secretaire",
        QuestionKind.QUESTION,
        "Comment monter un groupement de commandes pour le sel de déneigement ?",
        "Avec trois communes voisines nous achetons chacune notre sel de déneigement, en petites "
        "quantités et donc cher.\n\nQui a déjà monté un **groupement de commandes** ? Faut-il une "
        "délibération de chaque conseil municipal, et qui porte la consultation ?",
        ["Commande publique", "Services techniques et matériel partagé"],
        [
            (
                "expert.marches",
                "Oui, chaque membre délibère pour adhérer à la **convention constitutive** "
                "(articles L2113-6 et suivants du code de la commande publique). La convention "
                "désigne le coordonnateur, qui mène la consultation ; chacun exécute ensuite "
                "sa part du marché.\n\n- une délibération par commune ;\n- une convention "
                "signée par tous ;\n- un seul avis de publicité.\n\nLa CC peut être "
                "coordonnatrice sans avoir la compétence.",
                ["secretaire", "maire", "adjointe"],
                True,
                None,
                [("maire", "Nous l'avons fait pour le fioul en 2024, ça marche très bien.")],
            ),
            (
                "maire",
                "À Angles nous passons par la CC Moyen Verdon, qui achète pour tout le monde. "
                "Demandez au service technique de votre CC avant de vous lancer seuls.",
                ["secretaire"],
                False,
                None,
                [],
            ),
        ],
        [("adjointe", "Même question pour les fournitures scolaires à Annot.")],
    ),
    (
        "adjointe",
        QuestionKind.QUESTION,
        "Instruction des permis de construire : qui instruit depuis la fin de l'ADS de l'État ?",
        "Depuis que la DDT n'instruit plus gratuitement nos autorisations d'urbanisme, nous "
        "ne savons pas bien à qui envoyer les dossiers.\n\nLa commune doit-elle signer une "
        "convention avec un service instructeur ? Et qui signe le permis au final ?",
        ["Urbanisme"],
        [
            (
                "expert.urbanisme",
                "Le maire reste compétent pour **signer** le permis ; seule l'**instruction** "
                "est confiée au service commun de la CC par convention. Envoyez les dossiers "
                "complets au service ADS dès leur dépôt en mairie, avec le bordereau.\n\n"
                "| Étape | Qui |\n|---|---|\n| Dépôt | Mairie |\n| Instruction | Service ADS "
                "de la CC |\n| Décision | Maire |",
                ["adjointe", "secretaire", "maire"],
                True,
                "expert.urbanisme",
                [("secretaire", "Merci, le tableau est parfait pour l'affichage en mairie.")],
            ),
        ],
        [],
    ),
    (
        "maire",
        QuestionKind.QUESTION,
        "Transfert de l'office de tourisme à la CC : que devient notre agent d'accueil ?",
        "Avec la loi NOTRe la promotion touristique est passée à la communauté de communes. "
        "Notre office municipal employait une agente d'accueil à mi-temps.\n\nEst-elle "
        "transférée d'office à la CC ? Garde-t-elle son régime indemnitaire ?",
        ["Promotion touristique", "Ressources humaines et formation"],
        [
            (
                "editrice",
                "Les agents qui exercent **en totalité** leurs fonctions dans le service "
                "transféré sont transférés de plein droit ; à mi-temps, une convention de mise "
                "à disposition est possible. Elle conserve son régime indemnitaire si elle y a "
                "intérêt.",
                ["maire"],
                False,
                None,
                [],
            ),
        ],
        [],
    ),
    (
        "secretaire",
        QuestionKind.QUESTION,
        "Document unique d'évaluation des risques : par où commencer dans une petite mairie ?",
        "Nous sommes quatre agents. On nous a dit que le document unique est obligatoire "
        "même pour nous. Existe-t-il un modèle adapté aux petites communes ?",
        ["Hygiène et sécurité", "Ressources humaines et formation"],
        [],
        [("maire", "Le centre de gestion propose un accompagnement, je crois.")],
    ),
    (
        "moderatrice",
        QuestionKind.DISCUSSION,
        "Partager un agent informatique entre communes : vos expériences ?",
        "Plusieurs communes évoquent l'idée d'un **technicien informatique mutualisé**, "
        "employé par la CC et mis à disposition quelques heures par semaine.\n\nQui a tenté "
        "l'expérience ? Quels logiciels libres utilisez-vous ?",
        ["Informatique et logiciel libre", "Développement local et intelligence collective"],
        [
            (
                "adjointe",
                "Nous partageons déjà un serveur de messagerie libre avec deux communes. Le "
                "plus dur n'est pas la technique mais la convention de répartition des coûts.",
                ["maire", "secretaire"],
                False,
                None,
                [],
            ),
            (
                "secretaire",
                "Intéressée : nos postes ont dix ans et personne ne sait les mettre à jour.",
                [],
                False,
                None,
                [],
            ),
        ],
        [],
    ),
    (
        "adjointe",
        QuestionKind.QUESTION,
        "Groupement de commandes pour les fournitures scolaires ?",
        "Peut-on faire un groupement de commandes pour les fournitures scolaires des écoles "
        "de plusieurs communes ? Qui serait coordonnateur ?",
        ["Commande publique"],
        [],
        [],
    ),
]
SAME_PROBLEM = {
    "Document unique d'évaluation des risques : par où commencer dans une petite mairie ?": [
        "maire",
        "adjointe",
    ],
    "Comment monter un groupement de commandes pour le sel de déneigement ?": ["maire"],
}


def load(topics, users):
    """Create the demo threads once. `topics` by name, `users` from `directory.demo.load`."""
    by_local = {user.email.split("@")[0]: user for user in users}
    moderator = by_local.get("moderatrice")
    created = {}
    for asker, kind, title, body, topic_names, answers, comments in THREADS:
        if Question.objects.filter(title=title).exists():
            continue
        question = services.question_create(
            author=by_local[asker],
            kind=kind,
            title=title,
            body=body,
            topics=[topics[name] for name in topic_names],
        )
        created[title] = question
        for who, text in comments:
            services.comment_create(post=question, author=by_local[who], body=text)
        for author, text, voters, accepted, validator, answer_comments in answers:
            answer = services.answer_create(question=question, author=by_local[author], body=text)
            for voter in voters:
                if voter != author:
                    services.vote_cast(user=by_local[voter], post=answer, value=1)
            if accepted:
                services.answer_accept(answer=answer, by=by_local[asker])
            if validator:
                services.answer_validate(answer=answer, by=by_local[validator])
            for who, text_ in answer_comments:
                services.comment_create(post=answer, author=by_local[who], body=text_)
        for voter in ("maire", "adjointe", "secretaire"):
            if voter != asker:
                services.vote_cast(user=by_local[voter], post=question, value=1)
                break
    for title, members in SAME_PROBLEM.items():
        question = created.get(title)
        if question:
            for local in members:
                services.same_problem_toggle(user=by_local[local], question=question)
    for topic_name in ("Commande publique", "Urbanisme"):
        services.topic_follow(user=by_local["secretaire"], topic=topics[topic_name])
    duplicate = created.get("Groupement de commandes pour les fournitures scolaires ?")
    canonical = created.get(
        "Comment monter un groupement de commandes pour le sel de déneigement ?"
    )
    if duplicate and canonical and moderator:
        services.question_mark_duplicate(
            question=duplicate,
            canonical=canonical,
            by=moderator,
            reason="Même démarche : la convention constitutive vaut pour tout achat.",
        )
    adsl = created.get(
        "Instruction des permis de construire : qui instruit depuis la fin de l'ADS de l'État ?"
    )
    if adsl and moderator and adsl.accepted_answer:
        services.faq_promote(question=adsl, answer=adsl.accepted_answer, by=moderator)
    return list(created.values())
