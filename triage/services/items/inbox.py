"""The inbox query (the board's list of items, the staff API's GET /items): filters, two sort
orders, keyset pagination and capped counts.

The default order is priority (P1 first, unprioritised last), then the resolution due time
(earliest first, none last), then id. It is read as up to twelve segments, one per
(priority, has-due-time) pair, each an index range scan of ix_feedback_priority_due taken
in order until the page is full: a page costs the same at ten thousand items and at a
million, and NULLs sort the same way on SQLite and PostgreSQL. Within a priority the SLA
policy is the same, so the resolution deadline orders items as their first-response one does.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from datetime import datetime, timedelta, timezone
from typing import Any, Mapping

from sqlalchemy import ColumnElement, Select, and_, cast, func, literal, null, or_, select
from sqlalchemy.orm import joinedload

from triage.extensions import db
from triage.models import OPEN_STATUSES, Category, Channel, Feedback, Kind, Priority, Status, User, parse_id, utcnow
from triage.services import access
from triage.services.releases import versions

SORTS = ("priority", "newest")
BREACHING_SOON = timedelta(hours=4)
COUNT_CAP = 10_000
MAX_QUERY = 200
# The default order's segments: each priority (None = unprioritised last), with due times first.
SEGMENTS = [(p, has_due) for p in (*Priority, None) for has_due in (True, False)]


@dataclass(frozen=True)
class InboxFilter:
    """What the inbox shows; None or False means "any". status is a Status value, "open" or "any"."""

    project_id: int | None = None
    status: str = "open"
    kind: Kind | None = None
    category: Category | None = None
    priority: Priority | None = None
    team_id: int | None = None
    assignee_id: int | None = None
    unassigned: bool = False
    channel: Channel | None = None
    theme_id: int | None = None
    version: str | None = None  # the app version, normalised (releases link here)
    breaching: bool = False
    q: str = ""
    sort: str = "priority"

    @classmethod
    def from_args(cls, args: Mapping[str, Any]) -> InboxFilter:
        """Read filters from a query string or a saved view; unknown values mean "any"."""
        def number(name):
            return parse_id(str(args.get(name) or ""))

        def choice(name, allowed, default=None):
            value = args.get(name)
            return value if value in allowed else default

        def member(enum_class, name):
            return enum_class(args[name]) if args.get(name) in {m.value for m in enum_class} else None

        def version():
            try:
                return versions.optional(args.get("version"))
            except versions.InvalidVersion:
                return None

        status = args.get("status")
        return cls(
            project_id=number("project"), kind=member(Kind, "kind"), channel=member(Channel, "channel"),
            status="open" if status in (None, "", "open") else choice("status", [s.value for s in Status], "any"),
            category=member(Category, "category"), priority=member(Priority, "priority"),
            team_id=number("team"), assignee_id=number("assignee"), theme_id=number("theme"), version=version(),
            unassigned=str(args.get("unassigned", "")) in ("1", "true", "on"),
            breaching=str(args.get("breaching", "")) in ("1", "true", "on"),
            q=str(args.get("q") or "").strip()[:MAX_QUERY], sort=choice("sort", SORTS, "priority"),
        )

    def to_args(self) -> dict[str, str]:
        """The filters as query-string arguments (only those set), the inverse of from_args."""
        names = {"project_id": "project", "team_id": "team", "assignee_id": "assignee", "theme_id": "theme"}
        args = {}
        for field, value in asdict(self).items():
            if value in (None, False, "") or (field, value) in (("status", "open"), ("sort", "priority")):
                continue
            value = getattr(self, field)
            args[names.get(field, field)] = "1" if value is True else getattr(value, "value", str(value))
        return args

    def with_status(self, status: Status) -> InboxFilter:
        return replace(self, status=status.value)


@dataclass(frozen=True)
class Page:
    items: list[Feedback]
    next_cursor: str | None


def like_pattern(text: str) -> str:
    escaped = text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def conditions(flt: InboxFilter, now: datetime | None = None, viewer: User | None = None) -> list[ColumnElement]:
    """The WHERE clauses of a filter; quarantined items (suspected spam) are always hidden, and
    so are the items the viewer may not see (access.visible)."""
    found: list[ColumnElement] = [Feedback.quarantined.is_(False), *access.visible(viewer)]
    if flt.status == "open" or flt.breaching:
        found.append(Feedback.status.in_(OPEN_STATUSES))
    if flt.status not in ("open", "any"):
        found.append(Feedback.status == Status(flt.status))
    for column, value in ((Feedback.project_id, flt.project_id), (Feedback.kind, flt.kind),
                          (Feedback.category, flt.category), (Feedback.priority, flt.priority),
                          (Feedback.team_id, flt.team_id), (Feedback.assignee_id, flt.assignee_id),
                          (Feedback.channel, flt.channel), (Feedback.theme_id, flt.theme_id),
                          (Feedback.app_version, flt.version)):
        if value is not None:
            found.append(column == value)
    if flt.unassigned:
        found.append(Feedback.assignee_id.is_(None))
    if flt.breaching:
        horizon = (now or utcnow()) + BREACHING_SOON
        found.append(or_(and_(Feedback.first_response_due <= horizon, Feedback.first_responded_at.is_(None)),
                         Feedback.resolution_due <= horizon))
    if flt.q:
        pattern = like_pattern(flt.q)
        found.append(or_(func.lower(Feedback.title).like(pattern, escape="\\"),
                         func.lower(Feedback.body).like(pattern, escape="\\")))
    return found


def inbox_page(flt: InboxFilter, cursor: str | None, size: int, now: datetime | None = None,
               viewer: User | None = None) -> Page:
    """One page of items in the filter's order after the cursor (keyset: no OFFSET).

    A malformed cursor reads as the first page. The number of statements never grows with the
    page size: one for newest first; for the default order one per segment crossed (at most
    twelve) and one to load the rows.
    """
    if flt.sort == "newest":
        return newest_page(flt, cursor, size, now, viewer)
    return priority_page(flt, cursor, size, now, viewer)


def load(ids: list[int]) -> list[Feedback]:
    """The items with what a board row shows, in the order of `ids` (one statement)."""
    if not ids:
        return []
    query = select(Feedback).where(Feedback.id.in_(ids)).options(
        joinedload(Feedback.project), joinedload(Feedback.team), joinedload(Feedback.assignee),
        joinedload(Feedback.theme))
    found = {item.id: item for item in db.session.scalars(query).unique()}
    return [found[i] for i in ids if i in found]


# -- newest first: keyset on (created_at, id) -------------------------------------------------

def encode_cursor(item: Feedback) -> str:
    return f"{item.created_at.isoformat()}_{item.id}"


def parse_stamp(stamp: str) -> datetime:
    when = datetime.fromisoformat(stamp)
    return when if when.tzinfo else when.replace(tzinfo=timezone.utc)


def checked_id(text: str) -> int:
    """An id from a cursor; ValueError when it is not one a table can hold."""
    if (ident := parse_id(text)) is None:
        raise ValueError(text)
    return ident


def decode_cursor(cursor: str) -> tuple[datetime, int] | None:
    """Parse a newest-first cursor; a malformed one reads as "first page" rather than an error."""
    stamp, _, ident = cursor.rpartition("_")
    try:
        return parse_stamp(stamp), checked_id(ident)
    except ValueError:
        return None


def newest_page(flt: InboxFilter, cursor: str | None, size: int, now: datetime | None = None,
                viewer: User | None = None) -> Page:
    query = select(Feedback).where(*conditions(flt, now, viewer)).options(
        joinedload(Feedback.project), joinedload(Feedback.team), joinedload(Feedback.assignee),
        joinedload(Feedback.theme))
    position = decode_cursor(cursor) if cursor else None
    if position:
        stamp, last_id = position
        query = query.where(or_(Feedback.created_at < stamp,
                                and_(Feedback.created_at == stamp, Feedback.id < last_id)))
    rows = list(db.session.scalars(
        query.order_by(Feedback.created_at.desc(), Feedback.id.desc()).limit(size + 1)
    ).unique())
    return Page(items=rows[:size], next_cursor=encode_cursor(rows[size - 1]) if len(rows) > size else None)


# -- priority, then due time: keyset on (segment, resolution_due, id) -------------------------

def encode_priority_cursor(segment: int, due: datetime | None, item_id: int) -> str:
    return f"p{segment}_{due.isoformat() if due else '-'}_{item_id}"


def decode_priority_cursor(cursor: str) -> tuple[int, datetime | None, int] | None:
    """Parse a priority-order cursor (segment, due, id); malformed reads as "first page"."""
    try:
        head, stamp, ident = cursor.split("_")
        segment = int(head.removeprefix("p"))
        if not head.startswith("p") or not 0 <= segment < len(SEGMENTS):
            return None
        return segment, (None if stamp == "-" else parse_stamp(stamp)), checked_id(ident)
    except ValueError:
        return None


def segment_query(index: int, where: list[ColumnElement], after: tuple | None, limit: int) -> Select:
    """One segment's ids in (due, id) order, after the cursor's position when it lies in it."""
    priority, has_due = SEGMENTS[index]
    due = Feedback.resolution_due
    query = select(Feedback.id.label("id"), literal(index).label("segment"),
                   (due if has_due else cast(null(), due.type)).label("due"))
    query = query.where(*where, Feedback.priority == priority if priority else Feedback.priority.is_(None),
                        due.is_not(None) if has_due else due.is_(None))
    if after is not None and after[1] is not None and has_due:
        query = query.where(or_(due > after[1], and_(due == after[1], Feedback.id > after[2])))
    elif after is not None:
        query = query.where(Feedback.id > after[2])
    return query.order_by(due, Feedback.id).limit(limit) if has_due else query.order_by(Feedback.id).limit(limit)


def priority_page(flt: InboxFilter, cursor: str | None, size: int, now: datetime | None = None,
                  viewer: User | None = None) -> Page:
    """Read segments in order until the page is full: the first usually suffices, so a page
    costs one short index range scan (plus one per segment it crosses) and one load."""
    position = decode_priority_cursor(cursor) if cursor else None
    first = position[0] if position else 0
    where = conditions(flt, now, viewer)
    rows: list = []
    for index in range(first, len(SEGMENTS)):
        if flt.priority and SEGMENTS[index][0] != flt.priority:
            continue  # only that priority's two segments can hold rows
        after = position if index == first else None
        rows += db.session.execute(segment_query(index, where, after, size + 1 - len(rows))).all()
        if len(rows) > size:
            break
    next_cursor = None
    if len(rows) > size:
        last = rows[size - 1]
        due = last.due.replace(tzinfo=timezone.utc) if last.due and last.due.tzinfo is None else last.due
        next_cursor = encode_priority_cursor(last.segment, due, last.id)
    return Page(items=load([row.id for row in rows[:size]]), next_cursor=next_cursor)


# -- counts and choices --------------------------------------------------------------------

def capped_count(flt: InboxFilter, cap: int = COUNT_CAP, now: datetime | None = None,
                 viewer: User | None = None) -> int:
    """How many items match, counting at most cap + 1 rows (so a big queue stays cheap)."""
    matching = select(literal(1)).select_from(Feedback).where(*conditions(flt, now, viewer)).limit(cap + 1)
    return db.session.scalar(select(func.count()).select_from(matching.subquery()))


def format_count(count: int, cap: int = COUNT_CAP) -> str:
    """1234 -> "1,234"; more than the cap -> "10,000+"."""
    return f"{cap:,}+" if count > cap else f"{count:,}"
