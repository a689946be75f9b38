"""Admin pages of the workflow: routing rules, SLA policies and tiers, webhooks, the outbox."""
from __future__ import annotations

from flask import abort, render_template, request

from triage.admin import bp
from triage.admin.forms import team_choices
from triage.admin.workflow_forms import (
    ActionForm,
    CalendarForm,
    MemberRoleForm,
    MoveForm,
    PolicyForm,
    RuleForm,
    TierForm,
    WebhookForm,
)
from triage.extensions import db
from triage.models import (
    Deadline,
    DeliveryChannel,
    DeliveryStatus,
    EscalationTarget,
    EscalationTier,
    Notification,
    RoutingRule,
    SlaPolicy,
    Strategy,
    Team,
    TeamRole,
    Webhook,
)
from triage.services import accounts, get
from triage.services.delivery import notify
from triage.services.triage import policies, routing, sla
from triage.web import back_to, commit_form

OUTBOX_PAGE = 200


def form_page(form, title: str, back: str):
    """The one template of the create/edit pages; 422 when the form has errors."""
    return render_template("admin/workflow_form.html", form=form, title=title, back=back), \
        422 if form.errors else 200


def saved(message: str, endpoint: str, **values):
    """Commit the handler's change once and go back to the list."""
    db.session.commit()
    return back_to(message, endpoint, **values)


def webhook_choices() -> list[tuple[str, str]]:
    return [("", "— none —")] + [(str(h.id), h.name) for h in policies.all_webhooks()]


@bp.route("/routing")
def routing_rules():
    return render_template("admin/routing.html", rules=routing.ordered_rules(active_only=False),
                           move_form=MoveForm())


def fill_rule_choices(form: RuleForm) -> None:
    form.project.choices = [("", "any")] + [(str(p.id), p.name) for p in accounts.all_projects()]
    form.team.choices = team_choices(accounts.all_teams())
    users = accounts.all_users(active_only=True)
    form.assignee.choices = [("", "— none —")] + [(str(u.id), u.display_name) for u in users]


def load_rule(form: RuleForm, rule: RoutingRule) -> None:
    for name in RuleForm.CONDITIONS:
        getattr(form, name).data = str(rule.conditions.get("project_id" if name == "project" else name, ""))
    form.team.data, form.strategy.data = str(rule.team_id), rule.strategy.value
    form.assignee.data = str(rule.assignee_id or "")


@bp.route("/routing/new", methods=["GET", "POST"])
@bp.route("/routing/<int:rule_id>", methods=["GET", "POST"])
def routing_rule(rule_id: int | None = None):
    rule = get(RoutingRule, rule_id) if rule_id else None
    form = RuleForm(obj=rule)
    fill_rule_choices(form)
    if rule and not form.is_submitted():
        load_rule(form, rule)
    return commit_form(
        form, form.name, lambda: routing.save_rule(
            rule, name=form.name.data, conditions=form.conditions(), team_id=int(form.team.data),
            assignee_id=int(form.assignee.data) if form.assignee.data else None,
            strategy=Strategy(form.strategy.data), active=form.active.data),
        lambda _: back_to(f"Rule {form.name.data} saved.", "admin.routing_rules"),
        lambda: form_page(form, f"Routing rule {rule.name}" if rule else "New routing rule", "admin.routing_rules"))


@bp.route("/routing/<int:rule_id>/move", methods=["POST"])
def move_rule(rule_id: int):
    rule, form = get(RoutingRule, rule_id), MoveForm()
    if not form.validate_on_submit():
        return render_template("admin/routing.html", rules=routing.ordered_rules(active_only=False),
                               move_form=form), 422
    routing.move_rule(rule, -1 if form.direction.data == "up" else 1)
    return saved(f"Rule {rule.name} moved {form.direction.data}.", "admin.routing_rules")


def tier_form(policy_id: int, **kwargs) -> TierForm:
    """The tier form of one policy's card: its own prefix, so no two cards share element ids."""
    return TierForm(prefix=f"policy-{policy_id}", **kwargs)


def sla_page(tier_forms: dict | None = None, status: int = 200):
    found = policies.all_policies()
    hooks, forms = webhook_choices(), tier_forms or {}
    for policy in found:
        forms.setdefault(policy.id, tier_form(policy.id, formdata=None)).webhook.choices = hooks
    return render_template("admin/sla.html", policies=found, tier_forms=forms, teams=accounts.all_teams(),
                           action_form=ActionForm(), duration=sla.duration_text,
                           calendar_words=sla.calendar_words), status


@bp.route("/sla")
def sla_policies():
    return sla_page()


