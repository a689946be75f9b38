"""One triage panel on the item page: every triage field in one submit, each change still its
own Event (and a label change a correction), refusals shown on the page with nothing changed."""
from sqlalchemy import select

from tests import builders
from tests.conftest import csrf_from, make_user
from triage.extensions import db
from triage.models import Event, Role, Status
from triage.services.accounts import create_project


def submit(client, item, **changes):
    """Post the panel as the page shows it, with `changes` typed over it."""
    import re

    path = f"/board/items/{item.id}"
    page = client.get(path).get_data(as_text=True)
    form = page[page.index('id="triage-panel"'):page.index("</form>", page.index('id="triage-panel"'))]
    data = dict(re.findall(r'<input[^>]*name="(\w+)"[^>]*value="([^"]*)"', form))
    data |= {name: value for name, value in re.findall(
        r'<select[^>]*name="(\w+)".*?<option selected value="([^"]*)"', form, re.S)}
    for name in re.findall(r'<select[^>]*name="(\w+)"', form):
        data.setdefault(name, "")
    data.update(changes)
    data["csrf_token"] = csrf_from(client, path)
    return client.post(f"{path}/triage", data=data)


def kinds(item) -> list[str]:
    return list(db.session.scalars(select(Event.kind).where(Event.feedback_id == item.id, Event.actor_id.is_not(None))
                                   .order_by(Event.id)))


def test_one_submit_makes_every_change_each_its_own_event(client, auth, agent):
    team = builders.team_with_roles()
    team.memberships.append(builders.TeamMember(user=agent, role=builders.TeamRole.MEMBER))
    item = builders.item(create_project("shop", "Shop"), priority="P3", impact="medium", urgency="medium")
    auth.login(agent)
    response = submit(client, item, category="feature", impact="high", urgency="high", team=str(team.id),
                      assignee=str(agent.id), theme="Checkout", tags="Payments, urgent ,payments", status="in_progress")
    assert response.status_code == 302
    assert "Saved: classification, assignment, theme, tags, status." in client.get(response.location).get_data(as_text=True)
    db.session.refresh(item)
    assert (item.category, item.priority, item.assignee, item.theme.name, item.tags, item.status) == (
        "feature", "P1", agent, "Checkout", ["payments", "urgent"], Status.IN_PROGRESS)
    assert kinds(item) == ["reclassified", "assigned", "themed", "tagged", "status_changed"]
    assert item.prediction.get("corrected")  # a training label


def test_a_panel_sent_back_unchanged_changes_nothing(client, auth, agent):
    item = builders.item(create_project("shop", "Shop"), priority=None, category=None)
    auth.login(agent)
    response = submit(client, item)
    assert "Nothing changed." in client.get(response.location).get_data(as_text=True)
    db.session.refresh(item)
    assert item.category is None and kinds(item) == []  # the panel's defaults label nothing


def test_a_refused_change_shows_on_the_page_and_nothing_is_saved(client, auth, agent):
    support, billing = builders.team_with_roles(), builders.team_with_roles("Billing")
    item = builders.item(create_project("shop", "Shop"), priority=None)
    auth.login(agent)
    response = submit(client, item, team=str(support.id), assignee=str(billing.memberships[0].user_id),
                      status="resolved")
    assert response.status_code == 422 and "is not a member of team Support" in response.get_data(as_text=True)
    too_many = submit(client, item, tags=",".join(f"t{n}" for n in range(21)))
    assert too_many.status_code == 422 and "At most 20 tags" in too_many.get_data(as_text=True)
    db.session.refresh(item)
    assert item.status == Status.NEW and item.assignee is None and kinds(item) == []


def test_only_agents_see_and_post_the_panel(client, auth):
    item = builders.item(create_project("shop", "Shop"), priority=None)
    pm = make_user(Role.PM)
    auth.login(pm)
    page = client.get(f"/board/items/{item.id}").get_data(as_text=True)
    assert 'id="triage-panel"' not in page and "shortcuts.js" not in page
    assert client.post(f"/board/items/{item.id}/triage", data={}).status_code in (400, 403)


def test_the_panel_page_loads_the_shortcuts_and_their_help(client, auth, agent):
    item = builders.item(create_project("shop", "Shop"), priority=None)
    auth.login(agent)
    page = client.get(f"/board/items/{item.id}").get_data(as_text=True)
    assert 'id="shortcuts-help"' in page and "/static/shortcuts.js" in page
    assert f'data-me="{agent.id}"' in page
    script = client.get("/static/shortcuts.js")
    assert script.status_code == 200
    script.close()
