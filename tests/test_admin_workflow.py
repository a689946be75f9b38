"""Admins manage routing rules, SLA policies and tiers, webhooks, calendars and the outbox."""
import pytest
from sqlalchemy import select

from tests import builders
from tests.conftest import csrf_from
from triage.extensions import db
from triage.models import DeliveryChannel, DeliveryStatus, Notification, RoutingRule, SlaPolicy, Strategy, Webhook
from triage.services import DomainError
from triage.services.delivery import notify
from triage.services.triage import policies, routing


def post_form(client, path, form_page=None, **data):
    return client.post(path, data={**data, "csrf_token": csrf_from(client, form_page or path)})


def post_tier(client, policy, **fields):
    """The tier form of the policy's card on the SLA page: its fields carry the card's prefix."""
    return post_form(client, f"/admin/sla/{policy.id}/tiers", "/admin/sla",
                     **{f"policy-{policy.id}-{name}": value for name, value in fields.items()})


@pytest.fixture
def signed_in(client, auth, admin):
    auth.login(admin)
    return client


def rule_data(team_obj, **changes):
    return {"name": "Billing words", "team": str(team_obj.id), "strategy": "none", "active": "y",
            "keyword": "invoice", **changes}


def test_the_admin_index_links_to_the_workflow_pages(signed_in):
    html = signed_in.get("/admin/").get_data(as_text=True)
    for path in ("/admin/routing", "/admin/sla", "/admin/webhooks", "/admin/outbox"):
        assert path in html and signed_in.get(path).status_code == 200


def test_agents_cannot_open_the_workflow_pages(client, auth, agent):
    auth.login(agent)
    for path in ("/admin/routing", "/admin/routing/new", "/admin/sla", "/admin/webhooks", "/admin/outbox"):
        assert client.get(path).status_code == 403


def test_admin_creates_and_edits_a_routing_rule(signed_in):
    team = builders.team_with_roles()
    assert post_form(signed_in, "/admin/routing/new", **rule_data(team, pattern=r"refund|chargeback")).status_code == 302
    saved = db.session.scalars(select(RoutingRule)).one()
    assert saved.conditions == {"keyword": "invoice", "pattern": "refund|chargeback"} and saved.team == team
    assignee = team.memberships[0].user
    response = post_form(signed_in, f"/admin/routing/{saved.id}",
                         **rule_data(team, strategy="fixed", assignee=str(assignee.id), keyword="", priority="P1"))
    assert response.status_code == 302
    db.session.refresh(saved)
    assert (saved.conditions, saved.strategy, saved.assignee) == ({"priority": "P1"}, Strategy.FIXED, assignee)
    page = signed_in.get(f"/admin/routing/{saved.id}").get_data(as_text=True)
    assert '<option selected value="P1">' in page


INVALID_RULES = [
    ({"pattern": "(unclosed"}, "not a valid regular expression"),
    ({"team": ""}, "This field is required"),
    ({"team": "999"}, "Not a valid choice"),
    ({"strategy": "fixed"}, "needs an assignee"),
    ({"channel": "fax"}, "Not a valid choice"),
]


def test_invalid_rules_are_form_errors(signed_in):
    team = builders.team_with_roles()
    for changes, message in INVALID_RULES:
        response = post_form(signed_in, "/admin/routing/new", **rule_data(team, **changes))
        assert response.status_code == 422 and message in response.get_data(as_text=True), changes
    assert db.session.scalars(select(RoutingRule)).all() == []


def test_rules_move_up_and_down_from_the_list(signed_in):
    team = builders.team_with_roles()
    for name in ("first", "second"):
        routing.save_rule(None, name=name, conditions={}, team_id=team.id, assignee_id=None, strategy=Strategy.NONE)
    db.session.commit()
    second = db.session.scalars(select(RoutingRule).where(RoutingRule.name == "second")).one()
    response = post_form(signed_in, f"/admin/routing/{second.id}/move", "/admin/routing", direction="up")
    assert response.status_code == 302
    assert [r.name for r in routing.ordered_rules()] == ["second", "first"]
    bad = post_form(signed_in, f"/admin/routing/{second.id}/move", "/admin/routing", direction="sideways")
    assert bad.status_code == 422


