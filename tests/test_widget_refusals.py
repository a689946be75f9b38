"""Refused widget calls: readable by the page, counted per origin for the project's admins;
wrong shapes in a submission are refused with a 422, never dropped in silence."""
import pytest
from sqlalchemy import select

from tests.conftest import csrf_from, make_user
from tests.widget_support import ORIGIN, app, assert_error, item_count, project, send  # noqa: F401
from triage.extensions import db
from triage.models import RefusedAttempt, Role
from triage.services.intake import widget

EVIL = "https://evil.test"


def refusals() -> list[tuple[str, str, int]]:
    db.session.expire_all()
    return [(r.origin, r.reason, r.count) for r in db.session.scalars(select(RefusedAttempt).order_by(RefusedAttempt.id))]


def test_refused_origin_is_counted_once_per_origin_with_its_last_time(client, project):
    for _ in range(3):
        assert_error(client.get(f"/api/v1/form-token?key={project.public_key}", headers={"Origin": EVIL}), 403)
    before = db.session.scalar(select(RefusedAttempt.last_seen))
    client.get(f"/api/v1/surveys/next?key={project.public_key}&visitor=v-12345678", headers={"Origin": EVIL})
    assert refusals() == [(EVIL, "origin", 4)]
    assert db.session.scalar(select(RefusedAttempt.last_seen)) >= before


def test_unknown_key_from_an_allowed_site_is_counted_for_that_project(client, project):
    response = client.get("/api/v1/form-token?key=pk_stale", headers={"Origin": ORIGIN})
    assert_error(response, 404)
    assert response.headers["Access-Control-Allow-Origin"] == ORIGIN
    assert_error(client.get("/api/v1/form-token?key=pk_stale", headers={"Origin": EVIL}), 404)  # nobody's site
    assert_error(client.get("/api/v1/form-token?key=pk_stale"), 404)  # a server, not a page
    assert refusals() == [(ORIGIN, "key", 1)]


def test_refusal_rows_are_capped_per_project(client, project, monkeypatch):
    monkeypatch.setattr(widget, "MAX_REFUSED_ROWS", 3)
    for i in range(6):
        client.get(f"/api/v1/form-token?key={project.public_key}", headers={"Origin": f"https://evil{i}.test"})
    client.get(f"/api/v1/form-token?key={project.public_key}", headers={"Origin": "https://evil0.test"})
    assert refusals() == [("https://evil0.test", "origin", 2), ("https://evil1.test", "origin", 1),
                          ("https://evil2.test", "origin", 1)]


def test_admin_sees_refused_origins_on_the_project_page(client, auth, project):
    client.get(f"/api/v1/form-token?key={project.public_key}", headers={"Origin": EVIL})
    client.get(f"/api/v1/form-token?key={project.public_key}", headers={"Origin": EVIL})
    auth.login(make_user(Role.ADMIN))
    html = client.get(f"/admin/projects/{project.id}").get_data(as_text=True)
    table = html[html.index("refused-attempts"):]
    assert EVIL in table and "origin not allowed" in table and "<td>2</td>" in table


def test_project_without_refusals_says_so(client, auth, project):
    auth.login(make_user(Role.ADMIN))
    assert "No refused calls." in client.get(f"/admin/projects/{project.id}").get_data(as_text=True)


@pytest.mark.parametrize("fields, where", [
    ({"context": {"js_errors": "[object Object]"}}, "context.js_errors"),  # Prototype.js's toJSON
    ({"context": {"js_errors": ["boom"]}}, "context.js_errors"),
    ({"context": {"metadata": '{"plan": "pro"}'}}, "context.metadata"),
    ({"context": "page"}, "context"),
    ({"tags": ["a"]}, "tags"),
    ({"user_signature": 12}, "user_signature"),
])
def test_wrong_shapes_are_refused_not_dropped(client, project, fields, where):
    error = assert_error(send(client, project, **fields), 422, "invalid")
    assert where in error["fields"]
    assert item_count() == 0
