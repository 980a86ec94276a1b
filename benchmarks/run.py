"""Load benchmark: generated data, gunicorn with production settings, a bounded local client.

    make bench                       # = .venv/bin/python benchmarks/run.py
    .venv/bin/python benchmarks/run.py --duration 5 --concurrency 4 --workers 3

First the relevance set's table (benchmarks/relevance.py: success@1, success@3, MRR and
each miss, per backend; `--no-relevance` skips it). Then the load benchmark. Steps: generate
the data set if needed (benchmarks/generate.py), collect static files, build
the search index if missing, start gunicorn on 127.0.0.1 (DEBUG off, a throwaway SECRET_KEY,
the benchmark database), log a member in through the real login form, then for each page
run a closed loop of `--concurrency` client threads for at most `--duration` seconds or
`--max-requests` requests, and print requests/s, p50/p95/p99 latency, errors, the workers'
CPU time per request (from `/proc/<pid>/stat`) and resident memory (RSS, PSS and USS). Then,
with nginx installed, the typical threads as a visitor through nginx's page cache in front of
a `PUBLIC_READ` server (docs/operations.md's lines; skipped without nginx). Then, the server
stopped,
`cpu.py` sends each page through Django's test client in one process for the SQL queries of
one request and its CPU time there. `--record` writes the table into benchmarks/README.md, in
a block of its own per `--scale`.

The client is plain Python (http.client, one connection per thread) and talks to the loopback
interface only; it shares the machine's cores with the server, which the README says.
"""

import argparse
import http.client
import json
import os
import platform
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlencode

import generate

ROOT = Path(__file__).resolve().parent.parent
VAR = ROOT / "var"
BIN = Path(sys.executable).parent
HOST = "127.0.0.1"
README = Path(__file__).resolve().parent / "README.md"
START_MARK = "<!-- bench-results:start -->"
END_MARK = "<!-- bench-results:end -->"
INDEX_USABLE = (
    "import sys; from website.search.status import index_status; "
    "sys.exit(0 if index_status().state == 'ok' else 1)"
)


def default_database(scale: float) -> str:
    """One SQLite file per data size: `generate.py` keeps whatever data set it finds."""
    name = "bench.sqlite3" if scale == 1 else f"bench-{scale}.sqlite3"
    return f"sqlite:///{VAR / name}"


def server_environment(database_url: str) -> dict:
    env = dict(os.environ)
    env.update(
        {
            "DATABASE_URL": database_url,
            "DJANGO_SETTINGS_MODULE": "website.settings",
            "DJANGO_DEBUG": "false",
            "SECRET_KEY": "benchmark-only-not-secret-" + "x" * 24,
            "SECURE_SSL_REDIRECT": "false",  # plain HTTP on the loopback, no TLS proxy in front
            "ALLOWED_HOSTS": HOST,
            "STATIC_ROOT": str(VAR / "bench-static"),
            "SEARCH_INDEX_DIR": str(generate.search_dir(database_url)),
            "LOG_LEVEL": "WARNING",
            "EMAIL_URL": "dummymail://",
        }
    )
    return env


def run(command, env, **kwargs):
    print("$", " ".join(str(part) for part in command), flush=True)
    subprocess.run(command, env=env, check=True, cwd=ROOT, **kwargs)  # noqa: S603


def prepare(env, scale: float, database_url: str):
    python = str(BIN / "python")
    run([python, "benchmarks/generate.py", "--scale", str(scale)], env)
    run([python, "manage.py", "collectstatic", "--noinput", "-v0"], env)
    # Built before the server starts, and again when the search code's schema changed: a
    # missing or outdated index would only show the "search unavailable" page.
    usable = subprocess.run(  # noqa: S603
        [python, "manage.py", "shell", "-c", INDEX_USABLE],
        env=env,
        cwd=ROOT,
        capture_output=True,
    )
    if usable.returncode != 0:
        shutil.rmtree(generate.search_dir(database_url), ignore_errors=True)
        started = time.monotonic()
        run([python, "manage.py", "search_rebuild"], env)
        print(f"Search index built in {time.monotonic() - started:.0f} s")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


