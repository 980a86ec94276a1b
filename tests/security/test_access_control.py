"""Access control: who may make each state-changing request, and who is refused.

First the role × action matrix, generated from the URL conf (every route accepting a POST),
posted with the ids of the shared world (tests/security/world.py): each refusal must be
explicit and leave every row of every table as it was, and each action has a positive control.
Then member A's objects tried by id with the function-scoped world below: hidden contact
fields, another member's data export, the CSV export, the notification list, extra form fields
(`author`, `score`, `is_staff`, `accepted`, `approved_at`, `user`) ignored by the ask, answer,
edit and profile forms, and the members-only document.
"""

from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from directory.models import InterestKind, Person, TopicInterest, User, Visibility
from qa import permissions as qa_permissions
from qa import services as qa_services
from qa.agenda import services as agenda_services
from qa.models import Answer, Comment, Flag, Question, Vote
from tests.factories import TEST_PASSWORD
from tests.security.inventory import url_patterns
from tests.security.world import (
    differences,
    paths_for,
    snapshot,
    snapshot_after,
    writes_so_far,
)
from website.notifications.kinds import Frequency, Kind
from website.notifications.models import Notification


@dataclass
class World:
    a: User
    b: User
    users: dict
    topic: object
    question: Question
    b_question: Question
    answer: Answer
    comment: Comment
    flag: Flag
    proposal: object
    person: Person
    notification: Notification


@pytest.fixture
def world(make_user, make_topic, make_person):
    topic = make_topic(name="Commande publique", slug="commande-publique")
    elsewhere = make_topic(name="Petite enfance", slug="petite-enfance")
    a = make_user(email="alice.auteur@example.org")
    b = make_user(email="bruno.autre@example.org")
    expert = make_user(roles=["Experts"])
    expert_person = make_person(user=expert)
    TopicInterest.objects.create(
        person=expert_person,
        topic=elsewhere,
        kind=InterestKind.EXPERTISE,
        is_confirmed=True,
    )
    users = {
        "member_b": b,
        "visitor": None,
        "pending": make_user(approved_at=None),
        "expert_elsewhere": expert,
        "moderator": make_user(roles=["Modérateurs"]),
        "author_a": a,
    }
    question = qa_services.question_create(
        author=a,
        title="Comment monter un groupement de commandes ?",
        body="Nous voudrions acheter du sel de déneigement à plusieurs communes.",
        topics=[topic],
    )
    b_question = qa_services.question_create(
        author=b,
        title="Quel seuil pour un marché de fournitures ?",
        body="Nous hésitons entre procédure adaptée et appel d'offres.",
        topics=[topic],
    )
    answer = qa_services.answer_create(
        question=b_question, author=a, body="Voyez le code de la commande publique."
    )
    own_answer = qa_services.answer_create(
        question=question, author=b, body="Une convention constitutive suffit."
    )
    comment = qa_services.comment_create(post=question, author=a, body="Merci, très utile.")
    flag = qa_services.flag_create(post=b_question, reporter=a, reason="off_topic", text="Hors")
    proposal = agenda_services.proposal_create(
        author=a,
        title="Mutualiser le déneigement",
        rationale="Plusieurs communes sont concernées.",
        topics=[topic],
    )
    person = make_person(
        user=a,
        email="alice.secret@example.org",
        email_visibility=Visibility.HIDDEN,
        phone="01 99 00 00 42",
        phone_visibility=Visibility.HIDDEN,
        bio="Secrétaire de mairie.",
    )
    notification = Notification.objects.create(
        recipient=a,
        kind=Notification._meta.get_field("kind").choices[0][0],
        event_key="test:idor",
        title="Titre privé de la notification IDOR",
        url=question.get_absolute_url(),
    )
    world = World(
        a=a,
        b=b,
        users=users,
        topic=topic,
        question=question,
        b_question=b_question,
        answer=answer,
        comment=comment,
        flag=flag,
        proposal=proposal,
        person=person,
        notification=notification,
    )
    world.own_answer = own_answer
    return world


# --- The role × action matrix, generated from the URL conf -------------------------------------
#
# Every route of the URL conf that accepts a POST is an `Action` below (or is listed in
# `READ_ONLY_ON_POST` or `NOT_IN_MATRIX` with its reason): a new view fails
# `test_every_post_route_is_in_the_matrix` until someone decides who may use it. Each action is
# posted with ids of the shared world (tests/security/world.py) by every role it does not
# allow. A row passes only when the refusal is explicit — a visitor is sent to the login page,
# a pending account to its waiting page, anyone else gets a 403 (a 404 where hiding is the
# documented choice) — AND every row of every table is as before. The first allowed role is
# the positive control: the same request changes the named table, so the refusals prove
# something.

MATRIX_ROLES = ("visitor", "pending", "member", "other", "expert", "moderator", "editor")
MEMBERS = ("member", "other", "expert", "moderator", "editor")


@dataclass(frozen=True)
class Action:
    name: str
    route: str  # URL name
    path: Callable  # path(world) -> str
    data: Callable  # data(world) -> dict (a new dict, and new files, for each request)
    allowed: tuple[str, ...]  # the first one is the positive control
    changes: str  # the model whose rows the positive control changes
    hidden: tuple[str, ...] = ()  # roles refused with a 404 rather than a 403
    # The positive control types its password first (a page behind allauth's
    # reauthentication; without it the POST is kept and the password asked).
    reauthenticate: bool = False


def _thread(w):
    return w.question


def _moderator_entry_form(w):
    return {
        "fiche-version": str(Person.objects.get(pk=w.person.pk).version),
        "fiche-first_name": "Anne",
        "fiche-last_name": "Auteure-Corrigée",
        "fiche-reason": "Nom mal orthographié",
        "fonctions-TOTAL_FORMS": "0",
        "fonctions-INITIAL_FORMS": "0",
        "fonctions-MIN_NUM_FORMS": "0",
        "fonctions-MAX_NUM_FORMS": "1000",
    }


