"""The insights' arithmetic as pure functions from pandas frames to frames or records: no
database, no Flask. Tested on small hand-built frames (tests/test_insights_figures.py).

Frames used here:
- items: one row per item with project_id, created_at (tz-aware), theme_id, category,
  priority, vote_count, reporter (a key: email, signed user id or "#<item id>"), tier, nps, csat
  (the reporter's latest survey scores, NaN when unknown);
- daily: the daily_counts rows (day as datetime.date or Timestamp, theme_id, category,
  priority, count, reporters, votes, tiers, promoters, detractors, nps_answers, csat_good,
  csat_answers).
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import pandas as pd

GROUP = ["project_id", "day", "theme_id", "category", "priority"]
DAILY_COLUMNS = [*GROUP, "count", "reporters", "votes", "tiers", "promoters", "detractors", "nps_answers",
                 "csat_good", "csat_answers"]
PRIORITIES = ("P1", "P2", "P3", "P4", "P5")
DEFAULT_SEVERITY = {"P1": 5.0, "P2": 4.0, "P3": 3.0, "P4": 2.0, "P5": 1.0, "": 2.0}  # "": not yet classified
TREND_BOUNDS = (0.5, 2.0)


@dataclass(frozen=True)
class Weights:
    """A project's impact weights: votes count vote_weight each; a reporter counts its tier's
    weight (1 when the signed identity carries no tier or an unknown one); severity points per priority."""

    vote_weight: float = 0.5
    tier_weights: dict[str, float] = field(default_factory=dict)
    severity: dict[str, float] = field(default_factory=lambda: dict(DEFAULT_SEVERITY))

    def tier(self, name: str) -> float:
        return float(self.tier_weights.get(name, 1.0)) if name else 1.0

    def points(self, priority: str | None) -> float:
        return float(self.severity.get(priority or "", DEFAULT_SEVERITY.get(priority or "", 2.0)))


def plain(value: Any) -> Any:
    """None for a missing cell (NaN, NA), the value otherwise."""
    return None if pd.isna(value) else value


# -- items -> daily counts ------------------------------------------------------------------

def daily_records(items: pd.DataFrame) -> list[dict[str, Any]]:
    """Group items by (project, UTC day, theme, category, priority) into daily_counts rows.
    Reporters are counted once per group; their tiers and survey scores once each too."""
    if items.empty:
        return []
    keys = ["project_id", "day", "theme_key", "category_key", "priority_key"]
    frame = items.assign(
        day=pd.to_datetime(items["created_at"], utc=True).dt.date,
        theme_key=items["theme_id"].fillna(0).astype(int), category_key=items["category"].fillna("").astype(str),
        priority_key=items["priority"].fillna("").astype(str), tier=items["tier"].fillna("").astype(str),
        vote_count=items["vote_count"].fillna(0).astype(int))
    sums = frame.groupby(keys).agg(count=("reporter", "size"), votes=("vote_count", "sum"))
    people = frame.drop_duplicates([*keys, "reporter"])
    people = people.assign(promoters=people["nps"] >= 9, detractors=people["nps"] <= 6,
                           nps_answers=people["nps"].notna(), csat_good=people["csat"] >= 4,
                           csat_answers=people["csat"].notna())
    scores = people.groupby(keys).agg(reporters=("reporter", "size"), promoters=("promoters", "sum"),
                                      detractors=("detractors", "sum"), nps_answers=("nps_answers", "sum"),
                                      csat_good=("csat_good", "sum"), csat_answers=("csat_answers", "sum"))
    tiers: dict[tuple, dict[str, int]] = {}
    for (*key, tier), n in people.groupby([*keys, "tier"]).size().items():
        if tier:  # reporters without a named tier weigh 1: "reporters" counts them
            tiers.setdefault(tuple(key), {})[str(tier)] = int(n)
    table = sums.join(scores)
    return [{"project_id": int(key[0]), "day": key[1], "theme_id": int(key[2]) or None,
             "category": key[3] or None, "priority": key[4] or None, "count": int(row.count),
             "reporters": int(row.reporters), "votes": int(row.votes), "tiers": dict(sorted(tiers.get(key, {}).items())),
             "promoters": int(row.promoters), "detractors": int(row.detractors), "nps_answers": int(row.nps_answers),
             "csat_good": int(row.csat_good), "csat_answers": int(row.csat_answers)}
            for key, row in zip(table.index, table.itertuples(index=False))]


# -- daily counts -> the insights page ------------------------------------------------------

def pct_change(current: float, previous: float) -> float | None:
    """Percent change from previous to current; None when there was nothing before."""
    if not previous:
        return None
    return round((current - previous) / previous * 100, 1)


def trend_factor(current: float, previous: float) -> float:
    """(current + 1) / (previous + 1), bounded to [0.5, 2]: growth raises impact, at most doubles it."""
    low, high = TREND_BOUNDS
    return round(min(max((current + 1) / (previous + 1), low), high), 2)


def split_periods(daily: pd.DataFrame, today: date, days: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The rows of the current period (the `days` days ending today) and of the one before."""
    if daily.empty:
        return daily, daily
    day = pd.to_datetime(daily["day"]).dt.date
    start, before = today - timedelta(days=days - 1), today - timedelta(days=2 * days - 1)
    return daily[(day >= start) & (day <= today)], daily[(day >= before) & (day < start)]


