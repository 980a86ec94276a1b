"""A real HTTP receiver for webhook tests: a threaded `http.server` on a free loopback port.

`receiver.answers` is a list of what to answer, in order (then 200): a status code, `"hang"`
(sleep past the sender's timeout), or `("redirect", location)`. `receiver.requests` records
each request's headers and body as received.
"""

from __future__ import annotations

import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from tests.processes import free_port, serve_in_background


class Receiver:
    def __init__(self):
        self.answers: list = []
        self.requests: list[dict] = []
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/hooks/entraide"
        self.hang_seconds = 3.0
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get("Content-Length", 0))
                body = self.rfile.read(length)
                receiver.requests.append(
                    {"path": self.path, "headers": dict(self.headers), "body": body}
                )
                answer = receiver.answers.pop(0) if receiver.answers else 200
                if answer == "hang":
                    time.sleep(receiver.hang_seconds)
                    answer = 200
                if isinstance(answer, tuple):
                    self.send_response(302)
                    self.send_header("Location", answer[1])
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                payload = b"ok" if answer < 300 else b"erreur du receveur"
                self.send_response(answer)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.server.daemon_threads = True
        self.thread = serve_in_background(self.server)

    def close(self):
        self.server.shutdown()
        self.server.server_close()