def _profile_form(w):
    return {
        "fiche-first_name": "Anne",
        "fiche-last_name": "Auteure",
        "fiche-bio": "Secrétaire de mairie depuis 2019.",
        "fiche-email": "anne.privee@example.org",
        "fiche-email_visibility": Visibility.HIDDEN,
        "fiche-phone": "01 99 00 00 43",
        "fiche-phone_visibility": Visibility.HIDDEN,
        "fiche-is_listed": "on",
        "fonctions-TOTAL_FORMS": "0",
        "fonctions-INITIAL_FORMS": "0",
        "fonctions-MIN_NUM_FORMS": "0",
        "fonctions-MAX_NUM_FORMS": "1000",
    }


def _upload(w):
    return {
        "fichier": SimpleUploadedFile(
            "liste.csv", "prénom;nom;structure\nJeanne;Durance;Angles\n".encode(), "text/csv"
        )
    }


MODERATORS = ("moderator",)

ACTIONS = [
    # Q&A: asking, answering, commenting, voting, following, flagging.
    Action(
        "ask a question",
        "qa:question_ask",
        lambda w: "/questions/poser/",
        lambda w: {
            "kind": "question",
            "title": "Peut-on louer la salle des fêtes le dimanche ?",
            "body": "La question se pose pour une association.",
            "topics": [w.topic.pk],
            "submission_token": "a" * 32,
        },
        MEMBERS,
        "qa.Question",
    ),
    Action(
        "answer a question",
        "qa:answer_create",
        lambda w: f"/questions/{w.question.pk}/repondre/",
        lambda w: {"body": "Une délibération du conseil suffit.", "submission_token": "b" * 32},
        MEMBERS,
        "qa.Answer",
    ),
    Action(
        "comment on a question",
        "qa:post_commenter",
        lambda w: f"/questions/{w.question.pk}/commenter/",
        lambda w: {"body": "Merci pour cette question."},
        MEMBERS,
        "qa.Comment",
    ),
    Action(
        "vote on someone else's question",
        "qa:post_voter",
        lambda w: f"/questions/{w.open_question.pk}/voter/",
        lambda w: {"value": "1"},
        ("member", "expert", "moderator", "editor"),
        "qa.Vote",
    ),
    Action(
        "say « same problem » on someone else's question",
        "qa:same_problem",
        lambda w: f"/questions/{w.question.pk}/meme-probleme/",
        lambda w: {},
        ("other", "expert", "moderator", "editor"),
        "qa.SameProblem",
    ),
    Action(
        "follow a question",
        "qa:question_follow",
        lambda w: f"/questions/{w.open_question.pk}/suivre/",
        lambda w: {},
        ("expert", "member", "moderator", "editor", "other"),  # the expert follows nothing yet
        "qa.QuestionFollow",
    ),
    Action(
        "follow a topic",
        "qa:topic_follow",
        lambda w: f"/sujets/{w.topic.slug}/suivre/",
        lambda w: {},
        MEMBERS,
        "qa.TopicFollow",
    ),
    Action(
        "follow someone else's directory entry",
        "directory:person_follow",
        lambda w: f"/annuaire/personnes/{w.person.pk}/suivre/",
        lambda w: {},
        ("other", "expert", "moderator", "editor"),  # the member is that person
        "directory.PersonFollow",
    ),
    Action(
        "follow a structure",
        "directory:structure_follow",
        lambda w: f"/annuaire/structures/{w.structure.slug}/suivre/",
        lambda w: {},
        MEMBERS,
        "directory.StructureFollow",
    ),
    Action(
        "flag someone else's answer",
        "qa:post_signaler",
        lambda w: f"/reponses/{w.validated.pk}/signaler/",
        lambda w: {"reason": "spam", "text": "Publicité"},
        ("member", "other", "moderator", "editor"),
        "qa.Flag",
    ),
    # Authors (and moderators) on their own posts.
    Action(
        "edit the member's question",
        "qa:post_modifier",
        lambda w: f"/questions/{w.question.pk}/modifier/",
        lambda w: {
            "title": "Comment monter un groupement de commandes à trois ?",
            "body": "Texte entièrement revu par son auteur, avec plus de détails.",
            "topics": [w.topic.pk],
        },
        ("member", "moderator"),
        "qa.Question",
    ),
    Action(
        "accept an answer on one's question",
        "qa:answer_accept",
        lambda w: f"/reponses/{w.open_answer.pk}/accepter/",
        lambda w: {},
        ("other", "moderator"),
        "qa.Question",
    ),
    Action(
        "validate an answer as an expert of its topic",
        "qa:answer_validate",
        lambda w: f"/reponses/{w.open_answer.pk}/valider/",
        lambda w: {},
        ("expert",),
        "qa.Answer",
    ),
    Action(
        "re-validate a thread after a regulatory update",
        "pages:recheck_clear",
        lambda w: f"/veille/a-reverifier/{w.recheck.pk}/revalider/",
        lambda w: {"note": "Toujours exact."},
        ("expert", "moderator"),
        "pages.QuestionRecheck",
    ),
    # Moderation.
    Action(
        "resolve a flag",
        "qa:flag_resolve",
        lambda w: f"/moderation/signalements/{w.flag.pk}/traiter/",
        lambda w: {"decision": "accept", "note": "Vu."},
        MODERATORS,
        "qa.Flag",
    ),
    Action(
        "close a question",
        "qa:question_close",
        lambda w: f"/questions/{w.open_question.pk}/fermer/",
        lambda w: {"reason": "off_topic", "note": "Hors du champ du réseau."},
        MODERATORS,
        "qa.Question",
    ),
    Action(
        "reopen a closed question",
        "qa:question_reopen",
        lambda w: f"/questions/{w.closed.pk}/rouvrir/",
        lambda w: {"reason": "Finalement dans le sujet."},
        MODERATORS,
        "qa.Question",
    ),
    Action(
        "close a question as a duplicate",
        "qa:question_duplicate",
        lambda w: f"/questions/{w.open_question.pk}/doublon/",
        lambda w: {"canonical": w.question.pk, "reason": "Même sujet."},
        MODERATORS,
        "qa.Question",
    ),
    Action(
        "lock a question",
        "qa:question_lock",
        lambda w: f"/questions/{w.open_question.pk}/verrouiller/",
        lambda w: {"reason": "Débat clos."},
        MODERATORS,
        "qa.Question",
    ),
    Action(
        "unlock a locked question",
        "qa:question_unlock",
        lambda w: f"/questions/{w.locked.pk}/deverrouiller/",
        lambda w: {"reason": "Débat rouvert."},
        MODERATORS,
        "qa.Question",
    ),
    Action(
        "merge a duplicate's answers into its original",
        "qa:question_merge",
        lambda w: f"/questions/{w.duplicate.pk}/fusionner/",
        lambda w: {"reason": "Regroupement."},
        MODERATORS,
        "qa.Answer",
    ),
    Action(
        "promote a question with its accepted answer to the FAQ",
        "qa:faq_promote",
        lambda w: f"/questions/{w.question.pk}/faq/",
        lambda w: {"answer": w.accepted.pk},
        MODERATORS,
        "qa.FaqPromotion",
    ),
    Action(
        "approve the changed version of an FAQ entry",
        "qa:faq_review_approve",
        lambda w: f"/questions/{w.faq_question.pk}/faq/revalider/",
        lambda w: {},
        MODERATORS,
        "qa.FaqPromotion",
    ),
    Action(
        "withdraw a question from the FAQ",
        "qa:faq_withdraw",
        lambda w: f"/questions/{w.faq_question.pk}/faq/retirer/",
        lambda w: {"reason": "Plus à jour."},
        MODERATORS,
        "qa.FaqPromotion",
    ),
    Action(
        "roll back a question to its first version",
        "qa:post_retablir",
        lambda w: f"/questions/{w.question.pk}/versions/1/retablir/",
        lambda w: {"reason": "Retour à la version d'origine."},
        MODERATORS,
        "qa.Question",
    ),
    Action(
        "delete an answer",
        "qa:post_supprimer",
        lambda w: f"/reponses/{w.accepted.pk}/supprimer/",
        lambda w: {"reason": "Hors sujet."},
        MODERATORS,
        "qa.Answer",
    ),
    Action(
        "restore a deleted answer",
        "qa:post_restaurer",
        lambda w: f"/reponses/{w.deleted_answer.pk}/restaurer/",
        lambda w: {"reason": "Supprimée par erreur."},
        MODERATORS,
        "qa.Answer",
    ),
    Action(
        "remove an attachment with a reason",
        "qa:attachment_remove",
        lambda w: f"/pieces-jointes/{w.attachments[0].pk}/retirer/",
        lambda w: {"reason": "Données personnelles."},
        MODERATORS,
        "qa.Attachment",
    ),
    # Agenda.
    Action(
        "propose an agenda subject",
        "agenda:proposal_create",
        lambda w: "/ordre-du-jour/proposer/",
        lambda w: {
            "title": "Un marché commun de fournitures scolaires",
            "rationale": "Les écoles de la vallée achètent séparément.",
            "topics": [w.topic.pk],
        },
        MEMBERS,
        "agenda.Proposal",
    ),
    Action(
        "support someone else's proposal",
        "agenda:proposal_support",
        lambda w: f"/ordre-du-jour/{w.scheduled.pk}/soutenir/",
        lambda w: {},
        ("member", "expert", "moderator", "editor"),
        "agenda.Support",
    ),
    Action(
        "withdraw one's support",
        "agenda:proposal_unsupport",
        lambda w: f"/ordre-du-jour/{w.proposal.pk}/retirer-mon-soutien/",
        lambda w: {},
        ("other", "expert", "moderator", "editor"),
        "agenda.Support",
    ),
    Action(
        "withdraw the member's proposal",
        "agenda:proposal_withdraw",
        lambda w: f"/ordre-du-jour/{w.proposal.pk}/retirer/",
        lambda w: {},
        ("member", "moderator"),
        "agenda.Proposal",
    ),
    Action(
        "put a proposal on a meeting's agenda",
        "agenda:proposal_schedule",
        lambda w: f"/ordre-du-jour/{w.proposal.pk}/inscrire/",
        lambda w: {"meeting": w.meeting.pk},
        MODERATORS,
        "agenda.Proposal",
    ),
    Action(
        "mark a proposal as discussed",
        "agenda:proposal_mark_discussed",
        lambda w: f"/ordre-du-jour/{w.scheduled.pk}/debattue/",
        lambda w: {"minutes_url": "https://example.org/compte-rendu.pdf"},
        MODERATORS,
        "agenda.Proposal",
    ),
    Action(
        "create a meeting",
        "agenda:meeting_create",
        lambda w: "/ordre-du-jour/reunions/nouvelle/",
        lambda w: {
            "title": "Commission voirie",
            "kind": "commission",
            "structure": w.structure.pk,
            "starts_at": "2030-03-01T18:00",
            "place": "Mairie d'Essai",
        },
        MODERATORS,
        "agenda.Meeting",
    ),
    Action(
        "edit one's open proposal",
        "agenda:proposal_update",
        lambda w: f"/ordre-du-jour/{w.proposal.pk}/modifier/",
        lambda w: {
            "title": "Mutualiser le déneigement des routes",
            "rationale": "Plusieurs communes louent une lame.",
            "topics": [w.topic.pk],
        },
        ("member",),
        "agenda.Proposal",
    ),
    Action(
        "comment on a proposal",
        "agenda:proposal_comment",
        lambda w: f"/ordre-du-jour/{w.proposal.pk}/commenter/",
        lambda w: {"body": "Thorame-Basse est aussi concernée."},
        MEMBERS,
        "agenda.ProposalComment",
    ),
    Action(
        "edit one's comment on a proposal",
        "agenda:proposal_comment_update",
        lambda w: f"/ordre-du-jour/commentaires/{w.proposal_comment.pk}/modifier/",
        lambda w: {"body": "Notre commune et la voisine sont concernées."},
        ("member", "moderator"),
        "agenda.ProposalComment",
    ),
    Action(
        "delete one's comment on a proposal",
        "agenda:proposal_comment_delete",
        lambda w: f"/ordre-du-jour/commentaires/{w.proposal_comment.pk}/supprimer/",
        lambda w: {},
        ("member", "moderator"),
        "agenda.ProposalComment",
    ),
    Action(
        "publish a discussed subject's minutes",
        "agenda:proposal_minutes_publish",
        lambda w: f"/ordre-du-jour/{w.discussed.pk}/compte-rendu/",
        lambda w: {"minutes_url": "https://example.org/compte-rendu.pdf"},
        MODERATORS,
        "agenda.Proposal",
    ),
    Action(
        "edit a meeting",
        "agenda:meeting_update",
        lambda w: f"/ordre-du-jour/reunions/{w.meeting.pk}/modifier/",
        lambda w: {
            "title": "Conseil de décembre, déplacé",
            "kind": "conseil",
            "structure": w.structure.pk,
            "starts_at": "2030-03-01T18:00",
            "place": "Mairie d'Essai",
        },
        MODERATORS,
        "agenda.Meeting",
    ),
    Action(
        "cancel a meeting",
        "agenda:meeting_cancel",
        lambda w: f"/ordre-du-jour/reunions/{w.meeting.pk}/annuler/",
        lambda w: {"reason": "Quorum impossible."},
        MODERATORS,
        "agenda.Meeting",
    ),
    # Directory: one's own entry and account, then moderators' work.
    Action(
        "edit one's directory entry",
        "directory:my_profile",
        lambda w: "/annuaire/moi/",
        _profile_form,
        MEMBERS,
        "directory.Person",
    ),
    Action(
        "create one's directory entry",
        "directory:my_profile_create",
        lambda w: "/annuaire/moi/creer/",
        lambda w: {},
        ("editor", "member", "other", "expert", "moderator"),
        "directory.Person",
    ),
    Action(
        "erase one's account",
        "directory:my_erase",
        lambda w: "/annuaire/moi/effacer/",
        lambda w: {"password": TEST_PASSWORD},
        ("other", "member", "expert", "moderator", "editor"),
        "directory.User",
    ),
    Action(
        "approve a pending account",
        "directory:account_approve",
        lambda w: f"/annuaire/comptes-en-attente/{w.users['pending'].pk}/approuver/",
        lambda w: {},
        MODERATORS,
        "directory.User",
    ),
    Action(
        "confirm an expertise",
        "directory:expertise_decide",
        lambda w: f"/annuaire/expertises/{w.expertise_request.pk}/confirmer/",
        lambda w: {},
        MODERATORS,
        "directory.TopicInterest",
    ),
    Action(
        "refuse an expertise",
        "directory:expertise_decide",
        lambda w: f"/annuaire/expertises/{w.expertise_request.pk}/refuser/",
        lambda w: {},
        MODERATORS,
        "directory.TopicInterest",
    ),
    Action(
        "upload a directory import",
        "directory:import_upload",
        lambda w: "/annuaire/import/",
        _upload,
        MODERATORS,
        "directory.DirectoryImport",
    ),
    Action(
        "apply a directory import",
        "directory:import_detail",
        lambda w: f"/annuaire/import/{w.directory_import.pk}/",
        lambda w: {"valid_rows_only": "on"},
        MODERATORS,
        "directory.DirectoryImport",
    ),
    Action(
        "correct someone's directory entry",
        "directory:person_edit",
        lambda w: f"/annuaire/personnes/{w.person.pk}/modifier/",
        _moderator_entry_form,
        MODERATORS,
        "directory.EntryChange",
    ),
    Action(
        "end someone's position",
        "directory:position_end",
        lambda w: f"/annuaire/fonctions/{w.person.positions.first().pk}/terminer/",
        lambda w: {
            f"fin{w.person.positions.first().pk}-end_date": "2026-03-22",
            f"fin{w.person.positions.first().pk}-reason": "Départ",
        },
        MODERATORS,
        "directory.Position",
    ),
    Action(
        "merge a duplicate directory entry",
        "directory:person_merge",
        lambda w: f"/annuaire/personnes/{w.imported_entry.pk}/fusionner/",
        lambda w: {"kept": str(w.person.pk), "reason": "Importée deux fois"},
        MODERATORS,
        "directory.EntryChange",
    ),
    Action(
        "invite an address to the site",
        "directory:invitations",
        lambda w: "/annuaire/invitations/",
        lambda w: {"action": "single", "email": "nouvelle.invitee@example.org"},
        MODERATORS,
        "directory.Invitation",
    ),
    Action(
        "resend an invitation",
        "directory:invitation_resend",
        lambda w: f"/annuaire/invitations/{w.invitation.pk}/renvoyer/",
        lambda w: {},
        MODERATORS,
        "directory.Invitation",
    ),
    Action(
        "save a draft of a new question",
        "qa:question_ask",
        lambda w: "/questions/poser/",
        lambda w: {"save_draft": "1", "title": "Un brouillon", "body": "À compléter."},
        MEMBERS,
        "qa.Draft",
    ),
    Action(
        "save a draft of an answer",
        "qa:answer_create",
        lambda w: f"/questions/{w.question.pk}/repondre/",
        lambda w: {"save_draft": "1", "body": "Réponse à finir."},
        MEMBERS,
        "qa.Draft",
    ),
    Action(
        "delete one's own draft",
        "qa:draft_delete",
        lambda w: f"/compte/brouillons/{w.draft.pk}/supprimer/",
        lambda w: {},
        ("member",),
        "qa.Draft",
        hidden=("other", "expert", "moderator", "editor"),
    ),
    # Notifications.
    Action(
        "mark the member's notification read",
        "notifications:mark_read",
        lambda w: f"/notifications/{w.notification.pk}/lue/",
        lambda w: {},
        ("member",),
        "notifications.Notification",
        hidden=("other", "expert", "moderator", "editor"),
    ),
    Action(
        "mark all one's notifications read",
        "notifications:mark_all_read",
        lambda w: "/notifications/tout-lu/",
        lambda w: {},
        ("member", "other", "expert", "moderator", "editor"),
        "notifications.Notification",
    ),
    Action(
        "set one's e-mail preferences",
        "notifications:preferences",
        lambda w: "/compte/preferences/",
        lambda w: dict.fromkeys(Kind.values, Frequency.NEVER),
        MEMBERS,
        "notifications.NotificationPreference",
    ),
    Action(
        "renew one's private feed address",
        "notifications:feed_regenerate",
        lambda w: "/compte/preferences/flux/",
        lambda w: {},
        MEMBERS,
        "notifications.FeedToken",
    ),
    Action(
        "revoke one's reply addresses",
        "notifications:reply_revoke",
        lambda w: "/compte/preferences/reponses/",
        lambda w: {},
        MEMBERS,
        "notifications.ReplyKey",
    ),
    Action(
        "resume one's e-mails paused after bounces",
        "notifications:emails_resume",
        lambda w: "/compte/preferences/courriels/reprendre/",
        lambda w: {},
        MEMBERS,
        "notifications.EmailPause",
    ),
    Action(
        "choose to publish one's e-mailed questions without confirmation",
        "notifications:ask_preference",
        lambda w: "/compte/preferences/questions-par-courriel/",
        lambda w: {"ask_without_confirmation": "on"},
        MEMBERS,
        "notifications.ReplyKey",
    ),
    Action(
        "discard an unprocessed e-mail",
        "notifications:inbound_decide",
        lambda w: f"/moderation/courriels/{w.inbound_mail.pk}/",
        lambda w: {"decision": "discard"},
        MODERATORS,
        "notifications.InboundMail",
    ),
    # The coordinator's dashboard (coordinators, not a matrix role, are tested in
    # tests/website/steering/test_access.py).
    Action(
        "route an unanswered question to more experts",
        "steering:question_escalate",
        lambda w: f"/pilotage/questions/{w.waiting.pk}/relancer/",
        lambda w: {},
        MODERATORS,
        "steering.Escalation",
    ),
    Action(
        "create a personal API token",
        "api:tokens",
        lambda w: "/compte/jetons/",
        lambda w: {"name": "Intranet", "scopes": ["read"], "days": "90"},
        MEMBERS,
        "api.ApiToken",
        reauthenticate=True,
    ),
]

