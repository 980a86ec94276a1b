"""`make cluster-drill`: two application nodes behind HAProxy, on engines of the drill's own.

Everything runs on loopback, on free ports, in a temporary folder, and is stopped at the end,
even on failure: a PostgreSQL cluster (`initdb` with Debian's /usr/lib/postgresql/*/bin, as
the `postgres` OS account when run as root), a `redis-server`, an S3-compatible server (moto)
for the uploaded files, an SMTP sink (aiosmtpd, in this process), two gunicorn nodes with
separate working folders, one django-tasks worker per node, and HAProxy in front (retries on
another node for GET and HEAD only). It then checks what docs/operations.md, « Cluster drill »
lists and prints a pass/fail table with timings; the exit status is 1 if a check failed.
No other process of the machine is touched: nothing is reached but what the drill started.
"""

from __future__ import annotations

import contextlib
import glob
import io
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import boto3
import psycopg
import requests
from aiosmtpd.controller import Controller
from pypdf import PdfWriter

ROOT = Path(__file__).resolve().parents[1]
PYTHON = sys.executable
HOST = "127.0.0.1"
PASSWORD = "drill-Entraide-2026!"  # noqa: S105 (accounts of the drill's own database)
BUCKET = "entraide-drill"
METRICS_TOKEN = secrets.token_urlsafe(24)
S3_KEYS = {"S3_ACCESS_KEY_ID": "drill", "S3_SECRET_ACCESS_KEY": "drill-secret"}
LOAD_SECONDS, LOAD_RATE, KILL_AFTER = 20, 20, 6


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


class DrillFailure(Exception):
    pass


def expect(condition, message) -> None:
    if not condition:
        raise DrillFailure(message)


def wait_for(condition, timeout: float, what: str, interval: float = 0.1):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(Exception):
            result = condition()
            if result:
                return result
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")


class Sink:
    """The SMTP server the nodes' workers send to: every message received, by recipient."""

    def __init__(self):
        self.received: list[str] = []
        self.port = free_port()
        self.controller = Controller(self, hostname=HOST, port=self.port)

    async def handle_DATA(self, server, session, envelope):
        self.received.extend(envelope.rcpt_tos)
        return "250 OK"


