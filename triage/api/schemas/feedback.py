"""The public intake API's schema: the JSON of POST /api/v1/feedback read into a Submission,
with per-field messages for what is wrong and a bounded page context."""
from __future__ import annotations

import json
from typing import Any

from email_validator import EmailNotValidError, validate_email

from triage.models import Channel, Kind, Project
from triage.services import DomainError
from triage.services.intake import MAX_BODY, MAX_EMAIL, MAX_TITLE, Submission
from triage.services.intake.widget import canonical_json, identity_verified
from triage.services.releases import versions

MAX_JS_ERRORS = 10
MAX_META_KEYS = 30
MAX_USER_KEYS = 20
MAX_USER_BYTES = 2000
DERIVED_TITLE = 120
KINDS = {"bug": Kind.BUG, "idea": Kind.IDEA, "feedback": Kind.FEEDBACK, "other": Kind.FEEDBACK}
# Context fields copied as short strings, with their length caps.
CONTEXT_STRINGS = {"page_url": 2000, "referrer": 2000, "user_agent": 500, "viewport": 40,
                   "language": 35, "app_version": 100}
FIELDS = {"public_key", "kind", "title", "message", "email", "website", "form_token", "context", "user",
          "user_signature"}


class InvalidSubmission(DomainError):
    """The JSON sent is not a valid submission; `fields` says what is wrong where."""

    code = "invalid"

    def __init__(self, fields: dict[str, str]):
        super().__init__("The submission is not valid: " + "; ".join(f"{k}: {v}" for k, v in fields.items()))
        self.fields = fields


def short(value: Any, limit: int) -> str:
    return (value if isinstance(value, str) else json.dumps(value, default=str))[:limit]


def scalar_map(value: dict[str, Any] | None, max_keys: int) -> dict[str, Any]:
    """A flat copy of a host-given object: at most `max_keys` keys, scalars kept, anything
    nested flattened to a short JSON string."""
    if not value:
        return {}
    return {str(k)[:64]: v if isinstance(v, (int, float, bool)) or v is None else short(v, 500)
            for k, v in list(value.items())[:max_keys]}


def context_errors(raw: Any, errors: dict[str, str]) -> None:
    """Wrong shapes in the page context are refused, never dropped in silence (a host page's
    prototypes once turned the widget's error list into a string)."""
    if raw is None:
        return
    if not isinstance(raw, dict):
        errors["context"] = "An object."
        return
    if raw.get("metadata") is not None and not isinstance(raw["metadata"], dict):
        errors["context.metadata"] = "An object."
    js_errors = raw.get("js_errors")
    if js_errors is not None and not (isinstance(js_errors, list) and all(isinstance(e, dict) for e in js_errors)):
        errors["context.js_errors"] = "A list of error objects."


def clean_js_errors(value: list[dict[str, Any]] | None) -> list[dict[str, Any]]:
    """The last JavaScript errors the widget saw, capped in number and length."""
    errors = []
    for entry in (value or [])[-MAX_JS_ERRORS:]:
        errors.append({"message": short(entry.get("message", ""), 500),
                       "source": short(entry.get("source", ""), 500),
                       "line": entry.get("line") if isinstance(entry.get("line"), int) else None,
                       "column": entry.get("column") if isinstance(entry.get("column"), int) else None,
                       "stack": short(entry.get("stack", ""), 2000),
                       "kind": short(entry.get("kind", "error"), 20),
                       "time": short(entry.get("time", ""), 40)})
    return errors


def clean_context(raw: Any, user_agent: str) -> dict[str, Any]:
    """The page context worth keeping, bounded: strings capped, metadata flat, errors capped."""
    raw = raw if isinstance(raw, dict) else {}
    context: dict[str, Any] = {key: short(raw[key], limit) for key, limit in CONTEXT_STRINGS.items()
                               if raw.get(key) not in (None, "")}
    context.setdefault("user_agent", user_agent[:500])
    if metadata := scalar_map(raw.get("metadata"), MAX_META_KEYS):
        context["metadata"] = metadata
    if js_errors := clean_js_errors(raw.get("js_errors")):
        context["js_errors"] = js_errors
    return context


