"""A release's figures against the previous version, computed from plain rows (no database):
bug reports by priority and their rate, open P1/P2, themes first seen with it, NPS and CSAT
of its users, and the themes whose rate rose most.

The two versions are compared over the same window: the days the newer one has been out
(at least one). The previous version's reports and sessions count only in its own first
window of that length, so a release a day old is not compared with a month of its
predecessor. Rates are per 1,000 sessions when both versions have adoption figures in
their window, otherwise per day.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from triage.services.releases import versions

PRIORITIES = ("P1", "P2", "P3", "P4", "P5")
MIN_WINDOW = timedelta(days=1)
TOP_RISES = 5


@dataclass(frozen=True)
class ItemRow:
    """One report on a version, as far as release health reads it."""

    id: int
    version: str
    created_at: datetime
    priority: str | None = None
    is_bug: bool = False
    is_open: bool = True
    theme_id: int | None = None


@dataclass(frozen=True)
class AnswerRow:
    """One survey answer on a version: kind "nps" (0-10) or "csat" (1-5)."""

    version: str
    kind: str
    score: int


@dataclass(frozen=True)
class ReleaseRow:
    """A release: when it went out and its sessions per day (empty when not known)."""

    version: str
    released_at: datetime
    sessions: dict[date, int] = field(default_factory=dict)


@dataclass(frozen=True)
class Side:
    """One version's share of the comparison: counts inside the window."""

    version: str
    bugs: dict[str, int]          # bug reports by priority ("none" for unprioritised)
    bug_total: int
    reports: int                  # every report, bug or not
    sessions: int | None          # sessions in the window; None when adoption is unknown
    exposure: float               # 1,000s of sessions, or days
    nps: float | None
    nps_answers: int
    csat: float | None
    csat_answers: int

    @property
    def bug_rate(self) -> float | None:
        return self.bug_total / self.exposure if self.exposure else None


@dataclass(frozen=True)
class ThemeFigure:
    theme_id: int
    name: str
    count: int                    # reports on this version (in the window)
    previous: int                 # reports on the previous version (in its window)
    share: float | None = None    # for new themes: share of all its reports that are on this version
    rate: float | None = None
    previous_rate: float | None = None


@dataclass(frozen=True)
class Figures:
    version: str
    previous: str | None
    released_at: datetime
    window_days: float
    unit: str                     # "1,000 sessions" or "day"
    current: Side
    before: Side | None
    open_p1: int
    open_p2: int
    new_themes: list[ThemeFigure]
    rising_themes: list[ThemeFigure]


def nps(scores: list[int]) -> float | None:
    """%promoters (9-10) minus %detractors (0-6); None without answers."""
    if not scores:
        return None
    return round(100 * (sum(s >= 9 for s in scores) - sum(s <= 6 for s in scores)) / len(scores), 1)


def csat(scores: list[int]) -> float | None:
    """The share of satisfied answers (4 and 5), in percent; None without answers."""
    return round(100 * sum(s >= 4 for s in scores) / len(scores), 1) if scores else None


def previous_of(version: str, releases: list[ReleaseRow]) -> ReleaseRow | None:
    """The release just before `version` in semantic order (pre-releases count)."""
    order = versions.order_of(version)
    older = [r for r in releases if versions.order_of(r.version) < order]
    return max(older, key=lambda r: versions.order_of(r.version), default=None)


def in_window(release: ReleaseRow, window: timedelta, moment: datetime) -> bool:
    return moment < release.released_at + window


def side(release: ReleaseRow, window: timedelta, items: list[ItemRow], answers: list[AnswerRow],
         per_sessions: bool) -> Side:
    """One version's counts inside its first `window`."""
    mine = [i for i in items if i.version == release.version and in_window(release, window, i.created_at)]
    bugs = Counter(i.priority or "none" for i in mine if i.is_bug)
    last_day = (release.released_at + window - timedelta(microseconds=1)).date()  # the window's last day
    sessions = sum(n for day, n in release.sessions.items() if day <= last_day) if release.sessions else None
    exposure = (sessions or 0) / 1000 if per_sessions else window / timedelta(days=1)
    scores = {kind: [a.score for a in answers if a.version == release.version and a.kind == kind]
              for kind in ("nps", "csat")}
    return Side(version=release.version, bugs=dict(bugs), bug_total=sum(bugs.values()), reports=len(mine),
                sessions=sessions, exposure=exposure, nps=nps(scores["nps"]), nps_answers=len(scores["nps"]),
                csat=csat(scores["csat"]), csat_answers=len(scores["csat"]))


def first_versions(items: list[ItemRow]) -> dict[int, str]:
    """Each theme's first version: the oldest version any of its reports came from."""
    found: dict[int, str] = {}
    for item in items:
        if item.theme_id is not None:
            seen = found.get(item.theme_id)
            if seen is None or versions.order_of(item.version) < versions.order_of(seen):
                found[item.theme_id] = item.version
    return found


def theme_figures(version: str, previous: str | None, window_items: list[ItemRow], all_items: list[ItemRow],
                  names: dict[int, str], exposure: tuple[float, float | None]) -> tuple[list, list]:
    """Themes first seen with `version` (with the share of their reports on it), and the
    themes whose rate rose most against the previous version."""
    now = Counter(i.theme_id for i in window_items if i.version == version and i.theme_id is not None)
    before = Counter(i.theme_id for i in window_items if i.version == previous and i.theme_id is not None)
    totals = Counter(i.theme_id for i in all_items if i.theme_id is not None)
    firsts = first_versions(all_items)
    new = [ThemeFigure(t, names.get(t, f"Theme {t}"), n, 0, share=round(n / totals[t], 3))
           for t, n in now.most_common() if firsts.get(t) == version]
    rising = []
    if previous is not None and exposure[1]:
        for theme, n in now.items():
            rate, old = n / exposure[0], before.get(theme, 0) / exposure[1]
            if firsts.get(theme) != version and n >= 2 and rate > old:
                rising.append(ThemeFigure(theme, names.get(theme, f"Theme {theme}"), n, before.get(theme, 0),
                                          rate=round(rate, 3), previous_rate=round(old, 3)))
        rising.sort(key=lambda f: (f.rate - f.previous_rate, f.count), reverse=True)
    return new, rising[:TOP_RISES]


def compute(version: str, releases: list[ReleaseRow], items: list[ItemRow], answers: list[AnswerRow],
            theme_names: dict[int, str], now: datetime) -> Figures:
    """The figures of `version` (which must be among `releases`) against its predecessor."""
    release = next(r for r in releases if r.version == version)
    prior = previous_of(version, releases)
    window = max(now - release.released_at, MIN_WINDOW)
    per_sessions = bool(release.sessions) and (prior is None or bool(prior.sessions))
    current = side(release, window, items, answers, per_sessions)
    before = side(prior, window, items, answers, per_sessions) if prior else None
    window_items = [i for i in items if (i.version == version and in_window(release, window, i.created_at))
                    or (prior and i.version == prior.version and in_window(prior, window, i.created_at))]
    new, rising = theme_figures(version, prior.version if prior else None, window_items, items, theme_names,
                                (current.exposure, before.exposure if before else None))
    mine = [i for i in items if i.version == version]
    return Figures(
        version=version, previous=prior.version if prior else None, released_at=release.released_at,
        window_days=round(window / timedelta(days=1), 2), unit="1,000 sessions" if per_sessions else "day",
        current=current, before=before,
        open_p1=sum(i.is_open and i.priority == "P1" for i in mine),
        open_p2=sum(i.is_open and i.priority == "P2" for i in mine),
        new_themes=new, rising_themes=rising)
