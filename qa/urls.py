"""Q&A URLs (DESIGN.md §4): /questions/, /discussions/, /sujets/, plus per-post actions.

Actions on any post share one pattern: /<questions|reponses|commentaires>/<id>/<action>/.
"""

from django.urls import path, register_converter

from qa import views


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
    path("questions/", views.question_list, name="question_list"),
    path("discussions/", views.discussion_list, name="discussion_list"),
    path("questions/poser/", views.question_ask, name="question_ask"),
    path("questions/apercu/", views.preview, name="preview"),
    path("questions/destinataires/", views.person_search, name="person_search"),
    path("moderation/signalements/", views.flag_queue, name="flag_queue"),
    path("moderation/signalements/<int:pk>/traiter/", views.flag_resolve, name="flag_resolve"),
    path("moderation/faq-a-revalider/", views.faq_review_queue, name="faq_review_queue"),
    # Thread-level actions.
    path("questions/<int:pk>/repondre/", views.answer_create, name="answer_create"),
    path("questions/<int:pk>/meme-probleme/", views.same_problem, name="same_problem"),
    path("questions/<int:pk>/suivre/", views.question_follow, name="question_follow"),
    path("questions/<int:pk>/moderer/", views.moderate, name="moderate"),
    path("questions/<int:pk>/fermer/", views.question_close, name="question_close"),
    path("questions/<int:pk>/rouvrir/", views.question_reopen, name="question_reopen"),
    path("questions/<int:pk>/doublon/", views.question_duplicate, name="question_duplicate"),
    path("questions/<int:pk>/verrouiller/", views.question_lock, name="question_lock"),
    path("questions/<int:pk>/deverrouiller/", views.question_unlock, name="question_unlock"),
    path("questions/<int:pk>/fusionner/", views.question_merge, name="question_merge"),
    path("questions/<int:pk>/faq/", views.faq_promote, name="faq_promote"),
    path("questions/<int:pk>/faq/retirer/", views.faq_withdraw, name="faq_withdraw"),
    path("questions/<int:pk>/faq/revalider/", views.faq_review_approve, name="faq_review_approve"),
    path("reponses/<int:pk>/accepter/", views.answer_accept, name="answer_accept"),
    path("reponses/<int:pk>/valider/", views.answer_validate, name="answer_validate"),
    # Actions on any post.
    path("<votable:post_type>/<int:pk>/voter/", views.vote, name="post_voter"),
    path("<votable:post_type>/<int:pk>/commenter/", views.comment_create, name="post_commenter"),
    path("<post_type:post_type>/<int:pk>/modifier/", views.post_edit, name="post_modifier"),
    path("<post_type:post_type>/<int:pk>/versions/", views.revisions, name="post_versions"),
    path(
        "<post_type:post_type>/<int:pk>/versions/<int:number>/retablir/",
        views.rollback,
        name="post_retablir",
    ),
    path("<post_type:post_type>/<int:pk>/signaler/", views.flag, name="post_signaler"),
    path("<post_type:post_type>/<int:pk>/supprimer/", views.post_delete, name="post_supprimer"),
    path("<post_type:post_type>/<int:pk>/restaurer/", views.post_restore, name="post_restaurer"),
    path("reponses/<int:pk>/", views.answer_redirect, name="answer_redirect"),
    path("commentaires/<int:pk>/", views.comment_redirect, name="comment_redirect"),
    path("questions/<int:pk>/", views.question_detail, name="question_detail_short"),
    path("questions/<int:pk>/<str:slug>/", views.question_detail, name="question_detail"),
    path("sujets/", views.topic_list, name="topic_list"),
    path("sujets/<slug:slug>/", views.topic_detail, name="topic_detail"),
    path("sujets/<slug:slug>/suivre/", views.topic_follow, name="topic_follow"),
]
