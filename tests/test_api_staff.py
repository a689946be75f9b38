"""The staff API: bearer tokens, role checks, filters, cursor pages, PATCH validation."""
import pytest

from tests.api_support import bearer, new_item, user_with_token
from tests.builders import team_with_roles
from tests.widget_support import assert_error
from triage.extensions import db
from triage.models import Event, Feedback, Role, Status
from triage.services.accounts import tokens
from triage.services.accounts import create_project


@pytest.fixture
def project(app):
    found = create_project("shop", "Shop")
    db.session.commit()
    return found


@pytest.fixture
def agent_token(app):
    return user_with_token(Role.AGENT, "agent@example.com", name="Agent Smith")[1]


@pytest.fixture
def pm_token(app):
    return user_with_token(Role.PM, "pm@example.com")[1]


@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer trg_nope"}, {"Authorization": "Basic abc"}])
def test_staff_api_refuses_callers_without_a_valid_token(client, project, headers):
    item = new_item(project)
    for method, url in (("GET", "/api/v1/items"), ("GET", f"/api/v1/items/{item.id}"),
                        ("PATCH", f"/api/v1/items/{item.id}")):
        response = client.open(url, method=method, headers=headers, json={"status": "closed"})
        assert_error(response, 401, "unauthorized")
    assert db.session.get(Feedback, item.id).status == Status.NEW


def test_a_signed_in_session_without_a_token_gets_no_data(client, auth, agent, project):
    new_item(project)
    auth.login(agent)
    assert_error(client.get("/api/v1/items"), 401)


def test_revoked_token_and_disabled_user_are_refused(client, project):
    user, value = user_with_token(Role.AGENT)
    assert client.get("/api/v1/items", headers=bearer(value)).status_code == 200
    user.active = False
    db.session.commit()
    assert_error(client.get("/api/v1/items", headers=bearer(value)), 401)
    user.active = True
    tokens.revoke_token(user, tokens.user_tokens(user)[0].id)
    db.session.commit()
    assert_error(client.get("/api/v1/items", headers=bearer(value)), 401)


def test_pm_reads_but_may_not_patch(client, project, pm_token):
    item = new_item(project)
    assert client.get(f"/api/v1/items/{item.id}", headers=bearer(pm_token)).status_code == 200
    response = client.patch(f"/api/v1/items/{item.id}", headers=bearer(pm_token), json={"status": "closed"})
    assert_error(response, 403, "forbidden")
    assert db.session.get(Feedback, item.id).status == Status.NEW


def test_admin_may_patch(client, project):
    _, value = user_with_token(Role.ADMIN)
    item = new_item(project)
    response = client.patch(f"/api/v1/items/{item.id}", headers=bearer(value), json={"status": "triaged"})
    assert response.status_code == 200 and response.json["status"] == "triaged"


def test_list_pages_through_every_item_newest_first(client, project, agent_token):
    made = [new_item(project, f"Item {n}").id for n in range(7)]
    seen, cursor = [], None
    while True:
        response = client.get("/api/v1/items", query_string={"limit": 3, **({"cursor": cursor} if cursor else {})},
                              headers=bearer(agent_token))
        assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
        seen += [row["id"] for row in response.json["items"]]
        cursor = response.json["next_cursor"]
        if cursor is None:
            break
    assert seen == sorted(made, reverse=True)


def test_list_filters_like_the_board(client, project, agent_token):
    other = create_project("app", "App")
    team = team_with_roles("Support")
    lead = team.members_with(team.memberships[0].role)[0]
    crash = new_item(project, "Checkout crashes on pay")
    idea = new_item(other, "Dark mode please")
    crash.team, crash.assignee, crash.status = team, lead, Status.IN_PROGRESS
    idea.status = Status.CLOSED
    db.session.commit()

    def ids(**args):
        response = client.get("/api/v1/items", query_string=args, headers=bearer(agent_token))
        assert response.status_code == 200, response.json
        return [row["id"] for row in response.json["items"]]

    assert ids() == [idea.id, crash.id]  # status "any" by default
    assert ids(status="open") == [crash.id] and ids(status="closed") == [idea.id]
    assert ids(project=other.id) == [idea.id]
    assert ids(team=team.id) == ids(assignee=lead.id) == [crash.id]
    assert ids(q="CHECKOUT") == [crash.id] and ids(q="nothing like it") == []
    assert ids(category=crash.category, priority=crash.priority)[-1] == crash.id


