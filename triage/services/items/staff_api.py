"""The staff API's changes: a PATCH, validated by `triage.api.schemas.staff` into plain
values, applied through the same item verbs the board's pages use."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from triage.models import Feedback, Status, Team, User
from triage.services import DomainError, items


class InvalidRequest(DomainError):
    """The query or body is not valid; `fields` says what is wrong where."""

    code = "invalid"

    def __init__(self, fields: dict[str, str]):
        super().__init__("The request is not valid: " + "; ".join(f"{k}: {v}" for k, v in fields.items()))
        self.fields = fields


@dataclass
class Changes:
    """A validated PATCH: only the keys sent are set (None in `present` means "clear")."""

    present: dict[str, Any]
    status: Status | None = None
    team: Team | None = None
    assignee: User | None = None
    tags: list[str] | None = None
    theme: str | None = None  # a theme name; "" files the item under none
    comment: tuple[str, bool] | None = None


def assignment(item: Feedback, changes: Changes) -> tuple[Team | None, User | None]:
    """The team and person after the change: an unchanged side is kept when it still fits."""
    sent = changes.present
    team = changes.team if "team_id" in sent else None
    user = changes.assignee if "assignee_id" in sent else None
    if "team_id" not in sent and user is not None and item.team and user in [m.user for m in item.team.memberships]:
        team = item.team  # the new assignee is in the item's team: stay there
    if "assignee_id" not in sent and item.assignee and team and item.assignee in [m.user for m in team.memberships]:
        user = item.assignee  # the assignee belongs to the new team: keep them
    return team, user


def apply_patch(item: Feedback, actor: User, changes: Changes) -> None:
    """Apply a validated PATCH with the board's verbs, each recorded as an Event (flushes)."""
    sent = changes.present
    if changes.status is not None:
        items.change_status(item, changes.status, actor)
    if "team_id" in sent or "assignee_id" in sent:
        try:
            items.assign(item, *assignment(item, changes), actor)
        except DomainError as error:
            raise InvalidRequest({"assignee_id": str(error)}) from error
    if {"category", "impact", "urgency"} & set(sent):
        labels = {name: sent.get(name, getattr(item, name)) for name in ("category", "impact", "urgency")}
        missing = [name for name, value in labels.items() if value is None]
        if missing:
            raise InvalidRequest({name: "The item is not classified yet: send all three labels." for name in missing})
        items.reclassify(item, actor, **labels)
    if changes.tags is not None:
        items.set_tags(item, changes.tags, actor)
    if changes.theme is not None:
        items.set_theme(item, changes.theme, actor)
    if changes.comment is not None:
        items.add_comment(item, actor, *changes.comment)
