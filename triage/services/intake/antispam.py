"""Anti-abuse for the public widget API, in the manner of Sentry and Zammad: a short-lived
signed form token that carries its issue time, a minimum fill time, a honeypot field, and a
quarantine where suspected spam waits for an admin instead of being dropped."""
from __future__ import annotations

import time

from itsdangerous import BadSignature, URLSafeSerializer, URLSafeTimedSerializer
from sqlalchemy import select

from triage.extensions import db
from triage.models import Feedback

FORM_SALT = "triage.form-token"
UPLOAD_SALT = "triage.upload-token"


def issue_form_token(public_key: str, secret: str, now: float | None = None) -> str:
    """A signed token for one widget form of the project: it carries the key and the time
    it was issued (to the fraction of a second, for the minimum fill time and the expiry)."""
    return URLSafeSerializer(secret, salt=FORM_SALT).dumps(
        {"k": public_key, "t": time.time() if now is None else now})


def spam_reasons(token: str | None, honeypot: str | None, public_key: str, secret: str, *,
                 max_age: float, min_fill: float, now: float | None = None) -> list[str]:
    """Why a submission looks automated: "honeypot" (the hidden field was filled),
    "missing_token", "invalid_token", "expired_token", "too_fast" (sent sooner than `min_fill`
    seconds after the token was issued). An empty list means it looks human."""
    now = time.time() if now is None else now
    reasons = ["honeypot"] if honeypot else []
    if not token or not isinstance(token, str):
        return reasons + ["missing_token"]
    try:
        payload = URLSafeSerializer(secret, salt=FORM_SALT).loads(token)
    except BadSignature:
        return reasons + ["invalid_token"]
    if not isinstance(payload, dict) or payload.get("k") != public_key:
        return reasons + ["invalid_token"]
    issued = payload.get("t")
    if not isinstance(issued, (int, float)) or issued > now + 5:
        return reasons + ["invalid_token"]
    if now - issued > max_age:
        return reasons + ["expired_token"]
    if now - issued < min_fill:
        reasons.append("too_fast")
    return reasons


def issue_upload_token(item: Feedback, secret: str) -> str:
    """A token for one screenshot upload to the item: it names the item and how many
    attachments it had, so it is spent by the upload it allows."""
    return URLSafeTimedSerializer(secret, salt=UPLOAD_SALT).dumps([item.id, len(item.attachments)])


def upload_token_valid(token: str, item: Feedback, secret: str, max_age: float) -> bool:
    """Whether the token was issued for this item and no attachment was added since."""
    try:
        payload = URLSafeTimedSerializer(secret, salt=UPLOAD_SALT).loads(token or "", max_age=max_age)
    except BadSignature:
        return False
    return payload == [item.id, len(item.attachments)]


def quarantined_items(limit: int = 200) -> list[Feedback]:
    """Items held as suspected spam, newest first."""
    query = select(Feedback).where(Feedback.quarantined.is_(True))
    return list(db.session.scalars(query.order_by(Feedback.created_at.desc(), Feedback.id.desc()).limit(limit)))