class Server:
    """gunicorn in the venv, sync workers, bound to the loopback only."""

    def __init__(self, env, workers: int, preload: bool = False):
        self.port = free_port()
        self.process = subprocess.Popen(  # noqa: S603
            [
                str(BIN / "gunicorn"),
                *(["--preload"] if preload else []),
                "website.wsgi:application",
                "--bind",
                f"{HOST}:{self.port}",
                "--workers",
                str(workers),
                "--worker-class",
                "sync",
                "--timeout",
                "60",
                "--log-level",
                "warning",
            ],
            env=env,
            cwd=ROOT,
        )

    def wait_ready(self, timeout=90):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                connection = http.client.HTTPConnection(HOST, self.port, timeout=5)
                connection.request("GET", "/sante/")
                connection.getresponse().read()
                return
            except OSError:
                time.sleep(0.5)
        raise RuntimeError("gunicorn did not answer in time")

    def worker_pids(self):
        return children(self.process.pid)

    def cpu_seconds(self) -> float:
        """User + system CPU time of the workers so far."""
        return sum(process_cpu_seconds(pid) for pid in self.worker_pids())

    def worker_rss_mib(self):
        sizes = []
        for pid in self.worker_pids():
            try:
                status = Path(f"/proc/{pid}/status").read_text()
            except OSError:
                continue
            match = re.search(r"VmRSS:\s+(\d+) kB", status)
            if match:
                sizes.append(int(match.group(1)) / 1024)
        return sizes

    def worker_memory_mib(self) -> list[dict]:
        """Each worker's RSS, PSS and USS (`/proc/<pid>/smaps_rollup`): RSS counts the pages
        a worker shares with the master and the other workers (the code and data loaded
        before the fork, with `--preload`) in full, PSS shares them out, USS is what the
        worker alone holds (what one more worker costs)."""
        sizes = []
        for pid in self.worker_pids():
            try:
                rollup = Path(f"/proc/{pid}/smaps_rollup").read_text()
            except OSError:
                continue
            fields = dict(re.findall(r"^(\w+):\s+(\d+) kB", rollup, re.MULTILINE))
            private = int(fields.get("Private_Clean", 0)) + int(fields.get("Private_Dirty", 0))
            sizes.append(
                {
                    "rss": round(int(fields.get("Rss", 0)) / 1024),
                    "pss": round(int(fields.get("Pss", 0)) / 1024),
                    "uss": round(private / 1024),
                }
            )
        return sizes

    def stop(self):
        workers = self.worker_pids()
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
        for pid in workers:  # a worker stuck in a long request outlives its master
            try:
                if b"gunicorn" in Path(f"/proc/{pid}/cmdline").read_bytes():
                    os.kill(pid, signal.SIGKILL)
            except (OSError, ProcessLookupError):
                pass


# The page cache of docs/operations.md's nginx site (« The proxy's page cache »), on the
# loopback: the same cache lines, plus the cache status for the benchmark's own check.
NGINX_CONF = """
worker_processes 1;
pid {dir}/nginx.pid;
error_log stderr warn;
events {{ worker_connections 256; }}
http {{
    access_log off;
    client_body_temp_path {dir}/body;
    proxy_temp_path {dir}/proxy;
    fastcgi_temp_path {dir}/fastcgi;
    uwsgi_temp_path {dir}/uwsgi;
    scgi_temp_path {dir}/scgi;
    proxy_cache_path {dir}/cache keys_zone=entraide_pages:10m max_size=200m inactive=1m;
    upstream entraide {{
        server {host}:{upstream};
        keepalive 16;
    }}
    server {{
        listen {host}:{port};
        proxy_http_version 1.1;
        proxy_set_header Connection "";
        proxy_set_header Host $host;
        location / {{
            proxy_cache entraide_pages;
            proxy_cache_key $scheme$host$request_uri;
            proxy_cache_lock on;
            proxy_cache_use_stale updating;
            proxy_cache_background_update on;
            proxy_cache_bypass $cookie_sessionid;
            proxy_no_cache $cookie_sessionid;
            add_header X-Cache-Status $upstream_cache_status;
            proxy_pass http://entraide;
        }}
    }}
}}
"""


