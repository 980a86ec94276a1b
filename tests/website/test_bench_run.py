"""`benchmarks/run.py`'s load loop measures the steady state `cpu.py` measures: every page of a
line requested once before (50 threads: it warmed 10, the other 40 were first renders inside
the loop), and the cookies as the warm-up left them (taken before, the login's flash message
cookie came with every request of the home line, which showed the message each time)."""

import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from tests.processes import serve_in_background

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))
import run  # noqa: E402


class _Recorder(BaseHTTPRequestHandler):
    seen: list = []

    def do_GET(self):  # noqa: N802 (http.server's name)
        self.seen.append((self.path, self.headers.get("Cookie")))
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *args):
        pass


class _Session:
    """A logged-in session whose first page shows the login's message and deletes its cookie."""

    def __init__(self, port):
        self.port = port
        self.cookies = {"sessionid": "s", "messages": "login-message"}
        self.warmed = []

    def request(self, method, path):
        self.warmed.append(path)
        self.cookies["messages"] = '""'


def test_the_load_loop_warms_every_page_and_sends_the_cookies_left_by_the_warm_up():
    server = ThreadingHTTPServer((run.HOST, 0), _Recorder)
    _Recorder.seen = []
    serve_in_background(server)
    try:
        session = _Session(server.server_address[1])
        paths = [f"/questions/{n}/" for n in range(50)]
        result = run.measure(session, paths, 2, 5.0, 20, lambda: 0.0)
    finally:
        server.shutdown()
        server.server_close()
    assert sorted(session.warmed) == sorted(paths)
    assert result["requests"] == 20
    assert {cookie for _path, cookie in _Recorder.seen} == {'sessionid=s; messages=""'}


def test_a_line_of_one_page_is_still_warmed_ten_times():
    server = ThreadingHTTPServer((run.HOST, 0), _Recorder)
    serve_in_background(server)
    try:
        session = _Session(server.server_address[1])
        run.measure(session, ["/sante/"], 1, 5.0, 3, lambda: 0.0)
    finally:
        server.shutdown()
        server.server_close()
    assert session.warmed == ["/sante/"] * 10
