"""Duplicate suggestions: which open items of a project read like this one.

One in-memory `ml.duplicates.DuplicateIndex` per project and app, built from the project's
open items on first use and kept in step without a full rebuild:

- new items: every lookup first adds the project's open items with an id above the last one
  indexed (one small query), so items taken in by any process are found;
- status changes, merges and quarantine: `forget(item)` (called by the item verbs) hides an
  item that left the open set, `remember(item)` adds one that came back; candidates are
  checked against the database anyway (one query for the few shown), so a change made by
  another process never shows a closed item;
- the index is rebuilt lazily when a quarter of it is hidden, or after REBUILD_SECONDS;
- a project with more than DUPLICATES_INLINE_BUILD open items (5,000: about 2 s) is built in a
  background thread, so no request waits for it: lookups find nothing until it is ready.

The score is ml's cosine and the bands are ml's (`LIKELY` 0.6, `POSSIBLE` 0.3), calibrated on
public duplicate bug reports: see docs/insights.md, "Duplicates, merge and votes".
"""
from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field

from flask import current_app
from sqlalchemy import func, select

from triage.services.triage.ml_bridge import LIKELY, POSSIBLE, DuplicateIndex, item_text, shared_phrases
from triage.extensions import db
from triage.models import Feedback, Project, Status, User
from triage.services import access

__all__ = ["LIKELY", "POSSIBLE", "Suggestion", "for_item", "similar_public", "suggestions", "forget",
           "remember"]

OPEN = [s for s in Status if s.is_open]
REBUILD_SECONDS = 3600
STALE_SHARE = 0.25
POOL = 30  # candidates asked of the index before hidden and changed items are dropped
RECENT = 200  # items the merge-suggestion list looks up (the newest open ones)


@dataclass
class Suggestion:
    """An open item that reads like another: the item, the cosine score, band, shared phrases."""

    item: Feedback
    score: float
    band: str
    shared: list[str] = field(default_factory=list)


class ProjectIndex:
    """The index of one project's open items, with the ids hidden since it was built."""

    def __init__(self, project_id: int):
        self.project_id = project_id
        self.lock = threading.Lock()
        self.index = DuplicateIndex()
        self.known: dict[int, int] = {}  # item id -> row in the index
        self.hidden: set[int] = set()
        self.last_id = 0  # the highest id indexed
        self.seen_id = 0  # the highest id read (of any project): where the next catch-up starts
        self.built_at = time.monotonic()
        self.pairs: tuple[int, list] | None = None  # (version, merge suggestions) cached

    @property
    def version(self) -> tuple[int, int, int]:
        return len(self.index), len(self.hidden), self.last_id

    def stale(self) -> bool:
        return (time.monotonic() - self.built_at > REBUILD_SECONDS
                or len(self.hidden) > STALE_SHARE * max(len(self.index), 40))

    def add(self, rows) -> None:
        rows = [r for r in rows if r.id not in self.known]
        if rows:
            start = len(self.index)
            self.index.add([r.id for r in rows], [item_text(r.body or "", r.title) for r in rows])
            self.known.update((r.id, start + n) for n, r in enumerate(rows))
            self.last_id = max(self.last_id, *(r.id for r in rows))
        for r in rows:
            self.hidden.discard(r.id)

    def catch_up(self) -> None:
        """Add the project's open items stored since the last look (all of them on first use).
        After the first, one statement reads every item above the highest id seen (a range at
        the primary key's end, empty on most lookups) and keeps the project's open ones here:
        the project's filters in SQL would lead the planner to the project's index instead."""
        if not self.seen_id:
            self.add(db.session.execute(select(Feedback.id, Feedback.title, Feedback.body)
                                        .where(*open_items(self.project_id)).order_by(Feedback.id)).all())
            self.seen_id = self.last_id
            return
        rows = db.session.execute(select(Feedback.id, Feedback.title, Feedback.body, Feedback.project_id,
                                         Feedback.status, Feedback.duplicate_of_id, Feedback.quarantined)
                                  .where(Feedback.id > self.seen_id).order_by(Feedback.id)).all()
        self.add([r for r in rows if r.project_id == self.project_id and r.status in OPEN
                  and r.duplicate_of_id is None and not r.quarantined])
        self.seen_id = max(self.seen_id, rows[-1].id) if rows else self.seen_id


def open_items(project_id: int) -> list:
    """The conditions of an item that can be a duplicate candidate."""
    return [Feedback.project_id == project_id, Feedback.status.in_(OPEN), Feedback.duplicate_of_id.is_(None),
            Feedback.quarantined.is_(False)]


def _registry() -> dict[int, ProjectIndex]:
    return current_app.extensions.setdefault("triage_duplicates", {})


def open_count(project_id: int) -> int:
    return db.session.scalar(select(func.count()).select_from(Feedback).where(*open_items(project_id))) or 0


def project_index(project_id: int) -> ProjectIndex | None:
    """The project's index, caught up with new items. A project with more open items than
    DUPLICATES_INLINE_BUILD is (re)built in a background thread: None until the first build
    is done, the stale index meanwhile on a rebuild."""
    registry = _registry()
    index = registry.get(project_id)
    if index is None or index.stale():
        if open_count(project_id) <= int(current_app.config.get("DUPLICATES_INLINE_BUILD", 5000)):
            index = registry[project_id] = ProjectIndex(project_id)
        else:
            build_in_background(project_id)
            if index is None:
                return None
    with index.lock:
        index.catch_up()
    return index


