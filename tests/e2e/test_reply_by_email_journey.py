"""Reply by e-mail, end to end with real processes (issue 18, « Done when »).

The site runs as it does in production, in three OS processes on one database (on SQLite a
file in WAL mode, on PostgreSQL the test database): the web server (`manage.py runserver`), the
listener a local Postfix delivers to (`manage.py mail_listen`) and the task worker
(`manage.py db_worker`). The member's reply address comes from `manage.py reply_address`. A
reply written like a Gmail one, sent with `smtplib` to the listener, becomes an answer within
seconds without its quoted history; the browser then shows it to the asker, and the quoted text
to a moderator only, in a collapsible « Texte cité », with axe on every page.
"""

import os
import re
import smtplib
import socket
import subprocess
import sys
import time
from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.db import connection
from playwright.sync_api import expect

from qa import services as qa_services
from qa.models import Answer
from tests import factories
from tests.concurrency import file_database, in_thread
from tests.e2e.conftest import login
from tests.factories import TEST_PASSWORD
from tests.processes import free_port, stop, wait_until_up
from tests.reliability.drill_worker import database_url
from website.notifications.models import InboundMail, InboundStatus

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

ROOT = Path(__file__).resolve().parents[2]
DOMAIN = "reponses.entraide.example.org"
TITLE = "Qui déneige les voies communales en régie ?"
NEW_TEXT = "Chez nous, c'est la communauté de communes qui s'en charge depuis 2024."
QUOTED = "Nous cherchons un prestataire pour cet hiver."
WITHIN_SECONDS = 30


def _environment(tmp_path) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "PYTEST"))}
    return env | {
        "DJANGO_SETTINGS_MODULE": "website.settings",
        "DJANGO_DEBUG": "true",  # plain HTTP on loopback: no HTTPS-only cookies
        "SECRET_KEY": django_settings.SECRET_KEY,
        "DATABASE_URL": database_url(connection),
        "CACHE_URL": "locmemcache://",
        "EMAIL_URL": "dummymail://",
        "TASKS_BACKEND": "django_tasks_db.DatabaseBackend",
        "REPLY_DOMAIN": DOMAIN,
        "SEARCH_INDEX_DIR": str(tmp_path / "recherche"),
        "MEDIA_ROOT": str(tmp_path / "media"),
        "ALLOWED_HOSTS": "127.0.0.1",
        "LOG_LEVEL": "WARNING",
        # The moderator signs in with a password only, as in the other journeys (the test
        # settings' choice; the second factor has journeys of its own).
        "MFA_REQUIRED_FOR_STAFF": "false",
    }


def _start(command, env, log, stderr=subprocess.STDOUT):
    return subprocess.Popen(  # noqa: S603 (fixed arguments)
        [sys.executable, str(ROOT / "manage.py"), *command],
        env=env,
        cwd=ROOT,
        stdout=log,
        stderr=stderr,
        text=True,
    )


def _wait_for_port(port, process, deadline):
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError("the listener stopped (see processes.log)")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=2):
                return
        except OSError:
            time.sleep(0.3)
    raise AssertionError("the listener did not start in time")


def _setup():
    topic = factories.TopicFactory(name="Voirie")
    asker = factories.UserFactory(email="asker@commune.example.fr", first_name="Anne")
    replier = factories.UserFactory(
        email="jeanne@mairie.example.fr", first_name="Jeanne", last_name="Exemple"
    )
    moderator = factories.UserFactory(email="modo@example.org", roles=["Modérateurs"])
    # The server processes run the production settings: a hash their hashers know (the test
    # settings' fast MD5 is not one of them).
    for user in (asker, moderator):
        user.password = PBKDF2PasswordHasher().encode(TEST_PASSWORD, "selmailask")
        user.save(update_fields=["password"])
    question = qa_services.question_create(author=asker, title=TITLE, body=QUOTED, topics=[topic])
    return asker.email, replier.email, moderator.email, question.pk, question.get_absolute_url()


def _answer_of(email):
    answer = Answer.objects.filter(author__email=email).first()
    return answer.body if answer else None


def _mail_state():
    return list(InboundMail.objects.values_list("status", "quoted_text"))