class Proxy:
    """nginx with docs/operations.md's page cache in front of a server (issue 16's visitor
    line); `Proxy.available()` is False where nginx is not installed."""

    @staticmethod
    def available() -> bool:
        return shutil.which("nginx") is not None

    def __init__(self, upstream_port: int):
        self.port = free_port()
        # The workers may run as another user (nginx started by root): a directory they can
        # write, removed at stop.
        self.dir = Path(tempfile.mkdtemp(prefix="entraide-bench-nginx-"))
        self.dir.chmod(0o777)  # noqa: S103 (a throwaway directory of the benchmark)
        conf = self.dir / "nginx.conf"
        conf.write_text(
            NGINX_CONF.format(dir=self.dir, host=HOST, port=self.port, upstream=upstream_port)
        )
        self.process = subprocess.Popen(  # noqa: S603
            [shutil.which("nginx"), "-p", str(self.dir), "-c", str(conf), "-g", "daemon off;"]
        )

    def wait_ready(self, timeout=10):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                with socket.create_connection((HOST, self.port), timeout=1):
                    return
            except OSError:
                time.sleep(0.2)
        raise RuntimeError("nginx did not start")

    def cpu_seconds(self) -> float:
        """nginx's own CPU time (master and worker), added to the application's."""
        pids = [self.process.pid] + children(self.process.pid)
        return sum(process_cpu_seconds(pid) for pid in pids)

    def stop(self):
        self.process.send_signal(signal.SIGQUIT)
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
        shutil.rmtree(self.dir, ignore_errors=True)


def children(parent: int) -> list[int]:
    pids = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == parent:
            pids.append(int(stat.parent.name))
    return pids


def process_cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (`utime` and `stime` of its stat)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def check_shared_cache(port: int, path: str):
    """What the proxy must do before its figures mean anything: a visitor's second request is
    a cache hit; a request with a session cookie never reads the cache."""

    def get(headers):
        connection = http.client.HTTPConnection(HOST, port, timeout=30)
        connection.request("GET", path, headers=headers)
        response = connection.getresponse()
        response.read()
        connection.close()
        return response

    first = get({})
    if "public" not in first.getheader("Cache-Control", ""):
        raise RuntimeError(f"the visitor's page is not public: {first.getheader('Cache-Control')}")
    status = get({}).getheader("X-Cache-Status")
    if status != "HIT":
        raise RuntimeError(f"a visitor's second request was not a cache hit ({status})")
    member = get({"Cookie": "sessionid=not-a-real-session"})
    if member.getheader("X-Cache-Status") != "BYPASS" or "public" in member.getheader(
        "Cache-Control", ""
    ):
        raise RuntimeError("a request with a session cookie was given the shared copy")


class Session:
    """Cookies of one logged-in member, shared by the client threads."""

    def __init__(self, port):
        self.port = port
        self.cookies = {}

    def request(self, method, path, body=None, headers=None):
        connection = http.client.HTTPConnection(HOST, self.port, timeout=30)
        headers = dict(headers or {})
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        data = response.read()
        for header, value in response.getheaders():
            if header.lower() == "set-cookie":
                name, _, rest = value.partition("=")
                self.cookies[name.strip()] = rest.split(";", 1)[0]
        connection.close()
        return response, data

    def login(self, email, password):
        response, page = self.request("GET", "/comptes/login/")
        token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1).decode()
        body = urlencode({"csrfmiddlewaretoken": token, "login": email, "password": password})
        response, _ = self.request(
            "POST",
            "/comptes/login/",
            body=body,
            headers={
                "Content-Type": "application/x-www-form-urlencoded",
                "Referer": f"http://{HOST}:{self.port}/comptes/login/",
            },
        )
        if response.status != 302 or "sessionid" not in self.cookies:
            raise RuntimeError(f"login failed: HTTP {response.status}")


