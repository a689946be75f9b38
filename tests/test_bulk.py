"""Bulk actions on the items ticked in the inbox: assign, status, impact/urgency, tag;
each change is the item's own Event, and a refused batch changes nothing."""
import pytest
from sqlalchemy import select

from tests import builders
from tests.board_support import stored
from tests.conftest import csrf_from
from triage.extensions import db
from triage.models import Event, Feedback, Status


@pytest.fixture
def picked(project):
    found = [stored(project, f"item {n}", category="bug", impact="low", urgency="low", priority="P5")
             for n in range(3)]
    db.session.commit()
    return found


def bulk(client, ids, **data):
    token = csrf_from(client, "/board/")
    return client.post("/board/bulk", data={"csrf_token": token, "ids": [str(i) for i in ids],
                                            "next": "/board/?priority=", **data})


def events(kind):
    return db.session.scalars(select(Event).where(Event.kind == kind)).all()


def test_assign_selected_items_to_a_team_member(client, auth, agent, picked):
    team = builders.team_with_roles("Web")
    person = team.members_with(builders.TeamRole.MEMBER)[0]
    auth.login(agent)
    response = bulk(client, [picked[0].id, picked[2].id], action="assign", team=str(team.id), assignee=str(person.id))
    assert response.status_code == 302 and response.headers["Location"] == "/board/?priority="
    assert [(i.team_id, i.assignee_id) for i in db.session.scalars(select(Feedback).order_by(Feedback.id))] == [
        (team.id, person.id), (None, None), (team.id, person.id)]
    assert len(events("assigned")) == 2


def test_change_status_of_selected_items(client, auth, agent, picked):
    auth.login(agent)
    bulk(client, [i.id for i in picked], action="status", status="resolved")
    assert {i.status for i in db.session.scalars(select(Feedback))} == {Status.RESOLVED}
    assert len(events("status_changed")) == 3


def test_impact_and_urgency_set_the_priority_by_the_matrix(client, auth, agent, picked):
    auth.login(agent)
    bulk(client, [picked[1].id], action="reclassify", impact="high", urgency="high")
    db.session.refresh(picked[1])
    item = picked[1]
    assert (item.impact, item.urgency, item.priority, item.category) == ("high", "high", "P1", "bug")
    assert len(events("reclassified")) == 1


def test_add_a_tag_once(client, auth, agent, picked):
    auth.login(agent)
    bulk(client, [picked[0].id], action="tag", tag=" checkout ")
    bulk(client, [picked[0].id, picked[1].id], action="tag", tag="Checkout")
    assert [i.tags for i in db.session.scalars(select(Feedback).order_by(Feedback.id))] == [
        ["checkout"], ["Checkout"], []]
    assert len(events("tagged")) == 2


def test_a_refused_batch_changes_nothing(client, auth, agent, picked):
    team = builders.team_with_roles("Web")
    outsider = builders.person("out@example.com")
    db.session.commit()
    auth.login(agent)
    response = bulk(client, [i.id for i in picked], action="assign", team=str(team.id), assignee=str(outsider.id))
    assert response.status_code == 422
    assert events("assigned") == [] and {i.team_id for i in db.session.scalars(select(Feedback))} == {None}


@pytest.mark.parametrize("data", [
    {"action": "tag", "tag": ""},
    {"action": "explode"},
    {"action": "status", "status": "deleted"},
    {"action": "tag", "tag": "x" * 41},
])
def test_bad_bulk_input_is_a_4xx(client, auth, agent, picked, data):
    auth.login(agent)
    assert bulk(client, [picked[0].id], **data).status_code == 422


def test_nothing_selected_is_said_on_the_page_and_unknown_ids_are_a_4xx(client, auth, agent, picked):
    auth.login(agent)
    nothing = bulk(client, [], action="tag", tag="x")
    assert nothing.status_code == 303  # back to the inbox, with the reason on the page
    assert "tick at least one item first" in client.get(nothing.location).get_data(as_text=True)
    assert client.post("/board/bulk", json={}, headers={"Accept": "application/json"}).status_code in (400, 422)
    assert bulk(client, [99999], action="tag", tag="x").status_code == 422
    token = csrf_from(client, "/board/")
    assert client.post("/board/bulk", data={"csrf_token": token, "ids": "abc", "action": "tag"}).status_code == 422


def test_a_pm_cannot_use_bulk_actions(client, auth, pm, picked):
    auth.login(pm)
    assert bulk(client, [picked[0].id], action="tag", tag="x").status_code == 403


def test_merge_into_the_oldest_carries_votes_and_submitters(client, auth, agent, project):
    from datetime import timedelta

    from triage.models import utcnow

    now = utcnow()
    oldest = stored(project, "first", created_at=now - timedelta(days=2), vote_count=2, submitter_email="a@x.org")
    second = stored(project, "second", created_at=now - timedelta(days=1), vote_count=1, submitter_email="b@x.org",
                    submitter_name="Bea")
    third = stored(project, "third", created_at=now, context={"submitters": [{"email": "c@x.org", "name": None,
                                                                              "item_id": 99}]})
    db.session.commit()
    auth.login(agent)
    assert bulk(client, [third.id, second.id, oldest.id], action="merge").status_code == 302
    for item in (oldest, second, third):
        db.session.refresh(item)
    assert (second.duplicate_of_id, third.duplicate_of_id, oldest.duplicate_of_id) == (oldest.id, oldest.id, None)
    assert second.status == third.status == Status.CLOSED and oldest.status == Status.NEW
    assert oldest.vote_count == 2 + (1 + 1) + (0 + 1)
    assert [(f.email, f.source) for f in oldest.followers] == [("b@x.org", "reporter"), ("c@x.org", "reporter")]
    merged = db.session.scalars(select(Event).where(Event.kind == "merged").order_by(Event.id)).all()
    assert sorted((e.feedback_id, e.data.get("merged_into"), e.data.get("merged_from")) for e in merged) == sorted([
        (second.id, oldest.id, None), (oldest.id, None, second.id),
        (third.id, oldest.id, None), (oldest.id, None, third.id)])


def test_merging_one_item_or_into_a_duplicate_is_refused(client, auth, agent, picked):
    auth.login(agent)
    assert bulk(client, [picked[0].id], action="merge").status_code == 422
    picked[0].duplicate_of_id = picked[1].id
    db.session.commit()
    assert bulk(client, [picked[0].id, picked[2].id], action="merge").status_code == 422
