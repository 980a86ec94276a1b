"""Agenda proposal comments are edited and deleted on the site with Q&A comments' rules: their
author (no time window) while the proposal is not withdrawn, or a moderator; checked on the
server, POST with a CSRF token, plain forms without JavaScript."""

import pytest
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.test import Client

from qa.agenda import permissions, services
from qa.agenda.models import ProposalComment

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fresh_rate_limits():
    cache.clear()


@pytest.fixture
def proposal(member, make_topic):
    return services.proposal_create(
        author=member,
        title="Mutualiser le déneigement",
        rationale="Chaque commune loue sa lame.",
        topics=[make_topic()],
    )


@pytest.fixture
def author(make_user):
    return make_user(first_name="Jeanne", last_name="Durance")


@pytest.fixture
def comment(proposal, author):
    return services.proposal_comment_create(
        proposal=proposal, author=author, body="Thorame aussi, depuis 2019."
    )


def edit_url(comment):
    return f"/ordre-du-jour/commentaires/{comment.pk}/modifier/"


def delete_url(comment):
    return f"/ordre-du-jour/commentaires/{comment.pk}/supprimer/"


# --- Editing --------------------------------------------------------------------------------


def test_the_author_edits_their_comment_through_a_plain_form(client, author, comment, proposal):
    client.force_login(author)
    page = client.get(proposal.get_absolute_url()).content.decode()
    assert f'href="{edit_url(comment)}"' in page
    assert f'href="{delete_url(comment)}"' in page
    form = client.get(edit_url(comment))
    html = form.content.decode()
    assert form.status_code == 200
    assert "Modifier le commentaire" in html
    assert "csrfmiddlewaretoken" in html
    assert "Thorame aussi, depuis 2019." in html  # the current text, to change
    response = client.post(edit_url(comment), {"body": "Thorame et <b>Allons</b> aussi."})
    assert response.status_code == 302
    assert response["Location"] == f"{proposal.get_absolute_url()}#commentaire-{comment.pk}"
    comment.refresh_from_db()
    assert comment.body == "Thorame et <b>Allons</b> aussi."
    assert comment.edited_at is not None
    page = client.get(proposal.get_absolute_url()).content.decode()
    assert "Thorame et &lt;b&gt;Allons&lt;/b&gt; aussi." in page
    assert "Modifié le" in page
    assert "Le commentaire est modifié." in page


def test_an_empty_or_too_long_text_is_refused_in_french_keeping_nothing(client, author, comment):
    client.force_login(author)
    response = client.post(edit_url(comment), {"body": "   "})
    assert response.status_code == 400
    assert "Écrivez votre commentaire." in response.content.decode()
    response = client.post(edit_url(comment), {"body": "x" * 2001})
    assert response.status_code == 400
    assert "2000" in response.content.decode()
    comment.refresh_from_db()
    assert comment.body == "Thorame aussi, depuis 2019."
    assert comment.edited_at is None


def test_a_moderator_edits_and_deletes_any_comment(client, moderator, comment, proposal):
    client.force_login(moderator)
    assert f'href="{edit_url(comment)}"' in client.get(proposal.get_absolute_url()).content.decode()
    client.post(edit_url(comment), {"body": "Propos reformulé par la modération."})
    comment.refresh_from_db()
    assert comment.body == "Propos reformulé par la modération."
    client.post(delete_url(comment))
    comment.refresh_from_db()
    assert comment.deleted_by == moderator


@pytest.mark.parametrize("who", ["other", "proposer"])
def test_other_members_cannot_edit_or_delete_someone_elses_comment(
    client, make_user, member, comment, proposal, who
):
    client.force_login(make_user() if who == "other" else member)  # the proposer: not theirs
    page = client.get(proposal.get_absolute_url()).content.decode()
    assert edit_url(comment) not in page and delete_url(comment) not in page
    for url in (edit_url(comment), delete_url(comment)):
        response = client.get(url)
        assert response.status_code == 403
        assert "que vos propres commentaires" in response.content.decode()
    assert client.post(edit_url(comment), {"body": "Détourné"}).status_code == 403
    assert client.post(delete_url(comment)).status_code == 403
    comment.refresh_from_db()
    assert comment.body == "Thorame aussi, depuis 2019."
    assert comment.deleted_at is None


