"""What the insights page shows: a project's themes ranked by impact over a period, read from
the daily counts (never from the items, but for one quote per theme shown), the project's
impact weights, follows and open spike alerts."""
from __future__ import annotations

import hashlib
import json
import threading
from collections import OrderedDict
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import delete, select

from triage.extensions import db
from triage.models import (Feedback, ImpactWeights, Project, RankingSnapshot, SpikeAlert, Theme, ThemeFollower, User,
                           utcnow)
from triage.services import DomainError, NotFound, access
from triage.services.insights import aggregates, figures
from triage.services.insights.figures import DEFAULT_SEVERITY, Weights

PERIODS = (7, 30, 90)
TOP = 25
MAX_WEIGHT = 1000.0


@dataclass(frozen=True)
class Overview:
    project: Project
    days: int
    today: date
    rows: list[dict[str, Any]]  # figures.theme_records plus theme (ThemeRef), quote (QuoteRef)
    total: int
    previous_total: int
    change: float | None
    unthemed: int
    weights: Weights
    spikes: list[SpikeAlert]


def weights_of(project_id: int) -> Weights:
    """The project's impact weights, the defaults where none are set."""
    row = db.session.get(ImpactWeights, project_id)
    if row is None:
        return Weights()
    return Weights(vote_weight=row.vote_weight, tier_weights=dict(row.tier_weights or {}),
                   severity={**DEFAULT_SEVERITY, **(row.severity_weights or {})})


def parse_pairs(text: str, allowed: set[str] | None = None) -> dict[str, float]:
    """"enterprise=3, pro=2" -> {"enterprise": 3.0, "pro": 2.0}; DomainError on a bad pair."""
    found = {}
    for pair in filter(None, (p.strip() for p in text.split(","))):
        name, sep, number = pair.partition("=")
        name = name.strip().lower() if allowed is None else name.strip().upper()
        try:
            value = float(number)
        except ValueError:
            value = -1.0
        if not sep or not name or len(name) > 40 or not 0 <= value <= MAX_WEIGHT or (allowed and name not in allowed):
            raise DomainError(f"{pair!r} is not name=weight with a weight from 0 to {MAX_WEIGHT:g}.")
        found[name] = value
    return found


def set_weights(project: Project, vote_weight: float, tiers: str, severity: str) -> ImpactWeights:
    """Store the project's impact weights (flushes); DomainError on a bad value."""
    if not 0 <= vote_weight <= MAX_WEIGHT:
        raise DomainError(f"The vote weight goes from 0 to {MAX_WEIGHT:g}.")
    tier_weights = parse_pairs(tiers)
    severity_weights = parse_pairs(severity, set(figures.PRIORITIES))
    row = db.session.get(ImpactWeights, project.id) or ImpactWeights(project_id=project.id)
    row.vote_weight, row.tier_weights, row.severity_weights = vote_weight, tier_weights, severity_weights
    db.session.add(row)
    db.session.flush()
    if aggregates.mark_value() is not None:  # ranked anew under these weights now, not by every view until the next pass
        refresh_snapshots(project.id, utcnow().date())
    return row


def pairs_text(values: dict[str, float]) -> str:
    return ", ".join(f"{k}={v:g}" for k, v in values.items() if k)


def all_projects() -> list[Project]:
    return list(db.session.scalars(select(Project).order_by(Project.name)))


def project_or_first(project_id: int | None) -> Project | None:
    """The project asked for, else the first by name; None when there is no project at all."""
    if project_id is not None and (found := db.session.get(Project, project_id)):
        return found
    return db.session.scalar(select(Project).order_by(Project.name).limit(1))


def quote(theme_id: int) -> QuoteRef | None:
    """The theme's most recent visible item, quoted as the theme's voice (one indexed read)."""
    row = db.session.execute(select(Feedback.id, Feedback.title).where(
        Feedback.theme_id == theme_id, Feedback.quarantined.is_(False)).order_by(Feedback.id.desc()).limit(1)).first()
    return QuoteRef(row.id, row.title) if row else None


