"""With the database down, unreachable or hanging, public pages and the widget API answer 503
with Retry-After within seconds (never a 500, never a hang), and recover by themselves.

The database "goes down" behind a TCP proxy the test stops; the shared PostgreSQL server
itself is never touched."""
from __future__ import annotations

import os
import time

import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from tests.fault.tcp_proxy import TcpProxy
from tests.servers import free_port
from triage.extensions import db
from triage.models import Feedback
from triage.services.accounts import create_project

# Connect timeout 2 s (libpq's minimum): a hanging database costs at most a few seconds.
FAST = {"DATABASE_CONNECT_TIMEOUT": 2, "DATABASE_POOL_TIMEOUT": 2, "FORM_MIN_FILL_SECONDS": 0}
PUBLIC = [("GET", "/p/shop", None), ("GET", "/status/abcdefghijklmnop", None),
          ("GET", "/api/v1/form-token?key=pk_0123456789abcdef", None),
          ("POST", "/api/v1/feedback", {"public_key": "pk_0123456789abcdef", "message": "Export crashes"}),
          ("GET", "/api/v1/surveys/next?key=pk_0123456789abcdef&visitor=v-12345678", None)]


def call(client, method: str, path: str, body: dict | None):
    started = time.monotonic()
    response = client.open(path, method=method, json=body)
    return response, time.monotonic() - started


def assert_unavailable(response, took: float, limit: float) -> None:
    assert response.status_code == 503, response.get_data(as_text=True)[:300]
    assert int(response.headers["Retry-After"]) > 0 and took < limit
    if response.is_json:
        assert response.json["error"]["code"] == "unavailable"
    else:
        assert "Temporarily unavailable" in response.get_data(as_text=True)


def dead_database_app(make_app, port: int):
    return make_app(create_tables=False, SQLALCHEMY_DATABASE_URI=f"postgresql+psycopg://triage@127.0.0.1:{port}/triage",
                    **FAST)


@pytest.mark.parametrize("method, path, body", PUBLIC)
def test_database_refusing_connections_answers_503_at_once(make_app, method, path, body):
    app = dead_database_app(make_app, free_port())
    response, took = call(app.test_client(), method, path, body)
    assert_unavailable(response, took, 2)


def test_database_that_never_answers_costs_a_bounded_wait(make_app):
    hole = TcpProxy(target=None).start()
    try:
        client = dead_database_app(make_app, hole.port).test_client()
        for method, path, body in PUBLIC[:2] + PUBLIC[3:4]:
            response, took = call(client, method, path, body)
            assert_unavailable(response, took, 6)
    finally:
        hole.stop()


@pytest.mark.skipif(not os.environ.get("TEST_DATABASE_URL"), reason="needs PostgreSQL (TEST_DATABASE_URL)")
def test_stopped_database_is_503_and_the_app_recovers_by_itself(make_app, database_url):
    real = make_url(database_url)
    proxy = TcpProxy(target=(real.host or "127.0.0.1", real.port or 5432)).start()
    try:
        app = make_app(SQLALCHEMY_DATABASE_URI=real.set(host="127.0.0.1", port=proxy.port)
                       .render_as_string(hide_password=False), **FAST)
        with app.app_context():
            project = create_project("shop", "Shop")
            db.session.commit()
            key = project.public_key
            body = {"public_key": key, "message": "Export crashes"}
            client = app.test_client()
            assert client.post("/api/v1/feedback", json=body).status_code == 201
            db.session.remove()

            proxy.stop()  # every pooled connection breaks, new ones are refused
            for method, path, _ in PUBLIC[:3]:
                assert_unavailable(*call(client, method, path.replace("pk_0123456789abcdef", key),
                                         None), 3)
            assert_unavailable(*call(client, "POST", "/api/v1/feedback", {**body, "message": "Lost?"}), 3)

            proxy.start()  # back on the same port: no restart, no manual step
            assert client.get("/p/shop").status_code == 200
            assert client.post("/api/v1/feedback", json={**body, "message": "Back"}).status_code == 201
            db.session.remove()
            titles = db.session.scalars(select(Feedback.title).order_by(Feedback.id)).all()
            assert titles == ["Export crashes", "Back"]  # nothing half-stored while it was down
            assert db.session.scalar(select(func.count()).select_from(Feedback)) == 2
    finally:
        proxy.stop()