class Cluster:
    def __init__(self, folder: Path):
        self.folder = folder
        self.processes: dict[str, subprocess.Popen] = {}
        self.pg_dir = folder / "postgresql"
        self.ports = {name: free_port() for name in ("pg", "redis", "s3", "a", "b", "lb")}
        self.as_postgres = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        self.pg_bin = Path(sorted(glob.glob("/usr/lib/postgresql/*/bin"))[-1])
        self.sink = Sink()
        for node in ("a", "b"):
            (folder / node).mkdir()
        self.env = {
            **{k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "PYTEST"))},
            "DJANGO_SETTINGS_MODULE": "website.settings",
            # Plain HTTP on loopback: debug mode only turns off the HTTPS-only cookies.
            "DJANGO_DEBUG": "true",
            "PYTHONPATH": str(ROOT),
            "SECRET_KEY": secrets.token_urlsafe(40),
            "ALLOWED_HOSTS": HOST,
            "DATABASE_URL": f"postgres://postgres@{HOST}:{self.ports['pg']}/entraide",
            "CACHE_URL": f"redis://{HOST}:{self.ports['redis']}/1",
            "EMAIL_URL": f"smtp://{HOST}:{self.sink.port}",
            "DEFAULT_FROM_EMAIL": "entraide@drill.invalid",
            "SEARCH_BACKEND": "postgres",
            "TASKS_BACKEND": "django_tasks_db.DatabaseBackend",
            "S3_BUCKET": BUCKET,
            "S3_ENDPOINT_URL": f"http://{HOST}:{self.ports['s3']}",
            "S3_REGION": "us-east-1",
            **S3_KEYS,
            "LOG_LEVEL": "ERROR",
            "METRICS_TOKEN": METRICS_TOKEN,
        }

    # --- processes ------------------------------------------------------------------------

    def start(self, name: str, command: list[str], env=None, cwd=None) -> subprocess.Popen:
        log = open(self.folder / f"{name}.log", "ab")  # noqa: SIM115 (closed with the process)
        process = subprocess.Popen(  # noqa: S603 (fixed commands)
            command,
            env=env or self.env,
            cwd=cwd or self.folder,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: stopped with all its children
        )
        log.close()
        self.processes[name] = process
        return process

    def kill(self, name: str, sig=signal.SIGTERM, timeout: float = 10) -> None:
        process = self.processes.pop(name, None)
        if process is None or process.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, sig)
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait()

    def pg_ctl(self, *arguments: str) -> None:
        options = f"-p {self.ports['pg']} -k {self.pg_dir} -c listen_addresses={HOST} -c fsync=off"
        result = subprocess.run(  # noqa: S603 (fixed commands)
            [*self.as_postgres, str(self.pg_bin / "pg_ctl"), "-D", str(self.pg_dir / "data")]
            + ["-l", str(self.pg_dir / "server.log"), "-o", options, "-w", *arguments],
            capture_output=True,
            text=True,
        )
        if result.returncode:
            log = (self.pg_dir / "server.log").read_text(errors="replace")[-1500:]
            raise AssertionError(f"pg_ctl {arguments[0]}: {result.stderr}{result.stdout}{log}")

    def manage(self, *arguments: str, node: str = "a") -> str:
        result = subprocess.run(  # noqa: S603 (fixed commands)
            [PYTHON, str(ROOT / "manage.py"), *arguments],
            env=self.node_env(node),
            cwd=self.folder / node,
            capture_output=True,
            text=True,
        )
        if result.returncode:
            raise AssertionError(f"manage.py {arguments[0]} failed:\n{result.stderr[-3000:]}")
        return result.stdout

    def node_env(self, node: str) -> dict:
        work = self.folder / node
        return self.env | {
            "SEARCH_INDEX_DIR": str(work / "recherche"),
            "MEDIA_ROOT": str(work / "media"),
            "STATIC_ROOT": str(work / "static"),
            "PROMETHEUS_MULTIPROC_DIR": str(work / "metrics"),
        }

    # --- the engines and the nodes --------------------------------------------------------

    def start_postgres(self) -> None:
        self.pg_dir.mkdir()
        if self.as_postgres:
            shutil.chown(self.folder, "postgres")
            shutil.chown(self.pg_dir, "postgres")
        subprocess.run(  # noqa: S603 (fixed commands)
            [*self.as_postgres, str(self.pg_bin / "initdb"), "-D", str(self.pg_dir / "data")]
            + ["-U", "postgres", "-A", "trust", "-E", "UTF8", "--no-sync"],
            check=True,
            capture_output=True,
        )
        self.pg_ctl("start")
        self.sql("CREATE DATABASE entraide", database="postgres")

    def sql(self, query: str, *params, database: str = "entraide"):
        url = f"postgresql://postgres@{HOST}:{self.ports['pg']}/{database}"
        with psycopg.connect(url, autocommit=True) as connection:
            cursor = connection.execute(query, params)
            return cursor.fetchall() if cursor.description else None

    def start_redis(self) -> None:
        self.start(
            "redis",
            ["redis-server", "--port", str(self.ports["redis"]), "--bind", HOST]
            + ["--save", "", "--appendonly", "no", "--dir", str(self.folder)],
        )
        wait_for(lambda: socket.create_connection((HOST, self.ports["redis"])), 10, "Redis")

    def start_s3(self) -> None:
        self.start("s3", [PYTHON, "-m", "moto.server", "-H", HOST, "-p", str(self.ports["s3"])])
        endpoint = self.env["S3_ENDPOINT_URL"]
        wait_for(lambda: requests.get(endpoint, timeout=2), 30, "the S3 server")
        self.s3 = boto3.client(
            "s3",
            endpoint_url=endpoint,
            region_name="us-east-1",
            aws_access_key_id=S3_KEYS["S3_ACCESS_KEY_ID"],
            aws_secret_access_key=S3_KEYS["S3_SECRET_ACCESS_KEY"],
        )
        self.s3.create_bucket(Bucket=BUCKET)

    def start_node(self, node: str) -> None:
        # The production guide's multiprocess metrics: every worker's counters in one folder.
        (self.folder / node / "metrics").mkdir(parents=True, exist_ok=True)
        self.start(
            f"node-{node}",
            [PYTHON, "-m", "gunicorn", "website.wsgi", "--bind", f"{HOST}:{self.ports[node]}"]
            + ["--workers", "2", "--threads", "4", "--timeout", "30", "--graceful-timeout", "3"],
            env=self.node_env(node),
            cwd=self.folder / node,
        )
        self.start(
            f"worker-{node}",
            [PYTHON, str(ROOT / "manage.py"), "db_worker", "--queue-name", "default,email,search"]
            + ["--interval", "0.1", "--no-startup-delay", "--no-reload", "--worker-id", node],
            env=self.node_env(node),
            cwd=self.folder / node,
        )

    def wait_healthy(self, node: str, timeout: float = 90) -> None:
        url = f"http://{HOST}:{self.ports[node]}/sante/"
        wait_for(lambda: requests.get(url, timeout=5).status_code == 200, timeout, f"node {node}")

    def start_haproxy(self) -> None:
        config = self.folder / "haproxy.cfg"
        config.write_text(
            f"""global
    maxconn 512
defaults
    mode http
    timeout connect 1s
    timeout check 5s
    timeout client 30s
    timeout server 30s
    # A failed connection is retried (the request never reached a node); an answer lost
    # after sending is retried on the other node for GET and HEAD only.
    retries 3
    option redispatch 1
    retry-on conn-failure empty-response response-timeout
frontend site
    bind {HOST}:{self.ports["lb"]}
    http-request disable-l7-retry unless METH_GET || METH_HEAD
    default_backend nodes
backend nodes
    balance roundrobin
    option httpchk GET /sante/
    default-server inter 1s fall 2 rise 2
    server a {HOST}:{self.ports["a"]} check
    server b {HOST}:{self.ports["b"]} check
"""
        )
        self.start("haproxy", ["haproxy", "-db", "-f", str(config)])
        lb = f"http://{HOST}:{self.ports['lb']}/sante/"
        wait_for(lambda: requests.get(lb, timeout=5).status_code == 200, 30, "HAProxy")

    def stop(self) -> None:
        for name in list(reversed(self.processes)):
            self.kill(name)
        with contextlib.suppress(Exception):
            self.pg_ctl("stop", "-m", "immediate")
        self.sink.controller.stop()

    def url(self, where: str) -> str:
        return f"http://{HOST}:{self.ports[where]}"


