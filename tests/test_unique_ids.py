"""Every admin page gives each element its own id: the SLA page's cards each prefix their tier
form (policy-<id>-...), and a tier added on any card still saves."""
import pytest
from sqlalchemy import select

from tests import builders
from tests.conftest import csrf_from
from tests.html_support import duplicate_ids
from triage.extensions import db
from triage.models import (
    DeliveryChannel,
    DeliveryStatus,
    EscalationTarget,
    Kind,
    ModelVersion,
    Notification,
    RoutingRule,
    SlaPolicy,
    Strategy,
    Survey,
    SurveyKind,
    User,
    Webhook,
)
from triage.services import accounts, intake


def test_the_helper_finds_repeated_ids():
    assert duplicate_ids('<p id="a"></p><input id="b"><span id="a"></span><i id="c">') == ["a"]
    assert duplicate_ids("<p>no ids</p>") == []


@pytest.fixture
def filled(client, auth, admin):
    """Two policies with tiers, a webhook, a team, a rule, a project and a survey: every admin
    page has repeated rows to show."""
    team = builders.team_with_roles("Support")
    for priority in ("P1", "P2"):
        builders.policy(priority, tiers=((75, EscalationTarget.ASSIGNEE), (100, EscalationTarget.LEAD)))
    project = accounts.create_project("shop", "Shop", team)
    db.session.add_all([Webhook(name="ops", url="https://hooks.example/x"),
                        RoutingRule(name="All", conditions={}, team=team, strategy=Strategy.ROUND_ROBIN),
                        RoutingRule(name="Rest", conditions={}, team=team, strategy=Strategy.ROUND_ROBIN),
                        Survey(project=project, kind=SurveyKind.NPS, question="How likely?")])
    for n in range(2):
        intake.submit_feedback(project, intake.Submission(kind=Kind.BUG, title=f"Spam {n}", quarantined=True))
        db.session.add_all([ModelVersion(version=f"v{n}", path=f"v{n}"),
                            Notification(dedupe_key=f"n{n}", channel=DeliveryChannel.EMAIL, recipient="a@example.com",
                                         subject="Hello", status=DeliveryStatus.DEAD)])
    db.session.commit()
    auth.login(admin)
    return client


def admin_pages() -> list[str]:
    first = {model: db.session.scalars(select(model.id).order_by(model.id)).first()
             for model in (SlaPolicy, Webhook, RoutingRule, Survey, User)}
    team = accounts.all_teams()[0]
    project = accounts.all_projects()[0]
    return ["/admin/", "/admin/projects/new", f"/admin/projects/{project.id}", "/admin/users/new",
            f"/admin/users/{first[User]}", "/admin/routing", "/admin/routing/new",
            f"/admin/routing/{first[RoutingRule]}", "/admin/sla", "/admin/sla/new", f"/admin/sla/{first[SlaPolicy]}",
            f"/admin/teams/{team.id}", "/admin/webhooks", "/admin/webhooks/new", f"/admin/webhooks/{first[Webhook]}",
            "/admin/outbox", "/admin/quarantine", "/admin/surveys", f"/admin/surveys/{first[Survey]}",
            "/admin/models", "/admin/keyword-rules"]


def test_no_admin_page_repeats_an_element_id(filled):
    repeated = {}
    for path in admin_pages():
        response = filled.get(path)
        assert response.status_code == 200, path
        if found := duplicate_ids(response.get_data(as_text=True)):
            repeated[path] = found
    assert repeated == {}


def test_each_policy_card_has_its_own_tier_form_ids(filled):
    page = filled.get("/admin/sla").get_data(as_text=True)
    first, second = db.session.scalars(select(SlaPolicy.id).order_by(SlaPolicy.id)).all()
    for policy_id in (first, second):
        assert f'id="policy-{policy_id}-threshold_percent"' in page
        assert f'for="policy-{policy_id}-threshold_percent"' in page


def test_a_tier_added_on_the_second_card_saves(filled):
    second = db.session.scalars(select(SlaPolicy).order_by(SlaPolicy.id)).all()[1]
    prefix = f"policy-{second.id}-"
    data = {prefix + name: value for name, value in dict(
        deadline="first_response", threshold_percent="120", target="manager", channel="email", webhook="").items()}
    response = filled.post(f"/admin/sla/{second.id}/tiers",
                           data={**data, prefix + "csrf_token": csrf_from(filled, "/admin/sla")})
    assert response.status_code == 302
    db.session.refresh(second)
    assert [(t.threshold_percent, t.target) for t in second.tiers][-1] == (120, EscalationTarget.MANAGER)


def test_a_refused_tier_shows_its_error_on_its_own_card(filled):
    second = db.session.scalars(select(SlaPolicy).order_by(SlaPolicy.id)).all()[1]
    prefix = f"policy-{second.id}-"
    response = filled.post(f"/admin/sla/{second.id}/tiers", data={
        prefix + "deadline": "resolution", prefix + "threshold_percent": "5000", prefix + "target": "lead",
        prefix + "channel": "email", prefix + "csrf_token": csrf_from(filled, "/admin/sla")})
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and duplicate_ids(html) == []
    assert f'id="policy-{second.id}-threshold_percent"' in html and "between 1 and 1000" in html
