"""The Q&A part of a member's data export (GDPR): their posts, votes, versions, follows,
flags, drafts and attachments, and the questions addressed to their directory entry.

The directory builds the export and lists its own data; `QaConfig.ready()` registers these two
functions with `directory.extensions`, so the directory does not read qa's tables itself.
"""


def _when(value) -> str | None:
    return value.isoformat() if value else None


POST_KINDS = {"question": "question", "answer": "réponse", "comment": "commentaire"}


def _attachments(user) -> list[dict]:
    """The files the member attached: listed with where they hang and their address (the
    bytes stay behind the download view's check, they are not copied into the JSON)."""
    rows = user.qa_attachments.select_related(
        "question", "answer__question", "comment__question", "comment__answer__question"
    ).order_by("created_at", "pk")
    return [
        {
            "nom": attachment.original_name,
            "type": attachment.content_type,
            "taille_octets": attachment.size,
            "le": _when(attachment.created_at),
            "message": POST_KINDS[attachment.post.post_kind],
            "fil": attachment.post.thread.title,
            "message_supprime": attachment.post.deleted_at is not None,
            "retiree_du_message_le": _when(attachment.removed_at),
            "adresse": attachment.get_absolute_url(),
        }
        for attachment in rows
    ]


def account_export(user) -> dict:
    return {
        "questions": [
            {
                "titre": question.title,
                "texte": question.body,
                "le": question.created_at.isoformat(),
                "supprimee": question.deleted_at is not None,
            }
            for question in user.questions.order_by("created_at")
        ],
        "reponses": [
            {
                "question": answer.question.title,
                "texte": answer.body,
                "le": answer.created_at.isoformat(),
            }
            for answer in user.answers.select_related("question").order_by("created_at")
        ],
        "commentaires": [
            {"texte": comment.body, "le": comment.created_at.isoformat()}
            for comment in user.qa_comments.order_by("created_at")
        ],
        "votes": user.qa_votes.count(),
        "versions": [
            {
                "version": revision.number,
                "titre": revision.title,
                "texte": revision.body,
                "resume": revision.summary,
                "le": _when(revision.created_at),
            }
            for revision in user.qa_revisions.order_by("created_at", "pk")
        ],
        "sujets_suivis": [
            follow.topic.name for follow in user.qa_topic_follows.select_related("topic")
        ],
        "questions_suivies": [
            {"titre": follow.question.title, "depuis": _when(follow.created_at)}
            for follow in user.qa_question_follows.select_related("question").filter(
                question__deleted_at__isnull=True
            )
        ],
        # Unread markers: when the member last opened each thread (pruned, docs/qa.md).
        "dernieres_visites_des_fils": [
            {"titre": visit.question.title, "le": _when(visit.seen_at)}
            for visit in user.qa_thread_visits.select_related("question").filter(
                question__deleted_at__isnull=True
            )
        ],
        "signalements": [
            {
                "motif": flag.reason,
                "precisions": flag.text,
                "etat": flag.status,
                "le": _when(flag.created_at),
            }
            for flag in user.qa_flags.order_by("created_at")
        ],
        "brouillons": [
            {
                "question": draft.question.title if draft.question else None,
                "titre": draft.title,
                "texte": draft.body,
                "le": _when(draft.updated_at),
            }
            for draft in user.qa_drafts.select_related("question").order_by("updated_at")
        ],
        "pieces_jointes": _attachments(user),
    }


def person_export(person) -> dict:
    return {
        "questions_adressees_a_moi": [
            {"titre": question.title, "le": question.created_at.isoformat()}
            for question in person.questions_addressed.all()
        ],
    }
