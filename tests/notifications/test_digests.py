"""Daily and weekly digests: content grouped by topic, unanswered questions, idempotence."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from website.notifications.digests import send_digests
from website.notifications.kinds import Frequency, Kind
from website.notifications.models import DeliveryKind, EmailDelivery, Notification
from website.notifications.services import Audience, notify, preferences_set
from website.notifications.tasks import queue_immediate_emails

pytestmark = pytest.mark.django_db


def _event(user, *, key, kind=Kind.QUESTION_IN_TOPIC, topic=None, title="Une question"):
    created = notify(
        event_key=key,
        audiences=[Audience(kind, [user.pk])],
        title=title,
        url=f"/questions/{key}/",
        topic=topic,
    )
    queue_immediate_emails(created)  # what the fan-out task does after `notify`
    return created


def test_the_daily_digest_groups_new_questions_by_topic(member, make_topic, committed, mailoutbox):
    urbanisme = make_topic(name="Urbanisme")
    enfance = make_topic(name="Petite enfance")
    with committed():
        _event(member, key="q1", topic=urbanisme, title="Qui instruit les permis ?")
        _event(member, key="q2", topic=enfance, title="Crèche intercommunale")
        _event(member, key="q3", topic=urbanisme, title="PLUi et communes nouvelles")
    assert mailoutbox == []  # the default for followed topics is the daily digest
    with committed():
        run = send_digests(frequency=Frequency.DAILY)
    assert len(run.queued) == 1
    message = mailoutbox[0]
    assert message.subject == "[Entraide] Votre résumé quotidien"
    assert message.to == [member.email]
    body = message.body
    assert "3 nouveautés vous concernent" in body
    # Topics in alphabetical order, each with its questions.
    assert body.index("== Petite enfance ==") < body.index("== Urbanisme ==")
    assert body.index("Qui instruit les permis ?") > body.index("== Urbanisme ==")
    assert "http://127.0.0.1:8000/questions/q2/" in body
    assert "Crèche intercommunale" in message.alternatives[0][0]
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    delivery = EmailDelivery.objects.get()
    assert delivery.kind == DeliveryKind.DAILY
    assert set(Notification.objects.values_list("digest_delivery", flat=True)) == {delivery.pk}


def test_running_the_digest_twice_sends_nothing_twice(member, committed, mailoutbox):
    with committed():
        _event(member, key="q1")
    with committed():
        call_command("send_digests", "--daily")
    with committed():
        call_command("send_digests", "--daily")
    assert len(mailoutbox) == 1
    # Even a notification arriving in between waits for the next period's digest.
    with committed():
        _event(member, key="q2")
    with committed():
        run = send_digests(frequency=Frequency.DAILY)
    assert run.queued == [] and run.already_done == 1
    assert len(mailoutbox) == 1
    with committed():
        send_digests(frequency=Frequency.DAILY, now=timezone.now() + timedelta(days=1))
    assert len(mailoutbox) == 2
    assert "q2" in mailoutbox[1].body and "/questions/q1/" not in mailoutbox[1].body


def test_the_digest_respects_each_members_frequency(make_user, committed, mailoutbox):
    daily, weekly, never, immediate = make_user(), make_user(), make_user(), make_user()
    preferences_set(user=weekly, frequencies={Kind.QUESTION_IN_TOPIC: Frequency.WEEKLY})
    preferences_set(user=never, frequencies={Kind.QUESTION_IN_TOPIC: Frequency.NEVER})
    preferences_set(user=immediate, frequencies={Kind.QUESTION_IN_TOPIC: Frequency.IMMEDIATELY})
    with committed():
        for user in (daily, weekly, never, immediate):
            _event(user, key="q1")
    assert [m.to for m in mailoutbox] == [[immediate.email]]
    mailoutbox.clear()
    with committed():
        send_digests(frequency=Frequency.DAILY)
    assert [m.to for m in mailoutbox] == [[daily.email]]
    mailoutbox.clear()
    with committed():
        send_digests(frequency=Frequency.WEEKLY)
    assert [m.to for m in mailoutbox] == [[weekly.email]]
    assert mailoutbox[0].subject == "[Entraide] Votre résumé de la semaine"


def test_read_notifications_and_inactive_members_are_left_out(make_user, committed, mailoutbox):
    reader, leaver = make_user(), make_user()
    with committed():
        _event(reader, key="q1")
        _event(leaver, key="q1")
    Notification.objects.filter(recipient=reader).update(read_at=timezone.now())
    leaver.is_active = False
    leaver.save(update_fields=["is_active"])
    with committed():
        run = send_digests(frequency=Frequency.DAILY)
    assert run.queued == []
    assert mailoutbox == []


def test_the_weekly_digest_shows_unanswered_questions_in_my_expertise(
    make_topic, make_expert, make_user, ask, committed, mailoutbox
):
    topic, other = make_topic(name="Commande publique"), make_topic(name="Culture")
    expert = make_expert(topic)
    asker = make_user()
    ask(asker, topics=[topic], title="Faut-il publier un avis pour 30 000 € ?")
    ask(asker, topics=[other], title="Subventions pour un festival de village")
    mailoutbox.clear()
    with committed():
        send_digests(frequency=Frequency.WEEKLY)
    messages = [m for m in mailoutbox if m.to == [expert.email]]
    assert len(messages) == 1
    body = messages[0].body
    assert "Sans réponse dans vos domaines d'expertise" in body
    assert "Faut-il publier un avis pour 30 000 € ?" in body
    assert "Subventions pour un festival" not in body


def test_an_answered_question_leaves_the_experts_list(
    make_topic, make_expert, make_user, ask, answer, committed, mailoutbox
):
    topic = make_topic()
    expert = make_expert(topic)
    question = ask(make_user(), topics=[topic])
    answer(make_user(), question)
    mailoutbox.clear()
    with committed():
        send_digests(frequency=Frequency.WEEKLY)
    assert all(m.to != [expert.email] for m in mailoutbox)


def test_an_expert_who_said_never_to_expert_questions_gets_no_unanswered_list(
    make_topic, make_expert, make_user, ask, committed, mailoutbox
):
    topic = make_topic()
    expert = make_expert(topic)
    preferences_set(user=expert, frequencies={Kind.QUESTION_ROUTED: Frequency.NEVER})
    ask(make_user(), topics=[topic])
    mailoutbox.clear()
    with committed():
        send_digests(frequency=Frequency.WEEKLY)
    assert all(m.to != [expert.email] for m in mailoutbox)


def test_the_command_requires_a_frequency():
    with pytest.raises(CommandError):
        call_command("send_digests")


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_digest_run_without_smtp_server_reports_and_keeps_everything(member, settings, capsys):
    """Autocommit, as in production: the command sees its e-mails' first attempt."""
    import socket

    _event(member, key="q1")
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
    call_command("send_digests", "--daily")
    captured = capsys.readouterr()
    assert "1 préparés, 0 envoyés" in captured.out
    assert "en échec" in captured.err
    delivery = EmailDelivery.objects.get()
    assert delivery.status == "pending" and delivery.attempts == 1
    # Re-running the digest does not create a second e-mail for the period.
    call_command("send_digests", "--daily")
    assert EmailDelivery.objects.count() == 1