def test_admin_sets_a_policy_and_its_tiers(signed_in):
    hook = Webhook(name="ops", url="https://hooks.example/x")
    db.session.add(hook)
    db.session.commit()
    data = dict(priority="P1", first_response_minutes="30", resolution_minutes="240", business_hours="y")
    assert post_form(signed_in, "/admin/sla/new", **data).status_code == 302
    policy = db.session.scalars(select(SlaPolicy)).one()
    duplicate = post_form(signed_in, "/admin/sla/new", **data)
    assert duplicate.status_code == 422 and "already has a policy" in duplicate.get_data(as_text=True)
    tier = dict(deadline="resolution", threshold_percent="100", target="lead", channel="email", webhook="")
    assert post_tier(signed_in, policy, **tier).status_code == 302
    no_hook = post_tier(signed_in, policy, **{**tier, "channel": "webhook"})
    assert no_hook.status_code == 422 and "Choose the webhook" in no_hook.get_data(as_text=True)
    hooked = {**tier, "channel": "webhook", "webhook": str(hook.id), "threshold_percent": "150",
              "include_backlog": "y"}
    assert post_tier(signed_in, policy, **hooked).status_code == 302
    db.session.refresh(policy)
    assert [(t.threshold_percent, t.channel, t.webhook, t.include_backlog) for t in policy.tiers] == [
        (100, DeliveryChannel.EMAIL, None, False), (150, DeliveryChannel.WEBHOOK, hook, True)]
    page = signed_in.get("/admin/sla").get_data(as_text=True)
    assert "new breaches only" in page and "with the backlog" in page
    assert "Also escalate the existing backlog" in page
    assert post_form(signed_in, f"/admin/sla/tiers/{policy.tiers[0].id}/delete", "/admin/sla").status_code == 302
    db.session.refresh(policy)
    assert len(policy.tiers) == 1


def test_bad_targets_are_form_errors(signed_in):
    data = dict(priority="P2", first_response_minutes="300", resolution_minutes="60")
    response = post_form(signed_in, "/admin/sla/new", **data)
    assert response.status_code == 422 and "no sooner than first response" in response.get_data(as_text=True)
    response = post_form(signed_in, "/admin/sla/new", **{**data, "first_response_minutes": "soon"})
    assert response.status_code == 422 and "is not a duration" in response.get_data(as_text=True)


def test_targets_are_typed_and_shown_in_hours_or_days(signed_in):
    data = dict(priority="P3", first_response_minutes="2 h 30 min", resolution_minutes="3 days")
    assert post_form(signed_in, "/admin/sla/new", **data).status_code == 302
    policy = db.session.scalars(select(SlaPolicy)).one()
    assert (policy.first_response_minutes, policy.resolution_minutes) == (150, 3 * 24 * 60)
    assert "first response within 2 h 30 min, resolution within 3 days" in signed_in.get("/admin/sla").get_data(as_text=True)
    assert 'value="3 days"' in signed_in.get(f"/admin/sla/{policy.id}").get_data(as_text=True)


@pytest.mark.parametrize(("text", "minutes"), [("45", 45), ("45 min", 45), ("4 h", 240), ("1.5 hours", 90),
                                               ("2 h 30 min", 150), ("1 day 4 h", 1680), ("2,5 days", 3600),
                                               ("1 week", 10080)])
def test_durations_read_as_people_write_them(text, minutes):
    from triage.services.triage import sla

    assert sla.parse_duration(text) == minutes
    assert sla.parse_duration(sla.duration_text(minutes)) == minutes


@pytest.mark.parametrize("text", ["soon", "4 fortnights", "0 min", "h", "4 h later"])
def test_what_is_not_a_duration_is_refused(text):
    from triage.services import DomainError
    from triage.services.triage import sla

    with pytest.raises(DomainError):
        sla.parse_duration(text)


