"""Emails to the people an item concerns, written to the outbox with the change that causes them:

- its submitter, when the item is resolved or closed from an open status (if they left an
  address and the project's `notify_submitter_on_resolve` is on, the default);
- an agent, when the item is assigned to them by someone else or by a routing rule (not when
  they take it themselves), unless they switched it off on their own page.

Like the webhook subscriptions, a session hook writes them: it sees every new Event of the
kinds `status_changed`, `assigned` and `routed`, whichever verb recorded it (item page, bulk,
staff API, routing), after the flush that gave the event its id. Keys are `{word}:{event id}`:
one email per change, committed or rolled back with it.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from flask import Flask, current_app
from sqlalchemy import event as sa_event
from sqlalchemy import func, inspect, select
from sqlalchemy.orm import Session

from triage.extensions import db
from triage.models import DeliveryChannel, DeliveryStatus, Event, Notification, Status, User
from triage.services.delivery import notify

CLOSING = (Status.RESOLVED.value, Status.CLOSED.value)
KINDS = ("status_changed", "assigned", "routed")
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
        if event.kind == "status_changed":
            found.append((event, None))
        elif item.assignee is not None and (item in session.new or inspect(item).attrs.assignee.history.added):
            found.append((event, item.assignee))
    if found:
        session.info.setdefault(PENDING, []).extend(found)


def queue(session: Session, _context) -> None:
    for event, assignee in session.info.pop(PENDING, []):
        row = resolution_email(event) if assignee is None else assignment_email(event, assignee)
        if row is not None:
            session.add(row)


def resolution_email(event: Event) -> Notification | None:
    """Tell the submitter their item was resolved or closed (from an open status)."""
    item, change = event.feedback, event.data or {}
    if change.get("to") not in CLOSING or change.get("from") in CLOSING or not item.submitter_email:
        return None
    if not item.project.notify_submitter_on_resolve:
        return None
    link = notify.absolute_url("intake.status", token=item.status_token)
    word = "resolved" if change["to"] == Status.RESOLVED.value else "closed"
    text = (f"Your request \"{' '.join(item.title.split())}\" has been {word}.\n\n"
            f"Thank you for telling us. See what happened here: {link}\n")
    return notify.outbox_row(dedupe_key=f"{word}:{event.id}", channel=DeliveryChannel.EMAIL,
                             recipient=item.submitter_email, subject=f"{word.capitalize()}: {item.title}",
                             payload={"text": text, "event": word, "status_url": link}, feedback_id=item.id)


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