def survey_scores(rows: pd.DataFrame | dict) -> dict[str, float | None]:
    """NPS (-100..100) and CSAT (% satisfied) of the reporters with an answer, None when none
    (from rows of daily counts, or one record of their sums)."""
    if isinstance(rows, pd.DataFrame):
        rows = rows[["nps_answers", "csat_answers", "promoters", "detractors", "csat_good"]].sum().to_dict()
    nps_n, csat_n = int(rows["nps_answers"]), int(rows["csat_answers"])
    nps = round((rows["promoters"] - rows["detractors"]) / nps_n * 100, 1) if nps_n else None
    csat = round(rows["csat_good"] / csat_n * 100, 1) if csat_n else None
    return {"nps": nps, "csat": csat, "nps_answers": nps_n, "csat_answers": csat_n}


def sparkline_points(values: list[int], width: int = 120, height: int = 24) -> str:
    """The `points` of an SVG polyline drawing the values left to right (the top is the maximum)."""
    if not values:
        return ""
    top = max(values) or 1
    step = width / max(len(values) - 1, 1)
    return " ".join(f"{i * step:.1f},{height - 1 - v / top * (height - 2):.1f}" for i, v in enumerate(values))


SUM_COLUMNS = ["count", "reporters", "votes", "promoters", "detractors", "nps_answers", "csat_good", "csat_answers"]


@dataclass(frozen=True)
class PeriodSums:
    """What ranking needs, summed over a period (the database sums it the same way, see
    aggregates.period_sums): `current` per theme and priority (theme_id, priority, SUM_COLUMNS),
    `previous` per theme (theme_id, count), `tiered` the rows with named tiers (theme_id, tiers),
    `categories` per theme and category (theme_id, category, count), `per_day` per theme and day
    (theme_id, day, count); unthemed rows left out."""

    current: pd.DataFrame
    previous: pd.DataFrame
    tiered: pd.DataFrame
    categories: pd.DataFrame
    per_day: pd.DataFrame


def period_sums(daily: pd.DataFrame, today: date, days: int) -> PeriodSums:
    """PeriodSums from rows of daily counts (for small frames and tests)."""
    current, previous = split_periods(daily, today, days)
    now = current[current["theme_id"].notna()] if len(current) else daily.iloc[0:0]
    before = previous[previous["theme_id"].notna()] if len(previous) else daily.iloc[0:0]
    now = now.assign(theme_id=now["theme_id"].astype(int), day=pd.to_datetime(now["day"]).dt.date)
    before = before.assign(theme_id=before["theme_id"].astype(int))
    named = now[[bool(t) for t in now["tiers"]]] if len(now) else now
    return PeriodSums(
        current=now.groupby(["theme_id", now["priority"].fillna("")])[SUM_COLUMNS].sum().reset_index(),
        previous=before.groupby("theme_id")["count"].sum().reset_index(),
        tiered=named[["theme_id", "tiers"]],
        categories=now.groupby(["theme_id", now["category"].fillna("")])["count"].sum().reset_index(),
        per_day=now.groupby(["theme_id", "day"])["count"].sum().reset_index())


