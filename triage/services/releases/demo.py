"""The demo's releases: three versions of the demo app with adoption, NPS answers and bug
reports (texts from the corpus), the last one bad. 2.3.0 went out 28 days ago, 2.4.0 18 days
ago, 2.5.0 8 days ago, each with 3,000 sessions a day. 2.4.0 reports about as many bugs as
2.3.0 and keeps its NPS: the gate PASSes. 2.5.0 brings a crash on start that no earlier
version had, more than twice the bug rate, an open P1 and an NPS some 40 points lower: the
gate FAILs with that evidence. 2.3.0, with nothing before it, WARNs."""
from __future__ import annotations

import random
from datetime import datetime, timedelta

import pandas as pd

from triage.extensions import db
from triage.models import (
    Channel,
    Event,
    Feedback,
    Kind,
    Project,
    ReleaseAdoption,
    Status,
    Survey,
    SurveyKind,
    SurveyResponse,
    Theme,
    User,
    utcnow,
)
from triage.services import items as item_verbs
from triage.services.releases import store, versions
from triage.services.triage import sla

# version: (released days ago, bug reports in its first 8 days, NPS answers as promoters/passives/detractors)
PLAN = {"2.3.0": (28, 8, (22, 12, 6)), "2.4.0": (18, 9, (24, 12, 6)), "2.5.0": (8, 14, (13, 10, 13))}
CRASHES = 12  # reports of the crash that 2.5.0 brought, on top of its other bugs
CRASH_THEME, STEADY_THEME = "Crash on start after update", "Sync conflicts"
SESSIONS_PER_DAY, LATER_SESSIONS = 3000, 600
BUGS_NEEDED = sum(p[1] for p in PLAN.values()) + CRASHES


def release_rows(corpus: pd.DataFrame) -> pd.DataFrame:
    """The corpus rows the release reports take their text from: bugs first."""
    return pd.concat([corpus[corpus["category"] == "bug"], corpus[corpus["category"] != "bug"]]).head(BUGS_NEEDED)


def seed_releases(project: Project, rows: pd.DataFrame, agent: User, rng: random.Random) -> list[Feedback]:
    """Releases, adoption, NPS answers and the release reports (flushes); returns the reports."""
    now, made = utcnow(), []
    themes = {name: Theme(project=project, name=name, pinned=True, name_locked=True) for name in (CRASH_THEME, STEADY_THEME)}
    db.session.add_all(themes.values())
    texts = iter(rows.itertuples())
    survey = Survey(project=project, kind=SurveyKind.NPS,
                    question="How likely are you to recommend us to a friend or colleague?")
    db.session.add(survey)
    for version, (days_ago, bugs, answers) in PLAN.items():
        released = now - timedelta(days=days_ago)
        store.create_release(project, version, released)
        add_adoption(project, version, released, now)
        add_answers(survey, version, released, answers, rng)
        for n in range(bugs):
            at = released + timedelta(days=rng.uniform(0.2, 7.8))
            theme = themes[STEADY_THEME] if n % 3 == 0 else None
            made.append(report(project, next(texts), version, at, rng.choice(["P3", "P4"]), theme))
    made += crash_reports(project, texts, themes[CRASH_THEME], now, rng)
    db.session.flush()
    finish(made, agent, now)
    return made


def add_adoption(project: Project, version: str, released: datetime, now: datetime) -> None:
    release = store.release_row(project, version)
    day, last = released.date(), now.date()
    while day <= last:
        busy = day < (released + timedelta(days=10)).date() or version == "2.5.0"
        db.session.add(ReleaseAdoption(release=release, day=day, sessions=SESSIONS_PER_DAY if busy else LATER_SESSIONS))
        day += timedelta(days=1)


def add_answers(survey: Survey, version: str, released: datetime, counts: tuple[int, int, int],
                rng: random.Random) -> None:
    promoters, passives, detractors = counts
    scores = [rng.choice([9, 10]) for _ in range(promoters)] + [rng.choice([7, 8]) for _ in range(passives)] + \
        [rng.randint(0, 6) for _ in range(detractors)]
    for score in scores:
        db.session.add(SurveyResponse(survey=survey, score=score, comment="", app_version=version,
                                      version_key=versions.sort_key(version),
                                      created_at=released + timedelta(days=rng.uniform(0.1, 7.9))))


def report(project: Project, row, version: str, at: datetime, priority: str, theme: Theme | None) -> Feedback:
    """A bug report from `version`, labelled by hand (as a triager would)."""
    body = str(row.body or "")[:20_000] if row.body == row.body else ""
    title = (str(row.title) if row.title == row.title and row.title else body.split("\n", 1)[0][:80]) or "(no title)"
    item = Feedback(project=project, channel=Channel.WIDGET, kind=Kind.BUG, title=title[:200], body=body, category="bug",
                    impact="high" if priority in ("P1", "P2") else "medium", urgency="medium", priority=priority,
                    status=Status.NEW, created_at=at, updated_at=at, team=project.default_team, theme=theme,
                    app_version=version, version_key=versions.sort_key(version), tags=[], prediction={},
                    context={"corpus_id": row.id, "app_version": version})
    db.session.add(item)
    db.session.add(Event(feedback=item, kind="created", created_at=at, data={"channel": item.channel.value}))
    return item


def crash_reports(project: Project, texts, theme: Theme, now: datetime, rng: random.Random) -> list[Feedback]:
    """The crash 2.5.0 brought: reports over its eight days, the first one a P1."""
    found = []
    for n in range(CRASHES):
        at = now - timedelta(days=8) + timedelta(days=0.3 + 7.5 * n / CRASHES)
        found.append(report(project, next(texts), "2.5.0", at, "P1" if n == 0 else "P2", theme))
    for item in found:
        item.title = f"App crashes on start after updating to 2.5.0 ({item.title})"[:200]
    return found


def finish(made: list[Feedback], agent: User, now: datetime) -> None:
    """SLA times; older reports resolved, the crash reports merged into the first (left open);
    the most recent few open and within their targets."""
    policies = sla.all_policies()
    for item in made:
        sla.apply_sla(item, policies)
    crash = sorted((i for i in made if i.title.startswith("App crashes on start")), key=lambda i: i.created_at)
    item_verbs.merge(crash, agent)
    for item in made:
        if item.theme is not None and item in crash:
            continue
        if now - item.created_at > timedelta(hours=20):
            item_verbs.change_status(item, Status.RESOLVED, agent)