def text_field(data: dict[str, Any], name: str, limit: int, errors: dict[str, str]) -> str:
    value = data.get(name) or ""
    if not isinstance(value, str):
        errors[name] = "Must be a string."
        return ""
    if len(value) > limit:
        errors[name] = f"At most {limit:,} characters."
    return value.strip()


def email_field(data: dict[str, Any], errors: dict[str, str]) -> str:
    """The optional `email`, normalised; a wrong one is noted in `errors`."""
    email = text_field(data, "email", MAX_EMAIL, errors)
    if email and "email" not in errors:
        try:
            email = validate_email(email, check_deliverability=False).normalized
        except EmailNotValidError:
            errors["email"] = "Not a valid email address."
    return email


def derive_title(title: str, message: str) -> tuple[str, str]:
    """A summary and a body: the given title, or the message's first line cut to a summary
    (the body keeps the whole message unless the title already says it all)."""
    if title:
        return title, message
    first = message.splitlines()[0].strip() if message else ""
    if len(first) > DERIVED_TITLE:
        first = first[:DERIVED_TITLE].rsplit(" ", 1)[0] + "…"
    return first, "" if first == message else message


def field_errors(data: dict[str, Any], idempotency_key: str | None) -> tuple[dict[str, str], dict[str, Any]]:
    """What is wrong where, and the fields read so far (kind, title, message, email, user)."""
    unknown = [name for name in data if name not in FIELDS][:5]
    errors: dict[str, str] = {name[:64]: "Unknown field." for name in unknown}
    kind = KINDS.get(str(data.get("kind") or "feedback"))
    if kind is None:
        errors["kind"] = "One of bug, idea, feedback."
    title = text_field(data, "title", MAX_TITLE, errors)
    message = text_field(data, "message", MAX_BODY, errors)
    if not (title or message) and "message" not in errors:
        errors["message"] = "Write a message."
    email = email_field(data, errors)
    user = data.get("user")
    if user is not None and (not isinstance(user, dict) or len(canonical_json(user)) > MAX_USER_BYTES):
        errors["user"] = "An object of at most 2,000 bytes."
    if data.get("user_signature") is not None and not isinstance(data["user_signature"], str):
        errors["user_signature"] = "Must be a string."
    context_errors(data.get("context"), errors)
    raw_context = data.get("context")
    app_version = raw_context.get("app_version") if isinstance(raw_context, dict) else None
    try:
        versions.optional(app_version)
    except versions.InvalidVersion as error:
        errors["context.app_version"] = str(error)
    if idempotency_key is not None and not 8 <= len(idempotency_key) <= 100:
        errors["idempotency_key"] = "Between 8 and 100 characters."
    return errors, {"kind": kind, "title": title, "message": message, "email": email, "user": user}


def parse_submission(data: Any, project: Project, *, channel: Channel, user_agent: str = "",
                     idempotency_key: str | None = None) -> Submission:
    """Validate the JSON of POST /api/v1/feedback into a Submission (InvalidSubmission with
    per-field messages otherwise). A signed `user` becomes a verified identity."""
    if not isinstance(data, dict):
        raise InvalidSubmission({"body": "Send a JSON object."})
    errors, fields = field_errors(data, idempotency_key)
    if errors:
        raise InvalidSubmission(errors)
    context, email, user = clean_context(data.get("context"), user_agent), fields["email"], fields["user"]
    if user:
        verified = identity_verified(user, data.get("user_signature"), project.identity_secret)
        context["user"] = scalar_map(user, MAX_USER_KEYS)
        context["user_verified"] = verified
        if verified and not email and isinstance(user.get("email"), str) and "@" in user["email"]:
            email = user["email"][:MAX_EMAIL]  # a signed identity vouches for its email
    title, body = derive_title(fields["title"], fields["message"])
    return Submission(kind=fields["kind"], title=title, body=body, email=email or None, channel=channel,
                      context=context, idempotency_key=idempotency_key, app_version=context.get("app_version"))