# --- the site, as a browser uses it ---------------------------------------------------------


def metrics(base: str) -> dict[str, float]:
    """A node's Prometheus metrics (`/metriques/`, as Prometheus reads them), by series."""
    response = requests.get(
        base + "/metriques/", headers={"Authorization": f"Bearer {METRICS_TOKEN}"}, timeout=10
    )
    expect(response.status_code == 200, f"metrics answered {response.status_code}")
    series = {}
    for line in response.text.splitlines():
        if line and not line.startswith("#"):
            name, value = line.rsplit(" ", 1)
            series[name] = float(value)
    return series


CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def browser() -> requests.Session:
    session = requests.Session()
    # Every node sees the site's one host name, as behind the load balancer.
    session.headers["Host"] = HOST
    return session


def csrf(session, url: str) -> str:
    return CSRF.search(session.get(url, timeout=30).text).group(1)


def login(session, base: str, email: str, password: str = PASSWORD) -> requests.Response:
    token = csrf(session, base + "/comptes/login/")
    return session.post(
        base + "/comptes/login/",
        data={"login": email, "password": password, "csrfmiddlewaretoken": token},
        allow_redirects=False,
        timeout=30,
    )


def post(session, base: str, path: str, data: dict, files=None) -> requests.Response:
    data = {"csrfmiddlewaretoken": csrf(session, base + "/questions/"), **data}
    return session.post(base + path, data=data, files=files, allow_redirects=False, timeout=30)


