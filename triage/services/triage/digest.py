"""Escalation digests: one email per recipient per sweep, listing every item escalated to
them since their last digest, grouped by tier.

The sweep (`triage.worker.sweep`) first decides the items' tiers (queued EscalationAlerts),
then calls `compose` once per waiting recipient and commits after each. A recipient who got
ESCALATION_HOURLY_CAP digests within the last hour gets none now: their alerts wait for the
next sweep the cap allows. A digest's outbox key is `digest:{id of its first alert}`, and
its alerts move from queued to sent in the same transaction (compare-and-set on the state),
so two sweeps at once, or a sweep killed half-way, never put an alert in two digests.
The verbs here flush; the job commits.
"""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from itertools import groupby

from sqlalchemy import func, select, update

from triage.extensions import db
from triage.models import AlertState, DeliveryChannel, EscalationAlert, Feedback, Notification
from triage.services import locks
from triage.services.delivery import notify
from triage.services.triage import sla

DIGEST_PREFIX = "digest:"


class Conflict(Exception):
    """Another pass took some of the alerts meanwhile: roll back and leave them to it."""


def waiting_recipients() -> list[str]:
    """Recipients with queued email alerts, in the order their oldest alert was queued."""
    query = (select(EscalationAlert.recipient)
             .where(EscalationAlert.state == AlertState.QUEUED, EscalationAlert.channel == DeliveryChannel.EMAIL)
             .group_by(EscalationAlert.recipient).order_by(func.min(EscalationAlert.id)))
    return list(db.session.scalars(query))


def sent_within_hour(recipient: str, now: datetime) -> int:
    query = select(func.count()).select_from(Notification).where(
        Notification.recipient == recipient, Notification.dedupe_key.startswith(DIGEST_PREFIX),
        Notification.created_at > now - timedelta(hours=1))
    return db.session.scalar(query) or 0


def compose(recipient: str, now: datetime) -> Notification | None:
    """Put the recipient's queued alerts in one digest email (flushes); None when the hourly
    cap is reached or nothing waits. Raises Conflict when a concurrent pass took an alert."""
    if sent_within_hour(recipient, now) >= int(notify.setting("ESCALATION_HOURLY_CAP", 4)):
        return None
    query = (select(EscalationAlert)
             .where(EscalationAlert.state == AlertState.QUEUED, EscalationAlert.recipient == recipient,
                    EscalationAlert.channel == DeliveryChannel.EMAIL)
             .order_by(EscalationAlert.id))
    alerts = list(db.session.scalars(locks.skip_locked(query)))
    if not alerts:
        return None
    found = {i.id: i for i in db.session.scalars(
        select(Feedback).where(Feedback.id.in_({a.feedback_id for a in alerts})))}
    subject, text = message(alerts, found, now)
    note = notify.enqueue(dedupe_key=f"{DIGEST_PREFIX}{alerts[0].id}", channel=DeliveryChannel.EMAIL,
                          recipient=recipient, subject=subject, text=text,
                          data={"event": "escalation_digest", "item_ids": sorted(found)})
    if note is None:
        raise Conflict(recipient)
    note.created_at = now  # the hourly cap counts in the sweep's time
    done = db.session.execute(
        update(EscalationAlert)
        .where(EscalationAlert.id.in_([a.id for a in alerts]), EscalationAlert.state == AlertState.QUEUED)
        .values(state=AlertState.SENT, notification_id=note.id).execution_options(synchronize_session=False))
    if done.rowcount != len(alerts):
        raise Conflict(recipient)
    db.session.flush()
    return note


def tier_heading(alert: EscalationAlert, count: int) -> str:
    what = alert.deadline.value.replace("_", " ")
    return f"Past {alert.threshold_percent}% of the {what} target ({count} item{'s' if count != 1 else ''})"


def message(alerts: list[EscalationAlert], found: dict[int, Feedback], now: datetime) -> tuple[str, str]:
    """The digest's subject and text: the items grouped by tier, the furthest past first."""
    order = sorted(alerts, key=lambda a: (-a.threshold_percent, a.deadline.value, a.due))
    lines = []
    for _, group in groupby(order, key=lambda a: (a.threshold_percent, a.deadline)):
        group = list(group)
        lines.append(tier_heading(group[0], len(group)))
        for alert in group:
            item = found.get(alert.feedback_id)
            if item is not None:
                lines += [f"- #{item.id} [{item.priority or '-'}] {' '.join(item.title.split())}",
                          f"  {due_words(alert.due, now)}: {notify.absolute_url('board.item', item_id=item.id)}"]
        lines.append("")
    count = len({a.feedback_id for a in alerts})
    subject = f"Escalations: {count} items need attention"
    if count == 1 and alerts[0].feedback_id in found:
        item, top = found[alerts[0].feedback_id], order[0]
        what = top.deadline.value.replace("_", " ")
        subject = f"[{item.priority}] #{item.id} {item.title}: {top.threshold_percent}% of the {what} target"
    return subject, "\n".join(lines)


def due_words(due: datetime, now: datetime) -> str:
    minutes = int(abs((now - due).total_seconds()) // 60)
    stamp = f"{due.astimezone(timezone.utc):%Y-%m-%d %H:%M} UTC"
    if due <= now:
        return f"breached {sla.readable_duration(minutes)} ago (due {stamp})"
    return f"due in {sla.readable_duration(minutes)} ({stamp})"
