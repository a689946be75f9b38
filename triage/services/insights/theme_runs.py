"""Auto themes: a full run clusters a project's items with ml/themes.py; new items join the
nearest theme as they arrive.

A run (`run_themes`) matches its clusters to the project's auto themes (ml's Hungarian
matching on profile similarity and member overlap), so ids survive, and so do the PMs'
edits: a locked name, the status, the pin. Items a person filed (any Event("themed")) keep
their theme and sit out of the clustering; manual themes are never touched. A run writes no
events (it may move thousands of items); it flushes, the job or command commits.

`assign_new` files one new item under the nearest auto theme above ml's threshold, else
leaves it unthemed until the next run. It reads a per-process cache of the project's
ThemeSet (profiles from the themes table, the run's idf from a file in the model folder),
rebuilt when a run or an edit changed the themes; a project without themes costs one query.
"""
from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from triage.services.triage.ml_bridge import ml_themes
from triage.extensions import db
from triage.models import Event, Feedback, Project, Theme, ThemeSource, ThemeStatus
from triage.services import snapshot
from triage.services.triage.classify import model_folder

Progress = Callable[[int, int, str], None]
MAX_NAME = 120
MOVE_CHUNK = 5000  # ids per UPDATE: well under SQLite's and PostgreSQL's parameter limits
_cache: dict[int, tuple[tuple, int, ml_themes.ThemeSet]] = {}


@dataclass
class RunSummary:
    items: int = 0
    themes: int = 0
    new: int = 0
    removed: int = 0
    themed: int = 0

    def __str__(self) -> str:
        return (f"{self.themes} themes ({self.new} new, {self.removed} removed); "
                f"{self.themed} of {self.items} items themed")


def idf_path(project_id: int) -> Path:
    return model_folder() / "themes" / f"project-{project_id}.json"


def item_text(title: str, body: str | None) -> dict:
    """The row ml/themes.py reads for one item (the title is its summary, then the body)."""
    return {"title": title, "text": f"{title}\n{body or ''}"}


def filed_by_people(project_id: int) -> set[int]:
    """Ids of the project's items a person filed under a theme (or took out of one)."""
    return set(db.session.scalars(select(Event.feedback_id.distinct()).join(Feedback)
                                  .where(Feedback.project_id == project_id, Event.kind == "themed")))


def themes_filed_into(project_id: int) -> set[int]:
    """Ids of the project's themes holding items a person filed there."""
    return set(db.session.scalars(select(Feedback.theme_id.distinct()).join(Event).where(
        Feedback.project_id == project_id, Feedback.theme_id.is_not(None), Event.kind == "themed")))


def _as_ml(theme: Theme, members: list[int]) -> ml_themes.Theme:
    return ml_themes.Theme(theme.id, theme.name, theme.phrases, theme.quote, theme.quote_item_id, members,
                           dict(theme.profile or {}), theme.name_locked, theme.status.value)


def _protected(theme: Theme, locked_themes: set[int]) -> bool:
    """A theme a run may not delete: a PM touched it or filed items under it."""
    return theme.pinned or theme.name_locked or theme.status is not ThemeStatus.OPEN or theme.id in locked_themes


def _generated_name(found: ml_themes.Theme) -> str:
    """The theme's phrases, else the start of its quote: words of its own items, never invented."""
    name = " · ".join(found.phrases) or " ".join(found.quote.split())[:60] or "Unnamed theme"
    return name[:MAX_NAME]


def _unique(name: str, taken: set[str]) -> str:
    candidate, n = name, 2
    while candidate.lower() in taken:
        suffix = f" ({n})"
        candidate, n = name[:MAX_NAME - len(suffix)] + suffix, n + 1
    taken.add(candidate.lower())
    return candidate


def _save_themes(project: Project, result: ml_themes.ThemeSet, auto: dict[int, Theme]) -> dict[int, int]:
    """Create, update and name the themes of a run; returns ml theme id -> row id (flushes)."""
    rows: dict[int, Theme] = {}
    for found in result.themes:
        row = auto.get(found.id)
        if row is None:
            row = Theme(project=project, source=ThemeSource.AUTO, status=ThemeStatus.OPEN, pinned=False,
                        name_locked=False, name=f"\u2063new {found.id}")
            db.session.add(row)
        rows[found.id] = row
    db.session.flush()
    # Two steps, so that themes trading names never meet the unique (project, name) constraint.
    renamed = [(f, rows[f.id]) for f in result.themes if f.members and not rows[f.id].name_locked]
    for found, row in renamed:
        row.name = f"\u2063run {row.id}"
    db.session.flush()
    taken = {n.lower() for n in db.session.scalars(select(Theme.name).where(Theme.project_id == project.id))}
    for found, row in renamed:
        row.name = _unique(_generated_name(found), taken)
    for found in result.themes:
        if found.members:
            row = rows[found.id]
            row.key_phrases, row.quote, row.quote_item_id = "; ".join(found.phrases), found.quote, found.quote_id
            row.profile = found.profile
    db.session.flush()
    return {key: row.id for key, row in rows.items()}


