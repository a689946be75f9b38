"""Accepting feedback from any channel: one transaction stores the item and its first Event."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select

from triage.extensions import db
from triage.models import Channel, Event, Feedback, Kind, Project, Severity
from triage.services import DomainError, NotFound, pipeline

MAX_TITLE = 200
MAX_BODY = 20_000
MAX_EMAIL = 254


@dataclass
class Submission:
    """What a submitter sent, already parsed into plain values."""

    kind: Kind
    title: str
    body: str = ""
    severity: Severity | None = None
    email: str | None = None
    name: str | None = None
    channel: Channel = Channel.FORM
    context: dict[str, Any] = field(default_factory=dict)
    idempotency_key: str | None = None
    # Suspected spam: stored for an admin to review, kept off the board.
    quarantined: bool = False


def project_by_slug(slug: str) -> Project:
    project = db.session.scalar(select(Project).where(Project.slug == slug))
    if project is None:
        raise NotFound(f"No project {slug!r}.")
    return project


def compose_bug_body(description: str, steps: str, expected: str, actual: str) -> str:
    """Join the parts of a bug report into one body, with a heading for each part given."""
    parts = [description.strip()]
    for heading, text in (("Steps to reproduce", steps), ("Expected", expected), ("Actual", actual)):
        if text.strip():
            parts.append(f"{heading}:\n{text.strip()}")
    return "\n\n".join(p for p in parts if p)


def submit_feedback(project: Project, sub: Submission) -> Feedback:
    """Store a new item with its "created" Event, or return the item already stored
    under the same idempotency key (a retried submission never makes a second one)."""
    title = sub.title.strip()
    if not title:
        raise DomainError("A summary is required.")
    if len(title) > MAX_TITLE or len(sub.body) > MAX_BODY:
        raise DomainError(f"Summary is limited to {MAX_TITLE} and text to {MAX_BODY} characters.")
    if sub.idempotency_key:
        existing = item_by_idempotency_key(project, sub.idempotency_key)
        if existing is not None:
            return existing
    # Lower-casing can lengthen a string ("İ" becomes two code points): check the stored form.
    email = (sub.email or "").strip().lower() or None
    if email and len(email) > MAX_EMAIL:
        raise DomainError(f"An email address has at most {MAX_EMAIL} characters.")
    item = Feedback(
        project=project,
        channel=sub.channel,
        kind=sub.kind,
        title=title,
        body=sub.body.strip(),
        severity=sub.severity,
        submitter_email=email,
        submitter_name=(sub.name or "").strip() or None,
        context=sub.context,
        idempotency_key=sub.idempotency_key,
        quarantined=sub.quarantined,
        team_id=project.default_team_id,  # the id alone: loading the team would cost a query
        attachments=[],  # a new item has none; saying so spares a query when they are counted
    )
    db.session.add(item)
    db.session.add(Event(feedback=item, kind="created", data={"channel": sub.channel.value}))
    db.session.flush()
    pipeline.after_intake(item)
    return item


def item_by_idempotency_key(project: Project, key: str) -> Feedback | None:
    """The project's item stored under this idempotency key, if any."""
    return db.session.scalar(
        select(Feedback).where(Feedback.project_id == project.id, Feedback.idempotency_key == key)
    )


def item_by_status_token(token: str) -> Feedback:
    item = db.session.scalar(select(Feedback).where(Feedback.status_token == token))
    if item is None:
        raise NotFound("No item with this status link.")
    return item