SEED = (
    f"PASSWORD = {PASSWORD!r}\n"
    + """
from datetime import timedelta
from allauth.account.models import EmailAddress
from django.contrib.auth.models import Group
from django.utils import timezone
from directory.models import User
from taxonomy.models import Topic
members = Group.objects.get(name="Membres")
for email in ("demandeur@drill.invalid", "repondant@drill.invalid", "bloque@drill.invalid"):
    user = User.objects.create_user(email=email, password=PASSWORD, first_name="Drill",
        last_name=email.split("@")[0], approved_at=timezone.now() - timedelta(days=90))
    user.groups.add(members)
    EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
topic = Topic.objects.create(name="Viabilité hivernale", slug="viabilite-hivernale")
print(topic.pk)
"""
)


# --- the checks -----------------------------------------------------------------------------


class Drill:
    def __init__(self, cluster: Cluster):
        self.c = cluster
        self.results: list[tuple[str, bool, float, str]] = []

    def check(self, name: str, function) -> None:
        started = time.monotonic()
        try:
            detail = function() or ""
            ok = True
        except Exception as error:  # noqa: BLE001 (a failed check is reported, the drill goes on)
            detail, ok = f"{type(error).__name__}: {error}"[:300], False
        self.results.append((name, ok, time.monotonic() - started, detail))
        print(f"  {'PASS' if ok else 'FAIL'}  {name} ({time.monotonic() - started:.1f} s) {detail}")

    def migrate(self) -> None:
        started = time.monotonic()
        self.c.manage("migrate", "--noinput", "-v0")
        print(f"cluster drill: migrated in {time.monotonic() - started:.0f} s")

    def seed(self) -> None:
        self.topic = int(self.c.manage("shell", "-c", SEED).strip().splitlines()[-1])

    def log_in(self) -> None:
        c = self.c
        self.asker, self.answerer = browser(), browser()
        expect(
            login(self.asker, c.url("a"), "demandeur@drill.invalid").status_code == 302,
            'login(self.asker, c.url("a"), "demandeur@drill.invalid").status_code == 302',
        )
        expect(
            login(self.answerer, c.url("lb"), "repondant@drill.invalid").status_code == 302,
            'login(self.answerer, c.url("lb"), "repondant@drill.invalid").status_code == 302',
        )

    def session_shared(self):
        response = self.asker.get(self.c.url("b") + "/questions/poser/", allow_redirects=False)
        expect(response.status_code == 200, f"node B answered {response.status_code}")
        return "logged in on A, the ask form served by B"

    def failed_logins_shared(self):
        session = browser()
        for _ in range(5):
            status = login(session, self.c.url("a"), "bloque@drill.invalid", "faux").status_code
            expect(status == 200, f"a wrong password on A answered {status}")
        status = login(session, self.c.url("b"), "bloque@drill.invalid", "faux").status_code
        expect(status == 429, f"the 6th failure, on B, answered {status}")
        return "5 failures on A, the 6th on B answers 429"

    def question_searchable(self):
        word = "verglas" + uuid.uuid4().hex[:8]
        response = post(
            self.asker,
            self.c.url("a"),
            "/questions/poser/",
            {
                "kind": "question",
                "title": f"Salage des routes et {word} sur les ponts",
                "body": "Comment organisez-vous le salage des ponts communaux cet hiver ?",
                "topics": [self.topic],
                "submission_token": uuid.uuid4().hex,
                "publish": "1",
            },
        )
        expect(response.status_code == 302, f"asking on A answered {response.status_code}")
        posted = time.monotonic()
        self.question_url = response.headers["Location"]
        self.question_pk = int(re.search(r"/questions/(\d+)/", self.question_url).group(1))

        def found():
            page = self.answerer.get(self.c.url("b") + "/recherche/", params={"q": word})
            return page.status_code == 200 and word in page.text

        wait_for(found, 5, "the question in B's search results", interval=0.05)
        delay = time.monotonic() - posted
        expect(delay <= 1.0, f"found through B after {delay:.2f} s")
        # What operators watch says the same: A counted the question, the index has no lag.
        node_a = metrics(self.c.url("a"))
        asked = node_a.get(
            'entraide_http_requests_total{method="POST",status="302",view="qa:question_ask"}'
        )
        expect(asked and asked >= 1, f"A's metrics count {asked} questions asked")
        # The index has no lag once the tasks the question set off are done. The question is
        # found as soon as its own update is applied, while its notification task may still
        # run; read at that moment, the gauge has shown a later index update waiting, a few
        # hundredths of a second old (two runs on December 5). It must come back to 0 within
        # a second.
        first = metrics(self.c.url("b"))["entraide_search_index_lag_seconds"]

        def caught_up():
            return metrics(self.c.url("b"))["entraide_search_index_lag_seconds"] == 0

        wait_for(caught_up, 1, "B's metrics to give no search index lag", interval=0.05)
        return (
            f"found through B {delay:.2f} s after A answered; metrics agree "
            f"(index lag {first:.2f} s when found, then 0)"
        )

    def email_once(self):
        before = Counter(self.c.sink.received)["demandeur@drill.invalid"]
        response = post(
            self.answerer,
            self.c.url("b"),
            f"/questions/{self.question_pk}/repondre/",
            {"body": "Nous salons la veille au soir.", "submission_token": uuid.uuid4().hex},
        )
        expect(response.status_code == 302, f"answering on B answered {response.status_code}")
        started = time.monotonic()

        def count():
            return Counter(self.c.sink.received)["demandeur@drill.invalid"] - before

        wait_for(count, 30, "the asker's notification e-mail")
        arrived = time.monotonic() - started
        time.sleep(3)  # both workers had time to send it again
        expect(count() == 1, f"{count()} e-mails to the asker")
        waiting = metrics(self.c.url("a"))
        expect(waiting["entraide_emails_pending"] == 0, "the metrics show e-mails still waiting")
        expect(waiting["entraide_emails_failed"] == 0, "the metrics show failed e-mails")
        expect(waiting['entraide_task_queue_depth{queue="email"}'] == 0, "e-mail tasks waiting")
        return f"1 e-mail to the asker after {arrived:.1f} s, none more 3 s later; metrics agree"

    def file_shared(self):
        writer, content = PdfWriter(), io.BytesIO()
        writer.add_blank_page(width=200, height=200)
        writer.write(content)
        content = content.getvalue()
        response = post(
            self.answerer,
            self.c.url("a"),
            f"/questions/{self.question_pk}/repondre/",
            {
                "body": "Notre arrêté de salage, en pièce jointe.",
                "submission_token": uuid.uuid4().hex,
            },
            files={"attachments": ("arrete-salage.pdf", content, "application/pdf")},
        )
        expect(response.status_code == 302, f"uploading on A answered {response.status_code}")
        page = self.asker.get(self.c.url("b") + self.question_url.split("#")[0]).text
        link = re.search(r'href="(/pieces-jointes/\d+/[^"]+)"', page).group(1)
        downloaded = self.asker.get(self.c.url("b") + link)
        expect(downloaded.status_code == 200 and downloaded.content == content, "not downloaded")
        visitor = browser().get(self.c.url("b") + link, allow_redirects=False)
        expect(
            visitor.status_code == 302 and "/comptes/login/" in visitor.headers["Location"],
            'visitor.status_code == 302 and "/comptes/login/" in visitor.headers["Location"]',
        )
        keys = [o["Key"] for o in self.c.s3.list_objects_v2(Bucket=BUCKET)["Contents"]]
        key = next(k for k in keys if k.startswith("pieces-jointes/") and k.endswith(".pdf"))
        grants = self.c.s3.get_object_acl(Bucket=BUCKET, Key=key)["Grants"]
        expect([g["Permission"] for g in grants] == ["FULL_CONTROL"], grants)
        direct = requests.get(f"{self.c.env['S3_ENDPOINT_URL']}/{BUCKET}/{key}", timeout=10)
        expect(direct.status_code == 403, f"the bucket served the object ({direct.status_code})")
        return "B streams it to the member, a visitor goes to login, the object is private"

    def double_submit_across_nodes(self):
        token, body = uuid.uuid4().hex, f"Double envoi {uuid.uuid4().hex[:8]}"
        data = {"body": body, "submission_token": token}
        path = f"/questions/{self.question_pk}/repondre/"
        first = post(self.answerer, self.c.url("a"), path, data)
        second = post(self.answerer, self.c.url("b"), path, data)
        expect(
            first.status_code == second.status_code == 302,
            "first.status_code == second.status_code == 302",
        )
        expect(
            first.headers["Location"] == second.headers["Location"],
            'first.headers["Location"] == second.headers["Location"]',
        )
        rows = self.c.sql("SELECT count(*) FROM qa_answer WHERE body = %s", body)[0][0]
        expect(rows == 1, f"{rows} answers")
        return "the same form sent to A then B: one answer, both lead to it"

    def redis_restart(self):
        c = self.c
        c.kill("redis", signal.SIGKILL)
        page = self.answerer.get(c.url("lb") + "/questions/")
        expect(page.status_code == 200, f"pages while Redis is down: {page.status_code}")
        refused = login(browser(), c.url("lb"), "demandeur@drill.invalid")
        expect(refused.status_code == 503, f"login while Redis is down: {refused.status_code}")
        stopped = time.monotonic()
        c.start_redis()
        wait_for(
            lambda: login(browser(), c.url("lb"), "demandeur@drill.invalid").status_code == 302,
            20,
            "a login once Redis is back",
        )
        return f"down: pages 200, login 503; login again {time.monotonic() - stopped:.1f} s later"

    def postgres_restart(self):
        c = self.c
        started = time.monotonic()
        c.pg_ctl("restart", "-m", "fast")
        for node in ("a", "b"):
            url = f"{c.url(node)}/questions/"
            wait_for(lambda url=url: self.answerer.get(url).status_code == 200, 30, node)
        return f"both nodes serve again {time.monotonic() - started:.1f} s after the restart"

    def node_killed_under_load(self):
        c = self.c
        path = f"/questions/{self.question_pk}/repondre/"
        token_page = csrf(self.answerer, c.url("lb") + "/questions/")
        outcomes: list[tuple[str, str]] = []  # (marker, answer url or "")
        statuses: Counter = Counter()
        lock = threading.Lock()

        def write(number: int) -> None:
            marker = f"charge-{number}-{uuid.uuid4().hex[:8]}"
            data = {"body": f"Réponse {marker}", "submission_token": uuid.uuid4().hex}
            acknowledged = ""
            for _ in range(5):  # the member sends the same form again, as after an error page
                try:
                    response = self.answerer.post(
                        c.url("lb") + path,
                        data={"csrfmiddlewaretoken": token_page, **data},
                        allow_redirects=False,
                        timeout=30,
                    )
                except requests.RequestException:
                    time.sleep(0.3)
                    continue
                with lock:
                    statuses[f"POST {response.status_code}"] += 1
                location = response.headers.get("Location", "")
                if response.status_code == 302 and "#reponse-" in location:
                    acknowledged = location
                    break
                time.sleep(0.3)
            with lock:
                outcomes.append((marker, acknowledged))

        def read(_number: int) -> None:
            try:
                status = self.answerer.get(c.url("lb") + "/questions/", timeout=30).status_code
            except requests.RequestException as error:
                status = type(error).__name__
            with lock:
                statuses[f"GET {status}"] += 1

        killed = False
        with ThreadPoolExecutor(max_workers=12) as pool:
            started = time.monotonic()
            for number in range(LOAD_SECONDS * LOAD_RATE):
                due = started + number / LOAD_RATE
                time.sleep(max(0.0, due - time.monotonic()))
                if not killed and time.monotonic() - started >= KILL_AFTER:
                    c.kill("node-a", signal.SIGKILL)
                    c.kill("worker-a", signal.SIGKILL)
                    killed = True
                pool.submit(write if number % 4 == 0 else read, number)
        with contextlib.suppress(OSError), socket.create_connection((HOST, c.ports["a"])):
            raise AssertionError("node A still answers after the kill")
        rows = dict(
            c.sql(
                "SELECT substring(body from 'charge-[0-9]+-[0-9a-f]+'), count(*) FROM qa_answer"
                " WHERE body LIKE 'Réponse charge-%%' GROUP BY 1"
            )
        )
        acknowledged = [marker for marker, url in outcomes if url]
        lost = [marker for marker in acknowledged if rows.get(marker, 0) != 1]
        duplicated = [marker for marker, count in rows.items() if count > 1]
        # A GET whose answer was being sent by A when it died is cut (the client sees a broken
        # body and reloads); every other GET must have been answered, by B if not by A: an
        # error status would mean the balancer did not send it on.
        error_statuses = {
            key: n
            for key, n in statuses.items()
            if key.startswith("GET ") and key[4:] not in ("200", "ChunkedEncodingError")
        }
        expect(not lost, f"acknowledged writes lost: {lost}")
        expect(not duplicated, f"duplicated writes: {duplicated}")
        expect(not error_statuses, f"reads answered with an error: {dict(statuses)}")
        return (
            f"A killed at {KILL_AFTER} s; {len(outcomes)} writes ({len(acknowledged)} "
            f"acknowledged, each stored once), {dict(statuses)}"
        )

    def report(self) -> bool:
        width = max(len(name) for name, *_ in self.results)
        print(f"\n{'check'.ljust(width)}  result  time")
        for name, ok, seconds, detail in self.results:
            print(f"{name.ljust(width)}  {'pass' if ok else 'FAIL'}    {seconds:5.1f} s  {detail}")
        return all(ok for _, ok, _, _ in self.results)


