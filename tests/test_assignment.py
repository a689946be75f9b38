"""Agents assign items on the item page; the page shows the team, the assignee and the SLA clocks."""
from datetime import timedelta

from sqlalchemy import select

from tests import builders
from tests.conftest import csrf_from
from triage.extensions import db
from triage.models import Event, Feedback, Status, utcnow
from triage.services.triage import sla
from triage.services.accounts import create_project


def assign(client, item, **data):
    path = f"/board/items/{item.id}"
    return client.post(f"{path}/assignment", data={**data, "csrf_token": csrf_from(client, path)})


def test_an_agent_assigns_an_item_to_a_team_member(client, auth, agent):
    team = builders.team_with_roles(members=2)
    item = builders.item(create_project("shop", "Shop"), priority=None)
    person = team.memberships[1].user
    auth.login(agent)
    assert assign(client, item, team=str(team.id), assignee=str(person.id)).status_code == 302
    db.session.refresh(item)
    assert (item.team, item.assignee) == (team, person)
    event = db.session.scalars(select(Event).where(Event.kind == "assigned")).one()
    assert (event.actor_id, event.data) == (agent.id, {"team": "Support", "assignee": person.email})
    html = client.get(f"/board/items/{item.id}").get_data(as_text=True)
    assert f"Agent Smith assigned it to {person.display_name} (Support)." in html


def test_assigning_someone_outside_the_team_is_a_form_error(client, auth, agent):
    support, billing = builders.team_with_roles(), builders.team_with_roles("Billing")
    item = builders.item(create_project("shop", "Shop"), priority=None)
    auth.login(agent)
    response = assign(client, item, team=str(support.id), assignee=str(billing.memberships[0].user_id))
    assert response.status_code == 422 and "is not a member of team Support" in response.get_data(as_text=True)
    bogus = assign(client, item, team="999", assignee="")
    assert bogus.status_code == 422 and "Not a valid choice" in bogus.get_data(as_text=True)
    db.session.refresh(item)
    assert item.team is None


def test_a_pm_cannot_assign(client, auth, pm):
    item = builders.item(create_project("shop", "Shop"), priority=None)
    auth.login(pm)
    token = csrf_from(client, f"/board/items/{item.id}")
    assert client.post(f"/board/items/{item.id}/assignment", data={"csrf_token": token}).status_code == 403


def test_the_item_page_shows_time_left_and_breached_clocks(client, auth, agent):
    builders.policy("P1", first=60, resolution=240)
    item = builders.item(create_project("shop", "Shop"), utcnow() - timedelta(minutes=90), priority="P1")
    auth.login(agent)
    html = client.get(f"/board/items/{item.id}").get_data(as_text=True)
    assert "breached 30 min ago" in html or "breached 29 min ago" in html
    assert "due in 2 h 29 min" in html or "due in 2 h 30 min" in html


def test_clock_states_follow_the_item():
    now = utcnow()
    item = Feedback(title="x", first_response_due=now - timedelta(minutes=5), resolution_due=now + timedelta(hours=1),
                    status=Status.NEW)
    assert [(c.state, c.minutes) for c in sla.clocks(item, now)] == [("breached", 5), ("running", 60)]
    item.first_responded_at, item.sla_paused_at = now, now
    assert [c.state for c in sla.clocks(item, now)] == ["met", "paused"]
