"""Files attached to a reply by e-mail become the answer's or comment's attachments, through
the site's upload checks (`website/notifications/mailfiles.py`). A refused file never loses the
post: it is published with the accepted files, and the member is told, in French, which file
was refused and why. The messages are real MIME, as mail programs write them."""

import base64
import io
import textwrap
from email.utils import make_msgid
from urllib.parse import quote

import pytest
from PIL import Image

from qa.models import Attachment
from tests.qa.attachment_files import jpeg_with_gps, office, pdf, png, zip_bomb
from tests.qa.test_attachment_antivirus import EICAR, _Handler, _serve, _TcpClamd
from website.notifications import asking, intake, replies
from website.notifications.models import EmailDelivery, InboundMail, InboundStatus

DOMAIN = "reponses.example.org"
TEXT = "Voici la délibération et une photo du chantier."


@pytest.fixture(autouse=True)
def _reply_domain(settings):
    settings.REPLY_DOMAIN = DOMAIN
    settings.SITE_URL = "https://entraide.example.org"


@pytest.fixture
def receive(committed):
    def _receive(raw, *, to):
        with committed():
            mail, _created = intake.mail_receive(raw=raw, envelope_to=to)
        mail.refresh_from_db()
        return mail

    return _receive


@pytest.fixture
def thread(ask, make_user):
    return ask(make_user())


def _b64(content: bytes) -> str:
    return "\r\n".join(textwrap.wrap(base64.b64encode(content).decode(), 76))


def _file_part(name: str, content: bytes, content_type: str, *, boundary: str) -> str:
    """A file part; a name beyond ASCII encoded as RFC 2231 says (Thunderbird, Outlook)."""
    if name.isascii():
        name_param = f'filename="{name}"'
    else:
        name_param = f"filename*=UTF-8''{quote(name)}"
    return (
        f"--{boundary}\r\n"
        f"Content-Type: {content_type}\r\n"
        f"Content-Disposition: attachment; {name_param}\r\n"
        "Content-Transfer-Encoding: base64\r\n\r\n"
        f"{_b64(content)}\r\n"
    )


def thunderbird(*, sender: str, to: str, files, text: str = TEXT) -> bytes:
    """multipart/mixed: the text, then each file (name, bytes, type), as Thunderbird sends."""
    boundary = "------------Y2qT0bZ7m0Xh8fN1cK5rVd3e"
    parts = "".join(_file_part(*file, boundary=boundary) for file in files)
    raw = (
        f"From: Jeanne Exemple <{sender}>\r\n"
        f"To: {to}\r\n"
        "Subject: Re: [Entraide] Déneigement\r\n"
        f"Message-ID: {make_msgid(domain='mairie.example.fr')}\r\n"
        "MIME-Version: 1.0\r\n"
        "User-Agent: Mozilla Thunderbird\r\n"
        f'Content-Type: multipart/mixed; boundary="{boundary}"\r\n\r\n'
        "This is a multi-part message in MIME format.\r\n"
        f"--{boundary}\r\n"
        "Content-Type: text/plain; charset=UTF-8; format=flowed\r\n"
        "Content-Transfer-Encoding: 8bit\r\n\r\n"
        f"{text}\r\n\r\n"
        "Le 01/12/2026 à 10:12, Entraide a écrit :\r\n"
        "> Anne Voisin a répondu à votre question\r\n\r\n"
        f"{parts}"
        f"--{boundary}--\r\n"
    )
    return raw.encode("utf-8")


