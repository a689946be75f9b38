"""The negative control of the kill test: a WSGI app that stores one row per request and
ignores the Idempotency-Key, served by gunicorn like the real app. A retry after a lost
acknowledgement makes a second row, which the harness must report."""
from __future__ import annotations

import json
import os

from sqlalchemy import create_engine, text

TABLE = "fault_naive_submissions"
_engine = None


def engine():
    global _engine
    if _engine is None:  # made in the worker, after the fork
        _engine = create_engine(os.environ["DATABASE_URL"])
    return _engine


def app(environ, start_response):
    size = int(environ.get("CONTENT_LENGTH") or 0)
    message = json.loads(environ["wsgi.input"].read(size))["message"]
    with engine().begin() as conn:
        new_id = conn.execute(text(f"INSERT INTO {TABLE} (title) VALUES (:t) RETURNING id"),
                              {"t": message.splitlines()[0]}).scalar_one()
    body = json.dumps({"id": new_id}).encode()
    start_response("201 Created", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
    return [body]
