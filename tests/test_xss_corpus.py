"""An XSS payload corpus (script, event attributes, javascript: URLs, SVG, case and Unicode
variants) through the widget API, the hosted form, comments and tags: inert on every staff and
public page showing it, checked by parsing the HTML rather than by searching strings."""
from __future__ import annotations

from html.parser import HTMLParser

from tests.api_support import bearer, user_with_token
from tests.conftest import csrf_from
from tests.widget_support import ORIGIN, app, form_token, project  # noqa: F401
from triage.extensions import db
from triage.models import Feedback, Role

PAYLOADS = [
    "<script>alert(1)</script>", "<ScRiPt>alert(1)</sCrIpT>", "<img src=x onerror=alert(1)>",
    "<svg onload=alert(1)>", "<svg><script>alert(1)</script></svg>", "\"><script>alert(1)</script>",
    "'><img src=x onerror=alert(1)>", "javascript:alert(1)", "JaVaScRiPt:alert(1)", " javascript:alert(1)",
    "<a href=\"javascript:alert(1)\">x</a>", "<iframe src=javascript:alert(1)>", "<body onload=alert(1)>",
    "\uff1cscript\uff1ealert(1)\uff1c/script\uff1e", "<scr\u0000ipt>alert(1)</script>".replace("\u0000", ""),
    "<details open ontoggle=alert(1)>", "{{constructor.constructor('alert(1)')()}}", "<math><mi xlink:href=javascript:alert(1)>",
]
DANGEROUS_TAGS = {"svg", "iframe", "object", "embed", "math", "base"}  # <details> is ours: on* catches it


class Audit(HTMLParser):
    """Collects what could run: scripts without our own src, event attributes, javascript: URLs."""

    def __init__(self):
        super().__init__()
        self.problems: list[str] = []

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if name.startswith("on"):
                self.problems.append(f"<{tag} {name}>")
            if name in ("href", "src", "action", "formaction", "xlink:href") and value and \
                    "".join(value.split()).lower().startswith("javascript:"):
                self.problems.append(f"<{tag} {name}={value}>")
        if tag == "script" and not (dict(attrs).get("src") or "").startswith("/"):
            self.problems.append("<script> without our own src")
        if tag in DANGEROUS_TAGS:
            self.problems.append(f"<{tag}>")


def problems(html: str) -> list[str]:
    audit = Audit()
    audit.feed(html)
    return audit.problems


def test_payloads_are_inert_on_every_page_that_shows_them(client, auth, project):
    agent, token = user_with_token(Role.AGENT)
    ids = []
    for n, payload in enumerate(PAYLOADS):
        body = {"public_key": project.public_key, "title": payload, "message": payload, "email": "a@example.com",
                "form_token": form_token(client, project.public_key),
                "context": {"page_url": payload, "referrer": payload,  # app_version: only a version passes
                            "metadata": {payload: payload}, "js_errors": [{"message": payload, "source": payload}]},
                "user": {"name": payload, "id": payload}}
        response = client.post("/api/v1/feedback", json=body, headers={"Origin": ORIGIN})
        assert response.status_code == 201, response.json
        ids.append(response.json["id"])
        assert client.patch(f"/api/v1/items/{ids[-1]}", headers=bearer(token), json={
            "tags": [payload[:40]], "comment": {"body": payload, "public": True}}).status_code == 200
    form = {"kind": "bug", "title": PAYLOADS[2], "description": PAYLOADS[7], "steps": PAYLOADS[3],
            "name": PAYLOADS[10], "csrf_token": csrf_from(client, f"/p/{project.slug}")}
    assert client.post(f"/p/{project.slug}", data=form).status_code == 303
    items = db.session.scalars(db.select(Feedback)).all()
    auth.login(agent)
    pages = ["/board/", "/board/kanban", "/board/review"] + [f"/board/items/{item.id}" for item in items] + \
            [f"/status/{item.status_token}" for item in items]
    for path in pages:
        response = client.get(path)
        assert response.status_code == 200, path
        assert problems(response.get_data(as_text=True)) == [], path


def test_the_audit_finds_what_it_looks_for():
    """The parser-based check can fail: raw payloads trip it."""
    for payload in ("<script>alert(1)</script>", "<img src=x onerror=alert(1)>", "<svg onload=alert(1)>",
                    "<a href=' JaVaScRiPt:alert(1)'>x</a>"):
        assert problems(f"<p>{payload}</p>"), payload