def main() -> int:
    sys.stdout.reconfigure(line_buffering=True)  # progress shows at once under make and CI
    for tool in ("haproxy", "redis-server"):
        if not shutil.which(tool):
            print(f"cluster drill: {tool} is not installed (Debian package: {tool})")
            return 2
    began = time.monotonic()
    folder = Path(tempfile.mkdtemp(prefix="entraide-cluster-"))
    cluster = Cluster(folder)
    drill = Drill(cluster)
    ok = False
    try:
        print("cluster drill: starting PostgreSQL, Redis, S3, SMTP, 2 nodes, 2 workers, HAProxy")
        cluster.sink.controller.start()
        cluster.start_postgres()
        cluster.start_redis()
        cluster.start_s3()
        drill.migrate()
        for node in ("a", "b"):
            cluster.start_node(node)
        drill.seed()  # while the nodes start
        for node in ("a", "b"):
            cluster.wait_healthy(node)
        print(f"cluster drill: nodes up after {time.monotonic() - began:.0f} s")
        cluster.start_haproxy()
        print(f"cluster drill: ready after {time.monotonic() - began:.0f} s")
        drill.log_in()
        drill.check("login on A is valid on B", drill.session_shared)
        drill.check("failed logins on A block on B", drill.failed_logins_shared)
        drill.check("question on A searchable on B in 1 s", drill.question_searchable)
        drill.check("notification e-mail sent once (2 workers)", drill.email_once)
        drill.check("file uploaded on A, served by B only", drill.file_shared)
        drill.check("double submit across nodes: one post", drill.double_submit_across_nodes)
        drill.check("Redis restart survived", drill.redis_restart)
        drill.check("PostgreSQL restart survived", drill.postgres_restart)
        drill.check("node A killed under load: no loss, no dup", drill.node_killed_under_load)
        ok = drill.report()
    except Exception as error:
        print(f"cluster drill: could not start the cluster: {error}")
        for log in sorted(folder.glob("*.log")):
            print(f"--- {log.name}\n{log.read_text(errors='replace')[-1500:]}")
    finally:
        cluster.stop()
        shutil.rmtree(folder, ignore_errors=True)
    print(f"cluster drill: {'passed' if ok else 'FAILED'} in {time.monotonic() - began:.0f} s")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