def test_visitors_log_in_and_pending_accounts_wait(client, pending_user, comment):
    for url in (edit_url(comment), delete_url(comment)):
        assert client.get(url)["Location"].startswith("/comptes/login/")
        assert client.post(url, {"body": "x"})["Location"].startswith("/comptes/login/")
    client.force_login(pending_user)
    assert client.post(edit_url(comment), {"body": "x"})["Location"] == "/compte/en-attente/"
    comment.refresh_from_db()
    assert comment.body == "Thorame aussi, depuis 2019."


def test_on_a_withdrawn_proposal_the_author_can_no_longer_change_it(
    client, member, author, comment, proposal, moderator
):
    services.proposal_withdraw(proposal=proposal, by=member)
    client.force_login(author)
    response = client.post(edit_url(comment), {"body": "Trop tard"})
    assert response.status_code == 403
    assert "Cette proposition est retirée" in response.content.decode()
    assert client.post(delete_url(comment)).status_code == 403
    assert permissions.can_change_proposal_comment(moderator, comment)  # as a locked thread


def test_the_forms_need_the_csrf_token(author, comment):
    client = Client(enforce_csrf_checks=True)
    client.force_login(author)
    assert client.post(edit_url(comment), {"body": "Sans jeton"}).status_code == 403
    assert client.post(delete_url(comment)).status_code == 403
    comment.refresh_from_db()
    assert comment.body == "Thorame aussi, depuis 2019."
    assert comment.deleted_at is None


def test_an_unknown_comment_is_404(client, author):
    client.force_login(author)
    assert client.get("/ordre-du-jour/commentaires/999999/modifier/").status_code == 404


# --- Deleting -------------------------------------------------------------------------------


def test_the_author_deletes_their_comment_after_confirming(client, author, comment, proposal):
    client.force_login(author)
    confirm = client.get(delete_url(comment))
    html = confirm.content.decode()
    assert confirm.status_code == 200
    assert "Supprimer le commentaire" in html and "Thorame aussi, depuis 2019." in html
    comment.refresh_from_db()
    assert comment.deleted_at is None  # the GET changes nothing
    response = client.post(delete_url(comment))
    assert response.status_code == 302
    assert response["Location"].startswith(proposal.get_absolute_url())
    comment.refresh_from_db()
    assert comment.deleted_at is not None and comment.deleted_by == author
    page = client.get(proposal.get_absolute_url()).content.decode()
    assert "Thorame aussi, depuis 2019." not in page
    assert "0 commentaire" in page
    assert "Le commentaire est supprimé." in page
    # Deleted: it can no longer be edited, nor deleted again.
    response = client.post(edit_url(comment), {"body": "Revenant"})
    assert response.status_code == 403
    assert "Ce commentaire est supprimé." in response.content.decode()
    assert client.post(delete_url(comment)).status_code == 403


# --- Services ---------------------------------------------------------------------------------


def test_the_services_refuse_to_edit_a_deleted_comment_and_delete_once(comment, author):
    assert services.proposal_comment_delete(comment=comment, by=author) is True
    assert services.proposal_comment_delete(comment=comment, by=author) is False
    with pytest.raises(ValidationError) as error:
        services.proposal_comment_update(comment=comment, by=author, body="Revenant")
    assert "supprimé" in error.value.messages[0]
    comment.refresh_from_db()
    assert comment.body == "Thorame aussi, depuis 2019."


def test_the_service_strips_and_validates_the_text(comment, author):
    updated = services.proposal_comment_update(comment=comment, by=author, body="  Corrigé.  ")
    assert updated.body == "Corrigé."
    with pytest.raises(ValidationError):
        services.proposal_comment_update(comment=comment, by=author, body="x" * 2001)
    assert ProposalComment.objects.get(pk=comment.pk).body == "Corrigé."
