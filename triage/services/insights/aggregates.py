"""Daily counts per project, day, theme, category and priority (the `daily_counts` table), which
the insights page reads instead of the items.

Kept up to date incrementally: the worker's pass reads which (project, day) pairs hold items
changed since its watermark (Feedback.updated_at, indexed) and rebuilds those days whole, so a
pass can be repeated or overlap another without counting anything twice. The watermark steps
back OVERLAP before the last pass, so a transaction that committed late is still seen.
`rebuild` backfills every day (`flask triage aggregate`). Verbs flush; the caller commits.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable
from dataclasses import replace
from datetime import date, datetime, time, timedelta, timezone

import pandas as pd
from sqlalchemy import String, and_, case, cast, delete, func, insert, or_, select

from triage.extensions import db
from triage.models import AggregateMark, DailyCount, Feedback, Survey, SurveyKind, SurveyResponse, utcnow
from triage.services.insights import figures

MARK = "daily_counts"
OVERLAP = timedelta(minutes=5)
CHUNK = 500
ITEM_COLUMNS = ["id", "project_id", "created_at", "theme_id", "category", "priority", "vote_count",
                "submitter_email", "context"]


def day_bounds(day: date) -> tuple[datetime, datetime]:
    start = datetime.combine(day, time(), tzinfo=timezone.utc)
    return start, start + timedelta(days=1)


def utc_day(when: datetime) -> date:
    return (when if when.tzinfo else when.replace(tzinfo=timezone.utc)).astimezone(timezone.utc).date()


def reporter_of(item_id: int, email: str | None, context: dict | None) -> tuple[str, str, str | None]:
    """(reporter key, tier, survey respondent id): the email, else the host's signed user id,
    else the item itself (an anonymous report is its own reporter). The tier is read only
    from a signed identity (context.user.tier or .plan)."""
    context = context or {}
    user = context.get("user") if isinstance(context.get("user"), dict) else {}
    verified = context.get("user_verified") is True
    tier = str(user.get("tier") or user.get("plan") or "").strip().lower()[:40] if verified else ""
    user_id = str(user["id"]) if verified and user.get("id") not in (None, "") else None
    if email:
        return email.strip().lower(), tier, email.strip().lower()
    if user_id:
        return f"user:{user_id}", tier, user_id
    return f"#{item_id}", tier, None


def latest_scores(respondents: Iterable[str]) -> dict[tuple[str, SurveyKind], int]:
    """The latest NPS and CSAT score of each respondent (by survey kind). Reads whichever side is
    smaller: every NPS/CSAT answer in one query when there are no more of them than respondents
    (a backfill asks for tens of thousands of reporters per month), else the respondents' own
    answers, CHUNK names per query."""
    found: dict[tuple[str, SurveyKind], int] = {}
    names = sorted(set(respondents))
    if not names:
        return found
    scored = (select(SurveyResponse.respondent, Survey.kind, SurveyResponse.score)
              .join(Survey, Survey.id == SurveyResponse.survey_id)
              .where(Survey.kind.in_([SurveyKind.NPS, SurveyKind.CSAT])))
    answers = db.session.scalar(select(func.count()).select_from(scored.where(
        SurveyResponse.respondent.is_not(None)).subquery()))
    if answers <= len(names):
        wanted = set(names)
        for respondent, kind, score in db.session.execute(scored.order_by(SurveyResponse.created_at, SurveyResponse.id)):
            if respondent in wanted:
                found[(respondent, kind)] = score  # later rows win
        return found
    for start in range(0, len(names), CHUNK):
        rows = db.session.execute(scored.where(SurveyResponse.respondent.in_(names[start:start + CHUNK]))
                                  .order_by(SurveyResponse.created_at, SurveyResponse.id)).all()
        for respondent, kind, score in rows:
            found[(respondent, kind)] = score  # later rows win
    return found


def day_spans(days: Iterable[date]) -> list[tuple[datetime, datetime]]:
    """The days as [start, end) spans of consecutive days."""
    spans: list[list[date]] = []
    for day in sorted(set(days)):
        if spans and (day - spans[-1][1]).days == 1:
            spans[-1][1] = day
        else:
            spans.append([day, day])
    return [(day_bounds(first)[0], day_bounds(last)[1]) for first, last in spans]


def items_frame(project_id: int, days: Iterable[date], themes: Collection[int | None] | None = None) -> pd.DataFrame:
    """The project's items created on these days (quarantined ones left out), of the given themes
    only when `themes` is given (None in it: the unthemed ones), as figures' items frame. Only
    those days are read: an incremental pass asks for scattered days of a month."""
    created = [and_(Feedback.created_at >= start, Feedback.created_at < end) for start, end in day_spans(days)]
    where = [Feedback.project_id == project_id, or_(*created), Feedback.quarantined.is_(False)]
    if themes is not None:
        where.append(of_themes(Feedback.theme_id, themes))
    # reporter_of reads a context only when it says user_verified: the others are not sent or parsed
    signed = case((cast(Feedback.context, String).like('%"user_verified"%'), Feedback.context), else_=None)
    rows = db.session.execute(select(*(getattr(Feedback, c) for c in ITEM_COLUMNS[:-1]), signed.label("context"))
                              .where(*where)).all()
    people = [reporter_of(r.id, r.submitter_email, r.context) for r in rows]
    scores = latest_scores(p[2] for p in people if p[2])
    frame = pd.DataFrame(rows, columns=ITEM_COLUMNS)
    frame["reporter"] = [p[0] for p in people]
    frame["tier"] = [p[1] for p in people]
    frame["nps"] = [scores.get((p[2], SurveyKind.NPS), float("nan")) for p in people]
    frame["csat"] = [scores.get((p[2], SurveyKind.CSAT), float("nan")) for p in people]
    return frame


def day_runs(days: Iterable[date], gap: int = 3, longest: int = 31) -> list[list[date]]:
    """The days in runs read by one query each: a new run after a gap of more than `gap` days
    or once a run spans `longest` days (pandas costs about the same for one day or a month)."""
    runs: list[list[date]] = []
    for day in sorted(set(days)):
        if runs and (day - runs[-1][-1]).days <= gap and (day - runs[-1][0]).days < longest:
            runs[-1].append(day)
        else:
            runs.append([day])
    return runs


def recompute_days(project_id: int, days: list[date]) -> int:
    """Replace the project's counts of these days (one run of day_runs) with ones rebuilt from
    their items (flushes); returns the number of rows written."""
    table = DailyCount.__table__  # Core statements: the ORM's bulk insert sent one small batch per pattern of NULLs
    db.session.execute(delete(table).where(table.c.project_id == project_id, table.c.day.in_(days)))
    records = figures.daily_records(items_frame(project_id, days))
    if records:
        db.session.execute(insert(table), records)
    db.session.flush()
    return len(records)


def of_themes(column, themes: Collection[int | None]):
    """`column` is one of the theme ids (None among them: or has no theme)."""
    ids = [t for t in themes if t is not None]
    return or_(column.in_(ids), column.is_(None)) if None in themes else column.in_(ids)


def recount_themes(project_id: int, themes: Collection[int | None], days: Iterable[date]) -> int:
    """Rebuild the project's counts of these themes (None: the unthemed items) on these days from
    their items, leaving every other theme's rows alone (flushes): what a PM's merge, move, split
    or delete calls in its own transaction, so the page shows the moved items at once instead of
    after the worker's next pass. One delete, one read and one insert per run of days; returns
    the number of rows written."""
    written, table = 0, DailyCount.__table__
    for run in day_runs(days):
        db.session.execute(delete(table).where(table.c.project_id == project_id, table.c.day.in_(run),
                                               of_themes(table.c.theme_id, themes)))
        records = figures.daily_records(items_frame(project_id, run, themes))
        if records:
            db.session.execute(insert(table), records)
        written += len(records)
    db.session.flush()
    return written


def touched_days(since: datetime | None) -> dict[int, set[date]]:
    """The (project, UTC day of creation) pairs of items changed since the time (all when None)."""
    query = select(Feedback.project_id, Feedback.created_at)
    if since is not None:
        query = query.where(Feedback.updated_at >= since)
    found: dict[int, set[date]] = defaultdict(set)
    for project_id, created_at in db.session.execute(query):
        found[project_id].add(utc_day(created_at))
    return found


def all_days(project_id: int | None = None) -> dict[int, set[date]]:
    """Every (project, day) that holds items or counts: what a full rebuild walks."""
    found = touched_days(None)
    query = select(DailyCount.project_id, DailyCount.day).distinct()
    if project_id is not None:
        query = query.where(DailyCount.project_id == project_id)
        found = {project_id: found.get(project_id, set())}
    for pid, day in db.session.execute(query):
        found.setdefault(pid, set()).add(day)
    return found


def pending_days(now: datetime | None = None) -> tuple[dict[int, set[date]], datetime]:
    """What the next incremental pass must rebuild, and the watermark to store after it."""
    now = now or utcnow()
    mark = db.session.get(AggregateMark, MARK)
    since = None if mark is None else mark.value - OVERLAP
    return touched_days(since), now


def mark_value(name: str = MARK) -> datetime | None:
    """Where the last pass left the watermark (None before the first), or when the mark of
    this name last moved."""
    mark = db.session.get(AggregateMark, name)
    return mark.value if mark else None


def edits_mark(project_id: int) -> str:
    """The mark a PM's edit moves when it recounts the project's themes outside a pass."""
    return f"{MARK}:{project_id}"


def set_mark(value: datetime, name: str = MARK) -> None:
    """Move the watermark, or the mark of this name (flushes)."""
    mark = db.session.get(AggregateMark, name)
    if mark is None:
        db.session.add(AggregateMark(name=name, value=value))
    else:
        mark.value = max(mark.value, value)
    db.session.flush()


def period_sums(project_id: int, today: date, days: int) -> figures.PeriodSums:
    """figures.PeriodSums summed by the database (as figures.period_sums sums a frame), without
    categories and per_day: theme_details adds them for the themes shown."""
    start, before = today - timedelta(days=days - 1), today - timedelta(days=2 * days - 1)
    in_period = (DailyCount.project_id == project_id, DailyCount.day >= start, DailyCount.day <= today,
                 DailyCount.theme_id.is_not(None))
    sums = [func.sum(getattr(DailyCount, c)) for c in figures.SUM_COLUMNS]
    current = db.session.execute(select(DailyCount.theme_id, func.coalesce(DailyCount.priority, ""), *sums)
                                 .where(*in_period).group_by(DailyCount.theme_id, DailyCount.priority)).all()
    previous = db.session.execute(select(DailyCount.theme_id, func.sum(DailyCount.count)).where(
        DailyCount.project_id == project_id, DailyCount.day >= before, DailyCount.day < start,
        DailyCount.theme_id.is_not(None)).group_by(DailyCount.theme_id)).all()
    tiered = db.session.execute(select(DailyCount.theme_id, DailyCount.tiers).where(
        *in_period, cast(DailyCount.tiers, String).not_in(["{}", "null"]))).all()
    return figures.PeriodSums(
        current=pd.DataFrame(current, columns=["theme_id", "priority", *figures.SUM_COLUMNS]),
        previous=pd.DataFrame(previous, columns=["theme_id", "count"]),
        tiered=pd.DataFrame([(t, x) for t, x in tiered if x], columns=["theme_id", "tiers"]),
        categories=pd.DataFrame(columns=["theme_id", "category", "count"]),
        per_day=pd.DataFrame(columns=["theme_id", "day", "count"]))


def theme_details(project_id: int, theme_ids: list[int], today: date, days: int,
                  sums: figures.PeriodSums) -> figures.PeriodSums:
    """The sums with the category mix and items per day of the given themes over the period."""
    where = (DailyCount.project_id == project_id, DailyCount.day >= today - timedelta(days=days - 1),
             DailyCount.day <= today, DailyCount.theme_id.in_(theme_ids))
    categories = db.session.execute(select(DailyCount.theme_id, func.coalesce(DailyCount.category, ""),
                                           func.sum(DailyCount.count)).where(*where)
                                    .group_by(DailyCount.theme_id, DailyCount.category)).all()
    per_day = db.session.execute(select(DailyCount.theme_id, DailyCount.day, func.sum(DailyCount.count))
                                 .where(*where).group_by(DailyCount.theme_id, DailyCount.day)).all()
    return replace(sums, categories=pd.DataFrame(categories, columns=["theme_id", "category", "count"]),
                   per_day=pd.DataFrame(per_day, columns=["theme_id", "day", "count"]))


def period_totals(project_id: int, today: date, days: int) -> tuple[int, int, int]:
    """(items this period, items the period before, items this period without a theme)."""
    start, before = today - timedelta(days=days - 1), today - timedelta(days=2 * days - 1)
    now = DailyCount.day >= start
    row = db.session.execute(select(
        func.sum(case((now, DailyCount.count), else_=0)), func.sum(case((now, 0), else_=DailyCount.count)),
        func.sum(case((and_(now, DailyCount.theme_id.is_(None)), DailyCount.count), else_=0)))
        .where(DailyCount.project_id == project_id, DailyCount.day >= before, DailyCount.day <= today)).one()
    return int(row[0] or 0), int(row[1] or 0), int(row[2] or 0)


def subject_counts(project_id: int, since: date, until: date) -> pd.DataFrame:
    """Items per day of each theme ("theme:<id>") and each category ("category:<name>") of the
    project between two days (inclusive), summed by the database: the spike check's input."""
    where = (DailyCount.project_id == project_id, DailyCount.day >= since, DailyCount.day <= until)
    themes = db.session.execute(select(DailyCount.theme_id, DailyCount.day, func.sum(DailyCount.count))
                                .where(*where, DailyCount.theme_id.is_not(None))
                                .group_by(DailyCount.theme_id, DailyCount.day)).all()
    categories = db.session.execute(select(DailyCount.category, DailyCount.day, func.sum(DailyCount.count))
                                    .where(*where, DailyCount.category.is_not(None))
                                    .group_by(DailyCount.category, DailyCount.day)).all()
    rows = [(f"theme:{t}", d, int(n)) for t, d, n in themes] + [(f"category:{c}", d, int(n)) for c, d, n in categories]
    return pd.DataFrame(rows, columns=["key", "day", "count"])


def volume_rows(project_id: int, since: date, until: date, column: str, theme_id: int | None = None) -> pd.DataFrame:
    """Items per day and value of `column` ("category" or "priority") between two days, of the
    project or of one of its themes."""
    value = getattr(DailyCount, column)
    where = (DailyCount.project_id == project_id, DailyCount.day >= since, DailyCount.day <= until)
    if theme_id is not None:
        where += (DailyCount.theme_id == theme_id,)
    rows = db.session.execute(select(DailyCount.day, value, func.sum(DailyCount.count))
                              .where(*where).group_by(DailyCount.day, value)).all()
    return pd.DataFrame(rows, columns=["day", column, "count"])
