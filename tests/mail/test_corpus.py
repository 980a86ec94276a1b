"""The corpus of real-looking French replies: each `.eml` gives exactly its `.txt` once cleaned.

Outlook (desktop, web, mobile), Gmail (web, Android, iOS), Thunderbird, iOS and Android mail,
Orange, Free, La Poste and Yahoo webmails, a shared mairie mailbox with a legal disclaimer,
forwarded messages, reply-all with nested quotes, HTML-only mails (with a script and a tracking
pixel), top-, bottom- and interleaved posting, and the charsets and transfer encodings
(windows-1252, ISO-8859-15, ISO-8859-1, quoted-printable, base64, RFC 2047 subjects, an
unknown charset). Names and addresses are fictional (example.org, example.fr).
"""

from pathlib import Path

import pytest

from qa import services as qa_services
from qa.models import Answer
from website.notifications import intake, mailtext, replies
from website.notifications.models import InboundMail, InboundStatus

CORPUS = Path(__file__).parent / "corpus"
FILES = sorted(CORPUS.glob("*.eml"))
PLACEHOLDER = b"r+1-c-x-ktx-abcdefghijklmnopqrst@reponses.example.org"


def expected(path: Path) -> str:
    return path.with_suffix(".txt").read_text(encoding="utf-8").strip()


def test_the_corpus_has_at_least_forty_messages():
    assert len(FILES) >= 40
    assert all(path.with_suffix(".txt").exists() for path in FILES)


@pytest.mark.parametrize("path", FILES, ids=[path.stem for path in FILES])
def test_each_reply_is_cleaned_to_its_expected_text(path):
    message = mailtext.parse(path.read_bytes())
    assert mailtext.split_reply(mailtext.body_text(message)).text == expected(path)
    assert "=?" not in mailtext.header(message, "Subject")
    assert mailtext.header(message, "Subject").startswith("Re: [Entraide] Déneigement")


def test_the_whole_corpus_goes_through_the_intake(settings, make_user, make_topic):
    settings.REPLY_DOMAIN = "reponses.example.org"
    settings.QA_NEW_MEMBER_POSTS_PER_HOUR = 1000
    settings.INBOUND_MAIL_MAX_PER_HOUR = 1000  # one sender sends the whole corpus at once
    member = make_user()
    question = qa_services.question_create(
        author=make_user(),
        title="Déneigement des voies communales : qui contacter ?",
        body="Qui s'en charge chez vous ?",
        topics=[make_topic()],
    )
    address = replies.reply_address(
        user=member, target=replies.ReplyTarget(user_id=member.pk, question_id=question.pk)
    ).encode()
    for path in FILES:
        # Processed here rather than after the commit: the notifications and the search
        # index that follow a post are not what this test measures (and cost the most).
        mail, _created = intake.mail_receive(raw=path.read_bytes().replace(PLACEHOLDER, address))
        intake.mail_process(mail_id=mail.pk)
    assert list(InboundMail.objects.exclude(status=InboundStatus.POSTED)) == []
    bodies = sorted(Answer.objects.filter(author=member).values_list("body", flat=True))
    assert bodies == sorted(expected(path) for path in FILES)
    # A shared mailbox, not the member's address: published, and flagged for moderators.
    assert InboundMail.objects.filter(from_mismatch=True).count() == len(FILES)
