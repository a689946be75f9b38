"""Emails to the agent an item concerns, written to the outbox with the change that causes
them: when the item is assigned to them by someone else or by a routing rule (not when they
take it themselves), unless they switched it off on their own page. (The submitter and the
followers hear of status changes from `items.change_status` through
`notify.notify_followers_of_status`.)

Like the webhook subscriptions, a session hook writes them: it sees every new Event of the
kinds `assigned` and `routed`, whichever verb recorded it (item page, bulk, staff API,
routing), after the flush that gave the event its id. Keys are `assigned:{event id}`: one
email per change, committed or rolled back with it.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from flask import Flask, current_app
from sqlalchemy import event as sa_event
from sqlalchemy import func, inspect, select
from sqlalchemy.orm import Session

from triage.extensions import db
from triage.models import DeliveryChannel, DeliveryStatus, Event, Notification, User
from triage.services.delivery import notify

KINDS = ("assigned", "routed")
WAITING_TOO_LONG = timedelta(minutes=5)
PENDING = "triage.personal.pending"


def init_app(app: Flask) -> None:
    """Listen on the app's sessions (once per process, however many apps are built)."""
    for name, listener in (("after_flush", collect), ("after_flush_postexec", queue)):
        if not sa_event.contains(db.session, name, listener):
            sa_event.listen(db.session, name, listener)


def collect(session: Session, _context) -> None:
    """Remember the flushed events that may concern someone, with the assignee they gave
    (only when the item's assignee changed in this flush: a re-routing to the same person is news to nobody)."""
    found = []
    for event in (o for o in session.new if isinstance(o, Event) and o.kind in KINDS):
        item = event.feedback
        if item is None:
            continue
        if item.assignee is not None and (item in session.new or inspect(item).attrs.assignee.history.added):
            found.append((event, item.assignee))
    if found:
        session.info.setdefault(PENDING, []).extend(found)


def queue(session: Session, _context) -> None:
    for event, assignee in session.info.pop(PENDING, []):
        if (row := assignment_email(event, assignee)) is not None:
            session.add(row)


def assignment_email(event: Event, user: User) -> Notification | None:
    """Tell an agent an item was assigned to them, unless they did it or chose not to hear."""
    item, actor = event.feedback, event.actor
    if user == actor or not user.active or not user.email_on_assign:
        return None
    by = f" by {actor.display_name}" if actor else " by a routing rule"
    due = f"\nResolution due {item.resolution_due:%Y-%m-%d %H:%M} UTC." if item.resolution_due else ""
    text = (f"#{item.id} {' '.join(item.title.split())} was assigned to you{by}.\n"
            f"Priority {item.priority or '-'}, status {item.status.label}.{due}\n"
            f"Open it: {notify.absolute_url('board.item', item_id=item.id)}\n")
    return notify.outbox_row(dedupe_key=f"assigned:{event.id}", channel=DeliveryChannel.EMAIL,
                             recipient=user.email, feedback_id=item.id,
                             subject=f"[{item.priority or '-'}] #{item.id} assigned to you: {item.title}",
                             payload={"text": text, "event": "assigned", "item_id": item.id})


def set_preferences(user: User, *, email_on_assign: bool, email_escalations: bool) -> None:
    """Which emails the person wants (flushes)."""
    user.email_on_assign, user.email_escalations = email_on_assign, email_escalations
    db.session.flush()


def delivery_warnings(now: datetime) -> list[str]:
    """What admins should know about the outbox: SMTP missing, or rows nobody delivers."""
    found = []
    if not current_app.config.get("SMTP_HOST"):
        found.append("SMTP is not configured (SMTP_HOST): emails wait in the outbox and will not be sent.")
    stale = db.session.scalar(select(func.count()).select_from(Notification).where(
        Notification.status == DeliveryStatus.PENDING, Notification.next_attempt_at < now - WAITING_TOO_LONG))
    if stale:
        found.append(f"{stale} notification{'s have' if stale != 1 else ' has'} waited in the outbox for more "
                     "than 5 minutes: is a worker running (flask triage worker)?")
    return found
