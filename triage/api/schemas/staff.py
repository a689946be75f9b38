"""The staff API's input: the query string of GET /items and the JSON body of PATCH /items/<id>,
read strictly (an unknown or malformed value is a 422 naming the field, never silently ignored)
into plain values for the services."""
from __future__ import annotations

from typing import Any, Mapping

from triage.models import Category, Level, Priority, Status, Team, User, parse_id
from triage.services import find, items
from triage.services.items import inbox
from triage.services.releases import versions
from triage.services.insights import themes
from triage.services.items.staff_api import Changes, InvalidRequest

MAX_LIMIT = 100
DEFAULT_LIMIT = 50
MAX_TAGS = 20
MAX_TAG = items.MAX_TAG
LIST_FIELDS = {"project": "project_id", "team": "team_id", "assignee": "assignee_id", "theme": "theme_id"}
PATCH_FIELDS = {"status", "assignee_id", "team_id", "impact", "urgency", "category", "tags", "theme", "comment"}


LIST_PARAMS = {"project", "team", "assignee", "theme", "status", "category", "priority", "version", "q", "cursor",
               "limit"}


def parse_list_args(args: Mapping[str, str]) -> tuple[inbox.InboxFilter, str | None, int]:
    """Filters, cursor and page size of GET /items (newest first); unknown values are a 422,
    not silently "any" as on the board's page, and so are unknown parameters (a misspelt
    filter would otherwise list everything). Status defaults to "any"."""
    unknown = [name for name in args if name not in LIST_PARAMS][:5]
    errors: dict[str, str] = {name[:64] or "(empty)": "Unknown parameter." for name in unknown}
    getlist = getattr(args, "getlist", None)
    errors.update({name: "Give it once." for name in LIST_PARAMS if getlist and len(getlist(name)) > 1})
    ids: dict[str, int | None] = {}
    for name, field in LIST_FIELDS.items():
        ids[field] = parse_id(args[name]) if args.get(name) else None
        if name in args and ids[field] is None:  # "team=" too: an empty filter is a mistake
            errors[name] = "A positive integer id."
    status = args.get("status", "any")
    if status not in {"any", "open", *(s.value for s in Status)}:
        errors["status"] = "One of any, open, " + ", ".join(s.value for s in Status) + "."
    for name, allowed in (("category", list(Category)), ("priority", list(Priority))):
        if name in args and args[name] not in allowed:
            errors[name] = "One of " + ", ".join(allowed) + "."
    limit = parse_id(args.get("limit", str(DEFAULT_LIMIT)))
    if limit is None or limit > MAX_LIMIT:
        errors["limit"] = f"An integer from 1 to {MAX_LIMIT}."
    q = args.get("q") or ""
    if len(q) > inbox.MAX_QUERY:
        errors["q"] = f"At most {inbox.MAX_QUERY} characters."
    try:
        version = versions.optional(args.get("version"))
    except versions.InvalidVersion as error:
        errors["version"] = str(error)
    if errors:
        raise InvalidRequest(errors)
    category, priority = args.get("category"), args.get("priority")
    flt = inbox.InboxFilter(status=status, category=Category(category) if category else None,
                            priority=Priority(priority) if priority else None, version=version, q=q.strip(), sort="newest", **ids)
    return flt, args.get("cursor") or None, limit


def is_one_of(value: Any, allowed) -> bool:
    """Whether a JSON value is one of the allowed strings (lists and objects never are)."""
    return isinstance(value, str) and value in allowed


def lookup(model, value: Any, name: str, errors: dict[str, str]):
    """The row with this id, None for JSON null; a bad or unknown id is a field error."""
    if value is None:
        return None
    row = find(model, parse_id(value) if isinstance(value, int) else None)  # JSON ids are numbers, not strings
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
    for name, allowed in (("category", list(Category)), ("impact", list(Level)), ("urgency", list(Level))):
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