def outlook_html(*, sender: str, to: str, logo: bytes, attached: bytes) -> bytes:
    """Outlook: mixed( related( alternative(text, html), signature logo by cid ), a file )."""
    mixed, related, alternative = "_004_mixed_", "_003_related_", "_000_alternative_"
    raw = (
        f"From: Mairie de Saint-Exemple <{sender}>\r\n"
        f"To: {to}\r\n"
        "Subject: RE: [Entraide] Déneigement\r\n"
        f"Message-ID: {make_msgid(domain='mairie.example.fr')}\r\n"
        "MIME-Version: 1.0\r\n"
        "X-Mailer: Microsoft Outlook 16.0\r\n"
        f'Content-Type: multipart/mixed; boundary="{mixed}"\r\n\r\n'
        f"--{mixed}\r\n"
        f'Content-Type: multipart/related; boundary="{related}";\r\n'
        ' type="multipart/alternative"\r\n\r\n'
        f"--{related}\r\n"
        f'Content-Type: multipart/alternative; boundary="{alternative}"\r\n\r\n'
        f"--{alternative}\r\n"
        'Content-Type: text/plain; charset="iso-8859-1"\r\n'
        "Content-Transfer-Encoding: quoted-printable\r\n\r\n"
        "Voici le plan de d=E9neigement.\r\n\r\n"
        "De : Entraide <ne-pas-repondre@entraide.example.org>\r\n"
        "Envoy=E9 : mardi 1 d=E9cembre 2026 10:12\r\n"
        "Objet : [Entraide] D=E9neigement\r\n\r\n"
        f"--{alternative}\r\n"
        'Content-Type: text/html; charset="iso-8859-1"\r\n'
        "Content-Transfer-Encoding: quoted-printable\r\n\r\n"
        "<html><body><p>Voici le plan de d=E9neigement.</p>"
        '<p><img src=3D"cid:image001.png@01DB4A3C.5E7F1A20"></p></body></html>\r\n\r\n'
        f"--{alternative}--\r\n\r\n"
        f"--{related}\r\n"
        'Content-Type: image/png; name="image001.png"\r\n'
        "Content-Description: image001.png\r\n"
        'Content-Disposition: inline; filename="image001.png"\r\n'
        "Content-ID: <image001.png@01DB4A3C.5E7F1A20>\r\n"
        "Content-Transfer-Encoding: base64\r\n\r\n"
        f"{_b64(logo)}\r\n\r\n"
        f"--{related}--\r\n\r\n"
        + _file_part("Plan de déneigement.pdf", attached, "application/pdf", boundary=mixed)
        + f"--{mixed}--\r\n"
    )
    return raw.encode("latin-1", errors="replace")


def address(user, question, **target):
    return replies.reply_address(
        user=user, target=replies.ReplyTarget(user_id=user.pk, question_id=question.pk, **target)
    )


def _notices(user):
    return EmailDelivery.objects.filter(recipient=user, idempotency_key__startswith="inbound-files")


def test_files_of_a_reply_become_the_answers_attachments(member, thread, receive):
    to = address(member, thread)
    raw = thunderbird(
        sender=member.email,
        to=to,
        files=[
            ("Délibération du conseil.pdf", pdf(), "application/pdf"),
            ("chantier.jpg", jpeg_with_gps(), "image/jpeg"),
        ],
    )
    mail = receive(raw, to=to)
    assert (mail.status, mail.reason, mail.error) == (InboundStatus.POSTED, "", "")
    answer = thread.answers.get(author=member)
    assert answer.body == TEXT
    files = list(answer.attachments.order_by("number"))
    assert [(file.original_name, file.number) for file in files] == [
        ("Délibération du conseil.pdf", 1),
        ("chantier.jpg", 2),
    ]
    assert files[0].uploader == member and files[0].content_type == "application/pdf"
    photo = files[1]
    assert photo.is_image and photo.thumbnail
    with photo.file.open("rb") as stored, Image.open(stored) as image:
        assert not image.getexif()  # re-encoded like an upload: no EXIF, no GPS
    assert not _notices(member).exists()