# Routes that accept a POST but change nothing whoever sends it (they answer it as a GET, or
# refuse the method); `test_a_post_to_a_read_only_route_changes_nothing` checks that claim.
READ_ONLY_ON_POST = {
    "health": "health check",
    "metrics": "Prometheus metrics, GET only (405)",
    "pending": "the waiting page",
    "javascript-catalog": "translation catalogue",
    "qa:question_list": "list",
    "qa:discussion_list": "list",
    "qa:person_search": "GET only",
    "qa:preview": "renders Markdown, saves nothing",
    "qa:flag_queue": "moderators' queue page",
    "qa:faq_review_queue": "moderators' queue page",
    "qa:moderate": "moderation panel page (its buttons post to the actions above)",
    "qa:post_versions": "history page",
    "qa:answer_redirect": "permalink",
    "qa:comment_redirect": "permalink",
    "qa:question_detail_short": "permalink",
    "qa:question_detail": "thread page",
    "qa:topic_list": "list",
    "qa:topic_detail": "topic page",
    "qa:my_follows": "« Mes suivis » page (its buttons post to the follow actions)",
    "qa:draft_list": "a member's drafts page (GET only; drafts are saved through the ask and "
    "answer forms, rows of the matrix)",
    "agenda:index": "agenda page",
    "agenda:proposal_detail": "proposal page",
    "agenda:meeting_detail": "meeting page",
    "agenda:meeting_calendar": "an .ics download (GET only)",
    "needs:index": "shared-needs page (GET only: a POST is refused, 405)",
    "needs:export_csv": "download (GET only: a POST is refused, 405)",
    "directory:person_list": "list",
    "directory:person_detail": "entry page",
    "directory:mention_search": "GET only: the @mention autocomplete's JSON",
    "directory:person_vcard": "download",
    "protected_file": "download of an uploaded file (GET only)",
    "qa:attachment": "download of an attachment (GET only)",
    "qa:attachment_thumbnail": "an attachment's thumbnail (GET only)",
    "directory:structure_list": "list",
    "directory:structure_detail": "structure page",
    "directory:my_data": "download",
    "directory:erased": "confirmation page",
    "directory:export_csv": "download",
    "directory:pending_accounts": "moderators' queue page",
    "directory:inactive_accounts": "moderators' list",
    "directory:expertise_requests": "moderators' queue page",
    "directory:invitation_open": "GET only: an invitation link's page (405 on POST)",
    "search:results": "search page",
    "search:similar": "search fragment",
    "notifications:list": "notification centre",
    "notifications:open": "GET only: a POST is refused (405); the GET marks read",
    "notifications:feed": "Atom feed",
    "notifications:inbound_queue": "moderators' queue page",
    "pages:feed_index": "feeds page",
    "pages:regulatory_feed": "Atom feed",
    "pages:regulatory_topic_feed": "Atom feed",
    "pages:questions_feed": "Atom feed",
    "pages:all_questions_feed": "Atom feed",
    "pages:thread_feed": "Atom feed",
    "pages:meetings_feed": "Atom feed (GET only)",
    "pages:meetings_calendar": "iCalendar subscription (GET only)",
    "pages:recheck_list": "moderators' list",
    "steering:dashboard": "the coordinator's dashboard (GET only, 405)",
    "steering:unanswered": "the coordinator's list of unanswered questions (GET only, 405)",
    "steering:export_csv": "download (GET only, 405)",
}
# POST routes outside the matrix, each with its reason.
NOT_IN_MATRIX = {
    "set_language": "the visitor's language cookie, no stored data",
    "session_renew": "renews the requester's own session, nothing else: "
    "tests/website/test_sessions.py",
    "directory:entry_check": "signed-token action: whoever holds the e-mailed « vérifiez votre "
    "fiche » link may confirm that entry (only its check date); "
    "tests/directory/test_entry_check.py",
    "notifications:unsubscribe": "signed-token action (RFC 8058): whoever holds the e-mailed "
    "link may unsubscribe its recipient; tests/notifications/test_unsubscribe.py",
    "notifications:inbound_webhook": "the mail provider's signed webhook (no session): "
    "tests/notifications/test_inbound_webhook.py",
    "notifications:inbound_webhook_provider": "the mail providers' webhooks, HTTP basic auth "
    "(no session): tests/notifications/test_inbound_webhook_providers.py",
    "wagtail_serve": "Wagtail's page serving (no page type handles a POST)",
    "proconnect_login": "ProConnect sign-in: tests/security/test_proconnect.py",
    "proconnect_callback": "ProConnect sign-in: tests/security/test_proconnect.py",
    "api:token_revoke": "revoking one's own token (another's answers 404): "
    "tests/api/test_tokens.py",
    "api_not_found": "the API's catch-all 404, which changes nothing",
    "notifications:ask_confirm": "publishing or abandoning one's own question sent by e-mail "
    "(another's, or one no longer waiting, answers 404): tests/notifications/test_ask_by_email.py",
}
NOT_IN_MATRIX_PREFIXES = {
    "comptes/": "allauth's account pages act on the requester's own account (or sign-in): "
    "test_mfa_and_sessions.py, test_account_enumeration.py, test_rate_limit_answers.py",
    "admin/": "Wagtail admin: test_admin_access_control.py",
    "django-admin/": "Django admin: test_admin_access_control.py",
    "documents/": "Wagtail's document server: test_admin_access_control.py and below",
    "_util/": "Wagtail's private-page password form and login redirect",
    "api/v1/": "the API: tests/api/test_access_matrix.py (every operation × role × scope)",
}


