"""Escalation: as a deadline's time runs out, the tiers of the item's SLA policy fire.

A tier fires at `threshold_percent` of the deadline's target (75: remind the assignee,
100: tell the team lead, 150: tell the manager...). Escalations inform instead of flooding:

- a sweep that finds an item past several tiers of a deadline fires only the highest; the
  lower ones are recorded as passed and never sent;
- items already past a tier's threshold when the tier was added (its `active_since`) are
  its backlog: left alone, unless the admin ticked "also escalate the existing backlog";
- email alerts are not sent one by one: they wait (queued) for the recipient's digest, which
  the sweep writes after the items (`triage.services.triage.digest`). Webhook tiers post one
  message per item as before.

Each decision is an EscalationAlert under the unique key
`esc:{item}:{deadline}:{due}:{tier}:{recipient}` (`passed` for the recipient of a tier that
is not sent), so a tier fires once per item and deadline: across restarts (the
rows stay), and when two passes run at once (the sweep job in `triage.worker` locks the item
row with SKIP LOCKED on PostgreSQL or takes the database's write lock on SQLite, and the
unique key refuses whatever slips through). The verbs here flush; the job commits.
"""
from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import and_, or_, select

from triage.extensions import db
from triage.models import (
    OPEN_STATUSES,
    AlertState,
    Deadline,
    DeliveryChannel,
    EscalationAlert,
    EscalationTarget,
    EscalationTier,
    Event,
    Feedback,
    SlaPolicy,
    Status,
    TeamRole,
)
from triage.services.delivery import notify
from triage.services.triage import sla

RUNNING = [s for s in OPEN_STATUSES if s != Status.WAITING]


def running_deadlines(item: Feedback) -> list[tuple[Deadline, datetime]]:
    """First response until answered, resolution until resolved; none while paused."""
    if item.sla_paused_at is not None or item.status not in RUNNING:
        return []
    found = []
    if item.first_response_due and item.first_responded_at is None:
        found.append((Deadline.FIRST_RESPONSE, item.first_response_due))
    if item.resolution_due:
        found.append((Deadline.RESOLUTION, item.resolution_due))
    return found


def elapsed_percent(due: datetime, target_minutes: int, now: datetime, calendar: sla.Calendar | None) -> float:
    """How much of the target has passed at `now`, in percent (over 100 once breached)."""
    remaining = sla.minutes_between(now, due, calendar)
    return 100 * (target_minutes - remaining) / max(target_minutes, 1)


def dedupe_base(item: Feedback, tier: EscalationTier, due: datetime) -> str:
    stamp = due.astimezone(timezone.utc).isoformat(timespec="seconds")
    return f"esc:{item.id}:{tier.deadline.value}:{stamp}:{tier.id}"


def already_fired(base: str) -> bool:
    """Whether the tier was decided (fired, passed or backlog) for this item and due time."""
    query = select(EscalationAlert.id).where(EscalationAlert.key.startswith(base + ":", autoescape=True))
    return db.session.scalar(query.limit(1)) is not None


def target_minutes(policy: SlaPolicy, deadline: Deadline) -> int:
    return policy.first_response_minutes if deadline == Deadline.FIRST_RESPONSE else policy.resolution_minutes


def pending_tiers(item: Feedback, now: datetime) -> list[tuple[EscalationTier, datetime]]:
    """The tiers whose threshold has passed for a running deadline and that have not fired."""
    policy = sla.policy_for(item.priority)
    if policy is None:
        return []
    calendar, found = sla.calendar_for(item, policy), []
    for deadline, due in running_deadlines(item):
        share = elapsed_percent(due, target_minutes(policy, deadline), now, calendar)
        found += [(tier, due) for tier in policy.tiers
                  if tier.deadline == deadline and share >= tier.threshold_percent
                  and not already_fired(dedupe_base(item, tier, due))]
    return found


def is_backlog(item: Feedback, tier: EscalationTier, due: datetime) -> bool:
    """Whether the item was already past the tier's threshold when the tier was added
    (and the admin did not ask to escalate that backlog)."""
    if tier.include_backlog or item.created_at >= tier.active_since:
        return False
    policy = tier.policy
    share = elapsed_percent(due, target_minutes(policy, tier.deadline), tier.active_since,
                            sla.calendar_for(item, policy))
    return share >= tier.threshold_percent


def escalate_item(item: Feedback, now: datetime) -> int:
    """Decide the item's pending tiers (flushes): per deadline, leaving the tiers' backlog
    alone (not recorded: an admin may still ask for it), the highest tier that can tell
    someone fires and those below it are recorded as passed (a tier nobody can receive is
    tried again at the next pass).
    Returns how many tiers fired (0 or 1 per deadline)."""
    by_deadline: dict[tuple[Deadline, datetime], list[EscalationTier]] = {}
    for tier, due in pending_tiers(item, now):
        by_deadline.setdefault((tier.deadline, due), []).append(tier)
    fired = 0
    for (_, due), tiers in by_deadline.items():
        live = sorted((t for t in tiers if not is_backlog(item, t, due)),
                      key=lambda t: t.threshold_percent, reverse=True)
        for rank, tier in enumerate(live):
            if escalate(item, tier, due):  # the highest tier that can tell someone
                fired += 1
                for lower in live[rank + 1:]:
                    record(item, lower, due, AlertState.PASSED)
                break
    db.session.flush()
    return fired