def visible_quotes(viewer: User, rows: list[dict[str, Any]]) -> set[int]:
    """The ids of the rows' quotes the viewer may read: all of them, but for an agent limited to
    their teams (then one query over at most TOP ids)."""
    ids = [r["quote"].id for r in rows if r.get("quote")]
    if not ids or not access.restricted(viewer):
        return set(ids)
    return set(db.session.scalars(select(Feedback.id).where(Feedback.id.in_(ids), *access.visible(viewer))))


@dataclass(frozen=True)
class ThemeRef:
    id: int
    name: str


@dataclass(frozen=True)
class QuoteRef:
    id: int
    title: str


# Rankings per process, keyed by the aggregate watermark: the counts change only when the
# worker's pass moves it, so a ranking is reused until then (at most one pass, ~30 s, old).
CACHE: OrderedDict[tuple, tuple] = OrderedDict()
CACHE_SIZE = 64
CACHE_LOCK = threading.Lock()


def overview(project: Project, days: int, today: date | None = None, top: int | None = TOP) -> Overview:
    """The project's themes ranked by impact over the `days` days ending today (UTC), the `top` first
    (all when None): from this process's cache, else the worker's snapshot, else the daily counts."""
    today = today or utcnow().date()
    weights = weights_of(project.id)
    mark = aggregates.mark_value()
    key = (str(db.engine.url), project.id, days, today, top, repr(weights), mark,
           aggregates.mark_value(aggregates.edits_mark(project.id)))
    with CACHE_LOCK:
        found = CACHE.get(key) if mark is not None else None
    if found is None:
        found = (top == TOP and snapshot(project.id, days, today, weights)) or ranking(project.id, days, today, top, weights)
        with CACHE_LOCK:
            CACHE[key] = found
            while len(CACHE) > CACHE_SIZE:
                CACHE.popitem(last=False)
    rows, (total, before, unthemed) = found
    return Overview(project=project, days=days, today=today, rows=rows, total=total, previous_total=before,
                    change=figures.pct_change(total, before), unthemed=unthemed, weights=weights,
                    spikes=open_spikes(project.id))


def ranked_records(project_id: int, days: int, today: date, top: int | None,
                   weights: Weights) -> tuple[list[dict[str, Any]], tuple[int, int, int]]:
    """(figures.theme_records of the `top` themes, (items, items before, unthemed items)) summed
    from the daily counts: the work a snapshot saves."""
    sums = aggregates.period_sums(project_id, today, days)
    ranked = figures.rank_themes(sums, weights)
    ranked = ranked if top is None else ranked.head(top)
    sums = aggregates.theme_details(project_id, [int(t) for t in ranked["theme_id"]], today, days, sums)
    return figures.theme_records(ranked, sums, today, days), aggregates.period_totals(project_id, today, days)


def named(records: list[dict[str, Any]], quotes: bool = True) -> list[dict[str, Any]]:
    """The records with each theme's current name (ThemeRef) and, unless they carry one, its
    quote (QuoteRef); deleted themes left out."""
    themes = dict(db.session.execute(select(Theme.id, Theme.name).where(
        Theme.id.in_([r["theme_id"] for r in records]))).all())
    return [{**r, "theme": ThemeRef(r["theme_id"], themes[r["theme_id"]]),
             "quote": quote(r["theme_id"]) if quotes else (QuoteRef(*r["quote"]) if r.get("quote") else None)}
            for r in records if r["theme_id"] in themes]


def ranking(project_id: int, days: int, today: date, top: int | None, weights: Weights) -> tuple[list, tuple]:
    """(theme records with ThemeRef and QuoteRef, (items, items before, unthemed items)) from the counts."""
    records, totals = ranked_records(project_id, days, today, top, weights)
    return named(records), totals


def weights_key(weights: Weights) -> str:
    return hashlib.sha256(repr(weights).encode()).hexdigest()