def _not_in_matrix_reason(route) -> str | None:
    if route.name in NOT_IN_MATRIX:
        return NOT_IN_MATRIX[route.name]
    for prefix, reason in NOT_IN_MATRIX_PREFIXES.items():
        if route.pattern.lstrip("^").startswith(prefix):
            return reason
    return None


def test_every_post_route_is_in_the_matrix():
    """A view added tomorrow fails here until it is in ACTIONS (who may, who may not) or
    listed with its reason; entries naming no route fail too."""
    routes = url_patterns()
    names = {route.name for route in routes}
    in_matrix = {action.route for action in ACTIONS}
    forgotten = sorted(
        f"{route.name} ({route.pattern})"
        for route in routes
        if route.name not in in_matrix
        and route.name not in READ_ONLY_ON_POST
        and _not_in_matrix_reason(route) is None
    )
    assert not forgotten, "POST routes outside the access matrix:\n" + "\n".join(forgotten)
    stale = sorted((in_matrix | set(READ_ONLY_ON_POST) | set(NOT_IN_MATRIX)) - names)
    assert not stale, f"entries naming no route: {stale}"
    for action in ACTIONS:
        assert set(action.allowed) <= set(MATRIX_ROLES) and set(action.hidden) <= set(
            MATRIX_ROLES
        ), action.name


