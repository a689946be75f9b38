"""Votes and followers: end users +1 a public item, and whoever left an email hears of it.

A voter is one person per item: the key is an HMAC (with the app's secret) of the lower-cased
email when one is given, else of the browser's random id (the browser's key is kept too), so
one email or one browser votes once per item, whatever case the address is typed in. `Feedback.vote_count`
moves with every Vote row added or taken away (merge and unmerge included).
"""
from __future__ import annotations

import hashlib
import hmac

from flask import current_app
from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError

from triage.extensions import db
from triage.models import Feedback, Follower, Status, Vote
from triage.services import DomainError

MAX_BROWSER_ID = 64
OPEN = [s for s in Status if s.is_open]


def voter_key(*, email: str | None = None, browser: str | None = None, item_id: int | None = None) -> str:
    """The hashed key of a voter: by email, else by browser id, else (a merged report
    without an email) by the reporting item."""
    if email:
        raw = "e:" + email.strip().lower()
    elif browser:
        raw = "b:" + browser.strip()
    elif item_id is not None:
        raw = f"r:{item_id}"
    else:
        raise DomainError("A vote needs an email or a browser id.")
    secret = str(current_app.config["SECRET_KEY"]).encode()
    return hmac.new(secret, raw.encode(), hashlib.sha256).hexdigest()


def same_person(item: Feedback, email: str | None) -> bool:
    return bool(email and item.submitter_email and email.strip().lower() == item.submitter_email.strip().lower())


def add_follower(item: Feedback, email: str | None, name: str | None, source: str,
                 user_id: int | None = None) -> Follower | None:
    """Make someone follow the item (flushes); None when they already do (its submitter
    included) or gave no email."""
    if source not in Follower.SOURCES:
        raise ValueError(source)
    email = (email or "").strip()
    if not email or same_person(item, email) or email.lower() in {f.email.lower() for f in item.followers}:
        return None
    follower = Follower(feedback=item, email=email, name=(name or "").strip() or None, source=source,
                        user_id=user_id)
    db.session.add(follower)
    db.session.flush()
    return follower


def has_vote(item: Feedback, key: str, browser_key: str | None = None) -> bool:
    """Whether this voter (or, when given, this browser under any email) voted on the item."""
    match = Vote.voter == key if browser_key is None else or_(Vote.voter.in_([key, browser_key]),
                                                              Vote.browser == browser_key)
    return db.session.scalar(select(Vote.id).where(Vote.feedback_id == item.id, match).limit(1)) is not None


def add_vote(item: Feedback, *, email: str | None = None, name: str | None = None, browser: str | None = None,
             source: str = "vote") -> bool:
    """One person's +1 on an open public item (flushes): False when they already voted (or
    reported it). With an email they also follow the item."""
    if not item.public or not item.status.is_open or item.duplicate_of_id is not None or item.quarantined:
        raise DomainError("Only open public items take votes.")
    email = (email or "").strip() or None
    browser = (browser or "").strip()[:MAX_BROWSER_ID] or None
    if same_person(item, email):
        return False
    key = voter_key(email=email, browser=browser)
    browser_key = voter_key(browser=browser) if browser else None
    if has_vote(item, key, browser_key):
        return False
    try:
        with db.session.begin_nested():  # a double click racing itself: the unique key decides
            db.session.add(Vote(feedback_id=item.id, voter=key, browser=browser_key, email=email,
                                name=(name or "").strip() or None, source=source))
            db.session.flush()
    except IntegrityError:
        return False
    item.vote_count += 1
    if email:
        add_follower(item, email, name, "voter")
    db.session.flush()
    return True


def voters(item: Feedback) -> list[Vote]:
    """The item's votes, oldest first (staff see who voted: the email when one was given)."""
    return list(db.session.scalars(select(Vote).where(Vote.feedback_id == item.id).order_by(Vote.id)))


def public_ideas(project_id: int, limit: int = 50) -> list[Feedback]:
    """A project's open public items, most voted first, for its public ideas page."""
    return list(db.session.scalars(
        select(Feedback).where(Feedback.project_id == project_id, Feedback.public.is_(True),
                               Feedback.status.in_(OPEN), Feedback.duplicate_of_id.is_(None),
                               Feedback.quarantined.is_(False))
        .order_by(Feedback.vote_count.desc(), Feedback.id.desc()).limit(limit)))


def vote_total(item: Feedback) -> int:
    return db.session.scalar(select(func.count(Vote.id)).where(Vote.feedback_id == item.id)) or 0
