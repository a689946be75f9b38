"""The agent's day from the keyboard: from the inbox, j and Enter open the first item; on each
item a assigns it to the agent, r resolves it, j goes to the next item of the inbox; ? shows the
help and e puts the cursor in the triage panel."""
from __future__ import annotations

import re

from playwright.sync_api import expect
from sqlalchemy import select

from tests import builders
from tests.board_support import stored
from tests.browser.test_kanban_browser import sign_in
from triage.extensions import db
from triage.models import Event, Feedback, Status
from triage.services.accounts import create_project


def press(page, key: str) -> None:
    """Press a shortcut once the page's script listens (a person is never faster than it)."""
    page.wait_for_selector("html[data-shortcuts=on]", state="attached")
    page.keyboard.press(key)


def test_an_agent_triages_five_items_from_the_keyboard(page, live_app):
    from tests.conftest import make_user
    from triage.models import Role

    team = builders.team_with_roles()
    agent = make_user(Role.AGENT, "kim@example.com", name="Kim Keys")
    team.memberships.append(builders.TeamMember(user=agent, role=builders.TeamRole.MEMBER))
    project = create_project("shop", "Shop")
    found = [stored(project, f"Problem number {n}", priority="P2", category="bug", impact="medium",
                    urgency="high", team=team) for n in range(5)]
    db.session.commit()
    sign_in(page, live_app, agent)
    page.goto(f"{live_app.url}/board/")
    press(page, "j")
    expect(page.locator("tr.table-active")).to_have_count(1)
    press(page, "Enter")
    page.wait_for_url(re.compile(r".*/board/items/\d+$"))

    press(page, "?")
    expect(page.get_by_role("dialog")).to_be_visible()
    expect(page.get_by_role("dialog")).to_contain_text("assign to me")
    page.keyboard.press("Escape")
    expect(page.get_by_role("dialog")).to_be_hidden()
    press(page, "e")
    expect(page.get_by_label("Category")).to_be_focused()
    page.locator("body").click(position={"x": 5, "y": 300})  # out of the field: keys are shortcuts again

    visited = []
    for n in range(5):
        visited.append(int(page.url.rsplit("/", 1)[1]))
        press(page, "a")
        expect(page.get_by_text("Saved: assignment.")).to_be_visible()
        press(page, "r")
        expect(page.get_by_text("Saved: status.")).to_be_visible()
        if n < 4:
            press(page, "j")
            page.wait_for_url(lambda url, last=visited[-1]: not url.endswith(f"/items/{last}"))
    assert sorted(visited) == sorted(i.id for i in found)
    db.session.expire_all()
    done = db.session.scalars(select(Feedback).where(Feedback.id.in_(visited))).all()
    assert {(i.assignee_id, i.status) for i in done} == {(agent.id, Status.RESOLVED)}
    events = db.session.scalars(select(Event.kind).where(Event.actor_id == agent.id)).all()
    assert sorted(events) == ["assigned"] * 5 + ["status_changed"] * 5  # each change its own event
    press(page, "k")  # and back to the previous one
    page.wait_for_url(f"**/board/items/{visited[3]}")