def _client(world, role):
    client = Client(raise_request_exception=False)
    user = world.users[role]
    if user is not None:
        client.force_login(user)
    return client


def _refusal_problem(role, action, response) -> str | None:
    """None when the refusal is explicit, else what was wrong with it."""
    status, location = response.status_code, response.get("Location", "")
    if role == "visitor":
        expected = f"{reverse('account_login')}?next="
        if status == 302 and location.startswith(expected):
            return None
        return f"{status} {location!r}, expected the login page"
    if role == "pending":
        if status == 302 and location == reverse("pending"):
            return None
        return f"{status} {location!r}, expected the waiting page"
    expected = 404 if role in action.hidden else 403
    return None if status == expected else f"{status} {location!r}, expected {expected}"


def _refusal_problems(world, action, roles) -> list[str]:
    problems = []
    # Logging in writes `last_login`: every role logs in before the first snapshot, which is
    # then read again only after a request that wrote a row.
    clients = {role: _client(world, role) for role in roles}
    before, writes = snapshot(), writes_so_far()
    for role, client in clients.items():
        response = client.post(action.path(world), action.data(world))
        problem = _refusal_problem(role, action, response)
        if problem:
            problems.append(f"{role}: {problem}")
        after, writes = snapshot_after(before, writes)
        changed = differences(before, after)
        if changed:
            problems.append(f"{role} changed the database: {changed}")
        before = after
    return problems


