"""Security finding 14: erasure and retention of personal data.

Erasing an account leaves no trace that names the person (bylines, other members'
notifications, stored e-mails); import files are not kept once applied; accounts without a
password can erase themselves; the export holds everything about the member; the moderators'
CSV respects the objection to being listed.
"""

import json
import re
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from directory import services as directory_services
from directory.models import DirectoryImport, Person, User
from qa import services as qa_services
from qa.agenda import services as agenda_services
from qa.models import FlagReason
from tests.factories import TEST_PASSWORD
from website.notifications.kinds import Frequency, Kind
from website.notifications.models import DeliveryStatus, EmailDelivery, Notification
from website.notifications.services import preferences_set

pytestmark = pytest.mark.django_db

ERASE = "/annuaire/moi/effacer/"


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    return lambda: django_capture_on_commit_callbacks(execute=True)


@pytest.fixture
def secretary(make_user, make_person, make_structure, make_position):
    """Odile Castagnet, secretary of the Barrême town hall: a person one can identify."""
    user = make_user(first_name="Odile", last_name="Castagnet")
    person = make_person(user=user, first_name="Odile", last_name="Castagnet")
    make_position(
        person=person,
        structure=make_structure(name="Barrême"),
        function="Secrétaire de mairie",
    )
    return user


def _ask(committed, author, topic, title="Astreinte hivernale : qui paie les heures ?"):
    with committed():
        return qa_services.question_create(
            author=author, title=title, body="Nous cherchons un exemple.", topics=[topic]
        )


def test_erasing_clears_the_function_and_structure_from_my_questions(
    client, secretary, member, make_topic, committed
):
    question = _ask(committed, secretary, make_topic())
    client.force_login(member)
    before = client.get(question.get_absolute_url()).content.decode()
    assert "Secrétaire de mairie — " in before and "Barrême" in before

    client.force_login(secretary)
    assert client.post(ERASE, {"password": TEST_PASSWORD}).status_code == 302

    client.force_login(member)
    thread = client.get(question.get_absolute_url()).content.decode()
    assert "Ancien membre" in thread
    assert "Secrétaire de mairie" not in thread and "Barrême" not in thread
    listing = client.get("/questions/").content.decode()
    assert question.title in listing and "Secrétaire de mairie" not in listing
    question.refresh_from_db()
    assert question.author_function == "" and question.author_structure is None


def test_erasing_clears_my_name_from_other_members_notifications_and_emails(
    client, secretary, make_user, make_topic, committed, monkeypatch, mailoutbox
):
    topic = make_topic()
    asker, follower = make_user(), make_user()
    question = _ask(committed, asker, topic)
    qa_services.question_follow(user=follower, question=question)
    preferences_set(user=follower, frequencies={Kind.ANSWER: Frequency.IMMEDIATELY})
    # The asker's e-mail is sent at once; the follower's waits for the worker.
    sent_to = []

    def worker(delivery_id):
        if EmailDelivery.objects.get(pk=delivery_id).recipient_id == asker.pk:
            from website.notifications.emails import deliver

            sent_to.append(deliver(delivery_id).status)

    monkeypatch.setattr("website.notifications.tasks.enqueue_email", worker)
    with committed():
        qa_services.answer_create(question=question, author=secretary, body="Voici.")
    assert sent_to == [DeliveryStatus.SENT]
    stored = repr(list(EmailDelivery.objects.values_list("body_text", "body_html")))
    assert stored.count("Odile Castagnet") >= 4  # two e-mails, text and HTML
    assert Notification.objects.filter(actor_name="Odile Castagnet").count() == 2

    client.force_login(secretary)
    assert client.post(ERASE, {"password": TEST_PASSWORD}).status_code == 302

    for row in Notification.objects.values("actor_name", "title", "excerpt"):
        assert "Odile" not in repr(row) and "Castagnet" not in repr(row)
    for row in EmailDelivery.objects.values("subject", "body_text", "body_html"):
        assert "Odile" not in repr(row) and "Castagnet" not in repr(row)
    client.force_login(asker)
    assert "Un membre a répondu" in client.get("/notifications/").content.decode()
    # The follower's pending e-mail still goes, without the name.
    pending = EmailDelivery.objects.get(recipient=follower)
    assert pending.status == DeliveryStatus.PENDING
    monkeypatch.undo()
    from website.notifications.emails import deliver

    assert deliver(pending.pk).status == DeliveryStatus.SENT
    message = mailoutbox[-1]
    assert message.to == [follower.email]
    assert "Un membre a répondu" in message.body and "Castagnet" not in message.body


def test_an_applied_import_keeps_its_report_but_not_the_file(
    client, moderator, territory, sample_bytes
):
    client.force_login(moderator)
    response = client.post(
        "/annuaire/import/", {"fichier": SimpleUploadedFile("liste.tsv", sample_bytes)}
    )
    batch = DirectoryImport.objects.get()
    assert "hugo.lebreton@cnfpt.example.org" in batch.content
    done = client.post(response.url, {"valid_rows_only": "on"}).content.decode()
    assert "Import terminé" in done
    batch.refresh_from_db()
    assert batch.applied_at is not None and batch.summary
    assert batch.content == ""
    page = client.get(response.url).content.decode()
    assert batch.summary in page.replace("&#x27;", "'")
    assert "LEBRETON" not in page and "hugo.lebreton" not in page