def gmail_reply(sender, to):
    message = EmailMessage()
    message["From"] = f"Jeanne Exemple <{sender}>"
    message["To"] = to
    message["Subject"] = f"Re: [Entraide] {TITLE}"
    message["Message-ID"] = make_msgid(domain="mail.gmail.example")
    message.set_content(
        f"{NEW_TEXT}\n\nBien à vous,\nJeanne\n\n"
        "Le mar. 1 déc. 2026 à 10:12, Entraide <ne-pas-repondre@entraide.example.org> a "
        "écrit :\n"
        "> Répondez directement à ce message pour répondre sur Entraide.\n"
        f"> {QUOTED}\n"
    )
    return message


@pytest.mark.long
def test_a_reply_sent_to_the_running_listener_shows_in_the_thread(browser, axe, tmp_path):
    with file_database():
        asker, replier, moderator, question_id, path = in_thread(_setup)
        env = _environment(tmp_path)
        web_port, smtp_port = free_port(), free_port()
        log = open(tmp_path / "processes.log", "w")  # noqa: SIM115 — closed below
        processes = [
            _start(
                ["runserver", "--noreload", "--skip-checks", f"127.0.0.1:{web_port}"],
                env,
                subprocess.DEVNULL,
                stderr=subprocess.PIPE,
            ),
            _start(["mail_listen", "--bind", f"127.0.0.1:{smtp_port}"], env, log),
            _start(
                [
                    "db_worker",
                    "--queue-name",
                    "default,email",
                    "--interval",
                    "0.2",
                    "--no-startup-delay",
                    "--no-reload",
                ],
                env,
                log,
            ),
        ]
        try:
            deadline = time.monotonic() + 120
            base_url = f"http://127.0.0.1:{web_port}"
            wait_until_up(base_url, processes[0], deadline)
            _wait_for_port(smtp_port, processes[1], deadline)
            address = subprocess.run(  # noqa: S603 (fixed arguments)
                [
                    sys.executable,
                    str(ROOT / "manage.py"),
                    "reply_address",
                    replier,
                    str(question_id),
                ],
                env=env,
                cwd=ROOT,
                check=True,
                capture_output=True,
                text=True,
            ).stdout.strip()
            assert re.fullmatch(rf"r\+[a-z0-9-]+@{re.escape(DOMAIN)}", address), address

            sent_at = time.monotonic()
            with smtplib.SMTP("127.0.0.1", smtp_port, timeout=30) as client:
                client.send_message(gmail_reply(replier, address))
            while (body := in_thread(_answer_of, replier)) is None:
                assert time.monotonic() - sent_at < WITHIN_SECONDS, in_thread(_mail_state)
                assert all(process.poll() is None for process in processes)
                time.sleep(0.2)
            assert body == NEW_TEXT
            [(status, quoted)] = in_thread(_mail_state)
            assert status == InboundStatus.POSTED and QUOTED in quoted

            context = browser.new_context(base_url=base_url, locale="fr-FR")
            page = context.new_page()
            page.set_default_timeout(30_000)
            problems = []
            page.on("dialog", lambda dialog: (problems.append(dialog.message), dialog.dismiss()))
            login(page, asker, TEST_PASSWORD)
            page.goto(path)
            answers = page.locator("#answers")
            expect(answers).to_contain_text(NEW_TEXT)
            expect(answers).to_contain_text("Jeanne Exemple")
            assert QUOTED not in answers.inner_text()
            assert "Texte cité" not in page.content()
            axe(page)
            context.close()

            context = browser.new_context(base_url=base_url, locale="fr-FR")
            page = context.new_page()
            page.set_default_timeout(30_000)
            login(page, moderator, TEST_PASSWORD)
            page.goto(path)
            quoted_section = page.locator("#answers .mail-note details")
            summary = quoted_section.locator("summary")
            expect(summary).to_contain_text("Texte cité")
            expect(quoted_section.locator("pre")).to_be_hidden()
            summary.click()
            expect(quoted_section.locator("pre")).to_contain_text(QUOTED)
            axe(page)
            context.close()
            assert not problems, problems
        finally:
            stop(*processes)
            log.close()