def rank_themes(sums: PeriodSums, weights: Weights) -> pd.DataFrame:
    """One row per theme seen in either period with reach, severity, trend and impact =
    reach x severity x trend, highest impact first. Reach counts each reporter once, at its
    tier's weight, and each vote at the vote weight."""
    now = sums.current.assign(points=[weights.points(plain(p)) * n
                                      for p, n in zip(sums.current["priority"], sums.current["count"])])
    table = now.groupby("theme_id")[[*SUM_COLUMNS, "points"]].sum()
    extra = pd.Series([sum((weights.tier(str(t)) - 1) * k for t, k in (tiers or {}).items())
                       for tiers in sums.tiered["tiers"]], index=sums.tiered["theme_id"], dtype=float)
    earlier = sums.previous.set_index("theme_id")["count"]
    table = table.reindex(table.index.union(earlier.index), fill_value=0)
    table["previous"] = earlier.reindex(table.index, fill_value=0)
    people = table["reporters"] + extra.groupby(level=0).sum().reindex(table.index, fill_value=0)
    table["reach"] = (people + weights.vote_weight * table["votes"]).round(2)
    table["severity"] = (table["points"] / table["count"].where(table["count"] > 0)).fillna(0).round(2)
    low, high = TREND_BOUNDS
    table["trend"] = ((table["count"] + 1) / (table["previous"] + 1)).clip(low, high).round(2)
    table["impact"] = (table["reach"] * table["severity"] * table["trend"]).round(1)
    return table.reset_index().sort_values(["impact", "count", "theme_id"], ascending=[False, False, True])


def mixes(frame: pd.DataFrame, column: str) -> dict[int, dict[str, int]]:
    """{theme_id: {value or "": items}} from (theme_id, column, count) rows, largest first."""
    found: dict[int, dict[str, int]] = {}
    for row in frame.sort_values(["count", column], ascending=[False, True], kind="stable").itertuples(index=False):
        if row.count:
            found.setdefault(int(row.theme_id), {})[str(getattr(row, column) or "")] = int(row.count)
    return found


def theme_records(ranked: pd.DataFrame, sums: PeriodSums, today: date, days: int) -> list[dict[str, Any]]:
    """The ranked themes as records for the page: figures, factors, mixes, daily series."""
    categories = mixes(sums.categories, "category")
    priorities = mixes(sums.current[["theme_id", "priority", "count"]], "priority")
    per_day = {(int(t), d): int(n) for t, d, n in sums.per_day[["theme_id", "day", "count"]].itertuples(index=False)}
    start = today - timedelta(days=days - 1)
    return [{
        "theme_id": int(row.theme_id), "volume": int(row.count), "previous": int(row.previous),
        "change": pct_change(row.count, row.previous), "reporters": int(row.reporters), "votes": int(row.votes),
        "reach": float(row.reach), "severity": float(row.severity), "trend": float(row.trend),
        "impact": float(row.impact), "categories": categories.get(int(row.theme_id), {}),
        "priorities": priorities.get(int(row.theme_id), {}),
        "series": [per_day.get((int(row.theme_id), start + timedelta(days=i)), 0) for i in range(days)],
        **survey_scores(row._asdict()),
    } for row in ranked.itertuples(index=False)]


def theme_figures(daily: pd.DataFrame, today: date, days: int, weights: Weights,
                  top: int | None = None) -> list[dict[str, Any]]:
    """Rows of daily counts -> the ranked theme records (the `top` first when given)."""
    sums = period_sums(daily, today, days)
    ranked = rank_themes(sums, weights)
    return theme_records(ranked if top is None else ranked.head(top), sums, today, days)


# -- spikes -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class SpikeRule:
    """A day is a spike when z = (count - mean) / max(std, min_std) over the baseline reaches
    z_threshold, with at least min_baseline_days of history and min_count items that day."""

    baseline_days: int = 28
    min_baseline_days: int = 7
    min_count: int = 5
    z_threshold: float = 3.0
    min_std: float = 1.0
    cooldown_days: int = 7


