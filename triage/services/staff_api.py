"""The staff API's rules: list filters read strictly from a query string, and a PATCH body
validated into plain values then applied through the same verbs the board's pages use."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping

from triage.extensions import db
from triage.models import Feedback, Status, Team, User
from triage.services import DomainError, board, classify, items, themes

MAX_LIMIT = 100
DEFAULT_LIMIT = 50
MAX_TAGS = 20
MAX_TAG = 40
LIST_FIELDS = {"project": "project_id", "team": "team_id", "assignee": "assignee_id", "theme": "theme_id"}
PATCH_FIELDS = {"status", "assignee_id", "team_id", "impact", "urgency", "category", "tags", "theme", "comment"}


class InvalidRequest(DomainError):
    """The query or body is not valid; `fields` says what is wrong where."""

    code = "invalid"

    def __init__(self, fields: dict[str, str]):
        super().__init__("The request is not valid: " + "; ".join(f"{k}: {v}" for k, v in fields.items()))
        self.fields = fields


def positive_int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, str) and value.isdigit() and len(value) < 12:
        value = int(value)
    return value if isinstance(value, int) and 0 < value < 2**31 else None


def parse_list_args(args: Mapping[str, str]) -> tuple[board.InboxFilter, str | None, int]:
    """Filters, cursor and page size of GET /items (newest first); unknown values are a 422,
    not silently "any" as on the board's page. Status defaults to "any"."""
    errors: dict[str, str] = {}
    ids: dict[str, int | None] = {}
    for name, field in LIST_FIELDS.items():
        ids[field] = positive_int(args[name]) if args.get(name) else None
        if args.get(name) and ids[field] is None:
            errors[name] = "A positive integer id."
    status = args.get("status") or "any"
    if status not in {"any", "open", *(s.value for s in Status)}:
        errors["status"] = "One of any, open, " + ", ".join(s.value for s in Status) + "."
    for name, allowed in (("category", board.CATEGORIES), ("priority", board.PRIORITIES)):
        if args.get(name) and args[name] not in allowed:
            errors[name] = "One of " + ", ".join(allowed) + "."
    limit = positive_int(args.get("limit") or str(DEFAULT_LIMIT))
    if limit is None or limit > MAX_LIMIT:
        errors["limit"] = f"An integer from 1 to {MAX_LIMIT}."
    q = args.get("q") or ""
    if len(q) > board.MAX_QUERY:
        errors["q"] = f"At most {board.MAX_QUERY} characters."
    if errors:
        raise InvalidRequest(errors)
    flt = board.InboxFilter(status=status, category=args.get("category") or None,
                            priority=args.get("priority") or None, q=q.strip(), sort="newest", **ids)
    return flt, args.get("cursor") or None, limit


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


def is_one_of(value: Any, allowed) -> bool:
    """Whether a JSON value is one of the allowed strings (lists and objects never are)."""
    return isinstance(value, str) and value in allowed


def lookup(model, value: Any, name: str, errors: dict[str, str]):
    """The row with this id, None for JSON null; a bad or unknown id is a field error."""
    if value is None:
        return None
    ident = positive_int(value) if isinstance(value, int) else None  # JSON ids are numbers, not strings
    row = db.session.get(model, ident) if ident else None
    if row is None:
        errors[name] = f"No {model.__name__.lower()} with this id."
    return row


def parse_tags(value: Any, errors: dict[str, str]) -> list[str] | None:
    if not isinstance(value, list) or len(value) > MAX_TAGS or not all(
            isinstance(t, str) and 0 < len(t.strip()) <= MAX_TAG for t in value):
        errors["tags"] = f"A list of at most {MAX_TAGS} non-empty strings of at most {MAX_TAG} characters."
        return None
    return sorted({t.strip().lower() for t in value})


def parse_comment(value: Any, errors: dict[str, str]) -> tuple[str, bool] | None:
    body = value.get("body") if isinstance(value, dict) else None
    public = value.get("public", False) if isinstance(value, dict) else None
    if not isinstance(body, str) or not body.strip() or len(body) > items.MAX_COMMENT or \
            not isinstance(public, bool) or set(value) - {"body", "public"}:
        errors["comment"] = f"An object {{body: 1 to {items.MAX_COMMENT} characters, public: boolean}}."
        return None
    return body, public


def parse_patch(data: Any) -> Changes:
    """Validate a PATCH body into Changes, or raise InvalidRequest naming every bad field."""
    if not isinstance(data, dict) or not data:
        raise InvalidRequest({"body": "Send a JSON object with at least one of " + ", ".join(sorted(PATCH_FIELDS)) + "."})
    errors = {name: "Not a field that can be changed." for name in set(data) - PATCH_FIELDS}
    changes = Changes(present={k: v for k, v in data.items() if k in PATCH_FIELDS})
    if "status" in data:
        if is_one_of(data["status"], [s.value for s in Status]):
            changes.status = Status(data["status"])
        else:
            errors["status"] = "One of " + ", ".join(s.value for s in Status) + "."
    changes.team = lookup(Team, data.get("team_id"), "team_id", errors)
    changes.assignee = lookup(User, data.get("assignee_id"), "assignee_id", errors)
    for name, allowed in (("category", classify.CATEGORIES), ("impact", classify.LEVELS),
                          ("urgency", classify.LEVELS)):
        if name in data and not is_one_of(data[name], allowed):
            errors[name] = "One of " + ", ".join(allowed) + "."
    if "tags" in data:
        changes.tags = parse_tags(data["tags"], errors)
    if "theme" in data:
        name = data["theme"] if data["theme"] is not None else ""
        if isinstance(name, str) and len(name.strip()) <= themes.MAX_NAME:
            changes.theme = name
        else:
            errors["theme"] = f"A theme name of at most {themes.MAX_NAME} characters, or null for none."
    if "comment" in data:
        changes.comment = parse_comment(data["comment"], errors)
    if errors:
        raise InvalidRequest(errors)
    return changes


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
