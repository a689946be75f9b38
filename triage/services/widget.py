"""The public widget API's rules: allowed origins, signed identities, and turning the
JSON a widget (or any API client) sent into a Submission with a bounded context."""
from __future__ import annotations

import hashlib
import hmac
import json
import re
from typing import Any

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import select

from triage.extensions import db
from triage.models import Channel, Feedback, Kind, Project
from triage.services import DomainError, NotFound
from triage.services.intake import (
    MAX_BODY,
    MAX_TITLE,
    Submission,
    item_by_idempotency_key,
    submit_feedback,
)

MAX_ORIGINS = 50
MAX_JS_ERRORS = 10
MAX_META_KEYS = 30
MAX_USER_KEYS = 20
DERIVED_TITLE = 120
KINDS = {"bug": Kind.BUG, "idea": Kind.IDEA, "feedback": Kind.FEEDBACK, "other": Kind.FEEDBACK}
PUBLIC_KEY = re.compile(r"[A-Za-z0-9_-]{1,64}")  # what a key can look like (pk_ + hex when made here)
ORIGIN_RE = re.compile(r"^(https?)://(\*\.)?([a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*)"
                       r"(:(\d{1,5}))?$")
DEFAULT_PORTS = {"http": "80", "https": "443"}
# Context fields copied as short strings, with their length caps.
CONTEXT_STRINGS = {"page_url": 2000, "referrer": 2000, "user_agent": 500, "viewport": 40,
                   "language": 35, "app_version": 100}


class InvalidSubmission(DomainError):
    """The JSON sent is not a valid submission; `fields` says what is wrong where."""

    code = "invalid"

    def __init__(self, fields: dict[str, str]):
        super().__init__("The submission is not valid: " + "; ".join(f"{k}: {v}" for k, v in fields.items()))
        self.fields = fields


class OriginRefused(DomainError):
    """The calling page's origin is not one the project allows."""

    status_code = 403
    code = "origin_not_allowed"


def normalise_origin(value: str) -> str | None:
    """`scheme://host[:port]` in lower case without a default port, or None if it is not one
    (a path, user info, the opaque origin "null"...). `*.` may lead the host."""
    match = ORIGIN_RE.match(value.strip().lower().removesuffix("/"))
    if not match:
        return None
    scheme, wildcard, host, port = match.group(1), match.group(2) or "", match.group(3), match.group(8)
    if port and not 0 < int(port) <= 65535:
        return None
    if port == DEFAULT_PORTS[scheme]:
        port = None
    if wildcard and "." not in host and host != "localhost":
        return None  # "*.com" would let any site in
    return f"{scheme}://{wildcard}{host}" + (f":{port}" if port else "")


def parse_origins(text: str) -> list[str]:
    """Read allowed origins, one per line; raise DomainError naming the first bad line."""
    origins: list[str] = []
    for line in text.splitlines():
        if not line.strip():
            continue
        origin = normalise_origin(line)
        if origin is None:
            raise DomainError(f"{line.strip()!r} is not an origin like https://app.example.com, "
                              "http://localhost:8080 or https://*.example.com (no path).")
        if origin not in origins:
            origins.append(origin)
    if len(origins) > MAX_ORIGINS:
        raise DomainError(f"At most {MAX_ORIGINS} origins.")
    return origins


def set_allowed_origins(project: Project, text: str) -> None:
    """Replace the origins whose pages may send feedback to the project's widget API."""
    project.allowed_origins = parse_origins(text)
    db.session.flush()


def origin_allowed(allowed: list[str], origin: str | None) -> bool:
    """Whether a request's Origin header matches one of the allowed origins (exactly, or
    a subdomain of a `*.` entry with the same scheme and port)."""
    candidate = normalise_origin(origin or "")
    if candidate is None or "*" in candidate:
        return False
    scheme, _, rest = candidate.partition("://")
    for entry in allowed:
        if entry == candidate:
            return True
        if "://*." in entry:
            entry_scheme, _, pattern = entry.partition("://*.")
            if entry_scheme == scheme and rest.endswith("." + pattern):
                return True
    return False


def origin_allowed_anywhere(origin: str | None) -> bool:
    """Whether any project allows the origin (answers CORS preflights, which carry no key)."""
    return any(origin_allowed(origins or [], origin)
               for origins in db.session.scalars(select(Project.allowed_origins)))


def project_with_key(key: str) -> Project | None:
    """The project owning a widget key, or None; a value no key could be (too long, a NUL byte
    PostgreSQL would refuse, other characters) is not looked up."""
    if not PUBLIC_KEY.fullmatch(key):
        return None
    return db.session.scalar(select(Project).where(Project.public_key == key))


