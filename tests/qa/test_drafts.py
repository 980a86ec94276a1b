"""Drafts of questions and answers (issue 20, item 2): saved on the server per member and
thread, offered under « Mes brouillons », resumed on another device, never published without
the member's click, removed on publish; a draft over the body limit is refused in French."""

import json

import pytest
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction

from qa import selectors, services
from qa.exports import account_export
from qa.models import BODY_MAX_LENGTH, Answer, Draft, Question

pytestmark = pytest.mark.django_db

ASK = "/questions/poser/"
DRAFTS = "/compte/brouillons/"
JSON = {"HTTP_ACCEPT": "application/json"}


def _answer_url(question):
    return f"/questions/{question.pk}/repondre/"


# --- Services --------------------------------------------------------------------------------


def test_a_member_has_one_new_question_draft_which_a_save_updates(member, topic, other_topic):
    first = services.draft_save(user=member, title="Sel de déneigement", topics=[topic])
    second = services.draft_save(
        user=member,
        kind="discussion",
        title="Sel de déneigement groupé",
        body="Combien de tonnes ?",
        topics=[other_topic],
    )
    assert first.pk == second.pk
    draft = Draft.objects.get(user=member, question=None)
    assert (draft.kind, draft.title, draft.body) == (
        "discussion",
        "Sel de déneigement groupé",
        "Combien de tonnes ?",
    )
    assert list(draft.topics.all()) == [other_topic]
    assert not Question.objects.filter(title__startswith="Sel").exists()  # never published


def test_answer_drafts_are_per_member_and_per_thread(member, make_user, make_question, question):
    other_thread = make_question(title="Une autre question sur les marchés publics")
    services.draft_save(user=member, question=question, body="Mon brouillon ici")
    services.draft_save(user=member, question=other_thread, body="Et là-bas")
    services.draft_save(user=make_user(), question=question, body="Celui d'un autre")
    services.draft_save(user=member, question=question, body="Mon brouillon ici, complété")
    assert Draft.objects.filter(user=member).count() == 2
    assert Draft.objects.get(user=member, question=question).body == "Mon brouillon ici, complété"
    assert Answer.objects.count() == 0


def test_the_database_keeps_one_draft_per_member_and_thread(member, question):
    Draft.objects.create(user=member, question=question, body="un")
    with pytest.raises(IntegrityError), transaction.atomic():
        Draft.objects.create(user=member, question=question, body="deux")
    Draft.objects.create(user=member, body="nouvelle question")
    with pytest.raises(IntegrityError), transaction.atomic():
        Draft.objects.create(user=member, body="une seconde nouvelle question")


def test_an_emptied_text_removes_the_draft(member, question):
    services.draft_save(user=member, question=question, body="Un début")
    assert services.draft_save(user=member, question=question, body="   ") is None
    assert not Draft.objects.exists()


def test_only_its_owner_deletes_a_draft(member, make_user, question):
    draft = services.draft_save(user=member, question=question, body="Un début")
    with pytest.raises(PermissionDenied):
        services.draft_delete(draft=draft, by=make_user())
    services.draft_delete(draft=draft, by=member)
    assert not Draft.objects.exists()


# --- Selectors -------------------------------------------------------------------------------


def test_drafts_on_threads_locked_closed_or_deleted_since_are_not_offered(
    member, moderator, make_question, django_assert_max_num_queries
):
    threads = [make_question(title=f"Question numéro {n} sur la voirie") for n in range(4)]
    for thread in threads:
        services.draft_save(user=member, question=thread, body=f"Réponse à {thread.title}")
    services.draft_save(user=member, title="Ma question à moi")
    services.question_lock(question=threads[0], by=moderator)
    services.question_close(question=threads[1], by=moderator, reason="off_topic")
    services.post_delete(post=threads[2], by=moderator)
    with django_assert_max_num_queries(3):
        offered = selectors.drafts_for(member)
    assert {draft.question_id for draft in offered} == {None, threads[3].pk}
    assert selectors.answer_draft(member, Question.objects.get(pk=threads[0].pk)) is None


# --- Views: saving without JavaScript and in the background ----------------------------------


