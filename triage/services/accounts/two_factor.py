"""Two-factor sign-in with TOTP (RFC 6238, pyotp): enrolment, codes, one-time recovery codes.

The secret is made at enrolment and travels only inside a signed, expiring ticket in the
enrolment form until a current code confirms it; then it is stored on the user and never
shown again. A code is accepted at most once (the last accepted time step is kept), and each
recovery code once; both checks are one conditional UPDATE, so two requests racing with the
same code cannot both win."""
from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from dataclasses import dataclass

import pyotp
import segno
from flask import current_app
from itsdangerous import BadData, URLSafeTimedSerializer
from sqlalchemy import delete, func, or_, select, update

from triage.extensions import db
from triage.models import RecoveryCode, User, utcnow
from triage.services import DomainError

ISSUER = "triage"
TICKET_SALT = "triage.totp-enrolment"
TICKET_MAX_AGE = 15 * 60  # seconds to scan the code and confirm it
RECOVERY_CODES = 10
WINDOW = 1  # time steps accepted either side of now (clock drift between phone and server)


@dataclass(frozen=True)
class Enrolment:
    """What the enrolment page shows: the secret (this once), its QR code and the signed ticket."""

    secret: str
    uri: str
    qr_svg: str
    ticket: str


def required(user: User) -> bool:
    """The admin demands two-factor sign-in of this user, or of every staff account."""
    return user.totp_required or bool(current_app.config.get("TWO_FACTOR_REQUIRED"))


def require_of_everyone() -> int:
    """Require two-factor sign-in of every active staff account (flushes); how many changed."""
    changed = db.session.execute(update(User).where(User.active, User.totp_required.is_(False))
                                 .values(totp_required=True).execution_options(synchronize_session="fetch"))
    return changed.rowcount


def enrolled(user: User) -> bool:
    return user.totp_secret is not None


def must_enrol(user: User) -> bool:
    return required(user) and not enrolled(user)


def _tickets() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=TICKET_SALT)


def start_enrolment(user: User, ticket: str | None = None) -> Enrolment:
    """A fresh secret for the user to scan, or the one of a still valid ticket (a mistyped
    code need not mean a new scan); nothing is stored until `enable`."""
    try:
        secret = _ticket_secret(user, ticket) if ticket else pyotp.random_base32()
    except DomainError:
        secret = pyotp.random_base32()
    uri = pyotp.TOTP(secret).provisioning_uri(name=user.email, issuer_name=ISSUER)
    return Enrolment(secret, uri, segno.make(uri, error="m").svg_inline(scale=4, title="QR code of the secret"),
                     _tickets().dumps([user.id, secret]))


def _ticket_secret(user: User, ticket: str) -> str:
    try:
        user_id, secret = _tickets().loads(ticket, max_age=TICKET_MAX_AGE)
    except (BadData, TypeError, ValueError):
        raise DomainError("This setup expired: scan the new code and enter the code it shows.") from None
    if user_id != user.id or not isinstance(secret, str):
        raise DomainError("This setup belongs to another account.")
    return secret


def _matching_step(secret: str, code: str) -> int | None:
    """The time step (now, or one either side) whose code this is."""
    totp, now = pyotp.TOTP(secret), int(time.time())
    for step in range(now // totp.interval - WINDOW, now // totp.interval + WINDOW + 1):
        if hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def _normalise(code: str) -> str:
    return "".join(code.split()).replace("-", "").lower()


def _recovery_hash(user_id: int, code: str) -> str:
    return hashlib.sha256(f"{user_id}:{_normalise(code)}".encode()).hexdigest()


def new_recovery_codes(user: User) -> list[str]:
    """Replace the user's recovery codes with ten new ones (flushes); the codes exist only in
    the answer, the database keeps their hashes."""
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = ["-".join(secrets.token_hex(2) for _ in range(4)) for _ in range(RECOVERY_CODES)]
    db.session.add_all(RecoveryCode(user_id=user.id, code_hash=_recovery_hash(user.id, c)) for c in codes)
    db.session.flush()
    return codes


def recovery_codes_left(user: User) -> int:
    return db.session.scalar(select(func.count()).select_from(RecoveryCode).where(
        RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))) or 0


def enable(user: User, ticket: str, code: str) -> list[str]:
    """Turn two-factor sign-in on once a current code proves the phone holds the ticket's
    secret (flushes); returns the new recovery codes."""
    secret = _ticket_secret(user, ticket)
    step = _matching_step(secret, _normalise(code))
    if step is None:
        raise DomainError("That code is not the current one: check the phone's clock and try the next code.")
    user.totp_secret, user.totp_last_step = secret, step
    db.session.flush()
    return new_recovery_codes(user)


def _take_step(user: User, step: int) -> bool:
    """Record the step as used unless it, or a later one, already was."""
    taken = db.session.execute(update(User).where(
        User.id == user.id, or_(User.totp_last_step.is_(None), User.totp_last_step < step)
    ).values(totp_last_step=step).execution_options(synchronize_session=False))
    if taken.rowcount == 1:
        user.totp_last_step = step
    return taken.rowcount == 1


def _take_recovery_code(user: User, code: str) -> bool:
    taken = db.session.execute(update(RecoveryCode).where(
        RecoveryCode.user_id == user.id, RecoveryCode.code_hash == _recovery_hash(user.id, code),
        RecoveryCode.used_at.is_(None)).values(used_at=utcnow()).execution_options(synchronize_session=False))
    return taken.rowcount == 1


def check_code(user: User, code: str) -> bool:
    """A current TOTP code not used before, or an unused recovery code (which is then spent)."""
    if not enrolled(user):
        return False
    code = _normalise(code)
    if code.isdigit() and len(code) == 6:
        step = _matching_step(user.totp_secret, code)
        return step is not None and _take_step(user, step)
    return len(code) == 16 and _take_recovery_code(user, code)


def remove(user: User) -> None:
    """Forget the secret and the recovery codes (flushes): the admin's answer to a lost phone."""
    user.totp_secret, user.totp_last_step = None, None
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    db.session.flush()


def disable(user: User, code: str) -> None:
    """The user turns two-factor sign-in off with a current code (not when it is required)."""
    if required(user):
        raise DomainError("Two-factor sign-in is required for your account: it stays on.")
    if not check_code(user, code):
        raise DomainError("That code is wrong or was already used.")
    remove(user)


def replace_recovery_codes(user: User, code: str) -> list[str]:
    """New recovery codes (the old ones stop working), confirmed with a current code."""
    if not check_code(user, code):
        raise DomainError("That code is wrong or was already used.")
    return new_recovery_codes(user)
