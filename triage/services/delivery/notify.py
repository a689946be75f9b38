"""The notification outbox: rows written with their cause, delivered later, never sent twice.

`enqueue` adds a Notification to the caller's transaction. The delivery job
(`triage.worker.deliver_pending`) commits `claim_due`'s claim of due rows in a step of its own
(attempts + 1 and a lease of OUTBOX_LEASE_SECONDS in next_attempt_at), then `deliver`s each and
commits the outcome (a failure sets the retry time: the backoff, counted from the claim). The lease
does not depend on the backoff: it outlasts the batch, whose job hands back the rows it has not
reached before the lease could end (`release`), so a slow batch is never claimed again by a second
worker while the first still sends it. A worker killed after its claim leaves the row to be
retried once the lease ends; a row is never claimed by two. The verbs here flush; the job commits.
"""
from __future__ import annotations

import hashlib
import hmac
import json
import logging
import smtplib
from datetime import datetime, timedelta
from email.message import EmailMessage

from flask import current_app
from sqlalchemy import select, update

from triage.extensions import db
from triage.models import DeliveryChannel, DeliveryStatus, Event, Feedback, Notification, Webhook, utcnow
from triage.services import locks
from triage.services.delivery import outbound

log = logging.getLogger(__name__)
PRESETS = ("generic", "slack", "teams")
MAX_BACKOFF_SECONDS = 6 * 3600


def setting(name: str, default):
    value = current_app.config.get(name)
    return default if value is None else value


def absolute_url(endpoint: str, **values) -> str:
    """An address for emails and webhooks, built on PUBLIC_BASE_URL (no request needed)."""
    path = current_app.url_map.bind("localhost").build(endpoint, values)
    return setting("PUBLIC_BASE_URL", "http://localhost:5000").rstrip("/") + path


def enqueue(*, dedupe_key: str, channel: DeliveryChannel, recipient: str, subject: str, text: str,
            feedback: Feedback | None = None, webhook: Webhook | None = None,
            data: dict | None = None) -> Notification | None:
    """Add a notification to the caller's transaction; None when its dedupe key is already
    taken (the unique key also stops a concurrent writer: its commit fails instead)."""
    if db.session.scalar(select(Notification.id).where(Notification.dedupe_key == dedupe_key)):
        return None
    note = outbox_row(dedupe_key=dedupe_key, channel=channel, recipient=recipient, subject=subject,
                      payload={"text": text, **(data or {})}, feedback_id=feedback.id if feedback else None,
                      webhook_id=webhook.id if webhook else None)
    db.session.add(note)
    db.session.flush()
    return note


def outbox_row(*, subject: str, **fields) -> Notification:
    """A new Notification (not added to the session) with a subject fit for one header line."""
    return Notification(subject=" ".join(subject.split())[:200], **fields)  # whatever the title held


def recipients(item: Feedback) -> list[str]:
    """The addresses told of the item's replies and status changes: its submitter, then its
    followers (reporters of merged items, voters who gave an email, staff), each once."""
    seen: dict[str, str] = {}
    for email in [item.submitter_email, *(f.email for f in item.followers)]:
        if email and email.strip().lower() not in seen:
            seen[email.strip().lower()] = email.strip()
    return list(seen.values())


def notify_submitter_of_reply(item: Feedback, comment_id: int, body: str) -> list[Notification]:
    """Queue an email with the reply and the status link to the item's submitter and to each
    follower: one outbox row per person (the submitter's key stays `reply:{comment}`)."""
    link = absolute_url("intake.status", token=item.status_token)
    text = f"{body}\n\nFollow your request here: {link}\n"
    queued = []
    for email in recipients(item):
        key = f"reply:{comment_id}" if email == item.submitter_email else f"reply:{comment_id}:{email.lower()}"
        note = enqueue(dedupe_key=key, channel=DeliveryChannel.EMAIL, recipient=email,
                       subject=f"Re: {item.title}", text=text, feedback=item,
                       data={"event": "replied", "status_url": link})
        if note is not None:
            queued.append(note)
    return queued


