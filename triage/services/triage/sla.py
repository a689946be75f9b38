"""SLA due times: targets per priority, optionally counted in a team's business hours.

Due times are absolute timestamps on the item, counted from its creation. While the item
waits on the submitter the clocks stop: `sla_paused_at` marks the pause, and leaving
"waiting" shifts the open due times by the paused (business) time, recorded in an
Event("sla_resumed") so a later recomputation (priority change) keeps the shift.
"""
from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import select
from sqlalchemy.orm import Session

from triage.extensions import db
from triage.models import Event, Feedback, SlaPolicy, Status, utcnow
from triage.services import DomainError

log = logging.getLogger(__name__)
MAX_DAYS = 3660  # a calendar that never works would otherwise loop forever


@dataclass(frozen=True)
class Calendar:
    """Working time: local hours on some weekdays (0 = Monday) in a zone, minus holidays."""

    zone: ZoneInfo
    days: frozenset[int]
    start: time
    end: time
    holidays: frozenset[date] = frozenset()


def parse_calendar(raw: dict | None) -> Calendar | None:
    """Read a Team.calendar mapping; empty means around the clock (None). Raises DomainError."""
    if not raw:
        return None
    try:
        calendar = Calendar(
            zone=ZoneInfo(raw.get("timezone") or "UTC"),
            days=frozenset(int(d) for d in raw.get("days", [0, 1, 2, 3, 4])),
            start=time.fromisoformat(raw.get("start", "09:00")),
            end=time.fromisoformat(raw.get("end", "17:00")),
            holidays=frozenset(date.fromisoformat(h) for h in raw.get("holidays", [])),
        )
    except (ZoneInfoNotFoundError, ValueError, TypeError) as error:
        raise DomainError(f"The calendar is not valid: {error}") from error
    if calendar.start >= calendar.end or not calendar.days or not calendar.days <= set(range(7)):
        raise DomainError("A calendar needs working days (0-6) and a start before its end.")
    return calendar


def working_window(calendar: Calendar, day: date) -> tuple[datetime, datetime] | None:
    """The working hours of one local day, in UTC; None on days off and holidays."""
    if day.weekday() not in calendar.days or day in calendar.holidays:
        return None
    begin = datetime.combine(day, calendar.start, tzinfo=calendar.zone).astimezone(timezone.utc)
    end = datetime.combine(day, calendar.end, tzinfo=calendar.zone).astimezone(timezone.utc)
    return begin, end


def add_minutes(start: datetime, minutes: float, calendar: Calendar | None) -> datetime:
    """The moment `minutes` of working time after `start` (plain time when no calendar)."""
    if calendar is None:
        return start + timedelta(minutes=minutes)
    remaining = timedelta(minutes=minutes)
    day = start.astimezone(calendar.zone).date()
    for _ in range(MAX_DAYS):
        window = working_window(calendar, day)
        if window and (begin := max(window[0], start)) < window[1]:
            if remaining <= window[1] - begin:
                return begin + remaining
            remaining -= window[1] - begin
        day += timedelta(days=1)
    raise DomainError("The calendar has no working time in the next ten years.")


def minutes_between(start: datetime, end: datetime, calendar: Calendar | None) -> float:
    """Working minutes from `start` to `end` (negative when end comes first)."""
    if end < start:
        return -minutes_between(end, start, calendar)
    if calendar is None:
        return (end - start).total_seconds() / 60
    total, day = timedelta(), start.astimezone(calendar.zone).date()
    while day <= end.astimezone(calendar.zone).date():
        window = working_window(calendar, day)
        if window and (overlap := min(window[1], end) - max(window[0], start)) > timedelta():
            total += overlap
        day += timedelta(days=1)
    return total.total_seconds() / 60


def policy_for(priority: str | None) -> SlaPolicy | None:
    if priority is None:
        return None
    return db.session.scalar(select(SlaPolicy).where(SlaPolicy.priority == priority))