def test_list_refuses_unknown_filter_values_field_by_field(client, project, agent_token):
    response = client.get("/api/v1/items", headers=bearer(agent_token), query_string={
        "status": "done", "limit": 101, "project": "x", "priority": "P9", "category": "weird"})
    error = assert_error(response, 422, "invalid")
    assert set(error["fields"]) == {"status", "limit", "project", "priority", "category"}


def test_item_detail_has_timeline_and_comments(client, project, agent_token):
    item = new_item(project, context={"page_url": "https://shop.example.com"})
    response = client.get(f"/api/v1/items/{item.id}", headers=bearer(agent_token))
    body = response.json
    assert body["id"] == item.id and body["context"]["page_url"] == "https://shop.example.com"
    assert [e["kind"] for e in body["events"]][0] == "created" and body["comments"] == []
    assert_error(client.get("/api/v1/items/99999", headers=bearer(agent_token)), 404)


def test_patch_changes_everything_through_the_board_verbs(client, project, agent_token):
    team = team_with_roles("Support")
    person = team.memberships[0].user
    item = new_item(project)
    response = client.patch(f"/api/v1/items/{item.id}", headers=bearer(agent_token), json={
        "status": "in_progress", "team_id": team.id, "assignee_id": person.id,
        "category": "question", "impact": "high", "urgency": "high", "tags": ["Billing", "vip", "vip"],
        "comment": {"body": "Looking into it", "public": True}})
    assert response.status_code == 200, response.json
    body = response.json
    assert body["status"] == "in_progress" and body["team"]["id"] == team.id
    assert body["assignee"]["id"] == person.id and body["priority"] == "P1"
    assert body["tags"] == ["billing", "vip"] and body["comments"][0]["public"] is True
    kinds = {e["kind"] for e in body["events"]}
    assert {"status_changed", "assigned", "reclassified", "tagged", "replied"} <= kinds
    stored = db.session.get(Feedback, item.id)
    assert stored.prediction.get("corrected") and stored.first_responded_at is not None


def test_patch_errors_name_each_field_and_change_nothing(client, project, agent_token):
    item = new_item(project)
    response = client.patch(f"/api/v1/items/{item.id}", headers=bearer(agent_token), json={
        "status": "gone", "assignee_id": 99999, "team_id": "1", "impact": "huge", "tags": "a,b",
        "comment": {"body": ""}, "title": "renamed"})
    error = assert_error(response, 422, "invalid")
    assert set(error["fields"]) == {"status", "assignee_id", "team_id", "impact", "tags", "comment", "title"}
    assert db.session.get(Feedback, item.id).status == Status.NEW
    events = db.session.query(Event).filter_by(feedback_id=item.id).count()
    assert events == len(item.events)


def test_patch_refuses_an_assignee_outside_the_team(client, project, agent_token):
    support, sales = team_with_roles("Support"), team_with_roles("Sales")
    item = new_item(project)
    response = client.patch(f"/api/v1/items/{item.id}", headers=bearer(agent_token), json={
        "team_id": support.id, "assignee_id": sales.memberships[0].user_id})
    assert "assignee_id" in assert_error(response, 422)["fields"]


@pytest.mark.parametrize("kwargs, status", [
    ({"data": "status=closed"}, 415), ({"data": "{", "content_type": "application/json"}, 400),
    ({"json": []}, 422), ({"json": {}}, 422)])
def test_patch_refuses_bodies_that_are_not_a_json_object(client, project, agent_token, kwargs, status):
    item = new_item(project)
    assert_error(client.patch(f"/api/v1/items/{item.id}", headers=bearer(agent_token), **kwargs), status)


def test_staff_api_is_rate_limited_per_token(make_app, project):
    app = make_app(API_RATE_LIMIT_PER_TOKEN="2 per minute")
    client = app.test_client()
    _, first = user_with_token(Role.AGENT)
    _, second = user_with_token(Role.AGENT)
    codes = [client.get("/api/v1/items", headers=bearer(first)).status_code for _ in range(3)]
    assert codes == [200, 200, 429]
    assert client.get("/api/v1/items", headers=bearer(second)).status_code == 200


def test_staff_api_answers_no_cors_and_sets_no_cookie(client, project, agent_token):
    response = client.get("/api/v1/items", headers={**bearer(agent_token), "Origin": "https://shop.example.com"})
    assert not any(h.startswith("Access-Control-") for h in response.headers.keys())
    assert "Set-Cookie" not in response.headers