def notify_merged(item: Feedback, survivor: Feedback, emails: list[str]) -> list[Notification]:
    """Tell the people of a merged item that it now lives on as #survivor, which they follow."""
    link = absolute_url("intake.status", token=item.status_token)
    text = (f"Your request \"{item.title}\" was found to be the same as #{survivor.id} \"{survivor.title}\".\n"
            f"You now follow #{survivor.id}: its replies and status changes reach you.\n\n{link}\n")
    queued = []
    for email in emails:
        note = enqueue(dedupe_key=f"merged:{item.id}:{survivor.id}:{email.lower()}", channel=DeliveryChannel.EMAIL,
                       recipient=email, subject=f"Merged into #{survivor.id}: {item.title}", text=text,
                       feedback=item, data={"event": "merged", "merged_into": survivor.id, "status_url": link})
        if note is not None:
            queued.append(note)
    return queued


# Moves an end user hears about; new and triaged are the board's own business.
TOLD_STATUSES = {"in_progress", "waiting", "resolved", "closed"}
CLOSING = {"resolved", "closed"}


def notify_followers_of_status(item: Feedback, event_id: int, old: str, new: str) -> list[Notification]:
    """Queue an email per submitter and follower when the item moves to a status they care
    about (in progress, waiting, resolved, closed), keyed by the status Event; none when the
    project switched these emails off (`notify_submitter_on_resolve`)."""
    if new not in TOLD_STATUSES or not item.project.notify_submitter_on_resolve:
        return []
    if {old, new} <= CLOSING:  # resolved -> closed: nothing new to say
        return []
    link = absolute_url("intake.status", token=item.status_token)
    label, title = new.replace("_", " "), " ".join(item.title.split())
    text = f"Your request \"{title}\" is now {label} (it was {old.replace('_', ' ')}).\n\n" \
           f"Follow it here: {link}\n"
    queued = []
    for email in recipients(item):
        note = enqueue(dedupe_key=f"status:{event_id}:{email.lower()}", channel=DeliveryChannel.EMAIL,
                       recipient=email, subject=f"[{label}] {title}", text=text, feedback=item,
                       data={"event": "status_changed", "status": new, "status_url": link})
        if note is not None:
            queued.append(note)
    return queued


def backoff_seconds(attempts: int) -> int:
    """Wait before try number attempts + 1: NOTIFY_BACKOFF_SECONDS doubled per failed try."""
    base = int(setting("NOTIFY_BACKOFF_SECONDS", 30))
    return min(base * 2 ** max(attempts - 1, 0), MAX_BACKOFF_SECONDS)


def lease_seconds() -> int:
    """How long a claim holds its rows: OUTBOX_LEASE_SECONDS (120 s unless configured)."""
    return int(setting("OUTBOX_LEASE_SECONDS", 120))


def send_timeout() -> float:
    """The longest one delivery may take: the larger of the SMTP and webhook timeouts."""
    return max(float(setting("SMTP_TIMEOUT", 10)), float(setting("NOTIFY_TIMEOUT", 10)))


def claim_due(now: datetime, limit: int) -> list[int]:
    """Take due pending rows for this worker (flushes): each gets attempts + 1 and a lease
    (next_attempt_at = now + lease_seconds(), whatever the backoff). The compare-and-set on attempts makes a row go to one
    worker only, even where rows cannot be locked. Call it on a clean session (it takes the
    write lock) and commit right after, so that the claim holds whatever the sending does."""
    locks.begin_write()
    query = (select(Notification.id, Notification.attempts)
             .where(Notification.status == DeliveryStatus.PENDING, Notification.next_attempt_at <= now)
             .order_by(Notification.next_attempt_at, Notification.id).limit(limit))
    claimed = []
    for note_id, attempts in db.session.execute(locks.skip_locked(query)).all():
        result = db.session.execute(
            update(Notification)
            .where(Notification.id == note_id, Notification.attempts == attempts,
                   Notification.status == DeliveryStatus.PENDING)
            .values(attempts=attempts + 1, next_attempt_at=now + timedelta(seconds=lease_seconds()))
            .execution_options(synchronize_session=False))
        if result.rowcount == 1:
            claimed.append(note_id)
    db.session.flush()
    return claimed


def release(note_ids: list[int], now: datetime) -> None:
    """Hand back claimed rows this worker will not send before its lease ends (flushes): due
    again at `now`, their claim's attempt not counted."""
    if note_ids:
        db.session.execute(update(Notification)
                           .where(Notification.id.in_(note_ids), Notification.status == DeliveryStatus.PENDING)
                           .values(attempts=Notification.attempts - 1, next_attempt_at=now)
                           .execution_options(synchronize_session=False))
        db.session.flush()


