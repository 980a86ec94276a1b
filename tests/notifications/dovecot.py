"""A real Dovecot IMAP server on loopback for the polling tests (Debian's `dovecot-imapd`).

It runs in the foreground from a generated configuration in a temporary folder, with its own
passdb (a passwd-file) and a static userdb, on a free port, and is stopped (and waited for)
afterwards: no process is left behind.

It runs in a session of its own, and the stop sends SIGTERM to the whole process group: its
master and its children (log, config, anvil, imap-login, imap) end at once. SIGTERM to the
master alone makes it wait about a second for the children it then signals, a second per test.
"""

from __future__ import annotations

import contextlib
import getpass
import grp
import imaplib
import os
import pwd
import shutil
import signal
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from tests.processes import free_port

DOVECOT = shutil.which("dovecot") or (
    "/usr/sbin/dovecot" if Path("/usr/sbin/dovecot").exists() else None
)
SKIP_REASON = "dovecot n'est pas installé (apt-get install dovecot-imapd) : pas de test IMAP réel"


@dataclass(frozen=True)
class Mailbox:
    host: str
    port: int
    user: str
    password: str

    @property
    def url(self) -> str:
        return f"imap://{self.user}:{self.password}@{self.host}:{self.port}/INBOX"

    def append(self, raw: bytes) -> None:
        client = imaplib.IMAP4(self.host, self.port, timeout=10)
        try:
            client.login(self.user, self.password)
            typ, data = client.append("INBOX", None, None, raw)
            assert typ == "OK", data
        finally:
            client.logout()

    def count(self) -> int:
        client = imaplib.IMAP4(self.host, self.port, timeout=10)
        try:
            client.login(self.user, self.password)
            client.select("INBOX")
            typ, data = client.uid("SEARCH", None, "UNDELETED")
            return len((data[0] or b"").split())
        finally:
            client.logout()


def _users() -> tuple[str, str, str]:
    """(login user, internal user, mail user): Dovecot's own accounts when run as root."""
    if os.geteuid() == 0:
        return "dovenull", "dovecot", "dovecot"
    me = getpass.getuser()
    return me, me, me


CONFIG = """\
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain
default_login_user = {login_user}
default_internal_user = {internal_user}
default_internal_group = {internal_group}
mail_location = maildir:{root}/mail/%u
first_valid_uid = 1
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root}/users
}}
userdb {{
  driver = static
  args = uid={mail_user} gid={mail_group} home={root}/mail/%u
}}
service imap-login {{
  chroot =
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
service anvil {{
  chroot =
}}
service stats {{
  unix_listener stats-writer {{
    mode = 0666
  }}
}}
"""


@contextlib.contextmanager
def running_dovecot():
    root = Path(tempfile.mkdtemp(prefix="entraide-dovecot-"))
    process = None
    try:
        login_user, internal_user, mail_user = _users()
        mail_group = grp.getgrgid(pwd.getpwnam(mail_user).pw_gid).gr_name
        internal_group = grp.getgrgid(pwd.getpwnam(internal_user).pw_gid).gr_name
        (root / "mail").mkdir()
        os.chmod(root, 0o755)  # noqa: S103 (Dovecot's own users read their config)
        shutil.chown(root / "mail", mail_user, mail_group)
        password = "mot-de-passe-de-test"
        (root / "users").write_text(f"entraide:{{PLAIN}}{password}\n")
        port = free_port()
        config = root / "dovecot.conf"
        config.write_text(
            CONFIG.format(
                root=root,
                port=port,
                login_user=login_user,
                internal_user=internal_user,
                internal_group=internal_group,
                mail_user=mail_user,
                mail_group=mail_group,
            )
        )
        process = subprocess.Popen(  # noqa: S603 (fixed arguments)
            [DOVECOT, "-F", "-c", str(config)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            start_new_session=True,
        )
        mailbox = Mailbox(host="127.0.0.1", port=port, user="entraide", password=password)
        deadline = time.monotonic() + 30
        while True:
            if process.poll() is not None:
                log = (root / "dovecot.log").read_text() if (root / "dovecot.log").exists() else ""
                raise AssertionError(f"dovecot stopped: {process.stderr.read()!r} {log[-2000:]}")
            try:
                mailbox.count()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
        yield mailbox
    finally:
        if process is not None:
            _stop_group(process)
            process.stderr.close()
        shutil.rmtree(root, ignore_errors=True)


def _stop_group(process: subprocess.Popen) -> None:
    """SIGTERM to Dovecot's process group, then SIGKILL if its master still runs ten seconds
    later (the group is gone once the master has exited and been waited for)."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()