@pytest.mark.django_db
@pytest.mark.parametrize("action", ACTIONS, ids=[action.name for action in ACTIONS])
def test_the_roles_not_allowed_are_refused_and_change_nothing(shared_world, action):
    cache.clear()  # posting limits and submission tokens of an earlier test
    refused = [role for role in MATRIX_ROLES if role not in action.allowed]
    problems = _refusal_problems(shared_world, action, refused)
    assert not problems, f"{action.name}:\n" + "\n".join(problems)


@pytest.mark.django_db
def test_the_matrix_catches_a_moderation_action_open_to_members(shared_world, monkeypatch):
    """The matrix can fail: with the moderator check switched off, a member's « reopen » is
    reported twice — no refusal, and the question's row changed."""
    monkeypatch.setattr(qa_permissions, "check_moderate", lambda user: None)
    monkeypatch.setattr(qa_permissions, "can_reopen", lambda user, question: True)
    reopen = next(action for action in ACTIONS if action.route == "qa:question_reopen")
    problems = _refusal_problems(shared_world, reopen, ["member"])
    assert len(problems) == 2, problems
    assert problems[0].startswith("member: 302") and "expected 403" in problems[0]
    assert problems[1].startswith("member changed the database") and "qa.Question" in problems[1]


@pytest.mark.django_db
@pytest.mark.parametrize("action", ACTIONS, ids=[action.name for action in ACTIONS])
def test_the_same_request_changes_the_database_for_the_allowed_role(shared_world, action):
    cache.clear()
    role = action.allowed[0]
    client = _client(shared_world, role)
    if action.reauthenticate:
        client.post(reverse("account_reauthenticate"), {"password": TEST_PASSWORD})
    before = snapshot()
    response = client.post(action.path(shared_world), action.data(shared_world))
    assert response.status_code in (200, 302), (role, response.status_code)
    changed = differences(before, snapshot())
    assert action.changes in changed, f"{role} could not {action.name}: {changed}"


