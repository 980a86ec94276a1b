"""Reply addresses in digests: one per thread item, and the digest's own Reply-To only when it
is about one thread."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from qa import services as qa_services
from website.notifications import replies
from website.notifications.digests import send_digests
from website.notifications.kinds import Frequency

DOMAIN = "reponses.example.org"
ADDRESS = re.compile(r"Répondre par e-mail : (r\+[a-z0-9-]+@" + re.escape(DOMAIN) + ")")


@pytest.fixture(autouse=True)
def _reply_domain(settings):
    settings.REPLY_DOMAIN = DOMAIN


def _digest(committed, mailoutbox, member):
    mailoutbox.clear()
    with committed():
        send_digests(frequency=Frequency.DAILY)
    [message] = [m for m in mailoutbox if m.to == [member.email]]
    return message


def test_a_digest_of_several_threads_has_one_address_per_item_and_no_reply_to(
    member, make_user, make_topic, ask, follow_topic, committed, mailoutbox
):
    topic = make_topic(name="Voirie")
    follow_topic(member, topic)
    first = ask(make_user(), topics=[topic], title="Qui déneige les voies communales ?")
    second = ask(make_user(), topics=[topic], title="Comment entretenir les fossés ?")
    own = ask(member, title="Qui gère l'éclairage public ?")
    with committed():
        qa_services.comment_create(post=own, author=make_user(), body="Le SDE, chez nous.")
    message = _digest(committed, mailoutbox, member)
    assert message.reply_to == []
    assert "Répondez directement" not in message.body
    targets = {
        replies.read_token(replies.token_of(address)) for address in ADDRESS.findall(message.body)
    }
    assert targets == {
        replies.ReplyTarget(user_id=member.pk, question_id=first.pk),
        replies.ReplyTarget(user_id=member.pk, question_id=second.pk),
        replies.ReplyTarget(user_id=member.pk, question_id=own.pk, comment_on_question=True),
    }
    html = message.alternatives[0][0]
    assert html.count('href="mailto:r+') == 3


def test_a_digest_about_one_thread_answers_like_its_notification(
    member, make_user, make_topic, ask, follow_topic, committed, mailoutbox
):
    topic = make_topic(name="Voirie")
    follow_topic(member, topic)
    question = ask(make_user(), topics=[topic], title="Qui déneige les voies communales ?")
    message = _digest(committed, mailoutbox, member)
    [reply_to] = message.reply_to
    assert replies.read_token(replies.token_of(reply_to)) == replies.ReplyTarget(
        user_id=member.pk, question_id=question.pk
    )
    body = message.body
    assert (
        body.index("Répondez directement à ce message")
        < body.index("✂")
        < body.index(question.title)
    )
    assert "Répondre par e-mail :" not in body


def test_no_reply_domain_no_address(
    settings, member, make_user, make_topic, ask, follow_topic, committed, mailoutbox
):
    settings.REPLY_DOMAIN = ""
    topic = make_topic(name="Voirie")
    follow_topic(member, topic)
    ask(make_user(), topics=[topic])
    message = _digest(committed, mailoutbox, member)
    assert message.reply_to == [] and "Répondre par e-mail" not in message.body


def test_the_addresses_cost_at_most_two_queries_whatever_the_items(
    member, make_user, make_topic, ask, follow_topic, committed
):
    from website.notifications.models import Notification

    topic = make_topic(name="Voirie")
    follow_topic(member, topic)
    for number in range(12):
        ask(make_user(), topics=[topic], title=f"Question numéro {number} sur la voirie")
    notifications = list(Notification.objects.filter(recipient=member))
    replies.secret_for(member)
    with CaptureQueriesContext(connection) as captured:
        by_notification, _by_question = replies.digest_addresses(member, notifications)
    assert len(by_notification) == 12
    assert len(captured) <= 2
