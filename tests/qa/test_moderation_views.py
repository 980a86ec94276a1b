"""The moderation panel: one context for every render, refusals that say why."""

import pytest
from django.core.cache import cache
from django.urls import reverse

from qa import services
from qa.models import FaqPromotion

pytestmark = pytest.mark.django_db

NO_CANDIDATE = "Il faut une réponse acceptée ou validée"


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()


@pytest.fixture
def accepted(question, member, make_answer):
    answer = make_answer(question=question, body="La réponse qui a résolu le problème.")
    services.answer_accept(answer=answer, by=member)
    return answer


def test_the_panel_offers_the_accepted_answer_for_the_faq(client, moderator, question, accepted):
    client.force_login(moderator)
    html = client.get(f"/questions/{question.pk}/moderer/").content.decode()
    assert f'id="faq-answer-{accepted.pk}"' in html
    assert NO_CANDIDATE not in html


@pytest.mark.parametrize(
    ("action", "data"),
    [("fermer", {"note": "sans motif"}), ("doublon", {"canonical": ""})],
    ids=["failed-close", "failed-duplicate"],
)
def test_a_failed_form_keeps_the_faq_candidates_on_the_panel(
    client, moderator, question, accepted, action, data
):
    client.force_login(moderator)
    response = client.post(f"/questions/{question.pk}/{action}/", data)
    html = response.content.decode()
    assert response.status_code == 400
    assert f'id="faq-answer-{accepted.pk}"' in html
    assert NO_CANDIDATE not in html


@pytest.mark.parametrize(
    ("setup", "action", "message"),
    [
        ("close", "fermer", "Cette question est déjà fermée."),
        (None, "rouvrir", "Cette question n&#x27;est pas fermée."),
        ("lock", "verrouiller", "Cette question est déjà verrouillée."),
        (None, "deverrouiller", "Cette question n&#x27;est pas verrouillée."),
        (None, "fusionner", "Seul un doublon peut être fusionné"),
    ],
)
def test_a_moderator_refused_by_the_thread_state_reads_why(
    client, moderator, question, setup, action, message
):
    if setup == "close":
        services.question_close(question=question, by=moderator, reason="resolved")
    elif setup == "lock":
        services.question_lock(question=question, by=moderator)
    client.force_login(moderator)
    response = client.post(f"/questions/{question.pk}/{action}/", {"reason": "resolved"})
    assert response.status_code == 403
    assert message in response.content.decode()


def test_deleting_a_deleted_post_says_it_is_already_deleted(client, moderator, question):
    services.post_delete(post=question, by=moderator)
    client.force_login(moderator)
    response = client.post(f"/questions/{question.pk}/supprimer/")
    assert response.status_code == 403
    assert "Ce message est déjà supprimé." in response.content.decode()


def test_a_member_is_refused_moderation_with_the_moderators_message(client, member, question):
    client.force_login(member)
    response = client.post(f"/questions/{question.pk}/verrouiller/")
    assert response.status_code == 403
    assert "Cette action est réservée aux modérateurs." in response.content.decode()


def test_a_visitor_is_sent_to_the_login_page(client, question):
    response = client.post(f"/questions/{question.pk}/verrouiller/")
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


@pytest.mark.parametrize("chosen", ["", "abc", "-1", "9999999", "1 OR 1=1"])
def test_the_faq_promotion_refuses_an_answer_that_is_not_a_candidate(
    client, moderator, question, accepted, chosen
):
    client.force_login(moderator)
    response = client.post(f"/questions/{question.pk}/faq/", {"answer": chosen}, follow=True)
    assert response.redirect_chain[-1][0] == f"/questions/{question.pk}/moderer/"
    assert "Choisissez la réponse acceptée ou une réponse validée" in response.content.decode()
    question.refresh_from_db()
    assert not FaqPromotion.objects.filter(question=question).exists()
