"""Bulk actions on items selected on the board: each item goes through the same verb as
its own page (assign, change status, reclassify, tag, merge), so each change is an Event."""
from __future__ import annotations

from sqlalchemy import select

from triage.extensions import db
from triage.models import Event, Feedback, Status, Team, User
from triage.services import DomainError, board, classify, items, pipeline, routing, themes

MAX_ITEMS = 500
MAX_TAG = 40


def selected_items(ids: list[int]) -> list[Feedback]:
    """The selected items that exist and are not quarantined, in id order (one query)."""
    if not ids:
        raise DomainError("Select at least one item.")
    ids = [i for i in ids if 0 < i < board.MAX_ID]
    if len(ids) > MAX_ITEMS:
        raise DomainError(f"Select at most {MAX_ITEMS} items at once.")
    query = select(Feedback).where(Feedback.id.in_(ids), Feedback.quarantined.is_(False)).order_by(Feedback.id)
    found = list(db.session.scalars(query))
    if not found:
        raise DomainError("None of the selected items exists any more.")
    return found


def add_tag(item: Feedback, tag: str, actor: User | None) -> bool:
    """Add a tag (trimmed, case kept, no duplicates ignoring case) as Event("tagged"); flushes."""
    tag = tag.strip()
    if not tag or len(tag) > MAX_TAG:
        raise DomainError(f"A tag needs 1 to {MAX_TAG} characters.")
    if tag.lower() in {t.lower() for t in item.tags or []}:
        return False
    item.tags = [*(item.tags or []), tag]  # a new list, so the JSON column sees the change
    db.session.add(Event(feedback=item, actor=actor, kind="tagged", data={"tag": tag}))
    db.session.flush()
    return True


def merge(found: list[Feedback], actor: User | None) -> Feedback:
    """Merge the items into the oldest one (flushes): each other item points to it through
    duplicate_of, is closed, and gives it its votes plus one (its own report) and its
    submitters; Event("merged") on both sides. Returns the surviving item."""
    if len(found) < 2:
        raise DomainError("Select at least two items to merge.")
    survivor, *duplicates = sorted(found, key=lambda i: (i.created_at, i.id))
    if survivor.duplicate_of_id is not None:
        raise DomainError(f"#{survivor.id} is itself a duplicate; merge into the item it points to.")
    submitters = list(survivor.context.get("submitters", []))
    for item in duplicates:
        item.duplicate_of_id = survivor.id
        survivor.vote_count += item.vote_count + 1
        if item.submitter_email or item.submitter_name:
            submitters.append({"email": item.submitter_email, "name": item.submitter_name, "item_id": item.id})
        submitters += item.context.get("submitters", [])
        items.change_status(item, Status.CLOSED, actor)
        db.session.add(Event(feedback=item, actor=actor, kind="merged", data={"merged_into": survivor.id}))
        db.session.add(Event(feedback=survivor, actor=actor, kind="merged", data={"merged_from": item.id}))
    survivor.context = {**survivor.context, "submitters": submitters}  # a new dict: the JSON column sees it
    db.session.flush()
    return survivor


def apply(ids: list[int], action: str, actor: User, *, team: Team | None = None, user: User | None = None,
          status: Status | None = None, impact: str | None = None, urgency: str | None = None,
          tag: str = "", theme: str = "") -> int:
    """Apply one action to every selected item (flushes); returns how many items changed.

    Any refusal (e.g. an assignee outside the team) raises DomainError for the whole batch,
    which the caller rolls back: a bulk action is all or nothing.
    """
    found = selected_items(ids)
    if action == "merge":
        merge(found, actor)
        return len(found)
    changed = 0
    for item in found:
        if action == "assign":
            changed += routing.assign(item, team, user, actor)
        elif action == "status" and status is not None:
            before = item.status
            items.change_status(item, status, actor)
            changed += item.status != before
        elif action == "reclassify" and impact and urgency:
            if classify.reclassify(item, actor, category=item.category or "other", impact=impact, urgency=urgency):
                pipeline.after_reclassification(item, actor)
                changed += 1
        elif action == "tag":
            changed += add_tag(item, tag, actor)
        elif action == "theme" and theme.strip():
            changed += themes.set_theme(item, theme, actor)
        else:
            raise DomainError("Choose an action and fill in its value.")
    return changed
