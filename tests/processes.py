"""Helpers for tests that start real processes (servers, workers) on loopback ports."""

import socket
import subprocess
import time

import requests


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


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
            time.sleep(0.3)
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