def project_by_public_key(key: str) -> Project:
    """The project owning a widget key; NotFound for an unknown key."""
    project = project_with_key(key)
    if project is None:
        raise NotFound("Unknown public key.")
    return project


def canonical_json(value: Any) -> bytes:
    """The bytes a host signs: keys sorted, no spaces, UTF-8."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def sign_identity(user: dict[str, Any], secret: str) -> str:
    """HMAC-SHA256 (hex) of the user object, as the host's server computes it."""
    return hmac.new(secret.encode(), canonical_json(user), hashlib.sha256).hexdigest()


def identity_verified(user: dict[str, Any], signature: str | None, secret: str) -> bool:
    """Whether the host signed exactly this user object with the project's identity secret."""
    return bool(signature) and hmac.compare_digest(sign_identity(user, secret), str(signature).lower())


def short(value: Any, limit: int) -> str:
    return (value if isinstance(value, str) else json.dumps(value, default=str))[:limit]


def scalar_map(value: Any, max_keys: int) -> dict[str, Any]:
    """A flat copy of a host-given object: at most `max_keys` keys, scalars kept, anything
    nested flattened to a short JSON string."""
    if not isinstance(value, dict):
        return {}
    return {str(k)[:64]: v if isinstance(v, (int, float, bool)) or v is None else short(v, 500)
            for k, v in list(value.items())[:max_keys]}


def clean_js_errors(value: Any) -> list[dict[str, Any]]:
    """The last JavaScript errors the widget saw, capped in number and length."""
    if not isinstance(value, list):
        return []
    errors = []
    for entry in value[-MAX_JS_ERRORS:]:
        if isinstance(entry, dict):
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


def derive_title(title: str, message: str) -> tuple[str, str]:
    """A summary and a body: the given title, or the message's first line cut to a summary
    (the body keeps the whole message unless the title already says it all)."""
    if title:
        return title, message
    first = message.splitlines()[0].strip() if message else ""
    if len(first) > DERIVED_TITLE:
        first = first[:DERIVED_TITLE].rsplit(" ", 1)[0] + "…"
    return first, "" if first == message else message


def parse_submission(data: Any, project: Project, *, channel: Channel, user_agent: str = "",
                     idempotency_key: str | None = None) -> Submission:
    """Validate the JSON of POST /api/v1/feedback into a Submission (InvalidSubmission with
    per-field messages otherwise). A signed `user` becomes a verified identity."""
    if not isinstance(data, dict):
        raise InvalidSubmission({"body": "Send a JSON object."})
    errors: dict[str, str] = {}
    kind = KINDS.get(str(data.get("kind") or "feedback"))
    if kind is None:
        errors["kind"] = "One of bug, idea, feedback."
    title = text_field(data, "title", MAX_TITLE, errors)
    message = text_field(data, "message", MAX_BODY, errors)
    if not (title or message) and "message" not in errors:
        errors["message"] = "Write a message."
    email = text_field(data, "email", 254, errors)
    if email and "email" not in errors:
        try:
            email = validate_email(email, check_deliverability=False).normalized
        except EmailNotValidError:
            errors["email"] = "Not a valid email address."
    user = data.get("user")
    if user is not None and (not isinstance(user, dict) or len(canonical_json(user)) > 2000):
        errors["user"] = "An object of at most 2,000 bytes."
    if idempotency_key is not None and not 8 <= len(idempotency_key) <= 100:
        errors["idempotency_key"] = "Between 8 and 100 characters."
    if errors:
        raise InvalidSubmission(errors)
    context = clean_context(data.get("context"), user_agent)
    if user:
        verified = identity_verified(user, data.get("user_signature"), project.identity_secret)
        context["user"] = scalar_map(user, MAX_USER_KEYS)
        context["user_verified"] = verified
        if verified and not email and isinstance(user.get("email"), str) and "@" in user["email"]:
            email = user["email"][:254]  # a signed identity vouches for its email
    title, body = derive_title(title, message)
    return Submission(kind=kind, title=title, body=body, email=email or None, channel=channel,
                      context=context, idempotency_key=idempotency_key)


def accept(project: Project, data: Any, *, channel: Channel, user_agent: str,
           idempotency_key: str | None, spam_reasons: list[str]) -> tuple[Feedback, bool]:
    """Store a widget/API submission, quarantined (kept for an admin, off the board) when
    `spam_reasons` is not empty; or return the item already stored under the idempotency
    key. The flag says whether the item was created now."""
    if idempotency_key and (existing := item_by_idempotency_key(project, idempotency_key)):
        return existing, False
    submission = parse_submission(data, project, channel=channel, user_agent=user_agent,
                                  idempotency_key=idempotency_key)
    if spam_reasons:
        submission.quarantined = True
        submission.context["quarantine"] = list(spam_reasons)
    return submit_feedback(project, submission), True
