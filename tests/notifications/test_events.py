"""Each event of the lower layers → the right recipients, never the actor themself."""

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from directory.models import StructureKind
from directory.services import account_approve
from qa import services as qa_services
from qa.agenda import services as agenda_services
from qa.attachments import check_upload
from qa.models import ModerationKind
from tests.qa.attachment_files import pdf
from website.notifications.kinds import Kind
from website.notifications.models import Notification

pytestmark = pytest.mark.django_db


def recipients(kind=None):
    qs = Notification.objects.all()
    if kind:
        qs = qs.filter(kind=kind)
    return set(qs.values_list("recipient_id", flat=True))


def test_account_approval_notifies_the_new_member(pending_user, moderator, committed, mailoutbox):
    with committed():
        account_approve(user=pending_user, approved_by=moderator)
    notification = Notification.objects.get()
    assert notification.recipient == pending_user
    assert notification.kind == Kind.ACCOUNT_APPROVED
    assert notification.actor == moderator
    assert [m.to for m in mailoutbox] == [[pending_user.email]]


def test_a_question_notifies_the_followers_of_its_topics_but_not_the_asker(
    make_user, make_topic, follow_topic, ask
):
    topic, other_topic = make_topic(), make_topic()
    asker, follower, elsewhere = make_user(), make_user(), make_user()
    follow_topic(asker, topic)
    follow_topic(follower, topic)
    follow_topic(elsewhere, other_topic)
    question = ask(asker, topics=[topic])
    assert recipients(Kind.QUESTION_IN_TOPIC) == {follower.pk}
    notification = Notification.objects.get(recipient=follower)
    assert notification.url == question.get_absolute_url()
    assert notification.topic == topic
    assert notification.target == question


def test_a_question_addressed_to_a_person_or_a_structure_notifies_them(
    make_user, make_person, make_structure, make_position, ask
):
    asker, addressee, colleague = make_user(), make_user(), make_user()
    person = make_person(user=addressee)
    structure = make_structure(name="Commune de Thorame-Basse")
    make_position(person=make_person(user=colleague), structure=structure)
    ask(asker, addressed_to_person=person)
    ask(asker, addressed_to_structure=structure, title="Qui instruit les permis chez vous ?")
    assert recipients(Kind.QUESTION_ADDRESSED) == {addressee.pk, colleague.pk}


def test_a_question_is_routed_to_experts_of_the_askers_cc_first_and_capped(
    settings, make_user, make_person, make_topic, make_structure, make_position, make_expert, ask
):
    settings.NOTIFICATIONS_MAX_EXPERTS_PER_QUESTION = 2
    topic = make_topic()
    pays = make_structure(name="Pays A3V", kind=StructureKind.PAYS)
    cc = make_structure(name="CC Moyen Verdon", kind=StructureKind.CC, parent=pays)
    commune = make_structure(name="Castellane", parent=cc)
    far_cc = make_structure(name="CC du Teillon", kind=StructureKind.CC, parent=pays)
    asker = make_user()
    make_position(person=make_person(user=asker), structure=commune)
    near = make_expert(topic, structure=cc, last_name="Zeta")
    far = [make_expert(topic, structure=far_cc, last_name=name) for name in ("Alpha", "Beta")]
    ask(asker, topics=[topic])
    routed = recipients(Kind.QUESTION_ROUTED)
    assert len(routed) == 2
    assert near.pk in routed  # the CC's expert first, even though last in alphabetical order
    assert routed - {near.pk} <= {user.pk for user in far}


def test_no_expert_routing_when_the_maximum_is_zero(
    settings, make_topic, make_expert, make_user, ask
):
    settings.NOTIFICATIONS_MAX_EXPERTS_PER_QUESTION = 0
    topic = make_topic()
    make_expert(topic)
    ask(make_user(), topics=[topic])
    assert recipients() == set()


def test_an_expert_asking_in_their_own_topic_is_not_notified(make_topic, make_expert, ask):
    topic = make_topic()
    expert = make_expert(topic)
    ask(expert, topics=[topic])
    assert recipients() == set()


def test_an_answer_notifies_the_asker_and_followers_but_not_the_answerer(
    make_user, ask, answer, committed
):
    asker, follower, answerer = make_user(), make_user(), make_user()
    question = ask(asker)
    qa_services.question_follow(user=follower, question=question)
    reply = answer(answerer, question)
    assert recipients(Kind.ANSWER) == {asker.pk, follower.pk}
    notification = Notification.objects.get(recipient=asker)
    assert notification.url.endswith(f"#reponse-{reply.pk}")
    # The answerer now follows the thread: the next answer reaches them too.
    second = answer(follower, question)
    assert set(
        Notification.objects.filter(event_key=f"answer:{second.pk}").values_list(
            "recipient_id", flat=True
        )
    ) == {asker.pk, answerer.pk}


def test_a_comment_notifies_the_post_author_and_thread_followers(make_user, ask, answer, committed):
    asker, answerer, commenter = make_user(), make_user(), make_user()
    question = ask(asker)
    reply = answer(answerer, question)
    Notification.objects.all().delete()
    with committed():
        comment = qa_services.comment_create(post=reply, author=commenter, body="Merci !")
    assert recipients(Kind.COMMENT) == {answerer.pk, asker.pk}
    assert Notification.objects.filter(url__endswith=f"#commentaire-{comment.pk}").count() == 2


def test_accepting_an_answer_notifies_its_author_only(make_user, ask, answer, committed):
    asker, answerer = make_user(), make_user()
    question = ask(asker)
    reply = answer(answerer, question)
    Notification.objects.all().delete()
    with committed():
        qa_services.answer_accept(answer=reply, by=asker)
    assert recipients() == {answerer.pk}
    assert Notification.objects.get().kind == Kind.ANSWER_ACCEPTED