def run_themes(project: Project, progress: Progress | None = None, k: int | str = "auto") -> RunSummary:
    """Cluster the project's items into auto themes, keeping ids, names and PM edits of the
    themes that match; refile the items nobody filed by hand; flushes. `progress(done, total,
    message)` hears of the steps, each before anything is written (a job records them meanwhile)."""
    tell = progress or (lambda done, total, message: None)
    tell(0, 3, "reading items")
    rows = db.session.execute(select(Feedback.id, Feedback.title, Feedback.body, Feedback.theme_id)
                              .where(Feedback.project_id == project.id, Feedback.quarantined.is_(False))
                              .order_by(Feedback.id)).all()
    locked = filed_by_people(project.id)
    free = [r for r in rows if r.id not in locked]
    auto = {t.id: t for t in db.session.scalars(select(Theme).where(Theme.project_id == project.id,
                                                                    Theme.source == ThemeSource.AUTO))}
    members: dict[int, list[int]] = {}
    for r in free:
        if r.theme_id in auto:
            members.setdefault(r.theme_id, []).append(r.id)
    tell(1, 3, f"grouping {len(free)} items")
    result = ml_themes.cluster([{"id": r.id, **item_text(r.title, r.body)} for r in free],
                               [_as_ml(t, members.get(t.id, [])) for t in auto.values()], k=k)
    if not result.idf:  # too few items, or no word used twice: nothing to group, nothing changed
        return RunSummary(len(rows), len(auto), themed=sum(1 for r in rows if r.theme_id))
    tell(2, 3, f"saving {sum(1 for t in result.themes if t.members)} themes")
    # A PM may have worked while the clustering ran: read the themes and hand-filed items again.
    db.session.expire_all()
    locked |= filed_by_people(project.id)
    free = [r for r in free if r.id not in locked]
    auto = {t.id: t for t in db.session.scalars(select(Theme).where(Theme.project_id == project.id,
                                                                    Theme.source == ThemeSource.AUTO))}
    # Themes no cluster matched go first (their items fall unthemed), freeing their names.
    filed_into, kept = themes_filed_into(project.id), {t.id for t in result.themes}
    gone = [t for key, t in auto.items() if key not in kept and not _protected(t, filed_into)]
    for theme in gone:
        db.session.delete(theme)
    db.session.flush()
    ids = _save_themes(project, result, auto)
    moves = [{"id": r.id, "theme_id": ids.get(result.labels.get(r.id, ml_themes.UNTHEMED))} for r in free]
    gone_ids = {t.id for t in gone}
    changed = [m for m, r in zip(moves, free) if m["theme_id"] != (None if r.theme_id in gone_ids else r.theme_id)]
    _move(changed)
    db.session.flush()
    db.session.expire_all()  # the bulk update bypassed the identity map
    _write_idf(project.id, result.idf)
    live = [t for t in result.themes if t.members]
    return RunSummary(len(rows), len(live), sum(1 for t in live if t.id not in auto), len(gone),
                      sum(1 for m in moves if m["theme_id"]))


def _move(changed: list[dict]) -> None:
    """Set the theme of many items: one UPDATE per theme and chunk of ids (ids IN (...)),
    not one per item; updated_at moves too (its onupdate), so the daily counts see the move."""
    by_theme: dict[int | None, list[int]] = {}
    for move in changed:
        by_theme.setdefault(move["theme_id"], []).append(move["id"])
    for theme_id, ids in by_theme.items():
        for start in range(0, len(ids), MOVE_CHUNK):
            db.session.execute(update(Feedback).where(Feedback.id.in_(ids[start:start + MOVE_CHUNK]))
                               .values(theme_id=theme_id).execution_options(synchronize_session=False))


def _write_idf(project_id: int, idf: dict[str, float]) -> None:
    path = idf_path(project_id)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".tmp")
    partial.write_text(json.dumps({"idf": idf}))
    partial.replace(path)  # readers see the old file or the new one, never half of one


def theme_set(project_id: int) -> ml_themes.ThemeSet | None:
    """The project's auto themes as an ml ThemeSet for `assign`, cached per process and rebuilt
    when the themes or the run's idf changed; None when there is nothing to assign to."""
    themes = snapshot.cached("auto_themes", auto_themes).get(project_id)
    path = idf_path(project_id)
    if not themes or not path.exists():
        return None
    mtime = path.stat().st_mtime_ns
    cached = _cache.get(project_id)
    if cached is None or cached[0] is not themes or cached[1] != mtime:  # a new snapshot, or a new run's idf
        members = [ml_themes.Theme(i, name, profile=profile, members=[i])  # members: only "live" counts
                   for i, name, profile in themes if profile]
        cached = _cache[project_id] = (themes, mtime, ml_themes.ThemeSet(members, idf=json.loads(path.read_text())["idf"]))
    return cached[2]


def auto_themes(session: Session) -> dict[int, tuple]:
    """Every project's auto themes as (id, name, profile) tuples, for the per-process snapshot."""
    found: dict[int, list] = {}
    for row in session.execute(select(Theme.project_id, Theme.id, Theme.name, Theme.profile)
                               .where(Theme.source == ThemeSource.AUTO).order_by(Theme.id)):
        found.setdefault(row.project_id, []).append((row.id, row.name, row.profile))
    return {project: tuple(rows) for project, rows in found.items()}


def assign_new(item: Feedback) -> int | None:
    """File a new item under the nearest auto theme of its project above ml's threshold (no
    event: the run would have done the same); returns the theme id, or None (stays unthemed)."""
    if item.quarantined or item.theme_id is not None:
        return None
    themes = theme_set(item.project_id if item.project_id is not None else item.project.id)
    if themes is None:
        return None
    [(_, theme_id, _score)] = ml_themes.assign([{"id": 0, **item_text(item.title, item.body)}], themes)
    if theme_id == ml_themes.UNTHEMED:
        return None
    item.theme_id = theme_id
    return theme_id