_BUILDING = threading.Lock()


def build_in_background(project_id: int) -> threading.Thread | None:
    """Start building the project's index in a thread of its own (with its own app context and
    session) unless one is running; the new index replaces the old one when it is done."""
    app = current_app._get_current_object()
    building: dict[int, threading.Thread] = app.extensions.setdefault("triage_duplicates_building", {})
    with _BUILDING:
        if project_id in building:
            return None

        def build() -> None:
            try:
                with app.app_context():
                    fresh = ProjectIndex(project_id)
                    fresh.catch_up()
                    app.extensions["triage_duplicates"][project_id] = fresh
                    db.session.remove()
            finally:
                building.pop(project_id, None)
        thread = building[project_id] = threading.Thread(target=build, name=f"duplicates-{project_id}", daemon=True)
    thread.start()
    return thread


def ready(project_id: int) -> bool:
    """Whether look-alikes can be looked up now (False while a first background build runs)."""
    return project_index(project_id) is not None


def forget(item: Feedback) -> None:
    """Hide an item that left the open set (closed, resolved, merged, quarantined)."""
    index = _registry().get(item.project_id)
    if index is not None and item.id in index.known:
        index.hidden.add(item.id)
        index.pairs = None


def remember(item: Feedback) -> None:
    """Show again an item that is open once more (reopened, unmerged)."""
    index = _registry().get(item.project_id)
    if index is None:
        return
    with index.lock:
        if item.id in index.known:
            index.hidden.discard(item.id)
        else:
            index.add([item])
        index.pairs = None


def _lookup(project_id: int, text: str, exclude: set[int], top: int, public_only: bool = False,
            lowest: float = POSSIBLE) -> list[Suggestion]:
    index = project_index(project_id)
    if index is None:
        return []
    with index.lock:
        found = index.index.query(text, top=POOL, phrases=False) if len(index.index) else []
    found = [c for c in found if c.id not in exclude and c.id not in index.hidden and c.score >= lowest]
    if not found:
        return []
    query = select(Feedback).where(Feedback.id.in_([c.id for c in found]), *open_items(project_id))
    if public_only:
        query = query.where(Feedback.public.is_(True))
    current = {i.id: i for i in db.session.scalars(query)}
    chosen = [c for c in found if c.id in current][:top]
    return [Suggestion(current[c.id], c.score, c.band or "possible", phrases(index, text, c.id)) for c in chosen]


def phrases(index: ProjectIndex, text: str, item_id: int) -> list[str]:
    """The phrases a text shares with an indexed item, rarest first (only for the few shown)."""
    return shared_phrases(text, index.index.texts[index.known[item_id]], index.index)


def for_item(item: Feedback, top: int = 5, viewer: User | None = None) -> list[Suggestion]:
    """Open items of the same project that read like this one (possible band and above) and
    the viewer may see, best first; none for a closed or merged item."""
    if not item.status.is_open or item.duplicate_of_id is not None or item.quarantined:
        return []
    found = _lookup(item.project_id, item_text(item.body or "", item.title), {item.id}, top)
    return [s for s in found if access.can_see(viewer, s.item)]


def similar_public(project_id: int, text: str, top: int = 5) -> list[Suggestion]:
    """Open public items that read like what an end user is typing (possible band and above)."""
    text = text.strip()[:5000]
    if len(text) < 8:
        return []
    return _lookup(project_id, item_text(text), set(), top, public_only=True)


def suggestions(project_id: int, limit: int = 50, viewer: User | None = None) -> list[tuple[Feedback, Suggestion]]:
    """Merge suggestions of a project: pairs (newer item, older look-alike) among its newest
    RECENT open items, both seen by the viewer, likely ones first then by score; cached until
    the index changes."""
    index = project_index(project_id)
    if index is None:
        return []
    if index.pairs is not None and index.pairs[0] == index.version:
        ids = index.pairs[1]
    else:
        recent = db.session.scalars(select(Feedback).where(*open_items(project_id))
                                    .order_by(Feedback.id.desc()).limit(RECENT)).all()
        ids = []
        for item in recent:
            text = item_text(item.body or "", item.title)
            with index.lock:
                found = index.index.query(text, top=3, phrases=False)
            for c in found:
                if c.id != item.id and c.id < item.id and c.score >= POSSIBLE and c.id not in index.hidden:
                    ids.append((item.id, c.id, c.score, c.band, phrases(index, text, c.id)))
        ids.sort(key=lambda p: (p[3] != "likely", -p[2], -p[0]))
        index.pairs = (index.version, ids)
    wanted = ids[: limit * 2]
    rows = {i.id: i for i in db.session.scalars(
        select(Feedback).where(Feedback.id.in_({p[0] for p in wanted} | {p[1] for p in wanted}),
                               *open_items(project_id), *access.visible(viewer)))}
    return [(rows[a], Suggestion(rows[b], score, band, shared))
            for a, b, score, band, shared in wanted if a in rows and b in rows][:limit]


def projects() -> list[Project]:
    """Every project, by name, for the merge suggestions' project picker."""
    return list(db.session.scalars(select(Project).order_by(Project.name)))