def test_the_ask_forms_draft_button_saves_and_keeps_the_typed_text(client, member, topic):
    client.force_login(member)
    response = client.post(
        ASK,
        {"save_draft": "1", "kind": "question", "title": "Brouillon", "body": "Début du texte"},
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "Brouillon enregistré à" in html
    assert "Début du texte</textarea>" in html
    assert 'value="Brouillon"' in html
    draft = Draft.objects.get(user=member)
    assert (draft.title, draft.body) == ("Brouillon", "Début du texte")
    assert not Question.objects.exists()


def test_the_background_save_answers_json_with_the_time(client, member, topic):
    client.force_login(member)
    response = client.post(
        ASK, {"save_draft": "1", "title": "Titre", "body": "Texte", "topics": [topic.pk]}, **JSON
    )
    answer = json.loads(response.content)
    assert response.status_code == 200 and answer["saved"] is True
    assert answer["message"].startswith("Brouillon enregistré à ")
    assert " h " in answer["message"]
    assert list(Draft.objects.get(user=member).topics.all()) == [topic]


def test_a_one_megabyte_draft_is_refused_in_french_and_the_text_kept(client, member, question):
    client.force_login(member)
    huge = "a" * 1_000_000
    response = client.post(ASK, {"save_draft": "1", "title": "Long", "body": huge}, **JSON)
    assert response.status_code == 400
    message = json.loads(response.content)["message"]
    assert f"ne doit pas dépasser {BODY_MAX_LENGTH} caractères" in message
    assert "ce que vous avez tapé reste dans le formulaire" in message
    response = client.post(_answer_url(question), {"save_draft": "1", "body": huge})
    assert response.status_code == 400
    html = response.content.decode()
    assert "Le brouillon n&#x27;est pas enregistré" in html and huge in html
    response = client.post(ASK, {"save_draft": "1", "title": "Long", "body": huge})
    assert response.status_code == 400 and huge in response.content.decode()
    assert not Draft.objects.exists()


def test_the_answer_forms_draft_button_saves_and_the_thread_resumes_it(client, member, question):
    client.force_login(member)
    response = client.post(_answer_url(question), {"save_draft": "1", "body": "Ma réponse"})
    assert response.status_code == 302
    assert response["Location"] == f"{question.get_absolute_url()}#answer-form-title"
    html = client.get(question.get_absolute_url()).content.decode()
    assert "Brouillon enregistré à" in html
    assert "Vous reprenez votre brouillon enregistré le" in html
    assert "Ma réponse</textarea>" in html
    assert not Answer.objects.exists()


def test_no_draft_is_saved_on_a_locked_thread(client, member, moderator, question):
    services.question_lock(question=question, by=moderator)
    client.force_login(member)
    response = client.post(_answer_url(question), {"save_draft": "1", "body": "Trop tard"}, **JSON)
    assert response.status_code == 403
    assert not Draft.objects.exists()


def test_visitors_and_pending_accounts_save_no_draft(client, pending_user, question):
    assert client.post(ASK, {"save_draft": "1", "title": "Visiteur"}).status_code == 302
    client.force_login(pending_user)
    client.post(ASK, {"save_draft": "1", "title": "En attente"})
    assert not Draft.objects.exists()


# --- Views: resuming on another device, publishing -------------------------------------------


def test_another_device_resumes_the_question_draft_and_publishing_removes_it(client, member, topic):
    services.draft_save(
        user=member,
        title="Acheter du sel à plusieurs communes",
        body="Nous cherchons un groupement pour cet hiver.",
        topics=[topic],
    )
    client.force_login(member)  # a fresh session: another browser
    html = client.get(ASK).content.decode()
    assert "Vous reprenez votre brouillon enregistré le" in html
    assert 'value="Acheter du sel à plusieurs communes"' in html
    assert "Nous cherchons un groupement pour cet hiver.</textarea>" in html
    assert f'value="{topic.pk}" id="id_topics_0" checked' in html
    response = client.post(
        ASK,
        {
            "publish": "1",
            "kind": "question",
            "title": "Acheter du sel à plusieurs communes",
            "body": "Nous cherchons un groupement pour cet hiver.",
            "topics": [topic.pk],
            "submission_token": "draft-publish",
        },
    )
    assert response.status_code == 302
    assert Question.objects.filter(title="Acheter du sel à plusieurs communes").exists()
    assert not Draft.objects.exists()


def test_publishing_an_answer_removes_its_draft_only(client, member, question, make_question):
    elsewhere = make_question(title="Une autre question sur la commande publique")
    services.draft_save(user=member, question=question, body="Brouillon de réponse")
    services.draft_save(user=member, question=elsewhere, body="Autre brouillon")
    client.force_login(member)
    client.post(_answer_url(question), {"body": "Réponse publiée", "submission_token": "a1"})
    assert Answer.objects.filter(body="Réponse publiée").exists()
    assert list(Draft.objects.values_list("question", flat=True)) == [elsewhere.pk]


# --- Views: « Mes brouillons » ---------------------------------------------------------------


def test_my_drafts_lists_what_i_may_still_publish(client, member, moderator, make_question):
    open_thread = make_question(title="Question ouverte sur les achats groupés")
    locked = make_question(title="Question verrouillée sur les achats")
    services.draft_save(user=member, title="Ma <b>question</b>", body="Texte <script>x</script>")
    services.draft_save(user=member, question=open_thread, body="Réponse en cours")
    services.draft_save(user=member, question=locked, body="Réponse perdue ?")
    services.question_lock(question=locked, by=moderator)
    client.force_login(member)
    html = client.get(DRAFTS).content.decode()
    assert "<h1>Mes brouillons</h1>" in html
    assert "Nouvelle question : Ma &lt;b&gt;question&lt;/b&gt;" in html
    assert "Texte &lt;script&gt;x&lt;/script&gt;" in html
    assert "Réponse à « Question ouverte sur les achats groupés »" in html
    assert f'href="{open_thread.get_absolute_url()}#answer-form-title"' in html
    assert "Question verrouillée" not in html
    assert "pièces jointes ne sont pas gardées" in html


def test_my_drafts_is_linked_from_the_account_navigation(client, member):
    client.force_login(member)
    assert 'href="/compte/brouillons/"' in client.get("/comptes/email/").content.decode()
    assert "Vous n'avez aucun brouillon." in client.get(DRAFTS).content.decode()


def test_a_member_deletes_their_draft_but_not_someone_elses(client, member, make_user, question):
    mine = services.draft_save(user=member, question=question, body="Le mien")
    theirs = services.draft_save(user=make_user(), question=question, body="Le sien")
    client.force_login(member)
    assert client.post(f"{DRAFTS}{theirs.pk}/supprimer/").status_code == 404
    response = client.post(f"{DRAFTS}{mine.pk}/supprimer/", {"next": "https://ailleurs.example/"})
    assert response["Location"] == DRAFTS
    assert list(Draft.objects.all()) == [theirs]
    assert client.get(f"{DRAFTS}{theirs.pk}/supprimer/").status_code == 405


def test_deleting_from_the_ask_form_starts_afresh(client, member):
    draft = services.draft_save(user=member, title="Vieux brouillon")
    client.force_login(member)
    response = client.post(f"{DRAFTS}{draft.pk}/supprimer/", {"next": ASK})
    assert response["Location"] == ASK
    html = client.get(ASK).content.decode()
    assert "Vieux brouillon" not in html and "Vous reprenez" not in html


def test_my_drafts_is_for_members_only(client, pending_user):
    assert client.get(DRAFTS)["Location"].startswith("/comptes/login/")
    client.force_login(pending_user)
    assert client.get(DRAFTS)["Location"] == "/compte/en-attente/"


def test_the_data_export_holds_my_drafts(member, question):
    services.draft_save(user=member, question=question, body="Ma réponse pas finie")
    services.draft_save(user=member, title="Ma question pas finie")
    exported = account_export(member)["brouillons"]
    assert {(d["question"], d["titre"], d["texte"]) for d in exported} == {
        (question.title, "", "Ma réponse pas finie"),
        (None, "Ma question pas finie", ""),
    }
