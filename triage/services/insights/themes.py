"""Themes: named groups of related feedback per project ("Slow checkout", "Dark mode").

Triagers file an item under a theme by picking one or naming a new one (items.set_theme);
each change is an Event("themed") with the old and new names. The board filters by theme.
"""
from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from triage.extensions import db
from triage.models import Project, Theme
from triage.services import DomainError

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
