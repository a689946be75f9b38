"""The inbox query: filters and keyset pagination, newest first."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone

from sqlalchemy import Select, and_, or_, select
from sqlalchemy.orm import joinedload

from triage.extensions import db
from triage.models import Feedback, Kind, Project, Status


@dataclass(frozen=True)
class InboxFilter:
    project_id: int | None = None
    status: Status | None = None
    kind: Kind | None = None


@dataclass(frozen=True)
class Page:
    items: list[Feedback]
    next_cursor: str | None


def encode_cursor(item: Feedback) -> str:
    return f"{item.created_at.isoformat()}_{item.id}"


def decode_cursor(cursor: str) -> tuple[datetime, int] | None:
    """Parse a cursor; a malformed one reads as "first page" rather than an error."""
    stamp, _, ident = cursor.rpartition("_")
    try:
        when = datetime.fromisoformat(stamp)
        return (when if when.tzinfo else when.replace(tzinfo=timezone.utc)), int(ident)
    except ValueError:
        return None


def inbox_query(flt: InboxFilter) -> Select:
    query = select(Feedback).options(joinedload(Feedback.project), joinedload(Feedback.assignee))
    query = query.where(Feedback.quarantined.is_(False))  # suspected spam waits for an admin
    if flt.project_id:
        query = query.where(Feedback.project_id == flt.project_id)
    if flt.status:
        query = query.where(Feedback.status == flt.status)
    if flt.kind:
        query = query.where(Feedback.kind == flt.kind)
    return query


def inbox_page(flt: InboxFilter, cursor: str | None, size: int) -> Page:
    """One page of items, newest first, after the cursor (keyset: no deep OFFSET)."""
    query = inbox_query(flt)
    position = decode_cursor(cursor) if cursor else None
    if position:
        stamp, last_id = position
        query = query.where(or_(Feedback.created_at < stamp,
                                and_(Feedback.created_at == stamp, Feedback.id < last_id)))
    rows = list(db.session.scalars(
        query.order_by(Feedback.created_at.desc(), Feedback.id.desc()).limit(size + 1)
    ).unique())
    next_cursor = encode_cursor(rows[size - 1]) if len(rows) > size else None
    return Page(items=rows[:size], next_cursor=next_cursor)


def all_projects() -> list[Project]:
    return list(db.session.scalars(select(Project).order_by(Project.name)))
