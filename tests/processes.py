"""Helpers for tests that start real processes (servers, workers) on loopback ports."""

import json
import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def serve_in_background(server) -> threading.Thread:
    """Serve a `socketserver` server (a fake clamd, OIDC provider, webhook receiver…) in a
    daemon thread that checks for `shutdown()` every 50 ms: at the default half second, every
    test that stopped its server waited about 0.5 s for nothing."""
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    return thread


def wait_until_up(url: str, process: subprocess.Popen, deadline: float) -> None:
    """Poll `/sante/` until it answers; a slow first answer on a loaded machine is not a
    failure, a process that exited is (with the end of what it wrote on stderr)."""
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"server stopped: {process.stderr.read()[-2000:]}")
        try:
            requests.get(url + "/sante/", timeout=30)
            return
        except requests.RequestException:
            time.sleep(0.05)
    raise AssertionError("server did not start in time")


def stop(*processes: subprocess.Popen) -> None:
    """SIGTERM every process, then SIGKILL those still running ten seconds later."""
    for process in processes:
        process.terminate()
    for process in processes:
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


def fresh_python(
    args: list[str], environment: dict | None = None, *, without=(), check: bool = True
) -> subprocess.CompletedProcess:
    """`python *args` in the project folder, in a process of its own with `website.settings`
    as a deployment starts it: the test process's environment without its Django and pytest
    variables (nor the names in `without`), plus `environment`. Its output is kept."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "PYTEST")) and key not in without
    }
    env |= {"DJANGO_SETTINGS_MODULE": "website.settings"} | (environment or {})
    return subprocess.run(  # noqa: S603 (the test's own arguments, no shell)
        [sys.executable, *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=check,
        timeout=120,
    )


def printed_json(args: list[str], environment: dict | None = None, *, without=()):
    """What `fresh_python` printed last, as JSON (the probe's one line)."""
    result = fresh_python(args, environment, without=without)
    return json.loads(result.stdout.strip().splitlines()[-1])