def deliver(note_id: int, now: datetime | None = None) -> DeliveryStatus:
    """Send one claimed notification and record its outcome (flushes): sent, retry after the
    backoff counted from `now` (the claim's time), or dead."""
    note = db.session.get(Notification, note_id)
    if note is None:  # deleted since the claim
        return DeliveryStatus.DEAD
    try:
        send(note)
    except Exception as error:  # any failure of one row must not stop the pass
        log.warning("notification %s failed: %s", note.id, error)
        note.last_error = f"{type(error).__name__}: {error}"[:2000]
        note.next_attempt_at = (now or utcnow()) + timedelta(seconds=backoff_seconds(note.attempts))
        if note.attempts >= int(setting("NOTIFY_MAX_ATTEMPTS", 5)):
            note.status = DeliveryStatus.DEAD
    else:
        note.status, note.sent_at, note.last_error = DeliveryStatus.SENT, utcnow(), None
        for item_id in [note.feedback_id] if note.feedback_id else note.payload.get("item_ids", []):
            db.session.add(Event(feedback_id=item_id, kind="notified",
                                 data={"channel": note.channel.value, "recipient": note.recipient,
                                       "subject": note.subject}))
    db.session.flush()
    return note.status


def send(note: Notification) -> None:
    if note.channel == DeliveryChannel.EMAIL:
        send_email(note.recipient, note.subject, note.payload.get("text", ""))
    else:
        send_webhook(note)


def send_email(recipient: str, subject: str, text: str) -> None:
    """Hand one message to the SMTP server of the configuration (STARTTLS when offered and
    a login is configured); raises on any refusal."""
    host = current_app.config.get("SMTP_HOST")
    if not host:
        raise RuntimeError("SMTP_HOST is not set")
    message = EmailMessage()
    message["From"] = setting("MAIL_FROM", "triage@localhost")
    message["To"] = recipient
    message["Subject"] = subject
    message.set_content(text)
    port, timeout = int(setting("SMTP_PORT", 25)), float(setting("SMTP_TIMEOUT", 10))
    with smtplib.SMTP(host, port, timeout=timeout) as smtp:
        if current_app.config.get("SMTP_USER"):
            smtp.ehlo()
            if smtp.has_extn("starttls"):
                smtp.starttls()
            smtp.login(current_app.config["SMTP_USER"], current_app.config.get("SMTP_PASSWORD") or "")
        smtp.send_message(message)


def webhook_body(preset: str, subject: str, payload: dict) -> dict:
    """The JSON a receiver expects: Slack and Teams incoming webhooks read `text`."""
    text = payload.get("text", "")
    if preset == "slack":
        return {"text": f"*{subject}*\n{text}"}
    if preset == "teams":
        return {"@type": "MessageCard", "@context": "https://schema.org/extensions",
                "summary": subject, "title": subject, "text": text}
    return {"subject": subject, **payload}


def sign(secret: str, body: bytes) -> str:
    """The X-Triage-Signature value: HMAC-SHA256 of the exact body with the webhook's secret."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def send_webhook(note: Notification) -> None:
    """POST the signed JSON body to the checked address of the webhook's URL; an internal
    address, any answer but 2xx, or no answer in time is a failure."""
    webhook = note.webhook
    if webhook is None or not webhook.active:
        raise RuntimeError("the webhook was removed or deactivated")
    body = json.dumps(webhook_body(webhook.preset, note.subject, note.payload), sort_keys=True).encode()
    response = outbound.post(
        webhook.url, body, timeout=float(setting("NOTIFY_TIMEOUT", 10)),
        allow_private=bool(setting("WEBHOOK_ALLOW_PRIVATE", False)),
        headers={"Content-Type": "application/json", "X-Triage-Signature": sign(webhook.secret, body),
                 "X-Triage-Delivery": note.dedupe_key})
    if not 200 <= response.status_code < 300:
        raise RuntimeError(f"HTTP {response.status_code}: {response.text[:200]}")


def outbox(status: DeliveryStatus | None, limit: int) -> list[Notification]:
    """The latest notifications first, all or those with one status."""
    query = select(Notification).order_by(Notification.id.desc()).limit(limit)
    return list(db.session.scalars(query if status is None else query.where(Notification.status == status)))


def retry(note: Notification) -> None:
    """Give a failed or dead notification one more try at the next pass."""
    if note.status == DeliveryStatus.SENT:
        return
    note.status, note.next_attempt_at = DeliveryStatus.PENDING, utcnow()
    if note.attempts >= int(setting("NOTIFY_MAX_ATTEMPTS", 5)):
        note.attempts = int(setting("NOTIFY_MAX_ATTEMPTS", 5)) - 1
    db.session.flush()