def test_validating_an_answer_notifies_its_author_with_the_experts_name(
    make_user, make_topic, make_expert, ask, answer, committed
):
    topic = make_topic()
    expert = make_expert(topic, first_name="Dominique", last_name="Exemple")
    asker, answerer = make_user(), make_user()
    reply = answer(answerer, ask(asker, topics=[topic]))
    Notification.objects.all().delete()
    with committed():
        qa_services.answer_validate(answer=reply, by=expert)
    notification = Notification.objects.get()
    assert notification.recipient == answerer
    assert notification.kind == Kind.ANSWER_VALIDATED
    assert "Dominique Exemple" in notification.headline


def test_a_moderation_action_notifies_the_author_of_the_post(
    make_user, moderator, ask, answer, committed
):
    asker, answerer = make_user(), make_user()
    reply = answer(answerer, ask(asker))
    Notification.objects.all().delete()
    with committed():
        qa_services.post_delete(post=reply, by=moderator, reason="Hors sujet")
    notification = Notification.objects.get()
    assert notification.recipient == answerer
    assert notification.kind == Kind.MODERATION
    assert "Hors sujet" in notification.excerpt
    assert str(ModerationKind.DELETE.label) in notification.excerpt


def test_removing_an_attachment_notifies_the_author_with_the_name_and_reason(
    make_user, moderator, ask, committed
):
    asker = make_user()
    question = qa_services.question_create(
        author=asker,
        title="Modèle de convention ?",
        body="Le brouillon est joint.",
        topics=ask(make_user()).topics.all(),
        attachments=[check_upload(SimpleUploadedFile("convention.pdf", pdf()))],
    )
    Notification.objects.all().delete()
    with committed():
        qa_services.attachment_remove(
            attachment=question.attachments.get(), by=moderator, reason="Données personnelles"
        )
    notification = Notification.objects.get()
    assert (notification.recipient, notification.kind) == (asker, Kind.MODERATION)
    assert (
        notification.excerpt == "Pièce jointe retirée — « convention.pdf » : Données personnelles"
    )


def test_a_moderator_acting_on_their_own_post_is_not_notified(moderator, ask, committed):
    question = ask(moderator)
    Notification.objects.all().delete()
    with committed():
        qa_services.question_lock(question=question, by=moderator, reason="Fin du débat")
    assert recipients() == set()


def test_scheduling_a_proposal_notifies_its_author_and_supporters_not_the_moderator(
    make_user, moderator, make_topic, committed
):
    author, supporter = make_user(), make_user()
    with committed():
        proposal = agenda_services.proposal_create(
            author=author,
            title="Mutualiser un agent de prévention",
            rationale="Les petites communes n'ont pas d'assistant de prévention.",
            topics=[make_topic()],
        )
        agenda_services.proposal_support(proposal=proposal, user=supporter)
        agenda_services.proposal_support(proposal=proposal, user=moderator)
        meeting = agenda_services.meeting_create(
            created_by=moderator,
            title="Conseil communautaire de printemps",
            starts_at=timezone.now() + timedelta(days=10),
            place="Salle du conseil, Saint-André-les-Alpes",
        )
    with committed():
        agenda_services.proposal_schedule(proposal=proposal, meeting=meeting, by=moderator)
    assert recipients(Kind.PROPOSAL_SCHEDULED) == {author.pk, supporter.pk}
    assert "Conseil communautaire de printemps" in Notification.objects.first().excerpt


def test_an_erased_answerer_gets_nothing_and_nothing_breaks(make_user, ask, answer, committed):
    from directory.services import account_erase

    asker, answerer = make_user(), make_user()
    question = ask(asker)
    answer(answerer, question)
    with committed():
        account_erase(user=answerer)
    Notification.objects.all().delete()
    answer(asker, question, body="Une précision.")
    assert recipients() == set()


# --- Regulatory watch ----------------------------------------------------------------------


def test_a_thread_marked_for_recheck_notifies_its_answerers_and_asker(
    make_user, make_topic, ask, answer, make_update, committed
):
    asker, answerer = make_user(), make_user()
    topic = make_topic()
    question = ask(asker, topics=[topic])
    answer(answerer, question)
    Notification.objects.all().delete()
    with committed():
        make_update(topics=[topic], questions=[question], title="Loi sur les ordures ménagères")
    rechecks = Notification.objects.filter(kind=Kind.RECHECK)
    assert set(rechecks.values_list("recipient_id", flat=True)) == {asker.pk, answerer.pk}
    assert "Loi sur les ordures ménagères" in rechecks.first().excerpt
    assert rechecks.first().url == question.get_absolute_url()


def test_a_regulatory_update_notifies_followers_and_interested_members_once(
    make_user, make_person, make_topic, follow_topic, make_update, editor, committed
):
    from directory.models import InterestKind, TopicInterest

    topic, other = make_topic(), make_topic()
    follower, interested, elsewhere = make_user(), make_user(), make_user()
    follow_topic(follower, topic)
    TopicInterest.objects.create(
        person=make_person(user=interested), topic=topic, kind=InterestKind.INTEREST
    )
    follow_topic(elsewhere, other)
    with committed():
        update = make_update(topics=[topic], title="Décret sur le document unique")
    assert recipients(Kind.REGULATORY_UPDATE) == {follower.pk, interested.pk}
    notification = Notification.objects.filter(kind=Kind.REGULATORY_UPDATE).first()
    assert notification.title == "Décret sur le document unique"
    assert notification.url == update.get_url()
    # Republishing after a typo fix tells nobody again.
    with committed():
        update.save_revision(user=editor).publish()
    assert Notification.objects.filter(kind=Kind.REGULATORY_UPDATE).count() == 2
