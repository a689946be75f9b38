"""Personal API tokens for the staff API: random, shown once, stored as a SHA-256 hash."""
from __future__ import annotations

import secrets

from sqlalchemy import select

from triage.extensions import db
from triage.models import ApiToken, User, hash_api_token, utcnow, valid_id
from triage.services import DomainError, NotFound

TOKEN_PREFIX = "trg_"
PREFIX_LENGTH = 12  # what lists show: "trg_" and the first eight random characters
MAX_NAME = 80
MAX_TOKENS = 20  # active tokens per user


def user_tokens(user: User) -> list[ApiToken]:
    """The user's tokens, newest first, revoked ones included (they show as revoked)."""
    return list(db.session.scalars(
        select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.id.desc())))


def create_token(user: User, name: str) -> tuple[ApiToken, str]:
    """Make a token for the user (flushes) and return it with its secret value, the only
    time the value exists outside the caller: only its hash and prefix are stored."""
    name = name.strip()
    if not name or len(name) > MAX_NAME:
        raise DomainError(f"Give the token a name of 1 to {MAX_NAME} characters.")
    active = [t for t in user_tokens(user) if t.revoked_at is None]
    if len(active) >= MAX_TOKENS:
        raise DomainError(f"You have {MAX_TOKENS} active tokens; revoke one first.")
    value = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(user=user, name=name, token_hash=hash_api_token(value), prefix=value[:PREFIX_LENGTH])
    db.session.add(token)
    db.session.flush()
    return token, value


def revoke_token(user: User, token_id: int) -> ApiToken:
    """Revoke one of the user's own tokens (flushes); revoking twice keeps the first time."""
    token = db.session.get(ApiToken, token_id) if valid_id(token_id) else None
    if token is None or token.user_id != user.id:
        raise NotFound(f"You have no token {token_id}.")
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        db.session.flush()
    return token


def authenticate(value: str) -> ApiToken | None:
    """The live token with this value, its use stamped (flushes); None when the value is
    unknown, revoked or belongs to a disabled user."""
    if not value.startswith(TOKEN_PREFIX) or len(value) > 200:
        return None
    token = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == hash_api_token(value)))
    if token is None or token.revoked_at is not None or not token.user.active:
        return None
    token.last_used_at = utcnow()
    db.session.flush()
    return token
