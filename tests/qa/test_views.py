"""Views through the test client: lists, ask (preview, similar, errors), thread actions, htmx,
revisions, moderation, rate limit and double submission."""

import pytest
from django.core.cache import cache

from qa import services
from qa.models import Answer, Comment, Flag, ModerationKind, Question, QuestionKind

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()


def _ask_data(topic, **overrides):
    data = {
        "kind": "question",
        "title": "Qui instruit les permis de construire ici ?",
        "body": "Depuis la fin de l'instruction par l'État, nous ne savons plus à qui écrire.",
        "topics": [topic.pk],
        "submission_token": "jeton-1",
        "publish": "1",
    }
    data.update(overrides)
    return data


def test_visitors_are_sent_to_login_from_lists(client):
    response = client.get("/questions/")
    assert response.status_code == 302 and response["Location"].startswith("/comptes/login/")


def test_question_list_shows_rows_with_marks_topics_and_byline(client, member, question, topic):
    client.force_login(member)
    response = client.get("/questions/")
    html = response.content.decode()
    assert response.status_code == 200
    assert question.title in html and topic.name in html
    assert "Prénom" in html  # asker's name


def test_lists_filter_by_kind_topic_structure_and_state(
    client, member, make_question, make_answer, other_topic, make_structure, rendered_context
):
    client.force_login(member)
    answered = make_question(title="Une question avec une réponse")
    make_answer(question=answered)
    unanswered = make_question(title="Une question sans aucune réponse")
    childcare = make_question(title="Une question sur la petite enfance", topics=[other_topic])
    discussion = make_question(title="Une discussion ouverte à tous", kind=QuestionKind.DISCUSSION)
    barreme = make_structure(name="Barrême", slug="barreme")
    Question.objects.filter(pk=unanswered.pk).update(author_structure=barreme)

    def titles(url):
        return [q.title for q in client.get(url).context["page"].object_list]

    assert discussion.title not in titles("/questions/")
    assert titles("/discussions/") == [discussion.title]
    assert answered.title not in titles("/questions/?filtre=sans-reponse")
    assert titles("/questions/?sujet=petite-enfance") == [childcare.title]
    assert titles("/questions/?structure=barreme&filtre=sans-reponse") == [unanswered.title]
    assert titles("/questions/?structure=barreme&sujet=petite-enfance") == []


def test_lists_sort_by_votes_and_same_problem(
    client, member, make_question, make_user, rendered_context
):
    client.force_login(member)
    low = make_question(title="Question peu soutenue ici")
    high = make_question(title="Question très soutenue ici")
    services.vote_cast(user=make_user(), post=high, value=1)
    services.same_problem_toggle(user=make_user(), question=low)
    by_votes = client.get("/questions/?tri=votes").context["page"].object_list
    assert by_votes[0] == high
    by_same = client.get("/questions/?tri=meme-probleme").context["page"].object_list
    assert by_same[0] == low


def test_list_paginates(client, member, make_question, rendered_context):
    client.force_login(member)
    for n in range(23):
        make_question(title=f"Question numéro {n:02d} de la liste")
    page2 = client.get("/questions/?tri=recent&page=2")
    assert len(page2.context["page"].object_list) == 3
    assert "Page 2 sur 2" in page2.content.decode()


def test_member_asks_a_question(client, member, topic):
    client.force_login(member)
    response = client.post("/questions/poser/", _ask_data(topic))
    question = Question.objects.get()
    assert response.status_code == 302 and response["Location"] == question.get_absolute_url()
    assert question.author == member and list(question.topics.all()) == [topic]


def test_double_submission_creates_one_question(client, member, topic):
    client.force_login(member)
    first = client.post("/questions/poser/", _ask_data(topic))
    second = client.post("/questions/poser/", _ask_data(topic))
    assert Question.objects.count() == 1
    assert second["Location"] == first["Location"]