def test_a_refused_file_keeps_the_post_and_the_member_is_told_why(
    member, thread, receive, mailoutbox
):
    to = address(member, thread)
    raw = thunderbird(
        sender=member.email,
        to=to,
        files=[
            ("compte-rendu.pdf", pdf(), "application/pdf"),
            ("facture.pdf", b"MZ\x90\x00\x03" + bytes(200), "application/pdf"),  # a program
            ("archives.zip", zip_bomb(megabytes=12), "application/zip"),
            ("tableau.docx", office("docx", macros=True), "application/msword"),
        ],
    )
    mail = receive(raw, to=to)
    assert (mail.status, mail.reason) == (InboundStatus.POSTED, "files_refused")
    answer = thread.answers.get(author=member)
    assert answer.body == TEXT
    assert [file.original_name for file in answer.attachments.all()] == ["compte-rendu.pdf"]
    assert "« facture.pdf » est refusé : c'est un programme exécutable." in mail.error
    assert "archives.zip" in mail.error and "bombe ZIP" in mail.error
    assert "tableau.docx" in mail.error and "macros" in mail.error
    [notice] = _notices(member)
    [sent] = [m for m in mailoutbox if m.subject == notice.subject]
    assert sent.to == [member.email]
    assert "Pièces jointes refusées" in sent.subject
    assert "est publié sur Entraide, mais sans certaines de ses pièces jointes" in sent.body
    assert "Le fichier « facture.pdf » est refusé : c'est un programme exécutable." in sent.body
    assert "Le fichier « tableau.docx » est refusé : les documents contenant des macros" in (
        sent.body
    )
    assert "compte-rendu.pdf" not in sent.body  # accepted: not mentioned
    assert answer.get_absolute_url() in sent.body
    assert "« facture.pdf »" in sent.alternatives[0][0]


def test_an_infected_file_is_refused_by_the_antivirus_hook(settings, member, thread, receive):
    server = _serve(_TcpClamd(("127.0.0.1", 0), _Handler))
    settings.CLAMD_SOCKET = f"tcp://127.0.0.1:{server.server_address[1]}"
    try:
        to = address(member, thread)
        raw = thunderbird(
            sender=member.email,
            to=to,
            files=[
                ("lisezmoi.txt", EICAR, "text/plain"),
                ("notes.txt", b"Ordre du jour", "text/plain"),
            ],
        )
        mail = receive(raw, to=to)
    finally:
        server.shutdown()
        server.server_close()
    assert len(server.received) == 2
    answer = thread.answers.get(author=member)
    assert [file.original_name for file in answer.attachments.all()] == ["notes.txt"]
    assert "« lisezmoi.txt » est refusé : l'antivirus y a détecté" in mail.error


def test_the_images_of_one_mail_share_one_pixel_budget(settings, member, thread, receive):
    settings.QA_ATTACHMENT_MAX_PIXELS_PER_POST = 2000  # one 40 × 30 image, not two
    to = address(member, thread)
    raw = thunderbird(
        sender=member.email,
        to=to,
        files=[("a.png", png(), "image/png"), ("b.png", png(), "image/png")],
    )
    mail = receive(raw, to=to)
    answer = thread.answers.get(author=member)
    assert [file.original_name for file in answer.attachments.all()] == ["a.png"]
    assert "« b.png » est refusé : les images de ce message dépassent" in mail.error


def test_a_comment_keeps_as_many_files_as_the_comment_form(
    settings, member, thread, receive, committed
):
    settings.QA_ATTACHMENTS_PER_COMMENT = 2
    to = address(member, thread, comment_on_question=True)
    raw = thunderbird(
        sender=member.email,
        to=to,
        text="Et la convention ?",
        files=[(f"piece-{n}.txt", f"Pièce {n}".encode(), "text/plain") for n in (1, 2, 3)],
    )
    mail = receive(raw, to=to)
    comment = thread.comments.get(author=member)
    assert comment.body == "Et la convention ?"
    assert [file.original_name for file in comment.attachments.order_by("number")] == [
        "piece-1.txt",
        "piece-2.txt",
    ]
    assert mail.reason == "files_refused"
    assert "« piece-3.txt » est refusé : un message garde au plus 2 pièces jointes" in mail.error


