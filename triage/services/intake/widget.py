"""The public widget API's rules: allowed origins, project keys and signed identities.
(Reading the JSON a widget sent is the API's schema: triage.api.schemas.feedback.)"""
from __future__ import annotations

import hashlib
import hmac
import json
import re
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from triage.extensions import db
from triage.models import Project, RefusedAttempt, utcnow
from triage.services import DomainError, NotFound, snapshot

MAX_ORIGINS = 50
MAX_REFUSED_ROWS = 200  # per project: made-up Origin headers cannot grow the table without bound
PUBLIC_KEY = re.compile(r"[A-Za-z0-9_-]{1,64}")  # what a key can look like (pk_ + hex when made here)
ORIGIN_RE = re.compile(r"^(https?)://(\*\.)?([a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*)"
                       r"(:(\d{1,5}))?$")
DEFAULT_PORTS = {"http": "80", "https": "443"}


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


def projects_allowing(origin: str | None) -> list[Project]:
    """The projects whose widget may run on pages of this origin."""
    return [project for project in db.session.scalars(select(Project).order_by(Project.id))
            if origin_allowed(project.allowed_origins or [], origin)]


def record_refusal(project: Project, origin: str, reason: str) -> None:
    """Count one refused widget call for the project by calling origin and reason ("origin"
    or "key"): one row per pair, updated in place. Flushes."""
    origin = origin[:200]
    match = (RefusedAttempt.project_id == project.id, RefusedAttempt.origin == origin,
             RefusedAttempt.reason == reason)
    bump = update(RefusedAttempt).where(*match).values(count=RefusedAttempt.count + 1, last_seen=utcnow())
    if db.session.execute(bump).rowcount:
        return
    rows = db.session.scalar(select(func.count()).where(RefusedAttempt.project_id == project.id))
    if rows >= MAX_REFUSED_ROWS:
        return
    try:
        with db.session.begin_nested():
            db.session.add(RefusedAttempt(project_id=project.id, origin=origin, reason=reason, count=1))
    except IntegrityError:  # a concurrent request inserted the pair first
        db.session.execute(bump)


def refused_attempts(project: Project) -> list[RefusedAttempt]:
    """The project's refused widget calls, most recent first."""
    return list(db.session.scalars(select(RefusedAttempt).where(RefusedAttempt.project_id == project.id)
                                   .order_by(RefusedAttempt.last_seen.desc())))


def project_with_key(key: str) -> Project | None:
    """The project owning a widget key, or None; a value no key could be (too long, a NUL byte
    PostgreSQL would refuse, other characters) is not looked up."""
    if not PUBLIC_KEY.fullmatch(key):
        return None
    return snapshot.attach(snapshot.cached("projects", projects_by_key).get(key))


def projects_by_key(session: Session) -> dict[str, Project]:
    """Every project by its widget key, for the per-process snapshot (services/snapshot.py)."""
    return {project.public_key: project for project in session.scalars(select(Project))}


def canonical_json(value: Any) -> bytes:
    """The bytes a host signs: keys sorted, no spaces, UTF-8."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def sign_identity(user: dict[str, Any], secret: str) -> str:
    """HMAC-SHA256 (hex) of the user object, as the host's server computes it."""
    return hmac.new(secret.encode(), canonical_json(user), hashlib.sha256).hexdigest()


def identity_verified(user: dict[str, Any], signature: str | None, secret: str) -> bool:
    """Whether the host signed exactly this user object with the project's identity secret."""
    return bool(signature) and hmac.compare_digest(sign_identity(user, secret), str(signature).lower())
