"""Admins set the widget's origins, copy its snippet and judge the quarantine; the board
shows an item's context and keeps suspected spam out."""
import gzip

from sqlalchemy import select

from tests.conftest import csrf_from, make_user
from tests.widget_support import ORIGIN, app, project, send  # noqa: F401
from triage.extensions import db
from triage.models import Event, Feedback, Role


def post_project(client, project, origins: str):
    path = f"/admin/projects/{project.id}"
    return client.post(path, data={"name": project.name, "slug": project.slug, "default_team": "",
                                   "allowed_origins": origins, "csrf_token": csrf_from(client, path)})


def test_admin_sets_allowed_origins_and_sees_the_snippet(client, auth, admin, project):
    auth.login(admin)
    response = post_project(client, project, "https://Shop.example.com/\n\nhttps://*.example.net\n")
    assert response.status_code == 302
    db.session.refresh(project)
    assert project.allowed_origins == ["https://shop.example.com", "https://*.example.net"]
    page = client.get(f"/admin/projects/{project.id}").get_data(as_text=True)
    assert "https://shop.example.com\nhttps://*.example.net</textarea>" in page
    assert f'/widget.js" data-key="{project.public_key}" async&gt;' in page
    assert project.identity_secret in page


def test_bad_origin_is_a_form_error_and_nothing_changes(client, auth, admin, project):
    auth.login(admin)
    response = post_project(client, project, "https://ok.example\nhttps://bad.example/path")
    assert response.status_code == 422
    assert "is not an origin" in response.get_data(as_text=True)
    db.session.refresh(project)
    assert project.allowed_origins == [ORIGIN, "https://*.example.org", "http://localhost:8080"]


def spam(client, project) -> Feedback:
    response = send(client, project, website="http://buy.example", message="Cheap pills")
    return db.session.get(Feedback, response.json["id"])


def test_quarantined_items_stay_off_the_board_until_released(client, auth, admin, project):
    genuine = db.session.get(Feedback, send(client, project, message="Real bug").json["id"])
    held = spam(client, project)
    assert [e.kind for e in held.events] == ["created"] and held.category is None  # not triaged while held
    auth.login(admin)
    inbox = client.get("/board/").get_data(as_text=True)
    assert "Real bug" in inbox and "Cheap pills" not in inbox
    page = client.get("/admin/quarantine").get_data(as_text=True)
    assert "Cheap pills" in page and "honeypot" in page and "Real bug" not in page
    token = csrf_from(client, "/admin/quarantine")
    assert client.post(f"/admin/quarantine/{held.id}/release", data={"csrf_token": token}).status_code == 302
    db.session.refresh(held)
    kinds = [e.kind for e in held.events]
    assert held.quarantined is False and kinds[:2] == ["created", "released"]
    assert "classified" in kinds  # the triage steps it skipped while held ran on release
    assert "Cheap pills" in client.get("/board/").get_data(as_text=True)
    assert genuine.quarantined is False


def test_admin_deletes_a_quarantined_item_but_never_a_genuine_one(client, auth, admin, project):
    genuine = db.session.get(Feedback, send(client, project).json["id"])
    held_id = spam(client, project).id
    auth.login(admin)
    token = csrf_from(client, "/admin/quarantine")
    for item_id in (held_id, genuine.id):
        client.post(f"/admin/quarantine/{item_id}/delete", data={"csrf_token": token})
    assert db.session.get(Feedback, held_id) is None
    assert db.session.get(Feedback, genuine.id) is not None
    assert db.session.scalars(select(Event).where(Event.feedback_id == held_id)).all() == []


def test_agents_cannot_open_the_quarantine(client, auth, project):
    auth.login(make_user(Role.AGENT))
    assert client.get("/admin/quarantine").status_code == 403


def test_item_page_shows_the_captured_context(client, auth, project):
    response = send(client, project, user={"id": "u-1"}, context={
        "page_url": "https://shop.example.com/cart", "app_version": "4.2.0", "metadata": {"plan": "pro"},
        "js_errors": [{"message": "TypeError: x is undefined", "source": "app.js", "line": 3}]})
    auth.login(make_user(Role.AGENT))
    page = client.get(f"/board/items/{response.json['id']}").get_data(as_text=True)
    for text in ("https://shop.example.com/cart", "4.2.0", "plan", "TypeError: x is undefined", "unverified"):
        assert text in page


def test_widget_script_is_served_small_and_cacheable(client):
    response = client.get("/widget.js")
    assert response.status_code == 200 and response.mimetype == "text/javascript"
    assert response.headers["Cross-Origin-Resource-Policy"] == "cross-origin"
    assert "max-age" in response.headers["Cache-Control"] and response.headers["ETag"]
    assert len(gzip.compress(response.data, 9)) < 15 * 1024  # the budget: 15 KB gzipped
    assert b"attachShadow" in response.data and b"credentials" in response.data
    again = client.get("/widget.js", headers={"If-None-Match": response.headers["ETag"].strip('"')})
    assert again.status_code == 304
