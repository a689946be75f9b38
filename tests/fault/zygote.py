"""A real gunicorn (sync workers) that can be SIGKILLed and restarted quickly, for the kill test.

    python -m tests.fault.zygote MODULE:APP   (reads a port per line on stdin, answers the pid)

Importing the app costs ~4 s of CPU here (scikit-learn); six boots of `gunicorn --preload` would
not fit the test's budget on two cores. So this process imports the WSGI app once, and for
each port it reads forks a child that starts its own session (the process group the test
kills) and runs gunicorn's Arbiter over the imported app, as `--preload` would have it in the
master. Nothing is connected before the fork: create_app opens no connection.

FAULT_ACK_DELAY holds every POST's answer that long after the app returned (it has committed)
and before gunicorn sends a byte: a slow network, so a kill often lands between the commit and
the acknowledgement, the window that idempotency keys exist for.
"""
from __future__ import annotations

import importlib
import os
import sys
import time

from gunicorn.app.base import BaseApplication


def ack_delay(app, seconds: float):
    def delayed(environ, start_response):
        result = app(environ, start_response)
        if environ.get("REQUEST_METHOD") == "POST":
            time.sleep(seconds)
        return result
    return delayed


class Server(BaseApplication):
    def __init__(self, app, options: dict):
        self.application, self.options = app, options
        super().__init__()

    def load_config(self) -> None:
        for name, value in self.options.items():
            self.cfg.set(name, value)

    def load(self):
        return self.application


def serve(app, port: int, log: str) -> None:
    """In the forked child: a new session, output to the log, gunicorn until killed."""
    os.setsid()
    fd = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_APPEND)
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)
    os.dup2(fd, 1)
    os.dup2(fd, 2)
    try:
        Server(app, {"bind": f"127.0.0.1:{port}", "workers": int(os.environ.get("FAULT_WORKERS", "4")),
                     "loglevel": "warning", "timeout": 30}).run()
    finally:
        os._exit(0)


def main() -> None:
    module, name = sys.argv[1].split(":")
    app = ack_delay(getattr(importlib.import_module(module), name), float(os.environ.get("FAULT_ACK_DELAY", "0")))
    log = os.environ.get("FAULT_LOG", os.devnull)
    print("ready", flush=True)
    for line in sys.stdin:
        while True:  # reap the masters killed before
            try:
                if os.waitpid(-1, os.WNOHANG)[0] == 0:
                    break
            except ChildProcessError:
                break
        pid = os.fork()
        if pid == 0:
            serve(app, int(line), log)
        print(pid, flush=True)


if __name__ == "__main__":
    main()
