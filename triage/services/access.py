"""Who sees which item: the one place that decides it.

An agent whose `item_access` is "teams" sees only the items routed to one of their teams or
assigned to them (like a help desk's "ticket access: in their groups"); every other agent,
product managers and admins see every item. `viewer=None` is a job or command: no limit.
Every list takes `visible(viewer)` as one more WHERE clause, every lookup by id `check`s the
item, and an item one may not see answers as if it did not exist (NotFound, so a 404).
"""
from __future__ import annotations

from sqlalchemy import ColumnElement, or_

from triage.models import Feedback, ItemAccess, Role, User
from triage.services import NotFound


def restricted(viewer: User | None) -> bool:
    """Whether the viewer sees only their teams' and their own items."""
    return viewer is not None and viewer.role == Role.AGENT and viewer.item_access == ItemAccess.TEAMS


def team_ids(viewer: User) -> list[int]:
    return [m.team_id for m in viewer.memberships]


def visible(viewer: User | None) -> list[ColumnElement]:
    """The WHERE clauses that keep a list of items to those the viewer may see ([] for all)."""
    if not restricted(viewer):
        return []
    return [or_(Feedback.team_id.in_(team_ids(viewer)), Feedback.assignee_id == viewer.id)]


def can_see(viewer: User | None, item: Feedback) -> bool:
    """The same rule as `visible`, for one loaded item."""
    if not restricted(viewer):
        return True
    return item.assignee_id == viewer.id or (item.team_id is not None and item.team_id in team_ids(viewer))


def check(viewer: User | None, item: Feedback) -> Feedback:
    """The item when the viewer may see it; else NotFound, worded as for a missing id."""
    if not can_see(viewer, item):
        raise NotFound(f"No item {item.id}.")
    return item
