"""People hear what concerns them: the submitter when their item moves on, an agent
when someone else gives them an item, each as they chose; admins see when mail cannot go out."""
from datetime import timedelta

from sqlalchemy import select

from tests import builders
from tests.conftest import csrf_from, make_user
from triage.extensions import db
from triage.models import DeliveryChannel, Feedback, Notification, Role, Status, utcnow
from triage.services import items
from triage.services.delivery import notify


def outbox(recipient: str | None = None) -> list[Notification]:
    query = select(Notification).order_by(Notification.id)
    if recipient:
        query = query.where(Notification.recipient == recipient)
    return list(db.session.scalars(query))


def reported(project, email: str | None = "erin@example.com") -> Feedback:
    item = Feedback(project=project, title="Export   crashes", submitter_email=email)
    db.session.add(item)
    db.session.commit()
    return item


def test_the_submitter_hears_each_move_once_and_nothing_when_a_resolved_item_is_closed(project):
    item = reported(project)
    items.change_status(item, Status.IN_PROGRESS, None)
    items.change_status(item, Status.RESOLVED, None)
    items.change_status(item, Status.CLOSED, None)  # resolved -> closed: nothing new to say
    db.session.commit()
    assert [n.subject for n in outbox("erin@example.com")] == ["[in progress] Export crashes",
                                                               "[resolved] Export crashes"]
    mail = outbox("erin@example.com")[-1]
    assert 'Your request "Export crashes" is now resolved (it was in progress).' in mail.payload["text"]
    assert "/status/" in mail.payload["text"]
    items.change_status(item, Status.IN_PROGRESS, None)
    items.change_status(item, Status.CLOSED, None)
    assert [n.subject for n in outbox("erin@example.com")][2:] == ["[in progress] Export crashes",
                                                                   "[closed] Export crashes"]


def test_no_resolution_email_without_an_address_or_when_the_project_says_no(project):
    from triage.services.accounts import set_submitter_emails

    items.change_status(reported(project, email=None), Status.RESOLVED, None)
    set_submitter_emails(project, False)
    items.change_status(reported(project), Status.RESOLVED, None)
    assert outbox() == []


def test_an_agent_is_emailed_when_someone_else_assigns_them_not_when_they_take_it(project, agent, admin):
    team = builders.team_with_roles()
    team.memberships.append(builders.TeamMember(user=agent, role=builders.TeamRole.MEMBER))
    first, second = reported(project), reported(project)
    items.assign(first, team, agent, admin)
    items.assign(second, team, agent, agent)  # took it themselves
    items.assign(first, team, agent, admin)  # no change: no second email
    db.session.commit()
    (mail,) = outbox("agent@example.com")
    assert mail.subject == f"[-] #{first.id} assigned to you: Export crashes"
    assert f"#{first.id} Export crashes was assigned to you by Ada Admin." in mail.payload["text"]
    assert f"/board/items/{first.id}" in mail.payload["text"] and mail.channel == DeliveryChannel.EMAIL


def test_an_agent_who_switched_assignment_emails_off_hears_nothing(project, agent, admin):
    from triage.services.delivery import personal

    team = builders.team_with_roles()
    team.memberships.append(builders.TeamMember(user=agent, role=builders.TeamRole.MEMBER))
    personal.set_preferences(agent, email_on_assign=False, email_escalations=True)
    items.assign(reported(project), team, agent, admin)
    assert outbox("agent@example.com") == []


def test_a_routing_rule_that_picks_an_agent_tells_them(project):
    from triage.models import Strategy
    from triage.services.triage import routing

    team = builders.team_with_roles(members=2)
    routing.save_rule(None, name="All to the team", conditions={}, team_id=team.id, assignee_id=None,
                      strategy=Strategy.ROUND_ROBIN)
    item = reported(project)
    routing.route(item)
    db.session.commit()
    assert [n.recipient for n in outbox()] == [item.assignee.email]
    assert "assigned to you by a routing rule" in outbox()[0].payload["text"]


def test_escalations_skip_a_person_who_switched_them_off(app):
    from triage.services.accounts import create_project
    from triage.services.delivery import personal
    from triage.services.triage import escalation

    builders.policy()
    team = builders.team_with_roles()
    lead = next(m.user for m in team.memberships if m.role == builders.TeamRole.LEAD)
    item = builders.item(create_project("shop", "Shop"), utcnow() - timedelta(hours=5), team=team)
    tier = next(t for t in builders.db.session.scalars(select(builders.EscalationTier)) if t.threshold_percent == 100)
    assert [r for _, r, _ in escalation.targets(item, tier)] == [lead.email]
    personal.set_preferences(lead, email_on_assign=True, email_escalations=False)
    assert escalation.targets(item, tier) == []


def test_a_person_chooses_their_emails_on_their_own_page(client, auth, agent):
    auth.login(agent)
    page = client.get("/auth/account").get_data(as_text=True)
    assert "Email me when an item is assigned to me" in page and "Email me escalation digests" in page
    response = client.post("/auth/account", data={"email_escalations": "y",
                                                   "csrf_token": csrf_from(client, "/auth/account")})
    assert response.status_code == 302
    db.session.refresh(agent)
    assert (agent.email_on_assign, agent.email_escalations) == (False, True)
    assert client.post("/auth/account", data={"email_on_assign": "y"}).status_code == 400  # no CSRF token
    client.post("/auth/logout", data={"csrf_token": csrf_from(client, "/auth/account")})
    assert client.get("/auth/account").status_code == 302  # signed in only


def test_admins_see_a_banner_when_smtp_is_missing_or_the_outbox_waits(make_app):
    from tests.conftest import Auth

    app = make_app(SMTP_HOST=None)
    with app.app_context():
        admin, agent = make_user(Role.ADMIN), make_user(Role.AGENT)
        client = app.test_client()
        Auth(client).login(admin)
        assert "SMTP is not configured" in client.get("/admin/").get_data(as_text=True)
        app.config["SMTP_HOST"] = "127.0.0.1"
        assert "SMTP is not configured" not in client.get("/admin/").get_data(as_text=True)
        note = notify.enqueue(dedupe_key="x", channel=DeliveryChannel.EMAIL, recipient="a@example.com",
                              subject="Hi", text="Hi")
        note.next_attempt_at = utcnow() - timedelta(minutes=6)
        db.session.commit()
        page = client.get("/board/").get_data(as_text=True)
        assert "1 notification has waited in the outbox for more than 5 minutes" in page
        assert "flask triage worker" in page
        other = app.test_client()
        Auth(other).login(agent)
        assert "waited in the outbox" not in other.get("/board/").get_data(as_text=True)


def test_the_project_form_switches_resolution_emails(client, auth, admin, project):
    auth.login(admin)
    path = f"/admin/projects/{project.id}"
    assert 'name="notify_submitter_on_resolve"' in client.get(path).get_data(as_text=True)
    client.post(path, data={"name": "Demo", "slug": "demo", "default_team": "", "csrf_token": csrf_from(client, path)})
    db.session.refresh(project)
    assert project.notify_submitter_on_resolve is False
    client.post(path, data={"name": "Demo", "slug": "demo", "default_team": "", "notify_submitter_on_resolve": "y",
                            "csrf_token": csrf_from(client, path)})
    db.session.refresh(project)
    assert project.notify_submitter_on_resolve is True