@pytest.mark.django_db
def test_a_post_to_a_read_only_route_changes_nothing(shared_world):
    """The routes listed as read-only really are, even for a moderator or a superuser."""
    paths = [
        path
        for route in url_patterns()
        if route.name in READ_ONLY_ON_POST
        for path in (paths_for(route.name, shared_world) or [route.path])
    ]
    assert len(paths) >= len(READ_ONLY_ON_POST)
    for role in ("moderator", "superuser"):
        client = _client(shared_world, role)
        before, writes = snapshot(), writes_so_far()
        for path in paths:
            response = client.post(path, {"body": "x", "q": "x"})
            assert response.status_code < 500, (role, path, response.status_code)
            after, writes = snapshot_after(before, writes)
            changed = differences(before, after)
            assert not changed, f"POST {path} as {role} changed {changed}"


# --- Member A's objects, by id --------------------------------------------------------------


def _login(client, user):
    if user is not None:
        client.force_login(user)


def _refused(response):
    if response.status_code in (403, 404, 405):
        return True
    if response.status_code in (301, 302, 303):
        return True  # login page, waiting page or back to a page with an error message
    return False


@pytest.mark.django_db
def test_an_author_cannot_vote_on_or_flag_their_own_posts(client, world):
    client.force_login(world.a)
    before = snapshot()
    for url, data in [
        (reverse("qa:post_voter", args=["questions", world.question.pk]), {"value": "1"}),
        (reverse("qa:post_voter", args=["reponses", world.answer.pk]), {"value": "1"}),
        (
            reverse("qa:post_signaler", args=["questions", world.question.pk]),
            {"reason": "spam", "text": "moi"},
        ),
        (reverse("qa:same_problem", args=[world.question.pk]), {}),
    ]:
        response = client.post(url, data)
        assert _refused(response), (url, response.status_code)
    assert snapshot() == before
    assert not Vote.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["visitor", "pending"])
def test_visitors_and_pending_accounts_cannot_vote_comment_answer_or_flag(client, world, role):
    _login(client, world.users[role])
    before = snapshot()
    for url, data in [
        (reverse("qa:post_voter", args=["questions", world.question.pk]), {"value": "1"}),
        (reverse("qa:post_commenter", args=["questions", world.question.pk]), {"body": "Oui."}),
        (reverse("qa:answer_create", args=[world.question.pk]), {"body": "Une réponse."}),
        (
            reverse("qa:post_signaler", args=["questions", world.question.pk]),
            {"reason": "spam"},
        ),
        (reverse("agenda:proposal_support", args=[world.proposal.pk]), {}),
        (reverse("notifications:preferences"), {}),
    ]:
        response = client.post(url, data)
        assert _refused(response), (url, role, response.status_code)
    assert snapshot() == before


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["member_b", "expert_elsewhere", "moderator"])
def test_hidden_contact_fields_of_a_directory_entry_are_never_shown(client, world, role):
    client.force_login(world.users[role])
    for url in [
        reverse("directory:person_detail", args=[world.person.pk]),
        reverse("directory:person_vcard", args=[world.person.pk]),
        reverse("directory:person_list") + "?q=Secrétaire",
    ]:
        body = client.get(url).content.decode()
        assert "alice.secret@example.org" not in body, (url, role)
        assert "01 99 00 00 42" not in body, (url, role)


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["member_b", "expert_elsewhere", "moderator"])
def test_the_data_export_holds_only_the_requesters_data(client, world, role):
    client.force_login(world.users[role])
    response = client.get(reverse("directory:my_data"))
    if response.status_code == 200:
        body = response.content.decode()
        assert "alice.secret@example.org" not in body
        assert "alice.auteur@example.org" not in body
        assert "01 99 00 00 42" not in body
    else:
        assert _refused(response)


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["member_b", "pending", "expert_elsewhere", "visitor"])
def test_only_moderators_export_the_directory(client, world, role):
    _login(client, world.users[role])
    response = client.get(reverse("directory:export_csv"))
    assert _refused(response), (role, response.status_code)
    assert b"alice.secret@example.org" not in response.content


