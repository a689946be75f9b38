"""The kill test's harness: client threads that retry each Idempotency-Key until acknowledged,
a gunicorn whose process group is SIGKILLed and restarted, and the check of what was stored."""
from __future__ import annotations

import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from tests.servers import free_port

ROOT = Path(__file__).resolve().parents[2]
TITLE = "Kill test"


class Gunicorn:
    """gunicorn -w 4 on 127.0.0.1 serving MODULE:APP, restartable in a fraction of a second
    (tests/fault/zygote.py); `kill` SIGKILLs its whole process group."""

    def __init__(self, target: str, env: dict, log: Path):
        self.port, self.pid = free_port(), None
        self.zygote = subprocess.Popen(
            [sys.executable, "-m", "tests.fault.zygote", target], cwd=ROOT, text=True,
            env={**env, "PYTHONPATH": str(ROOT), "FAULT_LOG": str(log)},
            stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        assert self.zygote.stdout.readline().strip() == "ready", log.read_text()

    def start(self) -> None:
        self.zygote.stdin.write(f"{self.port}\n")
        self.zygote.stdin.flush()
        self.pid = int(self.zygote.stdout.readline())
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            try:
                request(self.port, "GET", "/nothing-here", None, {}, timeout=2)
                return
            except OSError:
                time.sleep(0.02)
        raise AssertionError("gunicorn did not answer within 15 s")

    def kill(self) -> None:
        """SIGKILL the process group and wait until its listening socket is gone (the kernel
        closes it as the processes die; gunicorn would otherwise retry the bind a second later)."""
        os.killpg(self.pid, signal.SIGKILL)
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            with socket.socket() as sock:
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                try:
                    sock.bind(("127.0.0.1", self.port))
                    return
                except OSError:
                    time.sleep(0.01)

    def close(self) -> None:
        if self.pid:
            try:
                self.kill()
            except ProcessLookupError:
                pass
        self.zygote.stdin.close()
        self.zygote.wait(10)
        self.zygote.stdout.close()


@dataclass
class Outcome:
    acked: dict[str, int] = field(default_factory=dict)  # key -> id the server answered
    replays: int = 0  # 200: the key was stored by an attempt whose answer was lost
    failed_attempts: int = 0  # connection refused or reset: retried with the same key
    errors: list[str] = field(default_factory=list)  # answers that are neither 200 nor 201
    kills: int = 0


def request(port: int, method: str, path: str, body: bytes | None, headers: dict,
            timeout: float = 20) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request(method, path, body, headers)
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def submit_until_acknowledged(port: int, key: str, body: bytes, headers: dict, outcome: Outcome,
                              lock: threading.Lock) -> None:
    for _ in range(400):
        try:
            status, answer = request(port, "POST", "/api/v1/feedback", body, {**headers, "Idempotency-Key": key})
        except (OSError, http.client.HTTPException):
            with lock:
                outcome.failed_attempts += 1
            time.sleep(0.02)
            continue
        with lock:
            if status not in (200, 201):
                outcome.errors.append(f"{key}: {status} {answer[:200]!r}")
                return
            outcome.acked[key] = json.loads(answer)["id"]
            outcome.replays += status == 200
        return
    with lock:
        outcome.errors.append(f"{key}: never acknowledged")


def run_kill_test(server: Gunicorn, payload: dict, headers: dict, *, clients: int = 12, kills: int = 5,
                  acks_between_kills: int = 8) -> Outcome:
    """Clients submit new keys (each retried until acknowledged) while the server is killed
    `kills` times, each time after `acks_between_kills` more acknowledgements; then the
    clients finish the keys they hold and stop."""
    outcome, lock, stop = Outcome(), threading.Lock(), threading.Event()
    headers = {"Content-Type": "application/json", **headers}

    def client() -> None:
        while not stop.is_set():
            key = f"fault-{uuid.uuid4().hex}"
            body = json.dumps({**payload, "message": f"{TITLE} {key}\nSent until acknowledged."}).encode()
            submit_until_acknowledged(server.port, key, body, headers, outcome, lock)

    threads = [threading.Thread(target=client, daemon=True) for _ in range(clients)]
    server.start()
    for thread in threads:
        thread.start()
    try:
        for _ in range(kills):
            wait_for_acks(outcome, lock, acks_between_kills)
            server.kill()
            outcome.kills += 1
            server.start()
        wait_for_acks(outcome, lock, acks_between_kills)
    finally:
        stop.set()
        for thread in threads:
            thread.join(30)
    return outcome


def wait_for_acks(outcome: Outcome, lock: threading.Lock, more: int, timeout: float = 20) -> None:
    with lock:
        target = len(outcome.acked) + more
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with lock:
            if len(outcome.acked) >= target or outcome.errors:
                return
        time.sleep(0.005)
    raise AssertionError(f"no {more} acknowledgements within {timeout} s: {outcome}")


def problems(outcome: Outcome, rows: list[tuple[int, str]]) -> dict[str, list]:
    """Compare acknowledgements with stored rows (id, title): keys stored more than once,
    acknowledged keys missing, and acknowledged ids that are not the stored one."""
    stored = defaultdict(list)
    for row_id, title in rows:
        stored[title.removeprefix(f"{TITLE} ")].append(row_id)
    return {
        "duplicated": sorted(k for k, ids in stored.items() if len(ids) > 1),
        "missing": sorted(k for k in outcome.acked if k not in stored),
        "wrong_id": sorted(k for k, i in outcome.acked.items() if k in stored and stored[k] != [i]),
    }
