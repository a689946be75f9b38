"""Undo of a person's last bulk action, for UNDO_MINUTES or until their next one.

`record` stores, per item the action changed, the values before and after (status, team and
assignee, labels, tags, theme, the merge link) in the database, so an undo works after a
restart and on any app server. `undo` puts back the values through the same verbs (each its
own Event, plus Event("bulk_undone")); a merge is undone through `unmerge`. An item whose
values differ from what the action left was changed since: it is left alone and reported.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from sqlalchemy import delete, select

from triage.extensions import db
from triage.models import BulkUndo, Event, Feedback, Role, Status, Team, Theme, User, utcnow, valid_id
from triage.services import DomainError, NotFound, items
from triage.services.insights import themes

UNDO_MINUTES = 10
FIELDS = ("status", "team_id", "assignee_id", "category", "impact", "urgency", "tags", "theme_id", "duplicate_of_id")


class Forbidden(DomainError):
    status_code = 403


class TooLate(DomainError):
    status_code = 409


@dataclass
class Outcome:
    """What an undo did: the items put back and those left alone because they changed since."""

    restored: list[int] = field(default_factory=list)
    skipped: list[int] = field(default_factory=list)


def snapshot(item: Feedback) -> dict[str, Any]:
    """The values of the item a bulk action can change, as JSON."""
    values = {name: getattr(item, name) for name in FIELDS}
    values["status"] = item.status.value
    values["tags"] = sorted(item.tags or [])
    return {k: (v.value if hasattr(v, "value") else v) for k, v in values.items()}


def record(actor: User, action: str, found: list[Feedback], before: dict[int, dict]) -> BulkUndo:
    """Store the actor's undo record for this action, which supersedes their earlier ones (flushes).

    Superseded records stay until they expire (then the next record deletes them), so that ids
    keep growing and a stale Undo button cannot reach a newer action."""
    db.session.execute(delete(BulkUndo).where(BulkUndo.actor_id == actor.id,
                                              BulkUndo.created_at < utcnow() - timedelta(minutes=UNDO_MINUTES)))
    changes = [{"id": item.id, "before": before[item.id], "after": after}
               for item in found if (after := snapshot(item)) != before[item.id]]
    undo = BulkUndo(actor_id=actor.id, action=action, changes=changes)
    db.session.add(undo)
    db.session.flush()
    return undo


def newest(actor_id: int) -> BulkUndo | None:
    return db.session.scalar(select(BulkUndo).where(BulkUndo.actor_id == actor_id)
                             .order_by(BulkUndo.id.desc()).limit(1))


def latest(actor: User) -> BulkUndo | None:
    """The actor's last bulk action while it can still be undone (it changed something)."""
    found = newest(actor.id)
    return found if found is not None and found.changes and not found.undone_at and not expired(found) else None


def expired(found: BulkUndo) -> bool:
    return utcnow() - found.created_at > timedelta(minutes=UNDO_MINUTES)


def undo(undo_id: int, actor: User) -> Outcome:
    """Undo the bulk action (flushes): only its author or an admin, once, within UNDO_MINUTES."""
    found = db.session.get(BulkUndo, undo_id) if valid_id(undo_id) else None
    if found is None or newest(found.actor_id) is not found:
        raise NotFound("That bulk action can no longer be undone (a newer one replaced it).")
    if found.actor_id != actor.id and actor.role != Role.ADMIN:
        raise Forbidden("Only the person who made a bulk action (or an admin) can undo it.")
    if found.undone_at is not None or expired(found):
        raise TooLate(f"A bulk action can be undone once, within {UNDO_MINUTES} minutes.")
    outcome = Outcome()
    for change in found.changes:
        item = db.session.get(Feedback, change["id"])
        if item is None or snapshot(item) != change["after"]:
            outcome.skipped.append(change["id"])
            continue
        restore(item, change["before"], change["after"], actor)
        db.session.add(Event(feedback=item, actor=actor, kind="bulk_undone", data={"action": found.action}))
        outcome.restored.append(item.id)
    found.undone_at = utcnow()
    db.session.flush()
    return outcome


def restore(item: Feedback, before: dict, after: dict, actor: User) -> None:
    """Put back the values that differ, each through its verb (labels first: they may re-route)."""
    if after["duplicate_of_id"] != before["duplicate_of_id"] and before["duplicate_of_id"] is None:
        items.unmerge(item, actor)  # puts back the status too
        return
    labels = ("category", "impact", "urgency")
    if any(before[k] != after[k] for k in labels) and before["impact"] and before["urgency"]:
        items.reclassify(item, actor, category=before["category"] or item.category or "other",
                         impact=before["impact"], urgency=before["urgency"])
    if (item.team_id, item.assignee_id) != (before["team_id"], before["assignee_id"]):
        items.assign(item, db.session.get(Team, before["team_id"]) if before["team_id"] else None,
                     db.session.get(User, before["assignee_id"]) if before["assignee_id"] else None, actor)
    if before["theme_id"] != after["theme_id"]:
        themes.file_under(item, db.session.get(Theme, before["theme_id"]) if before["theme_id"] else None, actor)
    if before["tags"] != after["tags"]:
        items.set_tags(item, before["tags"], actor)
    if before["status"] != after["status"]:
        items.change_status(item, Status(before["status"]), actor)
