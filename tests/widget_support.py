"""Fixtures and helpers shared by the tests of the widget and its public API."""
import pytest
from sqlalchemy import func, select

from triage.extensions import db
from triage.models import Feedback
from triage.services.accounts import create_project

ORIGIN = "https://shop.example.com"


@pytest.fixture
def app(make_app, tmp_path):
    app = make_app(FORM_MIN_FILL_SECONDS=0, UPLOAD_FOLDER=str(tmp_path / "uploads"))
    with app.app_context():
        yield app


@pytest.fixture
def project(app):
    p = create_project("shop", "Shop")
    p.allowed_origins = [ORIGIN, "https://*.example.org", "http://localhost:8080"]
    db.session.commit()
    return p


def item_count() -> int:
    return db.session.scalar(select(func.count()).select_from(Feedback))


def form_token(client, key: str, origin: str | None = ORIGIN) -> str:
    response = client.get(f"/api/v1/form-token?key={key}", headers={"Origin": origin} if origin else {})
    assert response.status_code == 200, response.json
    return response.json["token"]


def send(client, project, origin: str | None = ORIGIN, headers: dict | None = None,
         addr: str = "127.0.0.1", **fields):
    body = {"public_key": project.public_key, "kind": "bug", "message": "Export crashes\nEvery time."}
    body.update(fields)
    if "form_token" not in fields:
        body["form_token"] = form_token(client, project.public_key, origin)
    return client.post("/api/v1/feedback", json=body, headers={**({"Origin": origin} if origin else {}),
                                                               **(headers or {})},
                       environ_base={"REMOTE_ADDR": addr})


def assert_error(response, status: int, code: str | None = None) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)
    error = response.json["error"]
    assert set(error) == {"code", "message", "fields"} and error["message"]
    if code:
        assert error["code"] == code
    return error