def test_files_past_the_members_storage_quota_are_refused(settings, member, thread, receive):
    settings.QA_ATTACHMENT_QUOTA = len(pdf()) + 10
    to = address(member, thread)
    raw = thunderbird(
        sender=member.email,
        to=to,
        files=[("un.pdf", pdf(), "application/pdf"), ("deux.pdf", pdf(), "application/pdf")],
    )
    mail = receive(raw, to=to)
    answer = thread.answers.get(author=member)
    assert [file.original_name for file in answer.attachments.all()] == ["un.pdf"]
    assert "« deux.pdf » est refusé : il dépasse l'espace de stockage" in mail.error


def test_outlook_signature_logos_are_not_attachments_but_real_files_are(member, thread, receive):
    logo = io.BytesIO()
    Image.new("RGB", (20, 10), "green").save(logo, "PNG")
    to = address(member, thread)
    raw = outlook_html(sender=member.email, to=to, logo=logo.getvalue(), attached=pdf())
    mail = receive(raw, to=to)
    assert (mail.status, mail.reason) == (InboundStatus.POSTED, "")
    answer = thread.answers.get(author=member)
    assert answer.body == "Voici le plan de déneigement."
    assert [file.original_name for file in answer.attachments.all()] == ["Plan de déneigement.pdf"]


def test_a_forwarded_message_is_a_refused_file_not_a_lost_reply(member, thread, receive):
    to = address(member, thread)
    boundary = "fwd-boundary"
    raw = (
        f"From: {member.email}\r\nTo: {to}\r\nSubject: Re: x\r\n"
        f"Message-ID: {make_msgid(domain='example.fr')}\r\nMIME-Version: 1.0\r\n"
        f'Content-Type: multipart/mixed; boundary="{boundary}"\r\n\r\n'
        f"--{boundary}\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
        "Je vous transfère le courriel de la préfecture.\r\n"
        f"--{boundary}\r\nContent-Type: message/rfc822\r\n"
        'Content-Disposition: attachment; filename="Courriel de la préfecture.eml"\r\n\r\n'
        "From: prefecture@example.gouv.fr\r\nSubject: Arrêté\r\n\r\nTexte de l'arrêté.\r\n"
        f"--{boundary}--\r\n"
    ).encode()
    mail = receive(raw, to=to)
    assert (mail.status, mail.reason) == (InboundStatus.POSTED, "files_refused")
    answer = thread.answers.get(author=member)
    assert answer.body == "Je vous transfère le courriel de la préfecture."
    assert not answer.attachments.exists()
    assert "« Courriel de la préfecture.eml » est refusé : ce type de fichier" in mail.error


def test_a_retried_message_stores_its_files_and_tells_the_member_once(
    member, thread, receive, committed
):
    to = address(member, thread)
    raw = thunderbird(
        sender=member.email, to=to, files=[("programme.pdf", b"MZ" + bytes(100), "x/y")]
    )
    mail = receive(raw, to=to)
    with committed():
        again, created = intake.mail_receive(raw=raw, envelope_to=to)
    assert not created and again.pk == mail.pk
    assert thread.answers.filter(author=member).count() == 1
    assert _notices(member).count() == 1
    assert InboundMail.objects.count() == 1
    assert Attachment.objects.count() == 0


def test_without_any_file_nothing_changes(member, thread, receive):
    to = address(member, thread)
    mail = receive(thunderbird(sender=member.email, to=to, files=[]), to=to)
    assert (mail.status, mail.reason) == (InboundStatus.POSTED, "")
    assert not Attachment.objects.exists()


def test_ask_by_email_keeps_the_same_checks(member, receive):
    to = replies.ask_address(member)
    raw = thunderbird(
        sender=member.email,
        to=to,
        text="Quelles aides pour la chaudière de l'école ?",
        files=[("devis.pdf", pdf(), "application/pdf"), ("virus.pdf", b"MZ" + bytes(99), "x/y")],
    )
    mail = receive(raw, to=to)
    assert mail.status == InboundStatus.AWAITING
    files = asking.ask_files(mail)
    assert [(file.name, bool(file.refusal)) for file in files] == [
        ("devis.pdf", False),
        ("virus.pdf", True),
    ]
