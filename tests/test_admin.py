"""Admins manage projects, users and teams."""
from sqlalchemy import select

from tests.conftest import PASSWORD, Auth, csrf_from
from triage.extensions import db
from triage.models import Project, Role, Team, User
from triage.services.accounts import create_team


def post_form(client, path, **data):
    return client.post(path, data={**data, "csrf_token": csrf_from(client, path)})


def test_admin_creates_and_edits_a_project(client, auth, admin):
    auth.login(admin)
    team = create_team("Support")
    db.session.commit()
    response = post_form(client, "/admin/projects/new", name="Mobile App", slug="mobile", default_team=str(team.id))
    assert response.status_code == 302
    project = db.session.scalars(select(Project)).one()
    assert (project.slug, project.default_team_id) == ("mobile", team.id)
    assert project.public_key.startswith("pk_")
    response = post_form(client, f"/admin/projects/{project.id}", name="Mobile", slug="mobile-app", default_team="")
    assert response.status_code == 302
    db.session.refresh(project)
    assert (project.name, project.slug, project.default_team_id) == ("Mobile", "mobile-app", None)
    assert client.get("/p/mobile-app").status_code == 200


def test_bad_or_taken_slug_is_a_form_error(client, auth, admin, project):
    auth.login(admin)
    for slug, message in (("Has Spaces", "lowercase letters"), ("demo", "already exists")):
        response = post_form(client, "/admin/projects/new", name="X", slug=slug, default_team="")
        assert response.status_code == 422 and message in response.get_data(as_text=True)
    assert db.session.scalar(select(db.func.count()).select_from(Project)) == 1


def test_admin_creates_a_user_who_can_then_sign_in(client, auth, admin, app):
    auth.login(admin)
    team = create_team("Billing")
    db.session.commit()
    response = post_form(client, "/admin/users/new", email="new@example.com", name="New", role="agent",
                         team=str(team.id), active="y", password=PASSWORD)
    assert response.status_code == 302
    user = db.session.scalars(select(User).where(User.email == "new@example.com")).one()
    assert user.role == Role.AGENT and [t.name for t in user.teams] == ["Billing"]
    other = app.test_client()
    assert Auth(other).login("new@example.com").status_code == 302


def test_new_user_needs_a_password_and_a_unique_email(client, auth, admin):
    auth.login(admin)
    response = post_form(client, "/admin/users/new", email="x@example.com", role="agent", team="", active="y")
    assert response.status_code == 422 and "needs a password" in response.get_data(as_text=True)
    response = post_form(client, "/admin/users/new", email="admin@example.com", role="agent", team="",
                         active="y", password=PASSWORD)
    assert response.status_code == 422 and "already exists" in response.get_data(as_text=True)


def test_deactivating_a_user_ends_their_session(client, auth, admin, agent, app):
    agent_client = app.test_client()
    Auth(agent_client).login(agent)
    assert agent_client.get("/board/").status_code == 200
    auth.login(admin)
    response = post_form(client, f"/admin/users/{agent.id}", email=agent.email, name="Agent", role="pm", team="")
    assert response.status_code == 302  # "active" left unticked
    db.session.refresh(agent)
    assert agent.role == Role.PM and agent.active is False
    assert agent_client.get("/board/").status_code == 302


def test_admin_adds_a_team_and_refuses_a_duplicate(client, auth, admin):
    auth.login(admin)
    assert post_form(client, "/admin/", name="Mobile").status_code == 405
    token = csrf_from(client, "/admin/")
    assert client.post("/admin/teams", data={"name": "Mobile", "csrf_token": token}).status_code == 302
    response = client.post("/admin/teams", data={"name": "Mobile", "csrf_token": token})
    assert response.status_code == 422 and "already exists" in response.get_data(as_text=True)
    assert [t.name for t in db.session.scalars(select(Team))] == ["Mobile"]
