"""Undo of the last bulk action: each item's previous values put back through the same verbs
(a merge through unmerge), only by its author or an admin, within minutes; an item changed by
someone else since is left alone and named."""
from datetime import timedelta

import pytest
from sqlalchemy import select

from tests import builders
from tests.board_support import stored
from tests.conftest import csrf_from, make_user
from triage.extensions import db
from triage.models import BulkUndo, Event, Feedback, Role, Status
from triage.services import items


@pytest.fixture
def picked(project):
    found = [stored(project, f"item {n}", category="bug", impact="low", urgency="low", priority="P5",
                    status=Status.TRIAGED, tags=["old"]) for n in range(3)]
    db.session.commit()
    return found


def bulk(client, ids, **data):
    token = csrf_from(client, "/board/")
    return client.post("/board/bulk", data={"csrf_token": token, "ids": [str(i) for i in ids], **data})


def undo(client, undo_id=None):
    undo_id = undo_id or newest().id
    return client.post(f"/board/bulk/undo/{undo_id}", data={"csrf_token": csrf_from(client, "/board/"),
                                                            "next": "/board/?status=triaged"})


def newest() -> BulkUndo:
    return db.session.scalars(select(BulkUndo).order_by(BulkUndo.id.desc())).first()


def fresh(found):
    db.session.expire_all()
    return [db.session.get(Feedback, i.id) for i in found]


def test_the_inbox_offers_the_undo_and_it_restores_every_item(client, auth, agent, picked):
    auth.login(agent)
    bulk(client, [i.id for i in picked], action="status", status="resolved")
    assert "Your last bulk action (status on 3 items) can be undone" in client.get("/board/").get_data(as_text=True)
    response = undo(client)
    assert response.status_code == 303 and response.location == "/board/?status=triaged"
    assert "Undone on 3 items." in client.get(response.location).get_data(as_text=True)
    assert {i.status for i in fresh(picked)} == {Status.TRIAGED}
    undone = db.session.scalars(select(Event).where(Event.kind == "bulk_undone")).all()
    assert len(undone) == 3 and undone[0].actor_id == agent.id
    assert 'id="bulk-undo"' not in client.get("/board/").get_data(as_text=True)  # once only
    assert undo(client).status_code == 409


def test_labels_tags_theme_and_assignment_come_back(client, auth, agent, picked):
    team = builders.team_with_roles("Web")
    person = team.members_with(builders.TeamRole.MEMBER)[0]
    auth.login(agent)
    for data in ({"action": "reclassify", "impact": "high", "urgency": "high"}, {"action": "tag", "tag": "new"},
                 {"action": "theme", "theme": "Checkout"},
                 {"action": "assign", "team": str(team.id), "assignee": str(person.id)}):
        bulk(client, [picked[0].id], **data)
        assert undo(client).status_code == 303
    [item] = fresh(picked[:1])
    assert (item.impact, item.urgency, item.priority, item.tags, item.theme, item.team, item.assignee) == (
        "low", "low", "P5", ["old"], None, None, None)


def test_an_item_changed_by_someone_else_since_is_left_alone_and_named(client, auth, agent, picked):
    auth.login(agent)
    bulk(client, [i.id for i in picked], action="status", status="in_progress")
    items.change_status(fresh(picked)[1], Status.WAITING, make_user(Role.AGENT, "other@example.com"))
    db.session.commit()
    response = undo(client)
    page = client.get(response.location).get_data(as_text=True)
    assert "Undone on 2 items." in page and f"Left alone, changed since: #{picked[1].id}." in page
    assert [i.status for i in fresh(picked)] == [Status.TRIAGED, Status.WAITING, Status.TRIAGED]


def test_only_its_author_or_an_admin_can_undo(client, auth, agent, admin, picked):
    auth.login(agent)
    bulk(client, [picked[0].id], action="tag", tag="x")
    auth.logout()
    auth.login(make_user(Role.AGENT, "other@example.com"))
    assert undo(client).status_code == 403
    auth.logout()
    auth.login(admin)
    assert undo(client).status_code == 303
    assert fresh(picked)[0].tags == ["old"]


def test_a_merge_is_undone_through_unmerge(client, auth, agent, picked):
    auth.login(agent)
    bulk(client, [i.id for i in picked], action="merge")
    assert sum(i.duplicate_of_id is not None for i in fresh(picked)) == 2
    assert undo(client).status_code == 303
    found = fresh(picked)
    assert [i.duplicate_of_id for i in found] == [None] * 3 and {i.status for i in found} == {Status.TRIAGED}
    assert len(db.session.scalars(select(Event).where(Event.kind == "unmerged")).all()) == 4


def test_the_undo_expires_after_ten_minutes_and_with_the_next_bulk_action(client, auth, agent, picked):
    auth.login(agent)
    bulk(client, [picked[0].id], action="tag", tag="x")
    first = newest()
    bulk(client, [picked[1].id], action="tag", tag="y")
    assert undo(client, first.id).status_code == 404  # replaced by the newer action
    record = newest()
    record.created_at -= timedelta(minutes=11)
    db.session.commit()
    assert "bulk-undo" not in client.get("/board/").get_data(as_text=True)
    assert undo(client, record.id).status_code == 409
    assert fresh(picked)[1].tags == ["old", "y"]


def test_undo_needs_csrf_and_an_agent_and_bad_ids_are_4xx(client, auth, agent, pm, picked):
    auth.login(agent)
    bulk(client, [picked[0].id], action="tag", tag="x")
    record = newest()
    assert client.post(f"/board/bulk/undo/{record.id}").status_code == 400
    assert undo(client, 99999999999).status_code == 404
    auth.logout()
    auth.login(pm)
    assert client.post(f"/board/bulk/undo/{record.id}", data={"csrf_token": csrf_from(client, "/board/")}).status_code == 403
