"""Real servers on 127.0.0.1 for delivery tests: an SMTP sink (aiosmtpd) and a webhook
receiver (http.server) that can be told to fail, and that checks the HMAC signature."""
from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import socket
import threading
from email import message_from_bytes
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class SmtpSink:
    """Collects every message accepted. With `hold_after=n`, the message after the n-th
    waits (the sending client sees no answer) until `release` and is then refused; with
    `delay`, each message is answered that many seconds late (a slow server)."""

    def __init__(self):
        self.messages: list = []
        self.delay = 0.0
        self.hold_after: int | None = None
        self.holding = threading.Event()
        self.released = threading.Event()

    async def handle_DATA(self, server, session, envelope):
        if self.hold_after is not None and len(self.messages) >= self.hold_after:
            self.holding.set()
            while not self.released.is_set():
                await asyncio.sleep(0.02)
            return "451 try again later"
        await asyncio.sleep(self.delay)
        message = message_from_bytes(envelope.content)
        self.messages.append({"to": list(envelope.rcpt_tos), "subject": message["Subject"],
                              "content_type": message.get_content_type(),
                              "body": message.get_payload(decode=True).decode()})
        return "250 OK"

    def to(self, address: str) -> list[dict]:
        return [m for m in self.messages if address in m["to"]]


@pytest.fixture
def smtp_server():
    """A real SMTP server on a free local port; yields (sink, port)."""
    sink = SmtpSink()
    controller = Controller(sink, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield sink, controller.port
    sink.released.set()
    controller.stop()


class Receiver:
    """What the webhook receiver saw, and how many more requests it should fail."""

    def __init__(self, secret: str = ""):
        self.secret = secret
        self.fail_next = 0
        self.attempts = 0
        self.received: list[dict] = []
        self.bad_signatures = 0

    def verify(self, body: bytes, header: str | None) -> bool:
        expected = "sha256=" + hmac.new(self.secret.encode(), body, hashlib.sha256).hexdigest()
        return header is not None and hmac.compare_digest(expected, header)


def handler_for(receiver: Receiver):
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            receiver.attempts += 1
            if receiver.fail_next > 0:
                receiver.fail_next -= 1
                return self.answer(503, b"busy")
            if not receiver.verify(body, self.headers.get("X-Triage-Signature")):
                receiver.bad_signatures += 1
                return self.answer(401, b"bad signature")
            receiver.received.append({"body": json.loads(body), "headers": dict(self.headers)})
            return self.answer(200, b"ok")

        def answer(self, status: int, text: bytes):
            self.send_response(status)
            self.send_header("Content-Length", str(len(text)))
            self.end_headers()
            self.wfile.write(text)

        def log_message(self, *args):  # keep the test output clean
            pass

    return Handler


@pytest.fixture
def webhook_receiver():
    """A real HTTP server on a free local port; yields (receiver, url)."""
    receiver = Receiver()
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler_for(receiver))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield receiver, f"http://127.0.0.1:{server.server_address[1]}/hook"
    server.shutdown()
    server.server_close()


def rq_queue_or_skip(make_app):
    """(app, queue, rq) on the local Redis with a queue of the test's own, skipping the test
    when redis, rq or the server is missing; the caller deletes the queue."""
    import uuid

    redis = pytest.importorskip("redis")
    rq = pytest.importorskip("rq")
    connection = redis.Redis.from_url("redis://127.0.0.1:6379/0")
    try:
        connection.ping()
    except redis.ConnectionError:
        pytest.skip("no Redis at 127.0.0.1:6379")
    name = f"triage-test-{uuid.uuid4().hex[:8]}"
    app = make_app(REDIS_URL="redis://127.0.0.1:6379/0", RQ_QUEUE=name)
    return app, rq.Queue(name, connection=connection), rq
