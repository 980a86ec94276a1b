"""Under a post published by e-mail: the « texte cité » and the From mismatch, for moderators."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.notifications.test_reply_by_email import DOMAIN, REPLY, address_for, make_mail
from tests.queries import SMALL
from website.notifications import intake
from website.notifications.models import InboundStatus

QUOTED = "Anne Voisin a répondu à votre question"


@pytest.fixture(autouse=True)
def _reply_domain(settings):
    settings.REPLY_DOMAIN = DOMAIN


@pytest.fixture
def receive(committed):
    def _receive(raw):
        with committed():
            mail, _created = intake.mail_receive(raw=raw)
        mail.refresh_from_db()
        return mail

    return _receive


@pytest.fixture
def emailed_answer(member, make_user, ask, receive):
    question = ask(make_user())
    mail = receive(make_mail(to=address_for(member, question), sender=member.email, body=REPLY))
    assert mail.status == InboundStatus.POSTED and mail.posted_question == question
    assert mail.posted_anchor.startswith("reponse-")
    return question, mail


def test_moderators_see_the_quoted_text_under_the_answer(client, moderator, emailed_answer):
    question, mail = emailed_answer
    client.force_login(moderator)
    html = client.get(question.get_absolute_url()).content.decode()
    anchor = html.index(f'id="{mail.posted_anchor}"')
    note = html.index("Texte cité (retiré de la réponse par e-mail")
    assert anchor < note
    assert "<details" in html[anchor : note + 200]
    assert QUOTED in html[note:]
    assert "mairie" not in html


def test_members_do_not_see_it(client, member, emailed_answer):
    question, _mail = emailed_answer
    client.force_login(member)
    html = client.get(question.get_absolute_url()).content.decode()
    assert "Texte cité" not in html and QUOTED not in html


def test_a_comment_by_email_from_another_address_is_flagged_under_it(
    client,
    moderator,
    member,
    make_user,
    ask,
    answer,
    receive,
):
    question = ask(make_user())
    posted = answer(make_user(), question)
    address = address_for(member, question, comment_on_answer_id=posted.pk)
    mail = receive(make_mail(to=address, sender="mairie@commune.example.fr", body=REPLY))
    assert mail.from_mismatch and mail.posted_anchor.startswith("commentaire-")
    client.force_login(moderator)
    html = client.get(question.get_absolute_url()).content.decode()
    comment = html.index(f'id="{mail.posted_anchor}"')
    assert html.index("Publié par e-mail depuis mairie@commune.example.fr") > comment
    assert html.index(QUOTED) > comment


def inbound_queries(client, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return sum("notifications_inboundmail" in query["sql"] for query in captured)


@pytest.mark.parametrize("replies", [2, SMALL * 2])
def test_the_notes_cost_one_query_for_moderators_and_none_for_members(
    client,
    moderator,
    member,
    make_user,
    ask,
    receive,
    replies,
):
    question = ask(make_user())
    for _ in range(replies):
        author = make_user()
        receive(make_mail(to=address_for(author, question), sender="x@exemple.fr", body=REPLY))
    client.force_login(moderator)
    assert inbound_queries(client, question.get_absolute_url()) == 1
    client.force_login(member)
    assert inbound_queries(client, question.get_absolute_url()) == 0
