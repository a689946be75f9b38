"""Themes: named groups of related feedback per project ("Slow checkout", "Dark mode").

Triagers file an item under a theme by picking one or naming a new one (items.set_theme);
each change is an Event("themed") with the old and new names. The board filters by theme.
Runs find auto themes (theme_runs.py: `run_themes`, `assign_new`); PMs rename, merge, split,
pin, move items and set a theme's status here, and every later run keeps what they did.
"""
from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from triage.extensions import db
from triage.models import Event, Feedback, Project, Theme, ThemeNote, ThemeSource, ThemeStatus, User
from triage.services import DomainError, NotFound
from triage.services import access
from triage.services.insights import aggregates, page

MAX_NAME = 120


def all_themes() -> list[Theme]:
    """Every theme with its project, by project then name (for filter and form choices)."""
    return list(db.session.scalars(select(Theme).options(joinedload(Theme.project))
                                   .order_by(Theme.project_id, func.lower(Theme.name))))


def project_themes(project_id: int) -> list[Theme]:
    """The project's themes by name (the item page's suggestions)."""
    return list(db.session.scalars(select(Theme).where(Theme.project_id == project_id)
                                   .order_by(func.lower(Theme.name))))


def theme_named(project: Project, name: str) -> Theme:
    """The project's theme of this name (ignoring case and outer spaces), made if new (flushes)."""
    name = " ".join(name.split())
    if not name or len(name) > MAX_NAME:
        raise DomainError(f"Name the theme (at most {MAX_NAME} characters).")
    theme = db.session.scalar(select(Theme).where(Theme.project_id == project.id,
                                                  func.lower(Theme.name) == name.lower()))
    if theme is None:
        theme = Theme(project=project, name=name)
        db.session.add(theme)
        db.session.flush()
    return theme


def all_projects() -> list[Project]:
    """Every project by name (the themes pages' and command's choice of project)."""
    return list(db.session.scalars(select(Project).order_by(func.lower(Project.name))))


def get_theme(theme_id: int) -> Theme:
    """The theme, or NotFound."""
    theme = db.session.get(Theme, theme_id)
    if theme is None:
        raise NotFound(f"No theme {theme_id}.")
    return theme


def themes_with_sizes(project_id: int) -> list[tuple[Theme, int]]:
    """The project's themes with how many items each holds: pinned first, then the largest."""
    size = func.count(Feedback.id)
    rows = db.session.execute(select(Theme, size).outerjoin(Feedback, Feedback.theme_id == Theme.id)
                              .where(Theme.project_id == project_id).group_by(Theme.id)
                              .order_by(Theme.pinned.desc(), size.desc(), func.lower(Theme.name))).all()
    return [(theme, count) for theme, count in rows]


def theme_items(theme: Theme, limit: int = 500, viewer: User | None = None) -> list[Feedback]:
    """The theme's items the viewer may see, newest first."""
    return list(db.session.scalars(select(Feedback).where(Feedback.theme_id == theme.id, *access.visible(viewer))
                                   .order_by(Feedback.created_at.desc(), Feedback.id.desc()).limit(limit)))


def theme_size(theme: Theme) -> int:
    return db.session.scalar(select(func.count(Feedback.id)).where(Feedback.theme_id == theme.id))


def unthemed_count(project_id: int) -> int:
    return db.session.scalar(select(func.count(Feedback.id)).where(
        Feedback.project_id == project_id, Feedback.theme_id.is_(None), Feedback.quarantined.is_(False)))


def _check_name(theme: Theme, name: str) -> str:
    name = " ".join(name.split())
    if not name or len(name) > MAX_NAME:
        raise DomainError(f"Name the theme (at most {MAX_NAME} characters).")
    clash = db.session.scalar(select(Theme).where(Theme.project_id == theme.project_id, Theme.id != theme.id,
                                                  func.lower(Theme.name) == name.lower()))
    if clash is not None:
        raise DomainError(f"The project already has a theme named {clash.name!r}; merge into it instead.")
    return name


def rename(theme: Theme, name: str) -> None:
    """Give the theme a PM's name, which every later run keeps (flushes)."""
    theme.name, theme.name_locked = _check_name(theme, name), True
    db.session.flush()


def set_status(theme: Theme, status: ThemeStatus) -> None:
    """Record where the theme stands (open, planned, in progress, shipped, won't do); flushes."""
    theme.status = status
    db.session.flush()


def pin(theme: Theme, pinned: bool) -> None:
    """Pin the theme to the top of its project's list (runs never delete a pinned theme); flushes."""
    theme.pinned = pinned
    db.session.flush()


