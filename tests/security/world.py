"""One small site with an object behind every URL parameter, and a snapshot of every table.

`build_world()` makes, through the services where they exist, the objects the URL conf's
parameters point at: a thread with an accepted answer, an expert-validated answer, comments,
a second version, a flag, an open FAQ entry; a closed, a locked and a duplicate thread; a
deleted answer; agenda proposals and a meeting; people, a structure, an import, an expertise
request, a pending account; notifications, a private feed token, an unsubscribe link; the
CMS pages, a page awaiting re-check, a members-only document; allauth's e-mail links.

`paths_for(route_name, world)` gives the concrete paths of a URL name in this world (several
when the route takes a post type), or None when the route is not filled here.

`snapshot()` reads every row of every table (all columns), so that a test compares the whole
database before and after a request, not counts; `snapshot_after()` skips the reading when the
connection wrote no row since the last one (most GETs).

The world is built once per test module (the `shared_world` fixture, tests/security/conftest.py):
each test then runs in its own savepoint, rolled back at its end, so tests may change it.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from allauth.account.forms import default_token_generator
from allauth.account.models import EmailAddress, EmailConfirmationHMAC
from allauth.account.utils import user_pk_to_url_str
from django.apps import apps
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.utils import timezone
from wagtail.documents import get_document_model
from wagtail.models import Collection, CollectionViewRestriction, PageViewRestriction

from directory import services as directory_services
from directory.models import (
    InterestKind,
    Invitation,
    Person,
    Structure,
    TopicInterest,
    User,
    Visibility,
)
from qa import services as qa_services
from qa.agenda import services as agenda_services
from qa.agenda.models import Meeting, Proposal
from qa.attachments import check_upload
from qa.models import Answer, Comment, Flag, Question
from taxonomy.models import Topic
from tests import factories
from tests.qa import attachment_files
from website.http_cache import written_table
from website.notifications import services as notification_services
from website.notifications.models import EmailPause, InboundMail, InboundStatus, Notification
from website.notifications.tokens import ALL, unsubscribe_url
from website.pages.models import (
    AffectedQuestion,
    ContentPage,
    FaqIndexPage,
    HomePage,
    QuestionRecheck,
    RegulatoryIndexPage,
    RegulatoryKind,
    RegulatoryUpdatePage,
    ResourceIndexPage,
    ResourcePage,
)

ROLES = ("visitor", "pending", "member", "expert", "moderator", "editor")
PRIVATE_COLLECTION = "Documents réservés aux membres"


@dataclass
class World:
    users: dict[str, User | None]
    author: User  # the member, author of most posts
    other: User  # another member, author of the answers on the member's question
    topic: Topic
    question: Question  # open, accepted + validated answers, comments, 2 versions
    accepted: Answer
    validated: Answer
    comment: Comment  # on the question
    answer_comment: Comment  # on the accepted answer
    open_question: Question  # the other member's, with an answer by the member, not accepted
    open_answer: Answer  # the member's answer on `open_question`
    waiting: Question  # the member's, open and unanswered: a coordinator may route it again
    closed: Question
    locked: Question
    faq_question: Question  # the other member's, in the FAQ with its accepted answer
    duplicate: Question  # closed as a duplicate of `question`, with one answer to merge
    deleted_answer: Answer
    flag: Flag
    proposal: Proposal  # the member's, open, supported by the other member
    scheduled: Proposal  # on the meeting's agenda
    meeting: Meeting
    person: Person  # the member's entry, hidden contact details
    structure: Structure
    directory_import: object
    expertise_request: TopicInterest  # the other member's, unconfirmed
    notification: Notification  # the member's
    feed_token: str
    unsubscribe: str
    recheck: QuestionRecheck
    pages: list = field(default_factory=list)  # live CMS pages, one per type at least
    document: object = None
    attachments: list = field(default_factory=list)  # a PDF and a photo on `accepted`, a PDF
    # on `deleted_answer`
    confirm_email: str = ""
    reset_password: str = ""
    inbound_mail: object = None  # a reply by e-mail refused, in the moderators' list
    draft: object = None  # the member's draft of an answer on `open_question`
    ask_mail: object = None  # the member's question sent by e-mail, awaiting confirmation
    discussed: object = None  # an agenda proposal of the other member, discussed, no minutes
    imported_entry: Person | None = None  # an entry without account, imported twice (merged)
    invitation: object = None  # sent to an address without account, not accepted
    proposal_comment: object = None  # the member's comment on the scheduled proposal


def _index(home, model, slug, title):
    page = model.objects.first()
    if page is None:
        page = model(title=title, slug=slug)
        home.add_child(instance=page)
        page.save_revision().publish()
    return page


def _pages(topic, question) -> tuple[list, RegulatoryUpdatePage]:
    home = HomePage.objects.get()
    faq = _index(home, FaqIndexPage, "faq", "Foire aux questions")
    watch = _index(home, RegulatoryIndexPage, "veille", "Veille réglementaire")
    resources = _index(home, ResourceIndexPage, "ressources", "Centre de ressources")
    content = ContentPage(title="Mentions légales", slug="mentions-legales")
    home.add_child(instance=content)
    content.save_revision().publish()
    resource = ResourcePage(title="Modèle de convention", slug="modele-de-convention", topic=topic)
    resources.add_child(instance=resource)
    resource.save_revision().publish()
    update = RegulatoryUpdatePage(
        title="Seuils des marchés publics relevés",
        slug="seuils-releves",
        kind=RegulatoryKind.LAW,
        official_reference="Décret n° 2026-12 du 1er octobre 2026",
        publication_date=datetime.date(2026, 10, 1),
        summary="Les seuils de procédure adaptée changent au 1er janvier.",
    )
    update.topics = [topic]
    update.affected_questions = [AffectedQuestion(question=question)]
    watch.add_child(instance=update)
    update.save_revision().publish()
    update = RegulatoryUpdatePage.objects.get(pk=update.pk)
    protected = ContentPage(title="Espace protégé", slug="espace-protege")
    home.add_child(instance=protected)
    protected.save_revision().publish()
    PageViewRestriction.objects.create(
        page=protected, restriction_type=PageViewRestriction.PASSWORD, password="mot-de-passe"
    )
    return [home, faq, watch, resources, content, resource, update, protected], update


def build_world() -> World:
    make_user = factories.UserFactory
    topic = factories.TopicFactory(name="Commande publique", slug="commande-publique")
    factories.TopicFactory(name="Petite enfance", slug="petite-enfance")
    author = make_user(email="anne.auteure@example.org")
    other = make_user(email="basile.autre@example.org")
    expert = make_user(email="emma.experte@example.org", roles=["Experts"])
    moderator = make_user(email="marc.moderateur@example.org", roles=["Modérateurs"])
    editor = make_user(email="eve.editrice@example.org", roles=["Éditeurs"])
    pending = make_user(email="paul.attente@example.org", approved_at=None)
    superuser = make_user(email="sam.super@example.org", is_superuser=True, is_staff=True)

    structure = factories.StructureFactory(name="Commune d'Essai")
    person = factories.PersonFactory(
        user=author,
        email="anne.privee@example.org",
        email_visibility=Visibility.HIDDEN,
        phone="01 99 00 00 43",
        phone_visibility=Visibility.HIDDEN,
    )
    factories.PositionFactory(person=person, structure=structure)
    expert_person = factories.PersonFactory(user=expert)
    TopicInterest.objects.create(
        person=expert_person, topic=topic, kind=InterestKind.EXPERTISE, is_confirmed=True
    )
    other_person = factories.PersonFactory(user=other)
    imported_entry = factories.PersonFactory(first_name="Anne", last_name="Importée")
    invitation = Invitation.objects.create(
        email="invitee@example.org", invited_by=moderator, token="jeton-invitation-du-monde"
    )
    expertise_request = TopicInterest.objects.create(
        person=other_person, topic=topic, kind=InterestKind.EXPERTISE, is_confirmed=False
    )

    def ask(by, title):
        return qa_services.question_create(
            author=by, title=title, body="Nous cherchons la bonne procédure.", topics=[topic]
        )

    question = ask(author, "Comment monter un groupement de commandes ?")
    qa_services.post_edit(
        post=question, by=author, body="Nous cherchons la bonne procédure, à trois communes."
    )
    accepted = qa_services.answer_create(
        question=question,
        author=other,
        body="Une convention constitutive suffit.",
        attachments=[
            check_upload(SimpleUploadedFile("convention.pdf", attachment_files.pdf())),
            check_upload(SimpleUploadedFile("photo.jpg", attachment_files.jpeg_with_gps())),
        ],
    )
    qa_services.answer_accept(answer=accepted, by=author)
    validated = qa_services.answer_create(
        question=question, author=expert, body="Voyez les articles L2113-6 et suivants."
    )
    qa_services.answer_validate(answer=validated, by=expert)
    deleted_answer = qa_services.answer_create(
        question=question,
        author=other,
        body="Réponse retirée par la modération.",
        attachments=[check_upload(SimpleUploadedFile("retire.pdf", attachment_files.pdf()))],
    )
    qa_services.post_delete(post=deleted_answer, by=moderator, reason="Hors sujet")
    comment = qa_services.comment_create(post=question, author=other, body="Bonne question.")
    answer_comment = qa_services.comment_create(post=accepted, author=author, body="Merci !")
    flag = qa_services.flag_create(post=accepted, reporter=author, reason="off_topic", text="Hors")

    open_question = ask(other, "Quel seuil pour un marché de fournitures ?")
    open_answer = qa_services.answer_create(
        question=open_question, author=author, body="La procédure adaptée, sous 40 000 euros."
    )
    waiting = ask(author, "Qui fournit le sel de déneigement le moins cher ?")
    closed = ask(author, "Faut-il délibérer pour adhérer à une centrale d'achat ?")
    qa_services.question_close(question=closed, by=moderator, reason="off_topic")
    locked = ask(author, "Peut-on payer un fournisseur par carte ?")
    qa_services.question_lock(question=locked, by=moderator, reason="Débat clos")
    faq_question = ask(other, "Qui signe la convention de groupement ?")
    faq_answer = qa_services.answer_create(
        question=faq_question, author=author, body="Le maire de chaque commune membre."
    )
    qa_services.answer_accept(answer=faq_answer, by=other)
    qa_services.faq_promote(question=faq_question, answer=faq_answer, by=moderator)
    # The answer's author rewords it: the entry waits in « FAQ à revalider ».
    qa_services.post_edit(
        post=faq_answer, by=author, body="Le maire de chaque commune membre, après délibération."
    )
    duplicate = ask(other, "Comment créer un groupement de commandes ?")
    qa_services.answer_create(question=duplicate, author=author, body="Par une convention.")
    qa_services.question_mark_duplicate(question=duplicate, canonical=question, by=moderator)

    proposal = agenda_services.proposal_create(
        author=author,
        title="Mutualiser le déneigement",
        rationale="Plusieurs communes sont concernées.",
        topics=[topic],
    )
    scheduled = agenda_services.proposal_create(
        author=other,
        title="Un groupement pour le sel",
        rationale="Acheter ensemble coûte moins cher.",
        topics=[topic],
    )
    meeting = agenda_services.meeting_create(
        created_by=moderator,
        title="Conseil de décembre",
        place="Salle du conseil, mairie d'Essai",
        starts_at=timezone.now() + datetime.timedelta(days=20),
    )
    agenda_services.proposal_schedule(proposal=scheduled, meeting=meeting, by=moderator)
    agenda_services.proposal_support(proposal=proposal, user=other)
    proposal_comment = agenda_services.proposal_comment_create(
        proposal=scheduled, author=author, body="Notre commune est aussi concernée."
    )
    discussed = agenda_services.proposal_create(
        author=other,
        title="Un assistant de prévention partagé",
        rationale="Les petites communes n'en ont pas.",
        topics=[topic],
    )
    agenda_services.proposal_schedule(proposal=discussed, meeting=meeting, by=moderator)
    agenda_services.proposal_mark_discussed(proposal=discussed, by=moderator)

    batch = directory_services.directory_import_upload(
        filename="participants.csv",
        data="prénom;nom;structure\nLéonie;Arbousier;Angles\n".encode(),
        uploaded_by=moderator,
    )
    notification = Notification.objects.create(
        recipient=author,
        kind=Notification._meta.get_field("kind").choices[0][0],
        event_key="test:world",
        title="Bruno a répondu à votre question",
        url=question.get_absolute_url(),
    )
    feed_token = notification_services.feed_token_for(user=author).token

    pages, update = _pages(topic, question)
    recheck = QuestionRecheck.objects.filter(question=question, update=update).first()
    if recheck is None:  # the publication hook opens it; build it if it runs on commit only
        recheck = QuestionRecheck.objects.create(question=question, update=update)
    attachments = [*accepted.attachments.all(), *deleted_answer.attachments.all()]
    document = get_document_model().objects.create(
        title="Convention privée",
        collection=Collection.objects.get(name=PRIVATE_COLLECTION),
        file=ContentFile(b"contenu-prive-monde", name="convention-privee.txt"),
    )
    archive = Collection.get_first_root_node().add_child(name="Archives protégées")
    CollectionViewRestriction.objects.create(
        collection=archive,
        restriction_type=CollectionViewRestriction.PASSWORD,
        password="mot-de-passe",
    )
    address = EmailAddress.objects.create(
        user=other, email="bruno.nouvelle@example.org", verified=False
    )
    reset_key = f"{user_pk_to_url_str(other)}-{default_token_generator.make_token(other)}"

    # The author's e-mails are paused after bounces: « Reprendre l'envoi » has work to do.
    EmailPause.objects.create(user=author, address=author.email)
    return World(
        users={
            "visitor": None,
            "pending": pending,
            "member": author,
            "expert": expert,
            "moderator": moderator,
            "editor": editor,
            "superuser": superuser,
            "other": other,
        },
        author=author,
        other=other,
        topic=topic,
        question=question,
        accepted=accepted,
        validated=validated,
        comment=comment,
        answer_comment=answer_comment,
        open_question=open_question,
        open_answer=open_answer,
        waiting=waiting,
        closed=closed,
        locked=locked,
        faq_question=faq_question,
        duplicate=duplicate,
        deleted_answer=deleted_answer,
        flag=flag,
        proposal=proposal,
        scheduled=scheduled,
        meeting=meeting,
        person=person,
        imported_entry=imported_entry,
        invitation=invitation,
        proposal_comment=proposal_comment,
        structure=structure,
        directory_import=batch,
        expertise_request=expertise_request,
        notification=notification,
        feed_token=feed_token,
        unsubscribe=urlsplit(unsubscribe_url(user_id=author.pk, scope=ALL)).path,
        recheck=recheck,
        pages=pages,
        document=document,
        attachments=attachments,
        confirm_email=f"/comptes/confirm-email/{EmailConfirmationHMAC(address).key}/",
        reset_password=f"/comptes/password/reset/key/{reset_key}/",
        discussed=discussed,
        inbound_mail=InboundMail.objects.create(
            message_id="<world@example.fr>",
            raw=b"Subject: Re: x\r\n\r\nOui.\r\n",
            status=InboundStatus.REFUSED,
            reason="empty",
        ),
        draft=qa_services.draft_save(
            user=author, question=open_question, body="Brouillon de réponse."
        ),
        ask_mail=InboundMail.objects.create(
            message_id="<world-ask@example.fr>",
            raw=b"Subject: Aides pour le chauffage\r\n\r\nQuelles aides existent ?\r\n",
            status=InboundStatus.AWAITING,
            user=author,
            subject="Aides pour le chauffage de l'école",
            text="Quelles aides au chauffage des bâtiments publics existent ?",
        ),
    )


# --- Concrete paths of each parameterised URL name --------------------------------------------


def _posts(w: World):
    """(post type, post) pairs: one of each type, plus the deleted answer."""
    return [
        ("questions", w.question),
        ("reponses", w.accepted),
        ("reponses", w.deleted_answer),
        ("commentaires", w.comment),
    ]


def _thread_paths(suffix: str):
    return lambda w: [
        f"/questions/{q.pk}/{suffix}"
        for q in (w.question, w.open_question, w.closed, w.locked, w.faq_question, w.duplicate)
    ]


FILLED = {
    "account_confirm_email": lambda w: [w.confirm_email],
    "account_reset_password_from_key": lambda w: [w.reset_password],
    "wagtaildocs_serve": lambda w: [w.document.url],
    "protected_file": lambda w: [w.document.file.url],
    "directory:person_detail": lambda w: [f"/annuaire/personnes/{w.person.pk}/"],
    "directory:person_vcard": lambda w: [f"/annuaire/personnes/{w.person.pk}/vcard/"],
    "directory:structure_detail": lambda w: [w.structure.get_absolute_url()],
    "directory:person_follow": lambda w: [f"/annuaire/personnes/{w.person.pk}/suivre/"],
    "directory:structure_follow": lambda w: [f"{w.structure.get_absolute_url()}suivre/"],
    "directory:import_detail": lambda w: [f"/annuaire/import/{w.directory_import.pk}/"],
    "directory:invitation_resend": lambda w: [f"/annuaire/invitations/{w.invitation.pk}/renvoyer/"],
    "directory:invitation_open": lambda w: [f"/annuaire/invitation/{w.invitation.token}/"],
    "directory:entry_check": lambda w: [
        f"/annuaire/verifier-ma-fiche/{directory_services.entry_check_token(w.person)}/"
    ],
    "directory:person_edit": lambda w: [f"/annuaire/personnes/{w.person.pk}/modifier/"],
    "directory:person_merge": lambda w: [f"/annuaire/personnes/{w.imported_entry.pk}/fusionner/"],
    "directory:position_end": lambda w: [
        f"/annuaire/fonctions/{w.person.positions.first().pk}/terminer/"
    ],
    "directory:account_approve": lambda w: [
        f"/annuaire/comptes-en-attente/{w.users['pending'].pk}/approuver/"
    ],
    "directory:expertise_decide": lambda w: [
        f"/annuaire/expertises/{w.expertise_request.pk}/{decision}/"
        for decision in ("confirmer", "refuser")
    ],
    "qa:attachment": lambda w: [a.get_absolute_url() for a in w.attachments],
    "qa:attachment_thumbnail": lambda w: [a.get_thumbnail_url() for a in w.attachments],
    "qa:attachment_remove": lambda w: [f"/pieces-jointes/{a.pk}/retirer/" for a in w.attachments],
    "qa:flag_resolve": lambda w: [f"/moderation/signalements/{w.flag.pk}/traiter/"],
    "qa:answer_create": _thread_paths("repondre/"),
    "qa:same_problem": _thread_paths("meme-probleme/"),
    "qa:question_follow": _thread_paths("suivre/"),
    "qa:moderate": _thread_paths("moderer/"),
    "qa:question_close": _thread_paths("fermer/"),
    "qa:question_reopen": _thread_paths("rouvrir/"),
    "qa:question_duplicate": _thread_paths("doublon/"),
    "qa:question_lock": _thread_paths("verrouiller/"),
    "qa:question_unlock": _thread_paths("deverrouiller/"),
    "qa:question_merge": _thread_paths("fusionner/"),
    "qa:faq_promote": _thread_paths("faq/"),
    "qa:faq_withdraw": _thread_paths("faq/retirer/"),
    "qa:faq_review_approve": _thread_paths("faq/revalider/"),
    "qa:answer_accept": lambda w: [
        f"/reponses/{a.pk}/accepter/" for a in (w.accepted, w.open_answer)
    ],
    "qa:answer_validate": lambda w: [
        f"/reponses/{a.pk}/valider/" for a in (w.validated, w.open_answer)
    ],
    "qa:post_voter": lambda w: [
        f"/{kind}/{post.pk}/voter/" for kind, post in _posts(w) if kind != "commentaires"
    ],
    "qa:post_commenter": lambda w: [
        f"/{kind}/{post.pk}/commenter/" for kind, post in _posts(w) if kind != "commentaires"
    ],
    "qa:post_modifier": lambda w: [f"/{kind}/{post.pk}/modifier/" for kind, post in _posts(w)],
    "qa:post_versions": lambda w: [f"/{kind}/{post.pk}/versions/" for kind, post in _posts(w)],
    "qa:post_retablir": lambda w: [f"/questions/{w.question.pk}/versions/1/retablir/"],
    "qa:post_signaler": lambda w: [f"/{kind}/{post.pk}/signaler/" for kind, post in _posts(w)],
    "qa:post_supprimer": lambda w: [f"/{kind}/{post.pk}/supprimer/" for kind, post in _posts(w)],
    "qa:post_restaurer": lambda w: [f"/reponses/{w.deleted_answer.pk}/restaurer/"],
    "qa:answer_redirect": lambda w: [f"/reponses/{a.pk}/" for a in (w.accepted, w.deleted_answer)],
    "qa:comment_redirect": lambda w: [
        f"/commentaires/{c.pk}/" for c in (w.comment, w.answer_comment)
    ],
    "qa:question_detail_short": lambda w: [f"/questions/{w.question.pk}/"],
    "qa:question_detail": lambda w: [
        q.get_absolute_url() for q in (w.question, w.open_question, w.closed, w.locked, w.duplicate)
    ],
    "qa:topic_detail": lambda w: [f"/sujets/{w.topic.slug}/"],
    "qa:topic_follow": lambda w: [f"/sujets/{w.topic.slug}/suivre/"],
    "qa:draft_delete": lambda w: [f"/compte/brouillons/{w.draft.pk}/supprimer/"],
    "agenda:proposal_detail": lambda w: [p.get_absolute_url() for p in (w.proposal, w.scheduled)],
    "agenda:proposal_support": lambda w: [f"/ordre-du-jour/{w.scheduled.pk}/soutenir/"],
    "agenda:proposal_unsupport": lambda w: [f"/ordre-du-jour/{w.proposal.pk}/retirer-mon-soutien/"],
    "agenda:proposal_withdraw": lambda w: [f"/ordre-du-jour/{w.proposal.pk}/retirer/"],
    "agenda:proposal_schedule": lambda w: [f"/ordre-du-jour/{w.proposal.pk}/inscrire/"],
    "agenda:proposal_mark_discussed": lambda w: [f"/ordre-du-jour/{w.scheduled.pk}/debattue/"],
    "agenda:meeting_detail": lambda w: [w.meeting.get_absolute_url()],
    "agenda:meeting_update": lambda w: [f"/ordre-du-jour/reunions/{w.meeting.pk}/modifier/"],
    "agenda:meeting_cancel": lambda w: [f"/ordre-du-jour/reunions/{w.meeting.pk}/annuler/"],
    "agenda:meeting_calendar": lambda w: [w.meeting.get_calendar_url()],
    "agenda:proposal_update": lambda w: [f"/ordre-du-jour/{w.proposal.pk}/modifier/"],
    "agenda:proposal_comment": lambda w: [f"/ordre-du-jour/{w.proposal.pk}/commenter/"],
    "agenda:proposal_comment_update": lambda w: [
        f"/ordre-du-jour/commentaires/{w.proposal_comment.pk}/modifier/"
    ],
    "agenda:proposal_comment_delete": lambda w: [
        f"/ordre-du-jour/commentaires/{w.proposal_comment.pk}/supprimer/"
    ],
    "agenda:proposal_minutes_publish": lambda w: [f"/ordre-du-jour/{w.discussed.pk}/compte-rendu/"],
    "pages:meetings_feed": lambda w: ["/flux/reunions/", f"/flux/reunions/?jeton={w.feed_token}"],
    "pages:meetings_calendar": lambda w: [
        "/flux/reunions.ics",
        f"/flux/reunions.ics?jeton={w.feed_token}",
    ],
    "notifications:mark_read": lambda w: [f"/notifications/{w.notification.pk}/lue/"],
    "notifications:open": lambda w: [f"/notifications/{w.notification.pk}/ouvrir/"],
    "notifications:unsubscribe": lambda w: [w.unsubscribe],
    "notifications:feed": lambda w: [f"/flux/notifications/{w.feed_token}/"],
    "notifications:inbound_decide": lambda w: [f"/moderation/courriels/{w.inbound_mail.pk}/"],
    "notifications:ask_confirm": lambda w: [f"/compte/questions-par-courriel/{w.ask_mail.pk}/"],
    "pages:regulatory_topic_feed": lambda w: [f"/flux/veille/{w.topic.slug}/"],
    "pages:questions_feed": lambda w: [
        f"/flux/questions/{w.topic.slug}/",
        f"/flux/questions/{w.topic.slug}/?jeton={w.feed_token}",
    ],
    "pages:thread_feed": lambda w: [
        f"/flux/fils/{w.question.pk}/",
        f"/flux/fils/{w.question.pk}/?jeton={w.feed_token}",
    ],
    "pages:recheck_clear": lambda w: [f"/veille/a-reverifier/{w.recheck.pk}/revalider/"],
    "steering:question_escalate": lambda w: [f"/pilotage/questions/{w.waiting.pk}/relancer/"],
    "steering:export_csv": lambda w: [
        f"/pilotage/export/{table}.csv"
        for table in ("sujets", "territoires", "delais", "experts", "communes", "sans-reponse")
    ],
    "wagtail_serve": lambda w: [page.url for page in w.pages],
    "wagtailcore_authenticate_with_password": lambda w: [
        f"/_util/authenticate_with_password/{r.pk}/{r.page_id}/"
        for r in PageViewRestriction.objects.filter(restriction_type="password")
    ],
    "wagtaildocs_authenticate_with_password": lambda w: [
        f"/documents/authenticate_with_password/{r.pk}/"
        for r in CollectionViewRestriction.objects.filter(restriction_type="password")
    ],
}


def paths_for(route_name: str, world: World) -> list[str] | None:
    build = FILLED.get(route_name)
    return build(world) if build else None


# --- Every row of every table -----------------------------------------------------------------

# What a request may write that is not the site's data: the session (login state, flash
# messages, allauth's stash) is the visitor's own, kept server-side. Django's database cache
# table is not a model (and the tests use the local-memory cache), so it is never read here.
NOT_SITE_DATA = {"sessions.Session"}


def _tables() -> list[tuple[str, str, str]]:
    existing = set(connection.introspection.table_names())
    found = []
    for model in apps.get_models(include_auto_created=True):
        meta = model._meta
        if not meta.managed or meta.proxy or meta.label in NOT_SITE_DATA:
            continue
        if meta.db_table not in existing:
            continue  # a backend-specific table (SQLite's full-text index on PostgreSQL)
        found.append((meta.label, meta.db_table, meta.pk.column))
    return found


def snapshot() -> dict[str, list[dict]]:
    """Every row (all columns) of every table, by model label, ordered by primary key."""
    quote = connection.ops.quote_name
    rows = {}
    with connection.cursor() as cursor:
        for label, table, pk in _tables():
            # Names come from the models, quoted by the backend: no outside input.
            cursor.execute(f"SELECT * FROM {quote(table)} ORDER BY {quote(pk)}")  # noqa: S608
            columns = [column[0] for column in cursor.description]
            rows[label] = [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]
    return rows


def writes_so_far() -> int:
    """How many writes this connection has made so far: on SQLite the rows changed
    (`total_changes`); on PostgreSQL the statements that changed a row or may have (what
    `written_table`, website/http_cache.py, takes for a write, unless the driver counted no
    row), from the first call on (`_WriteStatements`). A GET that left it where it was wrote
    no row (a write later rolled back still moves it), so the tables are as the last snapshot
    read them and need not be read again (`snapshot_after`)."""
    connection.ensure_connection()
    if connection.vendor == "sqlite":
        return connection.connection.total_changes
    return _write_statements(connection).count


class _WriteStatements:
    """An execute wrapper counting the statements that wrote a row. PostgreSQL's own row
    counters of the transaction (`pg_stat_xact_all_tables`) cost 2.4 ms a read, one read per
    request of the access matrices: 10 s of the server's time per run."""

    def __init__(self):
        self.count = 0

    def __call__(self, execute, sql, params, many, context):
        result = execute(sql, params, many, context)
        # -1 (DDL, a count the driver does not know) counts as a write.
        if written_table(sql) is not None and context["cursor"].rowcount != 0:
            self.count += 1
        return result


def _write_statements(database) -> _WriteStatements:
    for wrapper in database.execute_wrappers:
        if isinstance(wrapper, _WriteStatements):
            return wrapper
    counter = _WriteStatements()
    # First in the list, outermost: `execute_wrapper()` blocks pop the last one on leaving.
    database.execute_wrappers.insert(0, counter)
    return counter


def snapshot_after(previous: dict, writes: int) -> tuple[dict, int]:
    """The snapshot after a request and the write count then: `previous` itself when no row
    was written since it was taken (`writes`, from `writes_so_far()` at that time), else every
    table read again. Between requests only: a rollback of rows written before `previous`
    was taken would not move the count."""
    now = writes_so_far()
    if now == writes:
        return previous, now
    return snapshot(), writes_so_far()


def differences(before: dict, after: dict, limit: int = 3) -> dict[str, str]:
    """Per table: what was added, removed or changed (a few rows each), for failure messages."""
    found = {}
    for label, rows in after.items():
        if rows == before.get(label, []):
            continue
        old, new = {repr(row) for row in before.get(label, [])}, {repr(row) for row in rows}
        added, removed = sorted(new - old), sorted(old - new)
        found[label] = f"added {added[:limit]}, removed {removed[:limit]}"
    return found
