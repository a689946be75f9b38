"""Themes: triagers file items under a named theme of their project (on the item page or in
bulk), each change is an Event("themed"), and the board and staff API filter by theme."""
from sqlalchemy import func, select

from tests.api_support import bearer, user_with_token
from tests.board_support import stored
from tests.conftest import csrf_from
from triage.extensions import db
from triage.models import Event, Role, Theme
from triage.services import accounts


def set_theme(client, item_id, name):
    token = csrf_from(client, f"/board/items/{item_id}")
    return client.post(f"/board/items/{item_id}/theme", data={"csrf_token": token, "theme": name})


def test_an_item_is_filed_under_a_new_then_an_existing_theme(client, auth, agent, project):
    first, second = stored(project, "Checkout is slow"), stored(project, "Paying takes ages")
    db.session.commit()
    auth.login(agent)
    assert set_theme(client, first.id, "  Slow   checkout ").status_code == 302
    assert set_theme(client, second.id, "slow CHECKOUT").status_code == 302  # same theme, any case
    themes = db.session.scalars(select(Theme)).all()
    assert [t.name for t in themes] == ["Slow checkout"]
    assert first.theme_id == second.theme_id == themes[0].id
    page = client.get(f"/board/items/{first.id}").get_data(as_text=True)
    assert 'value="Slow checkout"' in page and "themed" in page and "filed it under Slow checkout." in page


def test_a_blank_name_clears_the_theme_and_the_same_name_changes_nothing(client, auth, agent, project):
    item = stored(project, "Dark mode please")
    db.session.commit()
    auth.login(agent)
    set_theme(client, item.id, "Dark mode")
    set_theme(client, item.id, "Dark mode")
    set_theme(client, item.id, "")
    events = db.session.scalars(select(Event).where(Event.kind == "themed").order_by(Event.id)).all()
    assert [(e.data["from"], e.data["to"]) for e in events] == [(None, "Dark mode"), ("Dark mode", None)]
    assert item.theme_id is None


def test_a_name_too_long_is_a_form_error(client, auth, agent, project):
    item = stored(project, "Anything")
    db.session.commit()
    auth.login(agent)
    response = set_theme(client, item.id, "x" * 121)
    assert response.status_code == 422 and "120" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Theme.id))) == 0


def test_themes_belong_to_a_project(client, auth, agent, project):
    other = accounts.create_project("mobile", "Mobile")
    mine, theirs = stored(project, "Export fails"), stored(other, "Export crashes")
    db.session.commit()
    auth.login(agent)
    token = csrf_from(client, "/board/")
    client.post("/board/bulk", data={"csrf_token": token, "ids": [str(mine.id), str(theirs.id)],
                                     "action": "theme", "theme": "Export"})
    themes = db.session.scalars(select(Theme).order_by(Theme.project_id)).all()
    assert [(t.project_id, t.name) for t in themes] == [(project.id, "Export"), (other.id, "Export")]
    assert (mine.theme_id, theirs.theme_id) == (themes[0].id, themes[1].id)


def test_the_board_and_the_staff_api_filter_by_theme(client, auth, agent, project):
    filed, other = stored(project, "Filed under sync"), stored(project, "Not filed at all")
    db.session.commit()
    auth.login(agent)
    set_theme(client, filed.id, "Sync")
    theme = db.session.scalar(select(Theme))
    page = client.get(f"/board/?theme={theme.id}").get_data(as_text=True)
    assert "Filed under sync" in page and "Not filed at all" not in page
    assert f'<option value="{theme.id}" selected>' in page
    _, token = user_with_token(Role.AGENT)
    listed = client.get(f"/api/v1/items?theme={theme.id}", headers=bearer(token)).get_json()
    assert [(i["id"], i["theme"]) for i in listed["items"]] == [(filed.id, {"id": theme.id, "name": "Sync"})]
    assert client.get(f"/api/v1/items/{other.id}", headers=bearer(token)).get_json()["theme"] is None


def test_the_staff_api_files_and_clears_a_theme(client, project):
    item = stored(project, "Widget hides the footer")
    db.session.commit()
    _, token = user_with_token(Role.AGENT)
    url = f"/api/v1/items/{item.id}"
    assert client.patch(url, json={"theme": "Layout"}, headers=bearer(token)).get_json()["theme"]["name"] == "Layout"
    refused = client.patch(url, json={"theme": 7}, headers=bearer(token))
    assert refused.status_code == 422 and "theme" in refused.get_json()["error"]["fields"]
    assert client.patch(url, json={"theme": None}, headers=bearer(token)).get_json()["theme"] is None
