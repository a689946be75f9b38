"""Whatever a submitter types is shown as text, never run as markup."""
from sqlalchemy import select

from tests.conftest import csrf_from
from triage.extensions import db
from triage.models import Feedback

SCRIPT = "<script>alert(1)</script>"


def test_script_in_every_field_is_escaped_on_every_page(client, auth, agent, project):
    fields = {"kind": "bug", "title": SCRIPT, "description": SCRIPT, "steps": SCRIPT,
              "expected": SCRIPT, "actual": SCRIPT, "name": SCRIPT, "email": "a@example.com"}
    response = client.post("/p/demo", data={**fields, "csrf_token": csrf_from(client, "/p/demo")})
    assert response.status_code == 303
    item = db.session.scalars(select(Feedback)).one()
    auth.login(agent)
    client.post(f"/board/items/{item.id}/comments", data={
        "body": SCRIPT, "public": "y", "csrf_token": csrf_from(client, f"/board/items/{item.id}")})
    pages = ["/board/", f"/board/items/{item.id}", f"/status/{item.status_token}"]
    for path in pages:
        html = client.get(path).get_data(as_text=True)
        assert SCRIPT not in html, path
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html, path


def test_invalid_form_echoes_input_escaped(client, project):
    data = {"kind": "bug", "title": SCRIPT, "email": "bad", "csrf_token": csrf_from(client, "/p/demo")}
    html = client.post("/p/demo", data=data).get_data(as_text=True)
    assert SCRIPT not in html