@bp.route("/sla/new", methods=["GET", "POST"])
@bp.route("/sla/<int:policy_id>", methods=["GET", "POST"])
def sla_policy(policy_id: int | None = None):
    policy = get(SlaPolicy, policy_id) if policy_id else None
    form = PolicyForm(obj=policy)
    return commit_form(
        form, form.priority, lambda: policies.save_policy(
            policy, priority=form.priority.data, business_hours=form.business_hours.data,
            first_response_minutes=form.first_response_minutes.data,
            resolution_minutes=form.resolution_minutes.data),
        lambda _: back_to(f"Policy for {form.priority.data} saved.", "admin.sla_policies"),
        lambda: form_page(form, f"SLA policy {policy.priority}" if policy else "New SLA policy", "admin.sla_policies"))


@bp.route("/sla/<int:policy_id>/tiers", methods=["POST"])
def add_tier(policy_id: int):
    policy = get(SlaPolicy, policy_id)
    form = tier_form(policy_id)
    form.webhook.choices = webhook_choices()
    return commit_form(
        form, form.channel, lambda: policies.add_tier(
            policy, deadline=Deadline(form.deadline.data), target=EscalationTarget(form.target.data),
            threshold_percent=form.threshold_percent.data, channel=DeliveryChannel(form.channel.data),
            webhook_id=int(form.webhook.data) if form.webhook.data else None,
            include_backlog=form.include_backlog.data),
        lambda _: back_to(f"Tier added to {policy.priority}.", "admin.sla_policies"),
        lambda: sla_page({policy_id: form}, 422))


@bp.route("/sla/tiers/<int:tier_id>/delete", methods=["POST"])
def delete_tier(tier_id: int):
    tier = get(EscalationTier, tier_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    db.session.delete(tier)
    return saved("Tier removed.", "admin.sla_policies")


def team_page(team: Team, form: CalendarForm, role_form: MemberRoleForm | None = None, status: int = 200):
    return render_template("admin/team.html", team=team, form=form, role_form=role_form or MemberRoleForm(),
                           roles=[r.value for r in TeamRole]), status


@bp.route("/teams/<int:team_id>", methods=["GET", "POST"])
def team_settings(team_id: int):
    """A team's business hours (for SLA clocks) and who is its lead and manager."""
    team = get(Team, team_id)
    saved = team.calendar
    form = CalendarForm(data={**saved, "days": [str(d) for d in saved.get("days", [])],
                              "start": sla.clock_time(saved.get("start")), "end": sla.clock_time(saved.get("end")),
                              "holidays": "\n".join(saved.get("holidays", []))})
    return commit_form(
        form, form.timezone, lambda: policies.set_calendar(
            team, timezone=form.timezone.data or "", days=",".join(form.days.data or []),
            start=form.start.data.strftime("%H:%M") if form.start.data else "",
            end=form.end.data.strftime("%H:%M") if form.end.data else "", holidays=form.holidays.data or ""),
        lambda _: back_to(f"Business hours of {team.name} saved.", "admin.sla_policies"),
        lambda: team_page(team, form, status=422 if form.errors else 200))


@bp.route("/teams/<int:team_id>/roles", methods=["POST"])
def team_role(team_id: int):
    team, form = get(Team, team_id), MemberRoleForm()
    return commit_form(
        form, form.role, lambda: policies.set_member_role(
            team, form.user_id.data, TeamRole(form.role.data)),
        lambda _: back_to("Role saved.", "admin.team_settings", team_id=team.id),
        lambda: team_page(team, CalendarForm(formdata=None), form, 422))


@bp.route("/webhooks")
def webhooks():
    return render_template("admin/webhooks.html", webhooks=policies.all_webhooks())


@bp.route("/webhooks/new", methods=["GET", "POST"])
@bp.route("/webhooks/<int:webhook_id>", methods=["GET", "POST"])
def webhook(webhook_id: int | None = None):
    existing = get(Webhook, webhook_id) if webhook_id else None
    form = WebhookForm(obj=existing)
    return commit_form(
        form, form.url, lambda: policies.save_webhook(
            existing, name=form.name.data, url=form.url.data, preset=form.preset.data, active=form.active.data,
            events=form.events.data),
        lambda _: back_to(f"Webhook {form.name.data} saved.", "admin.webhooks"),
        lambda: form_page(form, f"Webhook {existing.name}" if existing else "New webhook", "admin.webhooks"))


@bp.route("/outbox")
def outbox():
    status = request.args.get("status", "")
    chosen = DeliveryStatus(status) if status in {s.value for s in DeliveryStatus} else None
    return render_template("admin/outbox.html", notes=notify.outbox(chosen, OUTBOX_PAGE), status=status,
                           statuses=list(DeliveryStatus), action_form=ActionForm())


@bp.route("/outbox/<int:note_id>/retry", methods=["POST"])
def retry_notification(note_id: int):
    note = get(Notification, note_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    notify.retry(note)
    return saved(f"Notification {note.id} will be tried again at the next pass.", "admin.outbox")
