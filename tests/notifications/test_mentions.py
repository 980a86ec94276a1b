"""@mentions notify the people mentioned (website/notifications/events.py): once per post,
ten at most, never someone hidden, and by their own preference."""

import pytest

from qa import services as qa_services
from qa.models import Answer, Comment
from website.notifications import intake
from website.notifications.kinds import Frequency, Kind
from website.notifications.models import InboundStatus, Notification
from website.notifications.services import preferences_set

from .test_reply_by_email import _reply_domain, address_for, make_mail  # noqa: F401

pytestmark = pytest.mark.django_db


def mention(person):
    return f"@[{person.full_name}](personne:{person.pk})"


@pytest.fixture
def mentionable(make_user, make_person):
    """`mentionable(**person_fields)`: an approved member with a listed directory entry."""

    def _make(**fields):
        return make_person(user=make_user(), **fields)

    return _make


def mentioned(kind=Kind.MENTION):
    return set(Notification.objects.filter(kind=kind).values_list("recipient_id", flat=True))


def test_an_answer_notifies_the_person_it_mentions(make_user, ask, answer, mentionable, mailoutbox):
    question = ask(make_user())
    person = mentionable(first_name="Marie", last_name="Dupont")
    mailoutbox.clear()
    author = make_user(first_name="Jean", last_name="Martin")
    posted = answer(author, question, body=f"Demandez à {mention(person)}, elle sait.")
    notification = Notification.objects.get(recipient=person.user)
    assert notification.kind == Kind.MENTION
    assert notification.actor == author
    assert notification.url == posted.get_absolute_url()
    assert notification.target == posted
    assert notification.excerpt == "Demandez à @Marie Dupont, elle sait."
    # Immediately by default: an e-mail goes out at once.
    assert [message.to for message in mailoutbox if message.to == [person.user.email]]


def test_a_question_and_a_comment_notify_the_people_they_mention(
    make_user, make_topic, committed, mentionable
):
    in_question, in_comment = mentionable(), mentionable()
    with committed():
        question = qa_services.question_create(
            author=make_user(),
            title="Qui a déjà mutualisé le déneigement ?",
            body=f"Avis de {mention(in_question)} bienvenu, merci.",
            topics=[make_topic()],
        )
    with committed():
        qa_services.comment_create(
            post=question, author=make_user(), body=f"Et {mention(in_comment)} ?"
        )
    assert mentioned() == {in_question.user_id, in_comment.user_id}


def test_a_hidden_or_erased_person_is_not_notified(make_user, ask, answer, mentionable):
    hidden = mentionable(is_listed=False)
    erased = mentionable()
    erased_user, erased_id = erased.user, erased.pk
    erased.delete()
    question = ask(make_user())
    answer(
        make_user(),
        question,
        body=f"{mention(hidden)} et @[Éva](personne:{erased_id}) ?",
    )
    assert not Notification.objects.filter(recipient__in=[hidden.user, erased_user]).exists()


def test_people_without_an_account_or_the_author_themself_are_not_notified(
    make_user, make_person, ask, answer, mentionable
):
    author = mentionable()
    question = ask(make_user())
    answer(author.user, question, body=f"Moi, {mention(author)}, et {mention(make_person())}.")
    assert mentioned() == set()


def test_the_mention_preference_decides_the_email(make_user, ask, answer, mentionable, mailoutbox):
    person = mentionable()
    preferences_set(user=person.user, frequencies={Kind.MENTION: Frequency.NEVER})
    question = ask(make_user())
    mailoutbox.clear()
    answer(make_user(), question, body=f"Voir {mention(person)} pour cela.")
    assert mentioned() == {person.user_id}  # still in the notification centre
    assert not [message for message in mailoutbox if message.to == [person.user.email]]


def test_fifty_mentions_notify_the_first_ten(make_user, ask, answer, mentionable):
    people = [mentionable() for _ in range(50)]
    question = ask(make_user())
    answer(make_user(), question, body=" ".join(mention(person) for person in people))
    assert mentioned() == {person.user_id for person in people[:10]}


def test_a_follower_who_is_mentioned_gets_one_notification(make_user, ask, answer, mentionable):
    person = mentionable()
    question = ask(person.user)  # the asker follows the thread
    answer(make_user(), question, body=f"{mention(person)} : voici la réponse.")
    assert list(
        Notification.objects.filter(recipient=person.user).values_list("kind", flat=True)
    ) == [Kind.MENTION]


def test_editing_notifies_only_the_people_newly_mentioned(
    make_user, ask, answer, committed, mentionable, mailoutbox
):
    first, second = mentionable(), mentionable()
    question = ask(make_user())
    author = make_user()
    posted = answer(author, question, body=f"Voir {mention(first)}.")
    mailoutbox.clear()
    with committed():
        qa_services.post_edit(
            post=posted, by=author, body=f"Voir {mention(first)} et {mention(second)}."
        )
    with committed():
        qa_services.post_edit(
            post=posted, by=author, body=f"Voir {mention(second)} et {mention(first)} !"
        )
    assert Notification.objects.filter(recipient=first.user).count() == 1
    assert Notification.objects.filter(recipient=second.user).count() == 1
    assert [message.to for message in mailoutbox] == [[second.user.email]]


def test_an_edit_does_not_tell_the_asker_again_by_mentioning_them(
    make_user, ask, answer, committed, mentionable
):
    asker = mentionable()
    question = ask(asker.user)
    author = make_user()
    posted = answer(author, question, body="Une première réponse.")
    with committed():
        qa_services.post_edit(post=posted, by=author, body=f"Une réponse pour {mention(asker)}.")
    assert list(
        Notification.objects.filter(recipient=asker.user).values_list("kind", flat=True)
    ) == [Kind.ANSWER]


def test_edits_never_notify_more_than_ten_people_per_post(
    make_user, ask, answer, committed, mentionable
):
    question = ask(make_user())
    author = make_user()
    first_ten = [mentionable() for _ in range(10)]
    posted = answer(author, question, body=" ".join(mention(p) for p in first_ten))
    others = [mentionable() for _ in range(3)]
    with committed():
        qa_services.post_edit(post=posted, by=author, body=" ".join(mention(p) for p in others))
    assert mentioned() == {person.user_id for person in first_ten}


def test_editing_a_comment_notifies_the_person_newly_mentioned(
    make_user, ask, committed, mentionable
):
    question = ask(make_user())
    author = make_user()
    with committed():
        comment = qa_services.comment_create(post=question, author=author, body="Bonne idée.")
    person = mentionable()
    with committed():
        qa_services.post_edit(post=comment, by=author, body=f"Bonne idée, {mention(person)}.")
    notification = Notification.objects.get(recipient=person.user)
    assert notification.kind == Kind.MENTION
    assert notification.target == Comment.objects.get()


def test_a_reply_by_email_notifies_the_person_it_mentions(make_user, ask, committed, mentionable):
    question = ask(make_user())
    member, person = make_user(), mentionable()
    raw = make_mail(
        to=address_for(member, question),
        sender=member.email,
        body=f"Bonjour,\n\nVoyez avec {mention(person)}, elle a fait la même démarche.",
    )
    with committed():
        mail, _created = intake.mail_receive(raw=raw, envelope_to="")
    mail.refresh_from_db()
    assert mail.status == InboundStatus.POSTED
    posted = Answer.objects.get(author=member)
    assert 'class="mention"' in posted.body_html
    notification = Notification.objects.get(recipient=person.user)
    assert notification.kind == Kind.MENTION
    assert notification.target == posted
