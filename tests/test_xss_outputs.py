"""The XSS corpus and spreadsheet formulas through the widget API into titles, bodies, comments,
tags, names and themes, then out through every email the app sends (over real SMTP) and every
CSV export (parsed with the csv module): mail stays plain text carrying the payload literally,
with no header injected; no CSV cell can run as a formula."""
from __future__ import annotations

import csv
import io
from datetime import timedelta
from email.header import decode_header, make_header

import pytest

from tests import builders
from tests.api_support import bearer, user_with_token
from tests.servers import smtp_server  # noqa: F401  (fixture)
from tests.test_xss_corpus import PAYLOADS
from tests.widget_support import ORIGIN, form_token
from tests.conftest import PASSWORD, csrf_from
from triage import worker
from triage.extensions import db
from triage.models import Feedback, Role, Status, utcnow
from triage.services import accounts, items
from triage.services.releases import store

FORMULAS = ["=HYPERLINK(\"https://evil.example\",\"open\")", "+1+cmd|' /C calc'!A0", "-2+3", "@SUM(1,2)",
            "\t=1+1", "\r=1+1", "=1+1\r\nBcc: evil@example.com"]
HOSTILE = PAYLOADS + FORMULAS
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


@pytest.fixture
def mail_app(make_app, smtp_server, tmp_path):  # noqa: F811
    sink, port = smtp_server
    app = make_app(SMTP_HOST="127.0.0.1", SMTP_PORT=port, FORM_MIN_FILL_SECONDS=0, API_RATE_LIMIT_PER_ADDRESS="100 per minute",
                   UPLOAD_FOLDER=str(tmp_path / "uploads"), PUBLIC_BASE_URL="https://triage.example")
    with app.app_context():
        yield app, sink


def submit(client, project, payload: str) -> Feedback:
    """One hostile report through the widget API, with the payload in every text it takes."""
    response = client.post("/api/v1/feedback", headers={"Origin": ORIGIN}, json={
        "public_key": project.public_key, "kind": "bug", "title": payload, "message": payload,
        "email": "erin@example.com", "user": {"name": payload}, "form_token": form_token(client, project.public_key)})
    assert response.status_code == 201, (payload, response.json)
    return db.session.get(Feedback, response.json["id"])


@pytest.fixture
def hostile(mail_app):
    """Every payload as a report of its own, tagged, themed, answered in public, assigned by an
    admin to an agent (named with the payload) and resolved; plus one release."""
    app, sink = mail_app
    project = accounts.create_project("shop", "Shop")
    project.allowed_origins = [ORIGIN]
    builders.policy()
    team = builders.team_with_roles("Support")
    agent = team.memberships[0].user
    agent.name = HOSTILE[1]
    admin, token = user_with_token(Role.ADMIN)
    db.session.commit()
    client = app.test_client()
    found = []
    for n, payload in enumerate(HOSTILE):
        item = submit(client, project, payload)
        assert client.patch(f"/api/v1/items/{item.id}", headers=bearer(token), json={
            "tags": [payload.strip()[:40] or "x"], "theme": payload.strip()[:80] or "x",
            "comment": {"body": payload, "public": True}}).status_code == 200, payload
        items.assign(item, team, agent, admin)
        items.change_status(item, Status.RESOLVED, admin)
        db.session.commit()  # the next request writes on its own connection
        found.append(item)
    late = builders.item(project, utcnow() - timedelta(minutes=190), team=team, title=HOSTILE[0])  # escalates
    store.create_release(project, "1.0")
    db.session.commit()
    return project, admin, found + [late], sink


def test_every_email_about_hostile_items_is_plain_text_carrying_the_payload_literally(mail_app, hostile):
    project, admin, found, sink = hostile
    worker.deliver_pending()
    worker.sweep()  # the escalation digest to the team lead
    kinds = {"reply": "erin@example.com", "assignment": "support-agent-0@example.com",
             "digest": "support-lead@example.com"}
    for kind, address in kinds.items():
        assert sink.to(address), f"no {kind} email"
    assert len(sink.messages) >= 3 * len(HOSTILE)
    for message in sink.messages:
        assert message["content_type"] == "text/plain"  # no HTML part a mail program could run
        subject = str(make_header(decode_header(message["subject"])))  # unfolded, encoded words decoded
        assert "\n" not in subject and "\r" not in subject, subject
    bodies = "\n".join(m["body"] for m in sink.messages)
    assert all(payload.strip() in bodies for payload in PAYLOADS), "each payload arrives as text"
    assert all(m["to"] in (["erin@example.com"], ["support-agent-0@example.com"], ["support-lead@example.com"],
                           ["support-manager@example.com"]) for m in sink.messages), "no recipient was injected"


def cells(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


def formula_cells(rows: list[list[str]]) -> list[str]:
    """Cells a spreadsheet would evaluate: a formula start that is not a plain number."""
    def number(cell: str) -> bool:
        try:
            float(cell)
            return True
        except ValueError:
            return False
    return [cell for row in rows for cell in row if cell.startswith(FORMULA_START) and not number(cell)]


def test_every_csv_export_of_hostile_items_keeps_formulas_as_text(mail_app, hostile):
    app, _ = mail_app
    project, admin, found, _ = hostile
    client = app.test_client()
    client.get("/auth/login")
    client.post("/auth/login", data={"email": admin.email, "password": PASSWORD,
                                     "csrf_token": csrf_from(client, "/auth/login")})
    worker.aggregate_pass()
    exports = {
        "items": "/insights/export/items.csv?status=any",
        "themes": f"/insights/export/themes.csv?project={project.id}",
        "chart category": f"/insights/charts/category.csv?project={project.id}",
        "chart impact": f"/insights/charts/impact.csv?project={project.id}",
        "chart sla": f"/insights/charts/sla.csv?project={project.id}",
        "release checklist": f"/releases/{project.slug}/v/1.0/checklist.csv",
    }
    texts = {}
    for name, path in exports.items():
        response = client.get(path)
        assert response.status_code == 200 and response.mimetype == "text/csv", (name, response.status_code)
        rows = cells(response.get_data(as_text=True))
        assert formula_cells(rows) == [], name
        texts[name] = rows
    items_cells = [cell for row in texts["items"] for cell in row]
    for payload in HOSTILE:  # the payload is in the export as text (trimmed as stored; a formula behind an apostrophe)
        assert any(payload.strip() in cell for cell in items_cells), payload
    assert len(texts["items"]) == len(found) + 1
    theme_names = [row[1] for row in texts["themes"][1:]]
    assert PAYLOADS[0] in theme_names and "'=1+1" in theme_names  # names as text, formulas neutralised


def test_the_formula_check_can_fail():
    assert formula_cells([["=1+1", "-5", "+1+cmd", "plain", "'=1"]]) == ["=1+1", "+1+cmd"]
