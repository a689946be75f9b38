"""Who may see what: a role x route matrix over app.url_map against team A's objects.

Two teams with a team-restricted agent each, a product manager, an admin and an anonymous
visitor try every route that takes an item, attachment, saved view or token id, and every
export. Agent B never learns that team A's items exist (404, and never their text); a saved view
or token belongs to its owner alone (even an admin gets 404). A new route with a parameter the
matrix does not know fails the first test, so the matrix stays complete.
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Callable

import pytest

from tests.builders import person
from tests.conftest import PASSWORD, csrf_from
from triage import worker
from triage.extensions import db
from triage.models import (
    Attachment,
    Event,
    Feedback,
    ItemAccess,
    Role,
    Status,
    SurveyKind,
    Team,
    TeamMember,
)
from triage.services import accounts, items
from triage.services.accounts import tokens
from triage.services.insights import export_jobs
from triage.services.intake import attachments, surveys
from triage.services.items import saved_views
from triage.services.releases import store

ROLES = ("anonymous", "agent_b", "pm", "admin", "agent_a")  # agent A last: its changes may delete
ID_PARAMS = {"item_id", "attachment_id", "view_id", "token_id"}

# Routes with a parameter that names no team's object, and why they are outside the matrix.
NOT_TEAM_OBJECTS = {
    **dict.fromkeys([
        "admin.delete_keyword_rule", "admin.switch_default_rule", "admin.activate_model", "admin.retry_notification",
        "admin.project", "admin.routing_rule", "admin.move_rule", "admin.sla_policy", "admin.add_tier",
        "admin.delete_tier", "admin.survey", "admin.toggle_survey", "admin.survey_targeting", "admin.team_settings",
        "admin.team_role", "admin.user", "admin.webhook"],
        "admin only (test_route_security: 403 for everyone else); configuration, not a team's items"),
    **dict.fromkeys(["insights.set_weights", "insights.follow_theme", "insights.unfollow_theme",
                     "insights.merge_theme", "insights.move_theme_items", "insights.pin_theme",
                     "insights.rename_theme", "insights.split_theme", "insights.set_theme_status", "insights.delete_theme",
                     "insights.theme_detail", "insights.job_status", "insights.survey_results",
                     "insights.chart_svg", "insights.theme_trend_svg"],
                    "project-wide themes, jobs, surveys and charts; a theme page lists only the items one may "
                    "see (test_lists_show_agent_b_nothing_of_team_a)"),
    **dict.fromkeys(["releases.project_releases", "releases.mark_fixed", "releases.add_follower",
                     "releases.remove_follower", "releases.gate_rules", "releases.create_release", "releases.release",
                     "releases.checklist", "api.post_adoption", "api.release_gate"],
                    "a project's releases: figures over all its items, no item text"),
    **dict.fromkeys(["intake.feedback_form", "intake.ideas", "intake.similar", "intake.survey", "intake.status",
                     "api.answer_survey", "intake.brand_css", "intake.logo"],
                    "public pages by slug or secret token (test_auth PUBLIC); only public items are shown"),
    **dict.fromkeys(["board.edit_macro", "board.delete_macro"],
                    "a macro is shared by all staff or personal to its author (test_macros: another agent's "
                    "personal macro is a 404); it holds no item"),
    "board.undo_bulk": "the undo record of one person's bulk action: only its author or an admin (test_bulk_undo); "
                       "items changed since, or not seen, are left alone",
    "auth.reset_password": "public: a signed, single-use token names the account (test_password_reset)",
    "insights.add_theme_note": "project-wide themes (as the other theme routes above); PMs and agents note them",
    "static": "files", "bootstrap.static": "files",
}


@dataclass
class World:
    project: object
    team_a: Team
    team_b: Team
    users: dict
    item_a: Feedback
    other_a: Feedback
    item_b: Feedback
    attachment: Attachment
    view: object
    token_id: int
    bearer: dict
    release: str
    survey_id: int
    marker: str
    export_job_id: int = 0


def staff(email: str, role: Role, team: Team | None = None, access: ItemAccess = ItemAccess.ALL):
    user = person(email, role)
    user.item_access = access
    if team is not None:
        db.session.add(TeamMember(team=team, user=user))
    return user


@pytest.fixture
def world(app, project, tmp_path) -> World:
    team_a, team_b = Team(name="Alpha"), Team(name="Beta")
    db.session.add_all([team_a, team_b])
    users = {"agent_a": staff("a@example.com", Role.AGENT, team_a, ItemAccess.TEAMS),
             "agent_b": staff("b@example.com", Role.AGENT, team_b, ItemAccess.TEAMS),
             "pm": staff("pm@example.com", Role.PM), "admin": staff("admin@example.com", Role.ADMIN)}
    marker = f"alpha-secret-{uuid.uuid4().hex[:8]}"
    item_a = Feedback(project=project, title=f"Checkout fails {marker}", body=f"card declined {marker}", team=team_a,
                      category="bug", priority="P2")
    other_a = Feedback(project=project, title=f"Checkout fails again {marker}", team=team_a, category="bug")
    item_b = Feedback(project=project, title="Beta's own report", team=team_b, category="bug")
    db.session.add_all([item_a, other_a, item_b])
    db.session.flush()
    db.session.add(Event(feedback=item_a, kind="created"))
    attachment = Attachment(feedback=item_a, filename="shot.png", content_type="image/png", size=3,
                            storage_key=f"{uuid.uuid4().hex}.png")
    db.session.add(attachment)
    app.config["UPLOAD_FOLDER"] = str(tmp_path)
    (attachments.upload_folder() / attachment.storage_key).write_bytes(b"png")
    view = saved_views.save_view(users["agent_a"], "Mine", {"status": "open"})
    bearer = {role: tokens.create_token(user, "matrix")[1] for role, user in users.items()}
    token_id = tokens.user_tokens(users["agent_a"])[0].id
    store.create_release(project, "1.0")
    survey = surveys.create_survey(project, SurveyKind.NPS, "")
    db.session.commit()
    export = export_jobs.queue_export({}, users["agent_a"])
    db.session.commit()
    worker.run_job(export.id)  # the file is written: the download answers 200 to whom it belongs
    return World(project, team_a, team_b, users, item_a, other_a, item_b, attachment, view, token_id, bearer, "1.0",
                 survey.id, marker, export.id)


class Clients(dict):
    """One signed-in client per role with a CSRF token for its forms, signed in when first used."""

    def __init__(self, app, world: World):
        super().__init__()
        self.app, self.world = app, world

    def __missing__(self, role: str):
        client = self.app.test_client()
        if role != "anonymous":
            client.get("/auth/login")
            client.post("/auth/login", data={"email": self.world.users[role].email, "password": PASSWORD,
                                             "csrf_token": csrf_from(client, "/auth/login")})
        self[role] = (client, csrf_from(client, "/auth/login" if role == "anonymous" else "/auth/tokens"))
        return self[role]


@pytest.fixture
def clients(app, world):
    return Clients(app, world)


LOGIN, NOT_FOUND, FORBIDDEN, OK, REFUSED, UNAUTHORIZED = "login", "404", "403", "ok", "4xx", "401"
STAFF_READ = {"anonymous": LOGIN, "agent_b": NOT_FOUND, "pm": OK, "admin": OK, "agent_a": OK}
AGENT_WRITE = {**STAFF_READ, "pm": FORBIDDEN}
OWNER_ONLY = {"anonymous": LOGIN, "agent_b": NOT_FOUND, "pm": NOT_FOUND, "admin": NOT_FOUND, "agent_a": OK}
REQUESTER = {"anonymous": LOGIN, "agent_b": NOT_FOUND, "pm": NOT_FOUND, "admin": OK, "agent_a": OK}
ADMIN_ONLY = {"anonymous": LOGIN, "agent_b": FORBIDDEN, "pm": FORBIDDEN, "admin": OK, "agent_a": FORBIDDEN}
API_READ = {**STAFF_READ, "anonymous": UNAUTHORIZED}
API_WRITE = {**API_READ, "pm": FORBIDDEN}
EXPORT = {"anonymous": LOGIN, "agent_b": OK, "pm": OK, "admin": OK, "agent_a": OK}
PUBLIC = dict.fromkeys(ROLES, REFUSED)  # widget or ideas page: team A's item is not public


@dataclass
class Case:
    method: str
    path: Callable[[World], str]
    expect: dict
    data: Callable[[World], dict] = lambda w: {}
    last: bool = False  # deletes what later cases use


def theme_of(world: World) -> int:
    """Team A's item filed under a theme of the project (once); the theme's id."""
    if world.item_a.theme_id is None:
        items.set_theme(world.item_a, "Payments", None)
        db.session.commit()
    return world.item_a.theme_id


def item_post(suffix: str, data=lambda w: {}):
    return Case("POST", lambda w: f"/board/items/{w.item_a.id}/{suffix}", AGENT_WRITE, data)


MATRIX = {
    "board.item": Case("GET", lambda w: f"/board/items/{w.item_a.id}", STAFF_READ),
    "board.change_status": item_post("status", lambda w: {"status": "in_progress"}),
    # PMs leave internal notes too (test_pm_work); a public reply stays the agents'
    "board.comment": Case("POST", lambda w: f"/board/items/{w.item_a.id}/comments", STAFF_READ,
                          lambda w: {"body": "looking"}),
    "board.reclassify": item_post("classification", lambda w: {"category": "bug", "impact": "high", "urgency": "high"}),
    "board.assign": item_post("assignment", lambda w: {"team": str(w.team_a.id), "assignee": ""}),
    "board.set_theme": item_post("theme", lambda w: {"theme": "Payments"}),
    "board.triage_panel": item_post("triage"),
    # PMs merge and unmerge duplicates too (MERGING_ROLES)
    "board.merge": Case("POST", lambda w: f"/board/items/{w.item_a.id}/merge", STAFF_READ,
                        lambda w: {"other": str(w.other_a.id)}),
    "board.unmerge": Case("POST", lambda w: f"/board/items/{w.item_a.id}/unmerge", STAFF_READ),
    "board.set_public": item_post("public", lambda w: {"public": ""}),
    "board.apply_macro": item_post("macro"),
    "board.attachment": Case("GET", lambda w: f"/board/attachments/{w.attachment.id}", STAFF_READ),
    "board.bulk_action": Case("POST", lambda w: "/board/bulk", {**AGENT_WRITE, "agent_b": REFUSED},
                              lambda w: {"ids": [str(w.item_a.id)], "action": "tag", "tag": "bulk"}),
    "board.open_view": Case("GET", lambda w: f"/board/views/{w.view.id}", OWNER_ONLY),
    "board.delete_view": Case("POST", lambda w: f"/board/views/{w.view.id}/delete", OWNER_ONLY, last=True),
    "auth.revoke_api_token": Case("POST", lambda w: f"/auth/tokens/{w.token_id}/revoke", OWNER_ONLY, last=True),
    "api.get_item": Case("GET", lambda w: f"/api/v1/items/{w.item_a.id}", API_READ),
    "api.update_item": Case("PATCH", lambda w: f"/api/v1/items/{w.item_a.id}", API_WRITE,
                            lambda w: {"tags": ["api"]}),
    "api.upload_attachment": Case("POST", lambda w: f"/api/v1/feedback/{w.item_a.id}/attachments", PUBLIC),
    "api.me_too": Case("POST", lambda w: f"/api/v1/feedback/{w.item_a.id}/votes", PUBLIC,
                       lambda w: {"public_key": "wrong"}),
    "intake.vote": Case("POST", lambda w: f"/p/{w.project.slug}/ideas/{w.item_a.id}/vote", PUBLIC,
                        lambda w: {"email": "x@example.com"}),
    "admin.discard": Case("POST", lambda w: f"/admin/quarantine/{w.item_a.id}/delete", ADMIN_ONLY),
    "admin.release": Case("POST", lambda w: f"/admin/quarantine/{w.item_a.id}/release", ADMIN_ONLY),
    "insights.queue_export": Case("POST", lambda w: "/insights/exports", EXPORT),
    "insights.export_page": Case("GET", lambda w: f"/insights/exports/{w.export_job_id}", REQUESTER),
    "insights.download_export": Case("GET", lambda w: f"/insights/exports/{w.export_job_id}/items.csv", REQUESTER),
    "insights.export_items": Case("GET", lambda w: "/insights/export/items.csv", EXPORT),
    "insights.export_themes": Case("GET", lambda w: f"/insights/export/themes.csv?project={w.project.id}", EXPORT),
    "insights.chart_csv": Case("GET", lambda w: f"/insights/charts/category.csv?project={w.project.id}", EXPORT),
    # a theme's items per day and priority: counts of the project's theme, no item text
    "insights.theme_trend_csv": Case("GET", lambda w: f"/insights/themes/{theme_of(w)}/trend.csv", EXPORT),
    "insights.survey_results_csv": Case("GET", lambda w: f"/insights/surveys/{w.survey_id}/scores.csv", EXPORT),
    "admin.survey_scores_csv": Case("GET", lambda w: f"/admin/surveys/{w.survey_id}/scores.csv", ADMIN_ONLY),
    "releases.checklist_export": Case("GET", lambda w: f"/releases/{w.project.slug}/v/{w.release}/checklist.csv",
                                      EXPORT),
}


def is_export(rule) -> bool:
    return "export" in rule.endpoint or rule.rule.endswith((".csv", ".<fmt>"))


def test_every_route_with_a_parameter_or_an_export_is_in_the_matrix_or_explained(app):
    unknown, misplaced = [], []
    for rule in app.url_map.iter_rules():
        if not (rule.arguments or is_export(rule)):
            continue
        if rule.endpoint not in MATRIX and rule.endpoint not in NOT_TEAM_OBJECTS:
            unknown.append(rule.rule)
        if (rule.arguments & ID_PARAMS or is_export(rule)) and rule.endpoint not in MATRIX:
            misplaced.append(rule.rule)
    assert unknown == [] and misplaced == [], (unknown, misplaced)
    assert set(MATRIX) <= {rule.endpoint for rule in app.url_map.iter_rules()}


def send(clients, world: World, role: str, case: Case):
    client, csrf = clients[role]
    path, data = case.path(world), case.data(world)
    if case.path(world).startswith("/api/v1/items"):
        headers = {"Authorization": f"Bearer {world.bearer[role]}"} if role != "anonymous" else {}
        return client.open(path, method=case.method, json=data or None, headers=headers)
    if path.startswith("/api/"):
        return client.open(path, method=case.method, json=data)
    if case.method == "POST":
        data = {**data, "csrf_token": csrf}
    return client.open(path, method=case.method, data=data)


def outcome(response) -> str:
    code = response.status_code
    if code == 302 and "/auth/login" in response.headers.get("Location", ""):
        return LOGIN
    if code in (401, 403, 404):
        return str(code)
    if code < 400 or code == 422:  # 422: a form refused after the access check let it through
        return OK
    return REFUSED if code < 500 else f"crash {code}"


def test_every_role_gets_what_its_role_permits_on_team_a_objects(app, world, clients):
    item_id = world.item_a.id
    seen = {}
    for endpoint, case in sorted(MATRIX.items(), key=lambda pair: (pair[1].last, pair[0])):
        before = len(db.session.get(Feedback, item_id).events)
        for role in ROLES:
            response = send(clients, world, role, case)
            seen[endpoint, role] = (outcome(response), response.status_code)
            if role == "agent_b":
                assert world.marker.encode() not in response.data, endpoint
            response.close()  # a download streams its file
            db.session.expire_all()
            if role in ("anonymous", "agent_b"):  # nothing they tried changed team A's item
                assert len(db.session.get(Feedback, item_id).events) == before, (endpoint, role)
    wrong = {key: got for key, got in seen.items() if got[0] != MATRIX[key[0]].expect[key[1]]
             and not (MATRIX[key[0]].expect[key[1]] == REFUSED and 400 <= got[1] < 500)}
    assert wrong == {}, sorted(wrong.items())


def test_a_person_s_token_and_view_survive_everyone_else(app, world, clients):
    for role in ("agent_b", "pm", "admin"):
        send(clients, world, role, MATRIX["auth.revoke_api_token"])
        send(clients, world, role, MATRIX["board.delete_view"])
    db.session.expire_all()
    assert tokens.user_tokens(world.users["agent_a"])[0].revoked_at is None
    assert saved_views.get_view(world.users["agent_a"], world.view.id).name == "Mine"
    client = clients["agent_a"][0]
    assert client.get(f"/api/v1/items/{world.item_a.id}",
                      headers={"Authorization": f"Bearer {world.bearer['agent_a']}"}).status_code == 200


def test_lists_show_agent_b_nothing_of_team_a(app, world, clients):
    """Inbox, search, kanban, review queue, merge suggestions, theme pages, saved-view counts,
    the staff API's list and the CSV export: agent B sees its own item, never team A's."""
    from triage.services.items import access

    theme_page = f"/insights/themes/{theme_of(world)}"
    client_b, client_a = clients["agent_b"][0], clients["agent_a"][0]
    pages = ["/board/", "/board/?q=checkout+fails&status=any", "/board/kanban", "/board/review",
             "/board/duplicates", "/insights/export/items.csv?status=any", theme_page,
             f"/insights/?project={world.project.id}", f"/insights/export/themes.csv?project={world.project.id}"]
    for path in pages:
        body = client_b.get(path).get_data(as_text=True)
        assert world.marker not in body, path
    assert "Beta&#39;s own report" in client_b.get("/board/").get_data(as_text=True)
    assert world.marker in client_a.get(f"/board/?q={world.marker}").get_data(as_text=True)
    assert world.marker in client_a.get(theme_page).get_data(as_text=True)
    listed = client_b.get("/api/v1/items?status=any", headers={"Authorization": f"Bearer {world.bearer['agent_b']}"})
    assert [i["id"] for i in listed.json["items"]] == [world.item_b.id]
    listed = client_a.get("/api/v1/items?status=any", headers={"Authorization": f"Bearer {world.bearer['agent_a']}"})
    assert sorted(i["id"] for i in listed.json["items"]) == sorted([world.item_a.id, world.other_a.id])
    assert access.restricted(world.users["agent_b"]) and not access.restricted(world.users["pm"])


def test_an_item_assigned_to_a_restricted_agent_is_theirs_to_see_in_any_team(app, world, clients):
    world.other_a.assignee = world.users["agent_b"]
    db.session.commit()
    client = clients["agent_b"][0]
    assert client.get(f"/board/items/{world.other_a.id}").status_code == 200
    assert client.get(f"/board/items/{world.item_a.id}").status_code == 404


def test_agent_b_cannot_merge_its_item_into_one_of_team_a(app, world, clients):
    client, csrf = clients["agent_b"]
    missing = client.post(f"/board/items/{world.item_b.id}/merge", data={"other": 10**6, "csrf_token": csrf})
    response = client.post(f"/board/items/{world.item_b.id}/merge", data={"other": world.item_a.id, "csrf_token": csrf})
    assert response.status_code == missing.status_code == 422  # the same refusal as for an id that does not exist
    assert f"No item {world.item_a.id}." in response.get_data(as_text=True) and world.marker not in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Feedback, world.item_b.id).duplicate_of_id is None


def test_a_bulk_action_changes_only_the_items_the_agent_may_see(app, world, clients):
    client, csrf = clients["agent_b"]
    response = client.post("/board/bulk", data={"ids": [world.item_b.id, world.item_a.id], "action": "status",
                                                "status": "in_progress", "csrf_token": csrf})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Feedback, world.item_b.id).status == Status.IN_PROGRESS
    assert db.session.get(Feedback, world.item_a.id).status == Status.NEW


def test_an_agent_with_access_to_all_items_sees_team_a_as_before(app, world, auth, client):
    everyone = staff("all@example.com", Role.AGENT, world.team_b)
    db.session.commit()
    auth.login(everyone)
    assert client.get(f"/board/items/{world.item_a.id}").status_code == 200
    assert world.marker in client.get("/board/").get_data(as_text=True)


def test_admin_restricts_an_agent_on_the_user_form(app, world, clients):
    client, csrf = clients["admin"]
    agent = staff("new@example.com", Role.AGENT, world.team_a)
    db.session.commit()
    page = client.get(f"/admin/users/{agent.id}").get_data(as_text=True)
    assert 'name="item_access"' in page
    response = client.post(f"/admin/users/{agent.id}", data={
        "email": agent.email, "role": "agent", "team": str(world.team_a.id), "active": "y", "item_access": "teams",
        "csrf_token": csrf})
    assert response.status_code == 302
    db.session.expire_all()
    assert accounts.find_user("new@example.com").item_access == ItemAccess.TEAMS