def file_under(item: Feedback, theme: Theme | None, actor: User | None) -> bool:
    """Move the item to the theme (None: unthemed) with Event("themed"); runs leave it there
    from now on. Flushes; returns whether anything changed."""
    if theme is not None and theme.project_id != item.project_id:
        raise DomainError(f"#{item.id} belongs to another project than the theme {theme.name!r}.")
    if item.theme_id == (theme.id if theme else None):
        return False
    old = item.theme.name if item.theme else None
    item.theme = theme
    db.session.add(Event(feedback=item, actor=actor, kind="themed",
                         data={"from": old, "to": theme.name if theme else None}))
    db.session.flush()
    return True


def _items_of(theme: Theme, item_ids: list[int]) -> list[Feedback]:
    found = list(db.session.scalars(select(Feedback).where(Feedback.id.in_(item_ids), Feedback.theme_id == theme.id)))
    if not found or len(found) != len(set(item_ids)):
        raise DomainError(f"Choose items of the theme {theme.name!r}.")
    return found


def refile(items: list[Feedback], source: Theme | None, target: Theme | None, actor: User | None) -> int:
    """File the items (all of `source`, None: unthemed) under `target` (None: unthemed), an event
    each, and recount both themes' daily counts on the items' days (page.recount), so the
    insights page shows them where they went at once. Flushes; returns how many moved."""
    moved = sum(file_under(item, target, actor) for item in items)
    if moved and items:
        page.recount(items[0].project_id, {source.id if source else None, target.id if target else None},
                     {aggregates.utc_day(item.created_at) for item in items})
    return moved


def move_items(theme: Theme, item_ids: list[int], target: Theme | None, actor: User | None) -> int:
    """Move chosen items of the theme to another theme of the project (None: unthemed); flushes."""
    if target is not None and target.project_id != theme.project_id:
        raise DomainError("Move items only between themes of one project.")
    return refile(_items_of(theme, item_ids), theme, target, actor)


def merge(source: Theme, target: Theme, actor: User | None) -> int:
    """Move every item of `source` into `target` (an event each), fold its profile into the
    target's so new items of either kind find it, and delete `source`. Flushes; returns how
    many items moved."""
    if source.id == target.id or source.project_id != target.project_id:
        raise DomainError("Merge a theme into another theme of the same project.")
    moved = refile(theme_items(source, limit=1_000_000), source, target, actor)
    if source.profile:
        weights = dict(target.profile or {})
        for term, weight in source.profile.items():
            weights[term] = weights.get(term, 0.0) + weight
        norm = sum(w * w for w in weights.values()) ** 0.5 or 1.0
        target.profile = {t: round(w / norm, 5) for t, w in weights.items()}
    target.pinned = target.pinned or source.pinned
    db.session.delete(source)
    db.session.flush()
    return moved


def split(theme: Theme, item_ids: list[int], name: str, actor: User | None) -> Theme:
    """Move chosen items of the theme to a new theme of this name (a PM's theme: runs keep it
    and its items); flushes and returns it."""
    found = _items_of(theme, item_ids)
    new = Theme(project_id=theme.project_id, name="", source=ThemeSource.MANUAL, status=ThemeStatus.OPEN,
                pinned=False, name_locked=True)
    new.name = _check_name(new, name)
    db.session.add(new)
    db.session.flush()
    refile(found, theme, new, actor)
    return new


def delete(theme: Theme, actor: User | None) -> int:
    """Delete the theme; its items become unthemed (an event each, counted as unthemed at once)
    and the next run may cluster them again. Flushes; returns how many items it held."""
    moved = refile(theme_items(theme, limit=1_000_000), theme, None, actor)
    db.session.delete(theme)
    db.session.flush()
    return moved


from triage.services.insights.theme_runs import assign_new, run_themes  # noqa: E402  (re-exported)


MAX_NOTE = 5000


def notes(theme: Theme) -> list[ThemeNote]:
    """The theme's internal notes, oldest first, with their authors."""
    return list(db.session.scalars(select(ThemeNote).options(joinedload(ThemeNote.author))
                                   .where(ThemeNote.theme_id == theme.id).order_by(ThemeNote.id)))


def add_note(theme: Theme, author: User, body: str) -> ThemeNote:
    """Leave an internal note on the theme (flushes); DomainError when empty or too long."""
    body = body.strip()
    if not body or len(body) > MAX_NOTE:
        raise DomainError(f"A note needs text (at most {MAX_NOTE} characters).")
    note = ThemeNote(theme_id=theme.id, author=author, body=body)
    db.session.add(note)
    db.session.flush()
    return note