def test_an_upload_never_applied_is_deleted_after_a_week(
    client, moderator, territory, sample_bytes
):
    client.force_login(moderator)
    client.post("/annuaire/import/", {"fichier": SimpleUploadedFile("vieux.tsv", sample_bytes)})
    old = DirectoryImport.objects.get()
    DirectoryImport.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=8))
    client.post("/annuaire/import/", {"fichier": SimpleUploadedFile("neuf.tsv", sample_bytes)})
    assert list(DirectoryImport.objects.values_list("filename", flat=True)) == ["neuf.tsv"]


def test_an_account_without_password_erases_itself_after_an_emailed_code(
    client, secretary, mailoutbox
):
    """A ProConnect-only account: allauth's re-authentication sends a code instead."""
    secretary.set_unusable_password()
    secretary.save()
    client.force_login(secretary)
    page = client.get(ERASE).content.decode()
    assert 'type="password"' not in page and "code" in page
    response = client.post(ERASE, {"confirm": "on"})
    assert response.url.startswith("/comptes/reauthenticate/code/")
    assert User.objects.filter(pk=secretary.pk).exists()
    cache.clear()
    response = client.post(response.url, {"recipient": secretary.email})
    code = re.search(r"^\s*([A-Z0-9]{4}-[A-Z0-9]{4})\s*$", mailoutbox[-1].body, re.MULTILINE)
    response = client.post(response.url, {"code": code.group(1)})
    assert response.status_code == 302 and response.url == "/annuaire/compte-efface/"
    assert not User.objects.filter(pk=secretary.pk).exists()
    assert not Person.objects.filter(last_name="Castagnet").exists()


def test_my_data_export_holds_follows_notifications_preferences_flags_revisions_proposals(
    client, member, make_user, make_topic, make_person, make_structure, committed
):
    topic = make_topic(name="Voirie")
    other = make_user()
    mine = _ask(committed, member, topic, title="Déneigement des voies communales")
    theirs = _ask(committed, other, topic, title="Éclairage public la nuit")
    qa_services.topic_follow(user=member, topic=topic)
    qa_services.question_follow(user=member, question=theirs)
    directory_services.follow(user=member, entry=make_person(last_name="Suivie"))
    directory_services.follow(user=member, entry=make_structure(name="SIVU"))
    qa_services.thread_visit_record(user=member, question=theirs, when=timezone.now())
    qa_services.post_edit(post=mine, by=member, title=mine.title, body="Texte revu.")
    qa_services.flag_create(
        post=theirs, reporter=member, reason=FlagReason.OTHER, text="Hors sujet ici"
    )
    preferences_set(user=member, frequencies={Kind.ANSWER: Frequency.WEEKLY})
    with committed():
        qa_services.answer_create(question=mine, author=other, body="Nous salons.")
    proposal = agenda_services.proposal_create(
        author=member, title="Mutualiser le sel", rationale="Prix en hausse.", topics=[topic]
    )
    supported = agenda_services.proposal_create(
        author=other, title="Balayeuse commune", rationale="Une seule suffit.", topics=[topic]
    )
    agenda_services.proposal_support(proposal=supported, user=member)

    client.force_login(member)
    data = json.loads(client.get("/annuaire/moi/donnees/").content)

    assert data["sujets_suivis"] == ["Voirie"]
    assert "Éclairage public la nuit" in [q["titre"] for q in data["questions_suivies"]]
    assert [p["nom"] for p in data["personnes_suivies"]][0].endswith("Suivie")
    assert [s["nom"] for s in data["structures_suivies"]] == ["SIVU"]
    assert [v["titre"] for v in data["dernieres_visites_des_fils"]] == [theirs.title]
    [notification] = data["notifications"]
    assert notification["titre"] == "Déneigement des voies communales"
    assert notification["extrait"] == "Nous salons."
    assert data["preferences_e_mail"][Kind.ANSWER] == Frequency.WEEKLY
    [flag] = data["signalements"]
    assert flag["precisions"] == "Hors sujet ici" and flag["motif"] == FlagReason.OTHER
    assert "Texte revu." in [revision["texte"] for revision in data["versions"]]
    assert [p["titre"] for p in data["propositions"]] == [proposal.title]
    assert sorted(s["proposition"] for s in data["soutiens"]) == [
        "Balayeuse commune",
        "Mutualiser le sel",
    ]
    assert "Éclairage public la nuit" not in [q["titre"] for q in data["questions"]]


def test_the_moderators_csv_leaves_out_people_who_opted_out(
    client, moderator, make_person, make_position, make_structure
):
    castellane = make_structure(name="Castellane")
    make_position(person=make_person(first_name="Lise", last_name="Visible"), structure=castellane)
    hidden = make_person(first_name="Marc", last_name="Opposant", is_listed=False)
    make_position(person=hidden, structure=castellane)
    client.force_login(moderator)
    assert "Opposant" in client.get("/annuaire/").content.decode()  # moderators see them
    text = client.get("/annuaire/export.csv").content.decode("utf-8-sig")
    assert "Visible;Castellane" in text
    assert "Opposant" not in text
