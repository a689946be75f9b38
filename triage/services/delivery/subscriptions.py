"""Webhook subscriptions: each new Event of a kind a webhook subscribes to queues a signed POST.

Events are recorded by a dozen verbs (intake, classify, routing, items, bulk, escalation...),
so the outbox rows are written by a session hook rather than by a call in each of them: the
hook sees every new Event wherever it came from, in the transaction that records it. It runs
after the flush, when the event has the id its dedupe key `event:{event}:webhook:{hook}` needs;
the rows it adds go to the database with the next flush (commit flushes until nothing is left),
so they commit or roll back with their cause.

Cost: a flush without a new Event of a subscribable kind does nothing. Otherwise the active
webhooks come from the per-process snapshot (services/snapshot.py: one stamp read per
transaction), kept for the rest of the transaction (or until a Webhook changes).

Escalation tiers keep posting to their own webhook. An "escalated" event is not sent again to
a subscribed webhook at the URL its tier already posted to, so a receiver hears it once.
"""
from __future__ import annotations

from dataclasses import dataclass
from itertools import chain

from flask import Flask
from sqlalchemy import event as sa_event
from sqlalchemy import select
from sqlalchemy.orm import Session

from triage.extensions import db
from triage.models import DeliveryChannel, Event, Notification, Webhook
from triage.services import snapshot
from triage.services.delivery import notify

# What a webhook may subscribe to; "notified" is left out (a delivery would announce itself).
# "spike" is no item Event: services/insights/spikes.py posts it itself to the webhooks naming it.
EVENTS = ("created", "classified", "assigned", "status_changed", "replied", "commented", "merged", "escalated",
          "spike")
NEW_EVENTS, HOOKS = "triage.subscriptions.new_events", "triage.subscriptions.hooks"


@dataclass(frozen=True)
class Subscriber:
    id: int
    url: str
    events: frozenset[str]


def init_app(app: Flask) -> None:
    """Listen on the app's sessions (once per process, however many apps are built)."""
    for name, listener in (("after_flush", collect), ("after_flush_postexec", queue),
                           ("after_transaction_end", forget)):
        if not sa_event.contains(db.session, name, listener):
            sa_event.listen(db.session, name, listener)


def collect(session: Session, _context) -> None:
    """Remember the flushed Events that someone may subscribe to (the ids are known now)."""
    if any(isinstance(o, Webhook) for o in chain(session.new, session.dirty, session.deleted)):
        session.info.pop(HOOKS, None)
    found = [o for o in session.new if isinstance(o, Event) and o.kind in EVENTS]
    if found:
        session.info.setdefault(NEW_EVENTS, []).extend(found)


def queue(session: Session, _context) -> None:
    """Add a Notification per subscribed webhook for the Events of the flush just done."""
    found = session.info.pop(NEW_EVENTS, None)
    if not found:
        return
    hooks = subscribers(session)
    for event in found:
        targets = [h for h in hooks if event.kind in h.events and not told_by_tier(event, h)]
        if targets:
            subject, payload = message(event)
            session.add_all(notification(event, hook, subject, payload) for hook in targets)


def forget(session: Session, transaction) -> None:
    if transaction.parent is None:
        session.info.pop(NEW_EVENTS, None)
        session.info.pop(HOOKS, None)


def subscribers(session: Session) -> list[Subscriber]:
    """The active webhooks with at least one subscription, read once per transaction (from the
    per-process snapshot while no webhook changed)."""
    if HOOKS not in session.info:
        session.info[HOOKS] = snapshot.cached("webhooks", active_subscribers)
    return session.info[HOOKS]


def active_subscribers(session: Session) -> list[Subscriber]:
    rows = session.execute(select(Webhook.id, Webhook.url, Webhook.events).where(Webhook.active))
    return [Subscriber(i, url, frozenset(events or ())) for i, url, events in rows if events]


def told_by_tier(event: Event, hook: Subscriber) -> bool:
    return event.kind == "escalated" and hook.url in (event.data or {}).get("recipients", [])


def notification(event: Event, hook: Subscriber, subject: str, payload: dict) -> Notification:
    return notify.outbox_row(dedupe_key=f"event:{event.id}:webhook:{hook.id}", channel=DeliveryChannel.WEBHOOK,
                             recipient=hook.url, subject=subject, payload=payload,
                             feedback_id=event.feedback_id, webhook_id=hook.id)


def message(event: Event) -> tuple[str, dict]:
    """Subject and payload of an event: the item as it is now, who did it, what changed."""
    item, actor = event.feedback, event.actor
    link = notify.absolute_url("board.item", item_id=item.id)
    who = actor.display_name if actor else "triage"
    change = event.data or {}
    what = event.kind.replace("_", " ")
    if event.kind == "status_changed":
        what = f"status changed from {change.get('from', '?')} to {change.get('to', '?')}".replace("_", " ")
    payload = {
        "text": f"#{item.id} {item.title}: {what} ({who}).\nOpen it: {link}",
        "event": event.kind,
        "item": {"id": item.id, "title": item.title, "status": item.status.value, "priority": item.priority,
                 "category": item.category, "team": item.team.name if item.team else None,
                 "assignee": item.assignee.display_name if item.assignee else None, "url": link},
        "actor": {"id": actor.id, "name": actor.display_name} if actor else None,
        "data": {k: v for k, v in change.items() if k != "undo"},  # a merge's undo record is internal
        "at": event.created_at.isoformat() if event.created_at else None,
    }
    return f"#{item.id} {item.title}: {what}", payload
