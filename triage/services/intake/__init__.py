"""Accepting feedback from any channel: one flush stores the item, its first Event and what
inline triage gave it; an idempotency key makes a retried submission return the stored item."""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from triage.extensions import db
from triage.models import Channel, Event, Feedback, Kind, Project, Severity, Status, utcnow, valid_id
from triage.services import DomainError, NotFound, locks
from triage.services.releases import versions
from triage.services.triage import pipeline

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
    # The submitter's app version as sent (normalised by accept; garbage is refused).
    app_version: str | None = None
    # Suspected spam: stored for an admin to review, kept off the board.
    quarantined: bool = False
    # When it was reported, for historical imports (SLA due times count from it); now otherwise.
    created_at: datetime | None = None


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
    """Store a new item (see accept) and return it, or the item already stored under the
    same idempotency key: a retried submission never makes a second one."""
    return accept(project, sub)[0]


def accept(project: Project, sub: Submission, spam_reasons: Sequence[str] = ()) -> tuple[Feedback, bool]:
    """Store a new item with its "created" Event, triaged inline when the app says so, in one
    flush; or return the item already stored under the same idempotency key. The flag says
    whether the item was created now. Non-empty `spam_reasons` quarantine it (kept for an
    admin, off the board). Two requests with the same key at once make one item: the
    loser's insert fails in a savepoint and it returns the winner's item."""
    title, email = checked_title(sub), checked_email(sub)
    version = checked_version(sub)
    if sub.idempotency_key and (existing := item_by_idempotency_key(project, sub.idempotency_key)):
        return existing, False
    if spam_reasons:
        sub.quarantined = True
        sub.context = {**sub.context, "quarantine": list(spam_reasons)}
    item = new_item(project, sub, title, email)
    item.app_version, item.version_key = version, versions.sort_key(version) if version else None
    # Triage the item before anything is written: the steps read rules and policies (no
    # autoflush of the half-built item), then one flush stores it with all it gained.
    with db.session.no_autoflush:
        db.session.add(item)
        db.session.add(Event(feedback=item, kind="created", data={"channel": sub.channel.value}))
        pipeline.after_intake(item, flush=False)
    if not sub.idempotency_key:
        db.session.flush()
        return item, True
    try:
        flush_in_savepoint(item)
    except IntegrityError:  # another request stored the same key since this one looked
        if (existing := item_by_idempotency_key(project, sub.idempotency_key)) is None:
            raise
        return existing, False
    return item, True


def checked_title(sub: Submission) -> str:
    title = sub.title.strip()
    if not title:
        raise DomainError("A summary is required.")
    if len(title) > MAX_TITLE or len(sub.body) > MAX_BODY:
        raise DomainError(f"Summary is limited to {MAX_TITLE} and text to {MAX_BODY} characters.")
    return title


def checked_email(sub: Submission) -> str | None:
    # Lower-casing can lengthen a string ("İ" becomes two code points): check the stored form.
    email = (sub.email or "").strip().lower() or None
    if email and len(email) > MAX_EMAIL:
        raise DomainError(f"An email address has at most {MAX_EMAIL} characters.")
    return email


def checked_version(sub: Submission) -> str | None:
    """The submission's app version, normalised ("4.2" is "4.2.0"); None when not given."""
    try:
        return versions.optional(sub.app_version)
    except versions.InvalidVersion as error:
        raise DomainError(str(error)) from error


def new_item(project: Project, sub: Submission, title: str, email: str | None) -> Feedback:
    """The unsaved item, with every value the triage steps read set now rather than by the
    column defaults at the flush."""
    return Feedback(
        project=project, channel=sub.channel, kind=sub.kind, title=title, body=sub.body.strip(),
        severity=sub.severity, submitter_email=email, submitter_name=(sub.name or "").strip() or None,
        context=sub.context, idempotency_key=sub.idempotency_key, quarantined=sub.quarantined,
        status=Status.NEW, tags=[], prediction={}, vote_count=0, escalation_level=0, created_at=sub.created_at or utcnow(),
        public=sub.kind == Kind.IDEA,  # ideas are listed for votes; bugs only when staff say so
        team_id=project.default_team_id,  # the id alone: loading the team would cost a query
        attachments=[],  # a new item has none; saying so spares a query when they are counted
    )


def flush_in_savepoint(item: Feedback) -> None:
    """Flush the new item and what came with it inside a savepoint, so that an IntegrityError
    (its idempotency key stored meanwhile) rolls back only that and leaves the session usable."""
    mine = [o for o in db.session.new if o is item or getattr(o, "feedback", None) is item]
    for obj in mine:  # begin_nested flushes what is pending first: keep the item for the savepoint
        if obj in db.session:  # (the item's events go with it)
            db.session.expunge(obj)
    locks.begin_write()  # SQLite: a SAVEPOINT outside a transaction would commit on release
    with db.session.begin_nested():
        db.session.add_all(mine)


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


def public_item(project: Project, item_id: int) -> Feedback:
    """An open public item of this project, for end users' votes; NotFound otherwise."""
    item = db.session.get(Feedback, item_id) if valid_id(item_id) else None
    if (item is None or item.project_id != project.id or not item.public or not item.status.is_open
            or item.duplicate_of_id is not None or item.quarantined):
        raise NotFound(f"No public item {item_id} in this project.")
    return item
