"""The kanban: a column per open status, cards moved through the status endpoint by a
CSRF-protected fetch (JSON) or, without JavaScript, by a plain form that redirects back."""
import html as htmllib
import re
from types import SimpleNamespace

from sqlalchemy import select

from tests.board_support import stored
from tests.conftest import csrf_from
from triage.extensions import db
from triage.models import Event, Status


def columns(html: str) -> dict[str, list[str]]:
    found = {}
    sections = re.findall(r'<section class="col kanban-column" data-status="(\w+)"(.*?)</section>', html, re.S)
    for status, body in sections:
        found[status] = re.findall(r'">#\d+ ([^<]+)</a>', body)
    return found


def move(client, item, status, token=None, accept="application/json"):
    token = token or csrf_from(client, "/board/kanban")
    return client.post(f"/board/items/{item.id}/status", data={"status": status},
                       headers={"X-CSRFToken": token, "Accept": accept})


def test_columns_per_open_status_and_a_done_column_with_the_inbox_filters(client, auth, agent, project):
    stored(project, "fresh", priority="P1")
    stored(project, "doing", priority="P1", status=Status.IN_PROGRESS)
    stored(project, "low", priority="P5", status=Status.WAITING)
    stored(project, "done", priority="P1", status=Status.RESOLVED)
    stored(project, "gone", priority="P1", status=Status.CLOSED)
    db.session.commit()
    auth.login(agent)
    page = client.get("/board/kanban").get_data(as_text=True)
    assert columns(page) == {
        "new": ["fresh"], "triaged": [], "in_progress": ["doing"], "waiting": ["low"], "resolved": ["done"]}
    assert "Done (resolved)" in page and 'class="badge bg-light text-dark kanban-count" data-count="1"' in page
    assert columns(client.get("/board/kanban?priority=P1").get_data(as_text=True))["waiting"] == []


def test_a_card_moves_through_the_status_endpoint_as_json(client, auth, agent, project):
    item = stored(project, "fresh")
    db.session.commit()
    auth.login(agent)
    response = move(client, item, "in_progress")
    assert response.status_code == 200
    assert response.get_json() == {"id": item.id, "status": "in_progress", "label": "In progress"}
    db.session.refresh(item)
    assert item.status == Status.IN_PROGRESS
    assert db.session.scalars(select(Event.kind).where(Event.feedback_id == item.id)).all() == ["status_changed"]


def test_a_fetch_without_the_csrf_token_is_refused_as_json(client, auth, agent, project):
    item = stored(project, "fresh")
    db.session.commit()
    auth.login(agent)
    response = client.post(f"/board/items/{item.id}/status", data={"status": "triaged"},
                           headers={"Accept": "application/json"})
    assert response.status_code == 400 and "error" in response.get_json()
    db.session.refresh(item)
    assert item.status == Status.NEW


def test_an_unknown_status_is_a_json_422(client, auth, agent, project):
    item = stored(project, "fresh")
    db.session.commit()
    auth.login(agent)
    response = move(client, item, "deleted")
    assert response.status_code == 422 and "status" in response.get_json()["error"]["message"]
    assert move(client, SimpleNamespace(id=9999), "triaged").status_code == 404


def test_without_javascript_the_card_form_posts_and_comes_back(client, auth, agent, project):
    item = stored(project, "fresh")
    db.session.commit()
    auth.login(agent)
    html = client.get("/board/kanban?priority=").get_data(as_text=True)
    assert f'action="/board/items/{item.id}/status"' in html and 'name="next" value="/board/kanban?priority="' in html
    token = csrf_from(client, "/board/kanban")
    response = client.post(f"/board/items/{item.id}/status",
                           data={"status": "waiting", "csrf_token": token, "next": "/board/kanban?priority="})
    assert response.status_code == 302 and response.headers["Location"] == "/board/kanban?priority="
    evil = client.post(f"/board/items/{item.id}/status",
                       data={"status": "triaged", "csrf_token": token, "next": "https://evil.example/"})
    assert evil.headers["Location"] == f"/board/items/{item.id}"


def test_the_script_is_our_own_static_file(client, auth, agent, project):
    auth.login(agent)
    html = client.get("/board/kanban").get_data(as_text=True)
    sources = re.findall(r'<script[^>]*src="([^"]+)"', html)
    assert sources == ["/static/kanban.js"]
    script = client.get("/static/kanban.js")
    assert script.status_code == 200 and b"X-CSRFToken" in script.data
    script.close()


def test_a_pm_sees_the_kanban_but_cannot_move_cards(client, auth, pm, project):
    item = stored(project, "fresh")
    db.session.commit()
    auth.login(pm)
    html = client.get("/board/kanban").get_data(as_text=True)
    assert "fresh" in html and "kanban-form" not in html
    assert move(client, item, "triaged", token=csrf_from(client, "/board/")).status_code == 403


def test_a_full_column_loads_the_rest_in_place_or_by_link_and_counts_them_all(make_app):
    from tests.board_support import row_titles
    from tests.conftest import Auth, make_user
    from triage.models import Role
    from triage.services.accounts import create_project

    app = make_app(BOARD_PAGE_SIZE=2)
    with app.app_context():
        project = create_project("shop", "Shop")
        for n in range(5):
            stored(project, f"item {n}", priority="P2")
        stored(project, "elsewhere", priority="P2", status=Status.TRIAGED)
        db.session.commit()
        client = app.test_client()
        Auth(client).login(make_user(Role.AGENT))
        page = client.get("/board/kanban").get_data(as_text=True)
        assert 'kanban-count" data-count="5" data-more="">5</span>' in page  # every card, not the page
        assert columns(page)["new"] == ["item 0", "item 1"]
        link = htmllib.unescape(re.search(r'class="[^"]*kanban-more" href="([^"]+)"\s+data-cards="([^"]+)"', page)[2])
        more = client.get(link)
        assert more.status_code == 200 and "<html" not in more.get_data(as_text=True)
        assert row_titles(more.get_data(as_text=True)) == ["item 2", "item 3"]
        last = htmllib.unescape(re.search(r'data-cards="([^"]+)"', more.get_data(as_text=True))[1])
        rest = client.get(last).get_data(as_text=True)
        assert row_titles(rest) == ["item 4"] and "kanban-more" not in rest
        plain = htmllib.unescape(re.search(r'class="[^"]*kanban-more" href="([^"]+)"', page)[1])
        without_script = client.get(plain).get_data(as_text=True)  # no JavaScript: the link still works
        assert columns(without_script)["new"] == ["item 2", "item 3"]
        assert columns(without_script)["triaged"] == ["elsewhere"]
        assert client.get("/board/kanban/cards?column=closed").status_code == 404
        assert client.get("/board/kanban/cards?column=new&cursor=nonsense").status_code == 200