def snapshot(project_id: int, days: int, today: date, weights: Weights) -> tuple[list, tuple] | None:
    """The worker's ranking of the period ending today under these weights (with the quotes it
    read), None when it has none."""
    row = db.session.scalar(select(RankingSnapshot).where(
        RankingSnapshot.project_id == project_id, RankingSnapshot.days == days, RankingSnapshot.day == today))
    if row is None or row.weights != weights_key(weights):
        return None
    return named(row.rows, quotes=False), tuple(row.totals)


def plain(value: Any) -> Any:
    return value.item() if hasattr(value, "item") else str(value)  # numpy scalars


def refresh_snapshots(project_id: int, today: date) -> int:
    """Rank the project's themes over each period ending today and store the rankings for the
    page, replacing the project's older ones (flushes); returns how many were stored."""
    weights = weights_of(project_id)
    db.session.execute(delete(RankingSnapshot).where(RankingSnapshot.project_id == project_id))
    for days in PERIODS:
        records, totals = ranked_records(project_id, days, today, TOP, weights)
        for record in records:  # the quote read now, not by each view
            found = quote(record["theme_id"])
            record["quote"] = [found.id, found.title] if found else None
        db.session.add(RankingSnapshot(project_id=project_id, days=days, day=today, weights=weights_key(weights),
                                       rows=json.loads(json.dumps(records, default=plain)), totals=list(totals)))
    db.session.flush()
    return len(PERIODS)


def recount(project_id: int, themes: Collection[int | None], days: Iterable[date]) -> None:
    """After a PM's edit moved items between these themes (None: unthemed), in its transaction:
    rebuild those themes' daily counts on the items' days, store the project's rankings anew
    and move the project's edits mark, so every process's next view is right without waiting
    for the worker's pass (flushes). Before the first pass there are no counts to keep right."""
    if aggregates.mark_value() is None:
        return
    aggregates.recount_themes(project_id, themes, days)
    refresh_snapshots(project_id, utcnow().date())
    aggregates.set_mark(utcnow(), aggregates.edits_mark(project_id))


def stale_snapshots(today: date) -> set[int]:
    """Projects whose snapshots are missing for today or were ranked under other weights."""
    fresh = {(p, w) for p, w in db.session.execute(select(RankingSnapshot.project_id, RankingSnapshot.weights)
                                                   .where(RankingSnapshot.day == today))}
    return {p for p in db.session.scalars(select(Project.id))
            if (p, weights_key(weights_of(p))) not in fresh}


def open_spikes(project_id: int) -> list[SpikeAlert]:
    return list(db.session.scalars(select(SpikeAlert).where(SpikeAlert.project_id == project_id,
                                                            SpikeAlert.status == "open")
                                   .order_by(SpikeAlert.created_at.desc())))


# -- following themes -------------------------------------------------------------------------

def followed_ids(user: User) -> set[int]:
    return set(db.session.scalars(select(ThemeFollower.theme_id).where(ThemeFollower.user_id == user.id)))


def followers(theme: Theme) -> list[User]:
    """The staff who follow the theme, by name."""
    return sorted(db.session.scalars(select(User).join(ThemeFollower, ThemeFollower.user_id == User.id)
                                     .where(ThemeFollower.theme_id == theme.id)), key=lambda u: u.display_name.lower())


def get_theme(theme_id: int) -> Theme:
    theme = db.session.get(Theme, theme_id)
    if theme is None:
        raise NotFound("No such theme.")
    return theme


def follow(theme: Theme, user: User, on: bool) -> None:
    """Follow (on) or stop following a theme (flushes); repeating either changes nothing."""
    present = db.session.get(ThemeFollower, (theme.id, user.id))
    if on and present is None:
        db.session.add(ThemeFollower(theme_id=theme.id, user_id=user.id))
    elif not on and present is not None:
        db.session.execute(delete(ThemeFollower).where(ThemeFollower.theme_id == theme.id,
                                                       ThemeFollower.user_id == user.id))
    db.session.flush()
