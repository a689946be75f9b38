"""Password reset by email: a signed, expiring link that dies once used or once the password changes."""
from __future__ import annotations

import hashlib

from flask import current_app
from itsdangerous import BadData, URLSafeTimedSerializer

from triage.models import DeliveryChannel, User, parse_id
from triage.services import accounts, find
from triage.services.delivery import notify

SALT = "triage.password-reset"


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=SALT)


def _fingerprint(user: User) -> str:
    """Part of the link: a new password (this link used, or a change anywhere) gives a new one."""
    return hashlib.sha256(user.password_hash.encode()).hexdigest()[:32]


def reset_token(user: User) -> str:
    return _serializer().dumps([user.id, _fingerprint(user)])


def user_for_token(token: str) -> User | None:
    """The active user a reset link was made for; None when the link is forged, expired (after
    PASSWORD_RESET_MAX_AGE seconds), already used or older than the last password change."""
    try:
        user_id, fingerprint = _serializer().loads(token, max_age=current_app.config["PASSWORD_RESET_MAX_AGE"])
    except (BadData, TypeError, ValueError):
        return None
    user = find(User, parse_id(user_id))
    if user is None or not user.active or not isinstance(fingerprint, str) or fingerprint != _fingerprint(user):
        return None
    return user


def request_reset(email: str) -> None:
    """Queue a reset link for the account with this email, if there is an active one (flushes).
    Says nothing either way: the caller answers the same to everyone."""
    user = accounts.find_user(email)
    if user is None or not user.active:
        return
    token = reset_token(user)
    minutes = current_app.config["PASSWORD_RESET_MAX_AGE"] // 60
    link = notify.absolute_url("auth.reset_password", token=token)
    text = (f"Someone asked to reset the password of your triage account ({user.email}).\n\n"
            f"Choose a new password here within {minutes} minutes: {link}\n\n"
            "The link works once. If you did not ask for it, ignore this email: your password stays as it is.\n")
    notify.enqueue(dedupe_key=f"password-reset:{hashlib.sha256(token.encode()).hexdigest()}",
                   channel=DeliveryChannel.EMAIL, recipient=user.email,
                   subject="Reset your triage password", text=text)


def reset_password(token: str, password: str) -> User | None:
    """Set a new password through a reset link (the same rules as elsewhere; every session of
    the user ends, and the link dies with the old password). None for a dead link."""
    user = user_for_token(token)
    if user is not None:
        accounts.set_password(user, password)
    return user
