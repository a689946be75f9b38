"""Helpers for the staff API tests: a user with a personal token, and calls that send it."""
from __future__ import annotations

from tests.conftest import make_user
from triage.extensions import db
from triage.models import Feedback, Kind, Role
from triage.services.accounts import tokens
from triage.services.intake import Submission, submit_feedback


def user_with_token(role: Role, email: str | None = None, **kwargs):
    """A user of this role and the value of a fresh token of theirs."""
    user = make_user(role, email, **kwargs)
    _, value = tokens.create_token(user, "tests")
    db.session.commit()
    return user, value


def bearer(value: str) -> dict:
    return {"Authorization": f"Bearer {value}"}


def new_item(project, title: str = "Export crashes", **fields) -> Feedback:
    """An item through the real intake path (classified by the default keyword rules)."""
    item = submit_feedback(project, Submission(kind=fields.pop("kind", Kind.BUG), title=title, **fields))
    db.session.commit()
    return item
