"""Saved views: a named set of board filters, private to its owner or shared with one team."""
from __future__ import annotations

from typing import Any

from sqlalchemy import or_, select

from triage.extensions import db
from triage.models import SavedView, User, valid_id
from triage.services import DomainError, NotFound
from triage.services.items import inbox

MAX_NAME = 80


class Forbidden(DomainError):
    status_code = 403


def team_ids(user: User) -> list[int]:
    return [m.team_id for m in user.memberships]


def save_view(user: User, name: str, filters: dict[str, Any], team_id: int | None = None) -> SavedView:
    """Store the filters under a name (flushes); shared when team_id is one of the user's teams.

    Saving again under a name the user already has replaces that view's filters and sharing.
    """
    name = (name or "").strip()
    if not name or len(name) > MAX_NAME:
        raise DomainError(f"A view needs a name of 1 to {MAX_NAME} characters.")
    if team_id is not None and team_id not in team_ids(user):
        raise DomainError("You can only share a view with a team you belong to.")
    clean = inbox.InboxFilter.from_args(filters).to_args()
    view = db.session.scalar(select(SavedView).where(SavedView.user_id == user.id, SavedView.name == name))
    if view is None:
        view = SavedView(user_id=user.id, name=name)
        db.session.add(view)
    view.filters, view.team_id = clean, team_id
    db.session.flush()
    return view


def visible_views(user: User) -> list[SavedView]:
    """The user's own views and those shared with their teams, by name."""
    query = select(SavedView).where(or_(SavedView.user_id == user.id, SavedView.team_id.in_(team_ids(user))))
    return list(db.session.scalars(query.order_by(SavedView.name, SavedView.id)))


def get_view(user: User, view_id: int) -> SavedView:
    """A view the user may open (theirs or shared with one of their teams); else NotFound."""
    view = db.session.get(SavedView, view_id) if valid_id(view_id) else None
    if view is None or (view.user_id != user.id and view.team_id not in team_ids(user)):
        raise NotFound(f"No saved view {view_id}.")
    return view


def delete_view(user: User, view_id: int) -> None:
    """Delete one of the user's own views (flushes); a teammate's shared view is refused."""
    view = get_view(user, view_id)
    if view.user_id != user.id:
        raise Forbidden("Only the owner of a view can delete it.")
    db.session.delete(view)
    db.session.flush()


def view_counts(views: list[SavedView], viewer: User | None = None) -> dict[int, str]:
    """Each view's capped item count of the items the viewer sees, formatted ("1,234" or
    "10,000+"), one cheap query per view."""
    return {v.id: inbox.format_count(inbox.capped_count(inbox.InboxFilter.from_args(v.filters), viewer=viewer))
            for v in views}