def test_ask_errors_are_french_next_to_fields_and_keep_the_text(client, member, make_topic):
    client.force_login(member)
    topics = [make_topic() for _ in range(6)]
    response = client.post(
        "/questions/poser/",
        _ask_data(topics[0], title="Court", topics=[t.pk for t in topics], body="x" * 30_001),
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "Le titre doit faire au moins 10 caractères." in html
    assert "Choisissez au plus 5 sujets." in html
    assert "Le texte ne doit pas dépasser 30000 caractères." in html
    assert 'aria-invalid="true"' in html
    assert 'value="Court"' in html
    assert not Question.objects.exists()


def test_ask_refuses_unknown_topic_and_empty_fields(client, member):
    client.force_login(member)
    html = client.post(
        "/questions/poser/", {"title": "", "body": "", "topics": ["999999"], "kind": "question"}
    ).content.decode()
    assert "Indiquez un titre." in html
    assert "Décrivez votre question." in html
    assert "Ce sujet n" in html


def test_preview_button_without_javascript_renders_without_posting(client, member, topic):
    client.force_login(member)
    data = _ask_data(topic, body="Un texte en **gras** et une [lien](javascript:alert(1))")
    data.pop("publish")
    data["preview"] = "1"
    response = client.post("/questions/poser/", data)
    html = response.content.decode()
    assert "<strong>gras</strong>" in html
    assert 'href="javascript' not in html
    assert not Question.objects.exists()
    assert "Choisissez" not in html  # an unfinished form is not yet an error


def test_htmx_preview_endpoint_returns_the_fragment(client, member):
    client.force_login(member)
    response = client.post("/questions/apercu/", {"body": "# Titre\n\n*x*"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert "<h3>Titre</h3>" in response.content.decode()
    assert "<html" not in response.content.decode()


def test_thread_redirects_to_canonical_slug_and_shows_everything(
    client, member, question, make_answer, make_comment
):
    answer = make_answer(question=question, body="La **convention** constitutive.")
    make_comment(post=answer, body="Merci beaucoup")
    client.force_login(member)
    assert client.get(f"/questions/{question.pk}/mauvais-slug/").status_code == 301
    html = client.get(question.get_absolute_url()).content.decode()
    assert "<strong>convention</strong>" in html
    assert "Merci beaucoup" in html
    assert html.count("<h1") == 1


def test_answer_comment_vote_accept_flow(client, member, make_user, question):
    other = make_user()
    client.force_login(other)
    response = client.post(
        f"/questions/{question.pk}/repondre/",
        {"body": "Voici la marche à suivre.", "submission_token": "t1"},
    )
    answer = Answer.objects.get()
    assert response["Location"].endswith(f"#reponse-{answer.pk}")
    client.post(
        f"/reponses/{answer.pk}/commenter/", {"body": "Précision", "submission_token": "t2"}
    )
    assert Comment.objects.get().answer == answer
    client.post(f"/questions/{question.pk}/voter/", {"value": "1"})
    question.refresh_from_db()
    assert question.score == 1
    # Voting the same way again withdraws the vote.
    client.post(f"/questions/{question.pk}/voter/", {"value": "1"})
    question.refresh_from_db()
    assert question.score == 0
    client.force_login(member)
    assert client.post(f"/reponses/{answer.pk}/voter/", {"value": "-1"}).status_code == 302
    client.post(f"/reponses/{answer.pk}/accepter/")
    question.refresh_from_db()
    assert question.accepted_answer == answer


def test_invalid_answer_keeps_the_text_and_says_why(client, member, question):
    client.force_login(member)
    response = client.post(f"/questions/{question.pk}/repondre/", {"body": "x"})
    assert response.status_code == 400
    html = response.content.decode()
    assert "La réponse doit faire au moins 2 caractères." in html
    assert "x</textarea>" in html


def test_invalid_comment_keeps_the_text(client, member, question):
    client.force_login(member)
    response = client.post(f"/questions/{question.pk}/commenter/", {"body": "y" * 601})
    assert response.status_code == 400
    assert "600 caractères" in response.content.decode()
    assert "y" * 601 in response.content.decode()


def test_htmx_vote_gets_the_thread_back_for_swapping(client, make_user, question):
    client.force_login(make_user())
    response = client.post(
        f"/questions/{question.pk}/voter/", {"value": "1"}, HTTP_HX_REQUEST="true", follow=True
    )
    assert response.status_code == 200
    assert 'id="vote-question"' in response.content.decode()


def test_same_problem_and_follow_buttons(client, make_user, question):
    user = make_user()
    client.force_login(user)
    client.post(f"/questions/{question.pk}/meme-probleme/")
    question.refresh_from_db()
    assert question.same_problem_count == 1
    client.post(f"/questions/{question.pk}/suivre/")
    assert question.follows.filter(user=user).exists()
    client.post(f"/questions/{question.pk}/suivre/", {"action": "unfollow"})
    assert not question.follows.filter(user=user).exists()


def test_expert_validation_shows_name_and_function(
    client, question, make_answer, make_topic_expert, topic, make_position
):
    expert = make_topic_expert(topic, first_name="Corentin", last_name="Achardier")
    make_position(person=expert.person, function="Responsable des marchés")
    answer = make_answer(question=question)
    client.force_login(expert)
    client.post(f"/reponses/{answer.pk}/valider/")
    html = client.get(question.get_absolute_url()).content.decode()
    assert "Validée par l'expert Corentin Achardier" in html
    assert "Responsable des marchés" in html


def test_edit_then_view_the_diff(client, member, question):
    client.force_login(member)
    client.post(
        f"/questions/{question.pk}/modifier/",
        {
            "title": question.title,
            "body": "Nouveau texte de la question, plus précis.",
            "topics": [t.pk for t in question.topics.all()],
            "summary": "Précision",
            "save": "1",
        },
    )
    response = client.get(f"/questions/{question.pk}/versions/?de=1&a=2")
    html = response.content.decode()
    assert response.status_code == 200
    assert "<ins>Nouveau texte de la question, plus précis.</ins>" in html
    assert "<del>Nous voudrions acheter" in html


def test_moderator_rolls_back(client, member, moderator, question):
    services.post_edit(post=question, by=member, body="Vandalisme")
    client.force_login(moderator)
    client.post(f"/questions/{question.pk}/versions/1/retablir/")
    question.refresh_from_db()
    assert question.body.startswith("Nous voudrions")


def test_flag_then_moderator_queue_and_resolution(client, make_user, moderator, question):
    client.force_login(make_user())
    response = client.post(f"/questions/{question.pk}/signaler/", {"reason": "other", "text": ""})
    assert "Précisez le motif" in response.content.decode()
    client.post(f"/questions/{question.pk}/signaler/", {"reason": "spam"})
    flag = Flag.objects.get()
    client.force_login(moderator)
    html = client.get("/moderation/signalements/").content.decode()
    assert question.title in html
    client.post(f"/moderation/signalements/{flag.pk}/traiter/", {"decision": "dismiss"})
    flag.refresh_from_db()
    assert flag.status == "dismissed"


def test_flag_queue_is_for_moderators(client, member):
    client.force_login(member)
    assert client.get("/moderation/signalements/").status_code == 403


def test_moderator_closes_as_duplicate_and_the_log_shows_it(
    client, moderator, member, make_question
):
    canonical = make_question(title="La question d'origine sur le sel")
    duplicate = make_question(title="Le doublon de la question sur le sel")
    client.force_login(moderator)
    assert client.get(f"/questions/{duplicate.pk}/moderer/").status_code == 200
    client.post(
        f"/questions/{duplicate.pk}/doublon/", {"canonical": canonical.pk, "reason": "même sujet"}
    )
    duplicate.refresh_from_db()
    assert duplicate.duplicate_of == canonical
    client.force_login(member)
    html = client.get(duplicate.get_absolute_url()).content.decode()
    assert "Cette question est un doublon." in html
    assert canonical.get_absolute_url() in html
    assert "Journal de modération" in html and "même sujet" in html


def test_duplicate_form_refuses_itself_and_unknown_numbers(client, moderator, question):
    client.force_login(moderator)
    html = client.post(f"/questions/{question.pk}/doublon/", {"canonical": question.pk})
    assert "propre doublon" in html.content.decode()
    html = client.post(f"/questions/{question.pk}/doublon/", {"canonical": 99999})
    assert "Aucune question visible" in html.content.decode()


def test_duplicate_form_refuses_a_loop_in_the_form_and_keeps_the_reason(
    client, moderator, make_question
):
    a = make_question(title="La question sur le sel de déneigement")
    b = make_question(title="Le sel de déneigement, encore")
    client.force_login(moderator)
    client.post(f"/questions/{b.pk}/doublon/", {"canonical": a.pk})
    response = client.post(
        f"/questions/{a.pk}/doublon/",
        {"canonical": b.pk, "reason": "même sujet, dans l'autre sens"},
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "Ces deux questions se désignent déjà l&#x27;une l&#x27;autre." in html
    assert "même sujet, dans l&#x27;autre sens" in html
    a.refresh_from_db()
    assert a.duplicate_of is None and not a.is_closed


def test_a_duplicate_loop_made_meanwhile_by_another_moderator_is_a_form_error(
    client, moderator, make_question, monkeypatch
):
    """The form checked A → B while another moderator was marking B → A: the service refuses
    the loop and the panel says so (no 500), keeping what the moderator typed."""
    from qa import forms

    a = make_question(title="La question sur le sel de déneigement")
    b = make_question(title="Le sel de déneigement, encore")
    monkeypatch.setattr(
        forms.DuplicateForm,
        "clean_canonical",
        lambda form: Question.objects.get(pk=form.cleaned_data["canonical"]),
    )
    services.question_mark_duplicate(question=b, canonical=a, by=moderator)
    client.force_login(moderator)
    response = client.post(
        f"/questions/{a.pk}/doublon/", {"canonical": b.pk, "reason": "vu en même temps"}
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "Ces deux questions se désignent déjà l&#x27;une l&#x27;autre." in html
    assert "vu en même temps" in html
    a.refresh_from_db()
    assert a.duplicate_of is None


def test_close_lock_delete_restore_merge_faq_views(
    client, moderator, member, make_question, make_answer
):
    canonical = make_question(title="La question d'origine ici")
    question = make_question(author=member, title="Une question à modérer")
    answer = make_answer(question=question)
    services.answer_accept(answer=answer, by=member)
    client.force_login(moderator)
    client.post(f"/questions/{question.pk}/faq/", {"answer": answer.pk})
    assert question.moderation_actions.filter(kind=ModerationKind.FAQ).exists()
    client.post(f"/questions/{question.pk}/fermer/", {"reason": "resolved", "note": "merci"})
    client.post(f"/questions/{question.pk}/rouvrir/")
    client.post(f"/questions/{question.pk}/verrouiller/", {"reason": "trop vif"})
    client.post(f"/questions/{question.pk}/deverrouiller/")
    client.post(f"/questions/{question.pk}/supprimer/", {"reason": "test"})
    client.force_login(member)
    assert client.get(question.get_absolute_url()).status_code == 403
    client.force_login(moderator)
    assert client.get(question.get_absolute_url()).status_code == 200
    client.post(f"/questions/{question.pk}/restaurer/")
    client.post(f"/questions/{question.pk}/doublon/", {"canonical": canonical.pk})
    client.post(f"/questions/{question.pk}/fusionner/")
    answer.refresh_from_db()
    assert answer.question == canonical
    kinds = list(question.moderation_actions.values_list("kind", flat=True))
    assert kinds == [
        "faq", "close", "reopen", "lock", "unlock", "delete", "restore", "duplicate", "merge"
    ]  # fmt: skip


def test_new_members_are_rate_limited(client, member, question, settings):
    settings.QA_NEW_MEMBER_POSTS_PER_HOUR = 2
    client.force_login(member)
    for n in range(2):
        response = client.post(
            f"/questions/{question.pk}/commenter/", {"body": f"mot {n}", "submission_token": n}
        )
        assert response.status_code == 302
    response = client.post(
        f"/questions/{question.pk}/commenter/", {"body": "encore", "submission_token": "x"}
    )
    assert response.status_code == 429
    assert "Trop de requêtes" in response.content.decode()


def test_older_members_are_not_rate_limited(client, make_user, question, settings):
    from datetime import timedelta

    from django.utils import timezone

    settings.QA_NEW_MEMBER_POSTS_PER_HOUR = 1
    veteran = make_user(approved_at=timezone.now() - timedelta(days=30))
    client.force_login(veteran)
    for n in range(3):
        response = client.post(
            f"/questions/{question.pk}/commenter/", {"body": f"mot {n}", "submission_token": n}
        )
        assert response.status_code == 302


def test_topics_list_and_topic_page_with_experts_and_follow(
    client, member, question, topic, make_topic_expert
):
    expert = make_topic_expert(topic, first_name="Ophélie", last_name="Plansol")
    client.force_login(member)
    assert topic.name in client.get("/sujets/").content.decode()
    html = client.get(f"/sujets/{topic.slug}/").content.decode()
    assert question.title in html
    assert expert.person.full_name in html
    client.post(f"/sujets/{topic.slug}/suivre/")
    assert topic.follows.filter(user=member).exists()
    assert "Suivi" in client.get(f"/sujets/{topic.slug}/").content.decode()


def test_erased_author_reads_former_member(client, make_user, question):
    question.author.delete()
    client.force_login(make_user())
    assert "Ancien membre" in client.get(question.get_absolute_url()).content.decode()