def calendar_for(item: Feedback, policy: SlaPolicy) -> Calendar | None:
    """The team's business hours when the policy counts in them; a broken calendar counts 24x7."""
    if not policy.business_hours or item.team is None:
        return None
    try:
        return parse_calendar(item.team.calendar)
    except DomainError:
        log.warning("team %s has an invalid calendar; counting around the clock", item.team_id)
        return None


def paused_minutes(item: Feedback, first_response: bool = False) -> float:
    """Minutes the item's clocks stood still; for the first-response clock only the pauses that
    ended before the first response (a met target never moves). Events written before the
    flag existed count for both clocks, as they did then."""
    return sum(e.data.get("paused_minutes", 0) for e in item.events
               if e.kind == "sla_resumed" and (not first_response or e.data.get("first_response", True)))


def all_policies(session: Session | None = None) -> dict[str, SlaPolicy]:
    """Every policy by its priority, for a batch to read them once (intake reads them through
    `snapshot.cached`)."""
    return {p.priority: p for p in (session or db.session).scalars(select(SlaPolicy))}


def apply_sla(item: Feedback, policies: dict[str, SlaPolicy] | None = None, flush: bool = True) -> None:
    """Set the due times from the policy of the item's priority, counted from its creation
    plus the time it already spent waiting; no priority or no policy clears them.
    A batch passes `policies` (all_policies()) to read them once, and flush=False."""
    policy = policy_for(item.priority) if policies is None else policies.get(item.priority or "")
    if policy is None:
        item.first_response_due = item.resolution_due = None
    else:
        calendar, start = calendar_for(item, policy), item.created_at or utcnow()
        item.first_response_due = add_minutes(
            start, policy.first_response_minutes + paused_minutes(item, first_response=True), calendar)
        item.resolution_due = add_minutes(start, policy.resolution_minutes + paused_minutes(item), calendar)
    if flush:
        db.session.flush()


def on_priority_changed(item: Feedback) -> None:
    """Recompute the due times after the priority changed (classifier or triager)."""
    apply_sla(item)


def on_status_changed(item: Feedback, old: Status, new: Status, now: datetime | None = None) -> None:
    """Stop the clocks on entering "waiting", resume them on leaving it; stamp resolution."""
    now = now or utcnow()
    if new == Status.WAITING and old != Status.WAITING:
        item.sla_paused_at = item.sla_paused_at or now
    elif old == Status.WAITING:
        resume(item, now)
    if not new.is_open and item.resolved_at is None:
        item.resolved_at = now
    elif new.is_open and not old.is_open:
        item.resolved_at = None  # reopened: the resolution clock runs again
    db.session.flush()


def resume(item: Feedback, now: datetime) -> None:
    """End a pause: move the open due times later by the working time spent waiting."""
    if item.sla_paused_at is None:
        return
    policy = policy_for(item.priority)
    calendar = calendar_for(item, policy) if policy else None
    minutes = max(minutes_between(item.sla_paused_at, now, calendar), 0)
    first_response = item.first_responded_at is None  # a met first response keeps its due time
    if minutes and item.first_response_due and first_response:
        item.first_response_due = add_minutes(item.first_response_due, minutes, calendar)
    if minutes and item.resolution_due:
        item.resolution_due = add_minutes(item.resolution_due, minutes, calendar)
    item.sla_paused_at = None
    db.session.add(Event(feedback=item, kind="sla_resumed",
                         data={"paused_minutes": round(minutes, 3), "first_response": first_response}))


def on_public_reply(item: Feedback, now: datetime | None = None) -> None:
    """The first public reply meets the first-response target."""
    if item.first_responded_at is None:
        item.first_responded_at = now or utcnow()