def spike_scores(counts: pd.DataFrame, today: date, rule: SpikeRule) -> list[dict[str, Any]]:
    """Per subject (the `key` column) today's count, its baseline mean and std over the
    previous baseline_days (missing days are zeros, from the subject's first day on) and z.
    Subjects without enough history or too few items today are left out."""
    if counts.empty:
        return []
    frame = counts.assign(day=pd.to_datetime(counts["day"]).dt.date)
    found = []
    for key, rows in frame.groupby("key", sort=True):
        per_day = rows.groupby("day")["count"].sum()
        today_count = int(per_day.get(today, 0))
        first = min(per_day.index)
        start = max(first, today - timedelta(days=rule.baseline_days))
        history = [int(per_day.get(start + timedelta(days=i), 0)) for i in range((today - start).days)]
        if len(history) < rule.min_baseline_days or today_count < rule.min_count:
            continue
        mean = sum(history) / len(history)
        std = math.sqrt(sum((v - mean) ** 2 for v in history) / len(history))
        z = (today_count - mean) / max(std, rule.min_std)
        found.append({"key": key, "count": today_count, "mean": round(mean, 2), "std": round(std, 2),
                      "z": round(z, 2), "spike": z >= rule.z_threshold})
    return found


# -- exports ----------------------------------------------------------------------------------

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: Any) -> Any:
    """A text cell a spreadsheet would run as a formula gets a leading apostrophe (OWASP)."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def safe_csv(frame: pd.DataFrame) -> str:
    """The frame as CSV with every text cell and header neutralised."""
    cleaned = frame.rename(columns=neutralise)
    for column in cleaned.columns:
        if cleaned[column].dtype == object or pd.api.types.is_string_dtype(cleaned[column]):
            cleaned[column] = cleaned[column].map(neutralise)
    return cleaned.to_csv(index=False, lineterminator="\r\n")  # RFC 4180; quotes any CR or LF in a cell


# -- chart tables -------------------------------------------------------------------------------

def volume_table(daily: pd.DataFrame, column: str, today: date, days: int) -> pd.DataFrame:
    """Items per day (rows, oldest first, every day present) and value of `column` (columns:
    "unclassified" / "none" for missing values)."""
    index = [today - timedelta(days=days - 1 - i) for i in range(days)]
    current, _ = split_periods(daily, today, days)
    if current.empty:
        return pd.DataFrame(index=pd.Index(index, name="day"))
    missing = "unclassified" if column == "category" else "none"
    frame = current.assign(day=pd.to_datetime(current["day"]).dt.date, value=current[column].fillna(missing))
    table = frame.pivot_table(index="day", columns="value", values="count", aggfunc="sum", fill_value=0)
    table = table.reindex(index, fill_value=0).astype(int)
    table.index.name, table.columns.name = "day", None
    return table[sorted(table.columns)]


def survey_table(responses: pd.DataFrame) -> pd.DataFrame:
    """Per ISO week (Monday): NPS and CSAT with their answer counts, from a frame of created_at,
    kind ("nps" or "csat") and score. Weeks without an answer of a kind leave it empty."""
    columns = ["week", "nps", "nps_answers", "csat", "csat_answers"]
    if responses.empty:
        return pd.DataFrame(columns=columns)
    frame = responses.assign(week=pd.to_datetime(responses["created_at"], utc=True).dt.tz_localize(None)
                             .dt.to_period("W-SUN").dt.start_time.dt.date)
    rows = []
    for week, group in frame.groupby("week", sort=True):
        nps, csat = group.loc[group["kind"] == "nps", "score"], group.loc[group["kind"] == "csat", "score"]
        rows.append({"week": week,
                     "nps": round(((nps >= 9).mean() - (nps <= 6).mean()) * 100, 1) if len(nps) else None,
                     "nps_answers": len(nps),
                     "csat": round((csat >= 4).mean() * 100, 1) if len(csat) else None,
                     "csat_answers": len(csat)})
    return pd.DataFrame(rows, columns=columns)


def sla_table(counts: pd.DataFrame) -> pd.DataFrame:
    """From per-team counts of deadlines met and missed (first response, resolution), the share
    met in percent (empty when none was decided yet); items still within their deadline are
    not counted."""
    table = counts.copy()
    for deadline in ("first_response", "resolution"):
        decided = table[f"{deadline}_met"] + table[f"{deadline}_missed"]
        table[f"{deadline}_share"] = (table[f"{deadline}_met"] / decided.where(decided > 0) * 100).round(1)
    return table
