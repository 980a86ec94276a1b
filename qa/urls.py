"""Q&A URLs (DESIGN.md §4): /questions/, /discussions/, /sujets/, plus per-post actions.

Actions on any post share one pattern: /<questions|reponses|commentaires>/<id>/<action>/.
"""

from django.urls import path, register_converter

from qa.views import (
    attachments,
    drafts,
    flags,
    follows,
    lists,
    moderation,
    posting,
    revisions,
    threads,
    votes,
)


class PostTypeConverter:
    regex = "questions|reponses|commentaires"

    def to_python(self, value):
        return value

    def to_url(self, value):
        return value


class VotablePostTypeConverter(PostTypeConverter):
    regex = "questions|reponses"


register_converter(PostTypeConverter, "post_type")
register_converter(VotablePostTypeConverter, "votable")

app_name = "qa"

urlpatterns = [
    path("questions/", lists.question_list, name="question_list"),
    path("discussions/", lists.discussion_list, name="discussion_list"),
    path("questions/poser/", posting.question_ask, name="question_ask"),
    path("questions/apercu/", posting.preview, name="preview"),
    path("questions/destinataires/", posting.person_search, name="person_search"),
    path("compte/brouillons/", drafts.draft_list, name="draft_list"),
    path("compte/brouillons/<int:pk>/supprimer/", drafts.draft_delete, name="draft_delete"),
    path("moderation/signalements/", flags.flag_queue, name="flag_queue"),
    path("moderation/signalements/<int:pk>/traiter/", flags.flag_resolve, name="flag_resolve"),
    path("moderation/faq-a-revalider/", moderation.faq_review_queue, name="faq_review_queue"),
    # Thread-level actions.
    path("questions/<int:pk>/repondre/", posting.answer_create, name="answer_create"),
    path("questions/<int:pk>/meme-probleme/", votes.same_problem, name="same_problem"),
    path("questions/<int:pk>/suivre/", follows.question_follow, name="question_follow"),
    path("questions/<int:pk>/moderer/", moderation.moderate, name="moderate"),
    path("questions/<int:pk>/fermer/", moderation.question_close, name="question_close"),
    path("questions/<int:pk>/rouvrir/", moderation.question_reopen, name="question_reopen"),
    path("questions/<int:pk>/doublon/", moderation.question_duplicate, name="question_duplicate"),
    path("questions/<int:pk>/verrouiller/", moderation.question_lock, name="question_lock"),
    path("questions/<int:pk>/deverrouiller/", moderation.question_unlock, name="question_unlock"),
    path("questions/<int:pk>/fusionner/", moderation.question_merge, name="question_merge"),
    path("questions/<int:pk>/faq/", moderation.faq_promote, name="faq_promote"),
    path("questions/<int:pk>/faq/retirer/", moderation.faq_withdraw, name="faq_withdraw"),
    path(
        "questions/<int:pk>/faq/revalider/",
        moderation.faq_review_approve,
        name="faq_review_approve",
    ),
    path("reponses/<int:pk>/accepter/", votes.answer_accept, name="answer_accept"),
    path("reponses/<int:pk>/valider/", votes.answer_validate, name="answer_validate"),
    # Actions on any post.
    path("<votable:post_type>/<int:pk>/voter/", votes.vote, name="post_voter"),
    path("<votable:post_type>/<int:pk>/commenter/", posting.comment_create, name="post_commenter"),
    path("<post_type:post_type>/<int:pk>/modifier/", revisions.post_edit, name="post_modifier"),
    path("<post_type:post_type>/<int:pk>/versions/", revisions.revisions, name="post_versions"),
    path(
        "<post_type:post_type>/<int:pk>/versions/<int:number>/retablir/",
        revisions.rollback,
        name="post_retablir",
    ),
    path("<post_type:post_type>/<int:pk>/signaler/", flags.flag, name="post_signaler"),
    path(
        "<post_type:post_type>/<int:pk>/supprimer/", moderation.post_delete, name="post_supprimer"
    ),
    path(
        "<post_type:post_type>/<int:pk>/restaurer/", moderation.post_restore, name="post_restaurer"
    ),
    path("reponses/<int:pk>/", threads.answer_redirect, name="answer_redirect"),
    path("commentaires/<int:pk>/", threads.comment_redirect, name="comment_redirect"),
    path("questions/<int:pk>/", threads.question_detail, name="question_detail_short"),
    path("questions/<int:pk>/<str:slug>/", threads.question_detail, name="question_detail"),
    path(
        "pieces-jointes/<int:pk>/miniature/",
        attachments.attachment_thumbnail,
        name="attachment_thumbnail",
    ),
    path(
        "pieces-jointes/<int:pk>/retirer/",
        attachments.attachment_remove,
        name="attachment_remove",
    ),
    path("pieces-jointes/<int:pk>/<path:name>", attachments.attachment, name="attachment"),
    path("sujets/", lists.topic_list, name="topic_list"),
    path("sujets/<slug:slug>/", lists.topic_detail, name="topic_detail"),
    path("sujets/<slug:slug>/suivre/", follows.topic_follow, name="topic_follow"),
    path("compte/suivis/", follows.my_follows, name="my_follows"),
]