@pytest.mark.django_db
def test_notifications_of_another_member_are_not_listed(client, world):
    client.force_login(world.b)
    body = client.get(reverse("notifications:list")).content.decode()
    assert "Titre privé de la notification IDOR" not in body


# --- Extra form fields are ignored -----------------------------------------------------------

EXTRA = {
    "score": "999",
    "is_staff": "on",
    "is_superuser": "on",
    "accepted": "on",
    "approved_at": "2020-01-01T00:00:00",
    "validated_at": "2020-01-01T00:00:00",
}


@pytest.mark.django_db
def test_extra_fields_posted_to_the_ask_form_are_ignored(client, world):
    client.force_login(world.b)
    response = client.post(
        reverse("qa:question_ask"),
        {
            "kind": "question",
            "title": "Peut-on louer la salle des fêtes le dimanche ?",
            "body": "La question se pose pour une association.",
            "topics": [world.topic.pk],
            "submission_token": "a" * 32,
            "author": world.a.pk,
            "user": world.a.pk,
            **EXTRA,
        },
    )
    assert response.status_code == 302
    question = Question.objects.get(title__startswith="Peut-on louer")
    assert question.author_id == world.b.pk
    assert question.score == 0
    assert question.accepted_answer_id is None
    world.b.refresh_from_db()
    assert not world.b.is_staff and not world.b.is_superuser


@pytest.mark.django_db
def test_extra_fields_posted_to_the_answer_form_are_ignored(client, world):
    client.force_login(world.b)
    response = client.post(
        reverse("qa:answer_create", args=[world.question.pk]),
        {
            "body": "Une délibération du conseil municipal suffit.",
            "submission_token": "b" * 32,
            "author": world.a.pk,
            "question": world.b_question.pk,
            **EXTRA,
        },
    )
    assert response.status_code == 302
    answer = Answer.objects.get(body__startswith="Une délibération")
    assert answer.author_id == world.b.pk
    assert answer.question_id == world.question.pk
    assert answer.score == 0
    assert answer.validated_at is None
    world.question.refresh_from_db()
    assert world.question.accepted_answer_id is None


@pytest.mark.django_db
def test_extra_fields_posted_to_the_edit_form_are_ignored(client, world):
    client.force_login(world.a)
    response = client.post(
        reverse("qa:post_modifier", args=["reponses", world.answer.pk]),
        {"body": "Voyez aussi les articles L2113-6 et suivants.", "author": world.b.pk, **EXTRA},
    )
    assert response.status_code == 302
    world.answer.refresh_from_db()
    assert world.answer.body.startswith("Voyez aussi")
    assert world.answer.author_id == world.a.pk
    assert world.answer.score == 0
    assert world.answer.validated_at is None
    world.b_question.refresh_from_db()
    assert world.b_question.accepted_answer_id is None
    world.a.refresh_from_db()
    assert not world.a.is_staff


@pytest.mark.django_db
def test_extra_fields_posted_to_the_profile_form_are_ignored(client, world, make_person):
    b_person = make_person(user=world.b, first_name="Bruno", last_name="Autre")
    client.force_login(world.b)
    response = client.post(
        reverse("directory:my_profile"),
        {
            "fiche-first_name": "Bruno",
            "fiche-last_name": "Autre",
            "fiche-bio": "Agent comptable.",
            "fiche-email": "",
            "fiche-email_visibility": Visibility.HIDDEN,
            "fiche-phone": "",
            "fiche-phone_visibility": Visibility.HIDDEN,
            "fiche-is_listed": "on",
            "fiche-user": world.a.pk,
            "fiche-id": world.person.pk,
            "fiche-is_staff": "on",
            "fiche-approved_at": "2020-01-01",
            "user": world.a.pk,
            "is_staff": "on",
            "fonctions-TOTAL_FORMS": "0",
            "fonctions-INITIAL_FORMS": "0",
            "fonctions-MIN_NUM_FORMS": "0",
            "fonctions-MAX_NUM_FORMS": "1000",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    b_person.refresh_from_db()
    world.person.refresh_from_db()
    assert b_person.user_id == world.b.pk and b_person.bio == "Agent comptable."
    assert world.person.user_id == world.a.pk and world.person.bio == "Secrétaire de mairie."
    world.b.refresh_from_db()
    assert not world.b.is_staff
    approved = User.objects.get(pk=world.b.pk).approved_at
    assert approved is not None and approved.year != 2020


# --- Private Wagtail documents -----------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["visitor", "pending"])
def test_a_members_only_document_is_not_served_to_visitors_or_pending_accounts(client, world, role):
    from django.core.files.base import ContentFile
    from wagtail.documents import get_document_model
    from wagtail.models import Collection

    collection = Collection.objects.get(name="Documents réservés aux membres")
    document = get_document_model().objects.create(
        title="Convention privée",
        collection=collection,
        file=ContentFile(b"contenu-prive-idor", name="convention-privee.txt"),
    )
    _login(client, world.users[role])
    response = client.get(document.url)
    assert response.status_code in (302, 403), response.status_code
    if response.status_code == 302:
        assert response["Location"].startswith(("/comptes/login/", "/compte/en-attente/"))
    body = b"".join(getattr(response, "streaming_content", [response.content]))
    assert b"contenu-prive-idor" not in body

    client.force_login(world.b)
    served = client.get(document.url)
    assert served.status_code == 200
    assert b"contenu-prive-idor" in b"".join(served.streaming_content)