def record(item: Feedback, tier: EscalationTier, due: datetime, state: AlertState) -> EscalationAlert:
    """An alert that is not sent: the tier passed (a higher one fired)."""
    alert = EscalationAlert(key=f"{dedupe_base(item, tier, due)}:{state.value}", feedback_id=item.id,
                            tier_id=tier.id, threshold_percent=tier.threshold_percent, deadline=tier.deadline,
                            due=due, channel=tier.channel, state=state)
    db.session.add(alert)
    return alert


def targets(item: Feedback, tier: EscalationTier) -> list[tuple[str, str, object]]:
    """(key suffix, recipient, webhook) per notification: the tier's webhook, or the emails of
    the assignee (the team leads when unassigned), the team leads or the team managers
    (those who did not switch escalation emails off)."""
    if tier.channel == DeliveryChannel.WEBHOOK:
        hook = tier.webhook
        return [("wh", hook.url, hook)] if hook and hook.active else []
    if tier.target == EscalationTarget.ASSIGNEE and item.assignee and item.assignee.active:
        people = [item.assignee]
    else:
        role = TeamRole.MANAGER if tier.target == EscalationTarget.MANAGER else TeamRole.LEAD
        people = [u for u in item.team.members_with(role) if u.active] if item.team else []
    return [(f"u{u.id}", u.email, None) for u in people if u.email_escalations]


def message(item: Feedback, tier: EscalationTier, due: datetime) -> tuple[str, str]:
    what = tier.deadline.value.replace("_", " ")
    subject = f"[{item.priority}] #{item.id} {item.title}: {tier.threshold_percent}% of the {what} target"
    text = (f"#{item.id} {item.title}\nPriority {item.priority}, status {item.status.label}, "
            f"{what} due {due.astimezone(timezone.utc):%Y-%m-%d %H:%M} UTC.\n"
            f"Open it: {notify.absolute_url('board.item', item_id=item.id)}\n")
    return subject, text


def escalate(item: Feedback, tier: EscalationTier, due: datetime) -> bool:
    """Fire the tier for this item and deadline (flushes): an alert per recipient, queued for
    the recipient's digest (email) or posted at once (webhook); record Event("escalated") and
    raise the item's escalation level. False when it already fired or nobody can be told
    (it is tried again at the next pass)."""
    base = dedupe_base(item, tier, due)
    found = targets(item, tier)
    if already_fired(base) or not found:
        return False
    for suffix, recipient, webhook in found:
        alert = EscalationAlert(key=f"{base}:{suffix}", feedback_id=item.id, tier_id=tier.id,
                                threshold_percent=tier.threshold_percent, deadline=tier.deadline, due=due,
                                channel=tier.channel, recipient=recipient, state=AlertState.QUEUED)
        if webhook is not None:
            subject, text = message(item, tier, due)
            note = notify.enqueue(
                dedupe_key=f"{base}:{suffix}", channel=tier.channel, recipient=recipient, subject=subject,
                text=text, feedback=item, webhook=webhook,
                data={"event": "escalated", "item_id": item.id, "tier_id": tier.id})
            alert.notification_id, alert.state = (note.id if note else None), AlertState.SENT
        db.session.add(alert)
    rank = [t.id for t in tier.policy.tiers if t.deadline == tier.deadline].index(tier.id) + 1
    item.escalation_level = max(item.escalation_level, rank)
    db.session.add(Event(feedback=item, kind="escalated", data={
        "tier_id": tier.id, "deadline": tier.deadline.value, "threshold": tier.threshold_percent,
        "target": tier.target.value, "channel": tier.channel.value,
        "recipients": [r for _, r, _ in found], "due": due.isoformat()}))
    db.session.flush()
    return True


def candidate_ids(now: datetime) -> list[int]:
    """Running items with a due time and a policy that has tiers (read-only pre-selection)."""
    with_tiers = select(SlaPolicy.priority).where(SlaPolicy.tiers.any())
    query = select(Feedback.id).where(
        Feedback.status.in_(RUNNING), Feedback.sla_paused_at.is_(None), Feedback.priority.in_(with_tiers),
        or_(and_(Feedback.first_response_due.is_not(None), Feedback.first_responded_at.is_(None)),
            Feedback.resolution_due.is_not(None)))
    return list(db.session.scalars(query.order_by(Feedback.id)))


def tell_owner(item: Feedback, key: str, subject: str, text: str, data: dict | None = None) -> int:
    """Tell the item's owner about something outside its SLA clock (a fix that regressed, say)
    through the escalation rules: whom and by which channel the first tier of its policy
    names, else its assignee (the team leads when unassigned) by email. Queued once per `key`
    and recipient (flushes); returns how many notifications were queued."""
    policy = sla.policy_for(item.priority)
    tier = policy.tiers[0] if policy and policy.tiers else None
    if tier is not None:
        found = targets(item, tier)
        channel = tier.channel
    else:
        found, channel = targets(item, EscalationTier(target=EscalationTarget.ASSIGNEE,
                                                      channel=DeliveryChannel.EMAIL)), DeliveryChannel.EMAIL
    queued = 0
    for suffix, recipient, webhook in found:
        queued += notify.enqueue(dedupe_key=f"{key}:{suffix}", channel=channel, recipient=recipient,
                                 subject=subject, text=text, feedback=item, webhook=webhook,
                                 data={"item_id": item.id, **(data or {})}) is not None
    return queued
