"""The widget's "me too": the JSON of POST /api/v1/feedback/<id>/votes read into plain values."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from triage.api.schemas.feedback import InvalidSubmission, email_field, text_field

MAX_VISITOR = 64
MAX_QUERY = 2000


@dataclass
class MeToo:
    email: str | None
    name: str | None
    visitor: str


def parse_me_too(data: dict[str, Any]) -> MeToo:
    """The voter: the widget's visitor id (required, 8 to 64 characters), email and name optional."""
    errors: dict[str, str] = {}
    visitor = text_field(data, "visitor", MAX_VISITOR, errors)
    if "visitor" not in errors and len(visitor) < 8:
        errors["visitor"] = "The widget's visitor id, 8 to 64 characters."
    email = email_field(data, errors)
    name = text_field(data, "name", 120, errors)
    if errors:
        raise InvalidSubmission(errors)
    return MeToo(email or None, name or None, visitor)


def parse_query(args) -> str:
    """The text typed so far (`q`), capped; a missing one is an empty text (no suggestions)."""
    return str(args.get("q", ""))[:MAX_QUERY]