def test_admin_adds_a_webhook_and_sees_its_secret(signed_in):
    response = post_form(signed_in, "/admin/webhooks/new", name="Slack", url="https://hooks.slack.test/T1",
                         preset="slack", active="y")
    assert response.status_code == 302
    hook = db.session.scalars(select(Webhook)).one()
    assert hook.preset == "slack" and len(hook.secret) > 20
    assert hook.secret in signed_in.get("/admin/webhooks").get_data(as_text=True)
    bad = post_form(signed_in, "/admin/webhooks/new", name="x", url="ftp://files.test/x", preset="generic")
    assert bad.status_code == 422 and "Invalid URL" in bad.get_data(as_text=True)
    with pytest.raises(DomainError, match="starts with http"):
        policies.save_webhook(None, name="x", url="ftp://files.test/x", preset="generic", active=True)


def test_admin_sets_a_team_calendar_and_a_bad_one_is_refused(signed_in):
    team = builders.team_with_roles()
    path = f"/admin/teams/{team.id}"
    page = signed_in.get(path).get_data(as_text=True)
    assert "Wednesday" in page and 'type="time"' in page and 'type="checkbox"' in page
    ok = post_form(signed_in, path, timezone="Europe/Berlin", days=["0", "1", "2", "3", "4"], start="08:00",
                   end="16:00", holidays="2026-12-24\n2026-12-25")
    assert ok.status_code == 302
    db.session.refresh(team)
    assert team.calendar["holidays"] == ["2026-12-24", "2026-12-25"] and team.calendar["start"] == "08:00"
    assert team.calendar["days"] == [0, 1, 2, 3, 4]
    assert "Europe/Berlin, Monday to Friday, 08:00–16:00" in signed_in.get("/admin/sla").get_data(as_text=True)
    assert 'value="08:00"' in signed_in.get(path).get_data(as_text=True)
    bad = post_form(signed_in, path, timezone="Nowhere/Atlantis", days=["0"], start="09:00", end="17:00")
    assert bad.status_code == 422 and "not valid" in bad.get_data(as_text=True)
    bad_day = post_form(signed_in, path, timezone="Europe/Berlin", days=["9"], start="09:00", end="17:00")
    assert bad_day.status_code == 422


def test_the_outbox_shows_dead_notifications_and_retries_them(signed_in):
    note = notify.enqueue(dedupe_key="k", channel=DeliveryChannel.EMAIL, recipient="x@example.com",
                          subject="Escalation", text="t")
    note.status, note.attempts, note.last_error = DeliveryStatus.DEAD, 5, "SMTPRecipientsRefused: nope"
    db.session.commit()
    html = signed_in.get("/admin/outbox?status=dead").get_data(as_text=True)
    assert "SMTPRecipientsRefused: nope" in html and "x@example.com" in html
    response = post_form(signed_in, f"/admin/outbox/{note.id}/retry", "/admin/outbox")
    assert response.status_code == 302
    db.session.refresh(note)
    assert note.status == DeliveryStatus.PENDING
    assert "x@example.com" not in signed_in.get("/admin/outbox?status=dead").get_data(as_text=True)
    assert db.session.get(Notification, note.id).attempts == 4  # one more try


def test_admin_names_a_team_lead(signed_in):
    team = builders.team_with_roles()
    member = team.memberships[0]
    response = post_form(signed_in, f"/admin/teams/{team.id}/roles", f"/admin/teams/{team.id}",
                         user_id=str(member.user_id), role="lead")
    assert response.status_code == 302
    db.session.refresh(member)
    assert member.role.value == "lead"
    stranger = post_form(signed_in, f"/admin/teams/{team.id}/roles", f"/admin/teams/{team.id}",
                         user_id="999", role="lead")
    assert stranger.status_code == 422 and "not a member" in stranger.get_data(as_text=True)