def readable_duration(minutes: int) -> str:
    """Return minutes as a person says them: "45 min", "2 h 30 min", "9 h", "3 days"."""
    if minutes < 60:
        return f"{minutes} min"
    if minutes < 48 * 60:
        hours, rest = divmod(minutes, 60)
        return f"{hours} h {rest} min" if hours < 10 and rest else f"{hours} h"
    return f"{minutes // (24 * 60)} days"


WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def clock_time(text: str | None) -> time | None:
    """"09:30" as a time of day (None for none or nonsense): what a time input shows."""
    try:
        return datetime.strptime(text or "", "%H:%M").time()
    except ValueError:
        return None


def calendar_words(raw: dict | None) -> str:
    """A team's business hours as people say them: "Europe/Berlin, Monday to Friday, 09:00–17:00"."""
    if not raw:
        return "around the clock"
    days = sorted(raw.get("days", []))
    if days and days == list(range(days[0], days[-1] + 1)) and len(days) > 2:
        named = f"{WEEKDAYS[days[0]]} to {WEEKDAYS[days[-1]]}"
    else:
        named = ", ".join(WEEKDAYS[d] for d in days if 0 <= d < 7) or "no days"
    return f"{raw.get('timezone')}, {named}, {raw.get('start')}–{raw.get('end')}"


UNITS = {"m": 1, "min": 1, "mins": 1, "minute": 1, "minutes": 1, "h": 60, "hr": 60, "hrs": 60, "hour": 60,
         "hours": 60, "d": 1440, "day": 1440, "days": 1440, "w": 10080, "week": 10080, "weeks": 10080}
DURATION_PART = re.compile(r"(\d+(?:[.,]\d+)?)\s*([a-z]*)")


def parse_duration(text: str) -> int:
    """Minutes in a duration as people type it: "90 min", "4 h", "2 h 30 min", "1.5 days", "1 week";
    a bare number is minutes. Raises DomainError for anything else or less than a minute."""
    cleaned = text.strip().lower()
    parts = DURATION_PART.findall(cleaned)
    if not parts or DURATION_PART.sub("", cleaned).strip(" ,and") or any(u and u not in UNITS for _, u in parts):
        raise DomainError(f"{text.strip()!r} is not a duration: write e.g. 45 min, 4 h, 2 h 30 min or 3 days.")
    minutes = round(sum(float(n.replace(",", ".")) * UNITS[u or "min"] for n, u in parts))
    if minutes < 1:
        raise DomainError("A duration is at least one minute.")
    return minutes


def duration_text(minutes: int) -> str:
    """Minutes exactly, in the largest whole unit: "3 days", "36 h", "2 h 30 min", "45 min"."""
    if minutes % 1440 == 0:
        return f"{minutes // 1440} day{'s' if minutes != 1440 else ''}"
    if minutes % 60 == 0:
        return f"{minutes // 60} h"
    return f"{minutes // 60} h {minutes % 60} min" if minutes > 60 else f"{minutes} min"


@dataclass(frozen=True)
class Clock:
    label: str
    due: datetime
    state: str  # met, paused, breached, running
    minutes: int  # left while running, past the due time once breached

    @property
    def words(self) -> str:
        """The clock in words: "due in 3 h", "breached 2 days ago", "paused", "met"."""
        if self.state == "breached":
            return f"breached {readable_duration(self.minutes)} ago"
        if self.state == "running":
            return f"due in {readable_duration(self.minutes)}"
        return self.state


def clocks(item: Feedback, now: datetime | None = None) -> list[Clock]:
    """The item's SLA clocks for display: time left, or how long ago they were breached."""
    now, found = now or utcnow(), []
    for label, due, met in (("First response", item.first_response_due, item.first_responded_at),
                            ("Resolution", item.resolution_due, item.resolved_at)):
        if due is None:
            continue
        state = "met" if met else "paused" if item.sla_paused_at else "breached" if due < now else "running"
        found.append(Clock(label, due.astimezone(timezone.utc), state, int(abs((due - now).total_seconds()) // 60)))
    return found
