"""Admin verbs for SLA policies, their escalation tiers, webhooks and team calendars."""
from __future__ import annotations

from collections.abc import Sequence

from flask import current_app
from sqlalchemy import select

from triage.extensions import db
from triage.models import (
    Deadline,
    DeliveryChannel,
    EscalationTarget,
    EscalationTier,
    SlaPolicy,
    Team,
    TeamRole,
    Webhook,
)
from triage.services import DomainError
from triage.services.delivery import outbound, subscriptions
from triage.services.triage import sla
from triage.services.delivery.notify import PRESETS


def all_policies() -> list[SlaPolicy]:
    """The SLA policies, P1 first."""
    return list(db.session.scalars(select(SlaPolicy).order_by(SlaPolicy.priority)))


def all_webhooks() -> list[Webhook]:
    return list(db.session.scalars(select(Webhook).order_by(Webhook.name)))


def save_policy(policy: SlaPolicy | None, *, priority: str, first_response_minutes: int,
                resolution_minutes: int, business_hours: bool) -> SlaPolicy:
    """Create or update the policy of a priority (one per priority; resolution after first response).
    Items keep their due times until their priority changes."""
    clash = db.session.scalar(select(SlaPolicy).where(SlaPolicy.priority == priority))
    if clash is not None and clash is not policy:
        raise DomainError(f"{priority} already has a policy.")
    if min(first_response_minutes, resolution_minutes) < 1 or resolution_minutes < first_response_minutes:
        raise DomainError("Targets are positive, and resolution comes no sooner than first response.")
    if policy is None:
        policy = SlaPolicy(priority=priority)
        db.session.add(policy)
    policy.priority, policy.business_hours = priority, business_hours
    policy.first_response_minutes, policy.resolution_minutes = first_response_minutes, resolution_minutes
    db.session.flush()
    return policy


def add_tier(policy: SlaPolicy, *, deadline: Deadline, threshold_percent: int, target: EscalationTarget,
             channel: DeliveryChannel, webhook_id: int | None, include_backlog: bool = False) -> EscalationTier:
    """Add an escalation tier, active from now; the webhook channel needs a webhook, email
    needs none. Items already past its threshold are escalated only with `include_backlog`."""
    if not 1 <= threshold_percent <= 1000:
        raise DomainError("The threshold is a percentage from 1 to 1000.")
    webhook = db.session.get(Webhook, webhook_id) if webhook_id else None
    if channel == DeliveryChannel.WEBHOOK and webhook is None:
        raise DomainError("Choose the webhook this tier posts to.")
    tier = EscalationTier(deadline=deadline, threshold_percent=threshold_percent, target=target,
                          channel=channel, webhook=webhook if channel == DeliveryChannel.WEBHOOK else None,
                          include_backlog=include_backlog)
    policy.tiers.append(tier)
    db.session.flush()
    return tier


def save_webhook(webhook: Webhook | None, *, name: str, url: str, preset: str, active: bool,
                 events: Sequence[str] | None = None) -> Webhook:
    """Create or update a webhook (a new one gets a random signing secret) and the events it
    receives (None keeps them). A URL of an internal address is refused unless
    WEBHOOK_ALLOW_PRIVATE is set; each delivery checks the address again."""
    outbound.validate(url, allow_private=bool(current_app.config.get("WEBHOOK_ALLOW_PRIVATE")))
    if preset not in PRESETS:
        raise DomainError(f"The format is one of {', '.join(PRESETS)}.")
    if not name.strip():
        raise DomainError("A webhook needs a name.")
    unknown = set(events or ()) - set(subscriptions.EVENTS)
    if unknown:
        raise DomainError(f"Webhooks can subscribe to {', '.join(subscriptions.EVENTS)} only.")
    if webhook is None:
        webhook = Webhook(events=[])
        db.session.add(webhook)
    webhook.name, webhook.url, webhook.preset, webhook.active = name.strip(), url.strip(), preset, active
    if events is not None:
        webhook.events = [e for e in subscriptions.EVENTS if e in events]
    db.session.flush()
    return webhook


def set_calendar(team: Team, *, timezone: str, days: str, start: str, end: str, holidays: str) -> None:
    """Set a team's business hours from form text (no time zone: around the clock)."""
    if not timezone.strip():
        team.calendar = {}
        db.session.flush()
        return
    try:
        day_list = [int(d) for d in days.replace(" ", "").split(",") if d] if days.strip() else [0, 1, 2, 3, 4]
    except ValueError as error:
        raise DomainError("Working days are numbers from 0 (Monday) to 6, separated by commas.") from error
    raw = {"timezone": timezone.strip(), "days": day_list, "start": start.strip() or "09:00",
           "end": end.strip() or "17:00", "holidays": [h.strip() for h in holidays.splitlines() if h.strip()]}
    sla.parse_calendar(raw)  # raises DomainError with the reason
    team.calendar = raw
    db.session.flush()


def set_member_role(team: Team, user_id: int, role: TeamRole) -> None:
    """Make a member of the team its lead, manager or a plain member (escalations use these)."""
    membership = next((m for m in team.memberships if m.user_id == user_id), None)
    if membership is None:
        raise DomainError(f"User {user_id} is not a member of team {team.name}.")
    membership.role = role
    db.session.flush()