def measure(session, paths, concurrency, duration, max_requests, cpu_seconds, warmup=10):
    """Closed loop: each thread sends its next request when the previous one is answered.

    `cpu_seconds()` reads the server's CPU time: its growth over the loop, divided by the
    requests, is the CPU per request, which the machine's other load barely changes."""
    # Every page once, and at least `warmup` requests: the steady state `cpu.py` measures too
    # (the login is a write, so no page's shared fragments are stored when the run begins;
    # warming 10 of the 50 threads left 40 first renders inside the thread line).
    for path in paths * max(1, -(-warmup // len(paths))):
        session.request("GET", path)
    # After the warm-up: the login's flash message is in a cookie until a page that lists the
    # messages shows it; taken before, the cookie made every request of the home line show it.
    cookie = "; ".join(f"{k}={v}" for k, v in session.cookies.items())
    latencies, errors = [], []
    lock = threading.Lock()
    counter = iter(range(max_requests))
    deadline = time.monotonic() + duration
    cpu_before = cpu_seconds()

    def worker(offset):
        connection = http.client.HTTPConnection(HOST, session.port, timeout=30)
        local, local_errors = [], []
        for number in counter:
            if time.monotonic() > deadline:
                break
            path = paths[(number + offset) % len(paths)]
            started = time.perf_counter()
            try:
                connection.request("GET", path, headers={"Cookie": cookie} if cookie else {})
                response = connection.getresponse()
                response.read()
                if response.status != 200:
                    local_errors.append(response.status)
                if response.getheader("Connection", "").lower() == "close":
                    connection.close()
            except (OSError, http.client.HTTPException) as error:
                local_errors.append(type(error).__name__)
                connection.close()
            local.append(time.perf_counter() - started)
        with lock:
            latencies.extend(local)
            errors.extend(local_errors)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(concurrency)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    cpu_used = cpu_seconds() - cpu_before
    latencies.sort()

    def percentile(p):
        return latencies[min(len(latencies) - 1, int(len(latencies) * p))] * 1000

    return {
        "requests": len(latencies),
        "seconds": round(elapsed, 2),
        "rps": round(len(latencies) / elapsed, 1),
        "p50_ms": round(percentile(0.50), 1),
        "p95_ms": round(percentile(0.95), 1),
        "p99_ms": round(percentile(0.99), 1),
        "mean_ms": round(statistics.fmean(latencies) * 1000, 1),
        "cpu_ms_per_request": round(cpu_used * 1000 / max(1, len(latencies)), 1),
        "errors": len(errors),
        "error_kinds": sorted({str(e) for e in errors}),
    }


PROXY_LINE = "thread (visitor, behind the proxy cache)"


def visitor_behind_proxy(env, args, paths) -> dict:
    """The typical threads as a visitor, with PUBLIC_READ, through nginx's page cache
    (docs/operations.md): a second server, the first one stopped."""
    server = Server({**env, "PUBLIC_READ": "true"}, args.workers, args.preload)
    proxy = None
    try:
        server.wait_ready()
        proxy = Proxy(server.port)
        proxy.wait_ready()
        check_shared_cache(proxy.port, paths[0])
        visitor = Session(proxy.port)
        # The steady state: each page in the cache once, then renewed in the background
        # when its `max-age` has passed (a first render of all of them is not a visitor's).
        for path in paths:
            visitor.request("GET", path)
        result = measure(
            visitor,
            paths,
            args.concurrency,
            args.duration,
            args.max_requests,
            lambda: server.cpu_seconds() + proxy.cpu_seconds(),
        )
        result["rss_max_mib"] = max(server.worker_rss_mib() or [0])
    finally:
        if proxy is not None:
            proxy.stop()
        server.stop()
    print(
        f"{PROXY_LINE:32} {result['rps']:8.1f} req/s  p50 {result['p50_ms']:7.1f} ms  "
        f"CPU {result['cpu_ms_per_request']:6.1f} ms/req (gunicorn + nginx)  "
        f"errors {result['errors']}",
        flush=True,
    )
    return result


def static_path():
    manifest = json.loads((VAR / "bench-static" / "staticfiles.json").read_text())
    return "/static/" + manifest["paths"]["css/entraide.css"]


def machine():
    cpu = "unknown CPU"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    memory = int(re.search(r"MemTotal:\s+(\d+)", Path("/proc/meminfo").read_text()).group(1))
    return (
        f"{os.cpu_count()} × {cpu}, {memory / 1024 / 1024:.0f} GiB RAM, "
        f"Python {platform.python_version()}, {platform.system()} {platform.release()}"
    )


def table(results):
    lines = [
        "| page | requests | req/s | p50 ms | p95 ms | p99 ms | errors | CPU ms/request "
        "(workers) | CPU ms (in process) | SQL queries | worker RSS MiB (max) |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for name, result in results.items():
        lines.append(
            f"| {name} | {result['requests']} | {result['rps']} | {result['p50_ms']} | "
            f"{result['p95_ms']} | {result['p99_ms']} | {result['errors']} | "
            f"{result['cpu_ms_per_request']} | {result.get('cpu_ms', '—')} | "
            f"{result.get('queries', '—')} | {result['rss_max_mib']:.0f} |"
        )
    return "\n".join(lines)


def marks(scale: float) -> tuple[str, str]:
    """The README block of a run: the full size's, or one per smaller `--scale`."""
    if scale == 1:
        return START_MARK, END_MARK
    return (
        f"<!-- bench-results scale {scale}:start -->",
        f"<!-- bench-results scale {scale}:end -->",
    )


def record(results, meta, scale):
    start_mark, end_mark = marks(scale)
    text = README.read_text() if README.exists() else ""
    block = "\n".join(
        [
            start_mark,
            f"Last run: {meta['date']} — {meta['machine']}.",
            f"Database: `{meta['database']}` ({meta['counts']}); gunicorn {meta['workers']} "
            f"sync workers; client: {meta['concurrency']} threads, ≤ {meta['duration']} s "
            f"or {meta['max_requests']} requests per page"
            f"{', `--preload`' if meta['preload'] else ''}. Workers' RSS after the run: "
            f"{meta['rss_after']} MiB; PSS {[m['pss'] for m in meta['memory_after']]} MiB, "
            f"USS {[m['uss'] for m in meta['memory_after']]} MiB. "
            f"Machine load average (1 min): {meta['load']}.",
            "",
            table(results),
            end_mark,
        ]
    )
    if start_mark in text and end_mark in text:
        before, rest = text.split(start_mark, 1)
        after = rest.split(end_mark, 1)[1]
        text = before + block + after
    else:
        text = text.rstrip() + "\n\n" + block + "\n"
    README.write_text(text)
    (VAR / f"bench-results-{scale}.json").write_text(
        json.dumps({"meta": meta, "results": results}, indent=2)
    )


def relevance():
    """The relevance set's table (success@1, success@3, MRR, each miss) per backend.

    On its own throwaway test database (DATABASE_URL, SQLite in memory by default), not the
    benchmark's: a miss below the targets is printed, it does not stop the load benchmark.
    """
    command = [str(BIN / "python"), "benchmarks/relevance.py"]
    print("$", " ".join(command), flush=True)
    subprocess.run(command, cwd=ROOT, check=False)  # noqa: S603
    print(flush=True)


def in_process(env) -> dict:
    """`cpu.py`: the SQL queries of one request and its CPU time in one process, per page."""
    command = [str(BIN / "python"), "benchmarks/cpu.py", "--json"]
    print("$", " ".join(command), flush=True)
    output = subprocess.run(  # noqa: S603
        command, env=env, cwd=ROOT, check=True, capture_output=True, text=True
    ).stdout
    return json.loads(output.strip().splitlines()[-1])


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=float, default=8.0, help="seconds per page (max)")
    parser.add_argument("--max-requests", type=int, default=3000, help="requests per page (max)")
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--workers", type=int, default=3, help="gunicorn workers")
    parser.add_argument("--scale", type=float, default=1.0, help="data set size (1 = full)")
    parser.add_argument(
        "--preload",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="gunicorn --preload, as in docs/operations.md's unit (the application loaded "
        "once, before the fork; --no-preload: each worker loads its own)",
    )
    parser.add_argument("--record", action=argparse.BooleanOptionalAction, default=True)
    parser.add_argument(
        "--relevance",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="first print the relevance set's table (benchmarks/relevance.py)",
    )
    args = parser.parse_args(argv)
    if args.duration > 120 or args.max_requests > 100_000 or args.concurrency > 64:
        sys.exit("Keep runs bounded: duration ≤ 120 s, ≤ 100,000 requests, ≤ 64 threads.")

    if args.relevance:
        relevance()

    database_url = os.environ.get("BENCH_DATABASE_URL", default_database(args.scale))
    env = server_environment(database_url)
    prepare(env, args.scale, database_url)
    samples = json.loads(generate.samples_path(database_url).read_text())

    load_before = os.getloadavg()[0]
    server = Server(env, args.workers, args.preload)
    try:
        server.wait_ready()
        session = Session(server.port)
        session.login(samples["login"]["email"], samples["login"]["password"])
        searches = [f"/recherche/?{urlencode({'q': q})}" for q in samples["searches"]]
        pages = {
            "minimal view `/sante/` (full middleware)": ["/sante/"],
            "home `/`": ["/"],
            "question list `/questions/`": ["/questions/", "/questions/?page=2"],
            "question list, page 200": ["/questions/?page=200"],
            "thread (typical)": samples["threads"],
            f"thread ({50} answers)": samples["hot_threads"],
            "directory `/annuaire/`": ["/annuaire/"],
            "search `/recherche/?q=`": searches,
            "static file (ceiling)": [static_path()],
        }
        results = {}
        for name, paths in pages.items():
            result = measure(
                session,
                paths,
                args.concurrency,
                args.duration,
                args.max_requests,
                server.cpu_seconds,
            )
            result["rss_max_mib"] = max(server.worker_rss_mib() or [0])
            results[name] = result
            print(
                f"{name:32} {result['rps']:8.1f} req/s  p50 {result['p50_ms']:7.1f} ms  "
                f"p95 {result['p95_ms']:7.1f} ms  CPU {result['cpu_ms_per_request']:6.1f} ms/req  "
                f"errors {result['errors']} "
                f"{result['error_kinds'] or ''}",
                flush=True,
            )
        rss_after = [round(size) for size in server.worker_rss_mib()]
        memory_after = server.worker_memory_mib()
    finally:
        server.stop()

    if Proxy.available():
        results[PROXY_LINE] = visitor_behind_proxy(env, args, samples["threads"])
        ceiling = results["static file (ceiling)"]["rps"]
        print(f"{PROXY_LINE}: {results[PROXY_LINE]['rps'] / ceiling:.0%} of the static file line")
    else:
        print(f"nginx not found: « {PROXY_LINE} » skipped (apt install nginx-light)")

    for name, cost in in_process(env).items():
        results[name].update(cost)
    print()
    print(table(results))
    meta = {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": machine(),
        "database": database_url.split("@")[-1],
        "counts": ", ".join(f"{value:,} {key}" for key, value in samples["counts"].items()),
        "workers": args.workers,
        "concurrency": args.concurrency,
        "duration": args.duration,
        "max_requests": args.max_requests,
        "rss_after": rss_after,
        "memory_after": memory_after,
        "preload": args.preload,
        "load": f"{load_before:.1f} before, {os.getloadavg()[0]:.1f} after",
    }
    if args.record:
        record(results, meta, args.scale)
        print(f"\nRecorded in {README.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
