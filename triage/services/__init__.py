"""Domain verbs shared by the web pages, the API and the command line.

Services take plain values and the session, flush, and never commit: the caller
(a view, a CLI command or a job) commits once. A refused action raises DomainError,
which views turn into a 4xx answer.
"""
from triage.extensions import db
from triage.models import valid_id


class DomainError(Exception):
    """An action refused for a reason the user can fix; the message says which."""

    status_code = 422


class NotFound(DomainError):
    status_code = 404


def find(model, ident: int | None):
    """The row of `model` with this id, or None (also for None and for ids no INTEGER column holds)."""
    return db.session.get(model, ident) if isinstance(ident, int) and valid_id(ident) else None


def get(model, ident: int | None):
    """The row of `model` with this id; NotFound when there is none."""
    if (row := find(model, ident)) is None:
        raise NotFound(f"No {model.__name__.lower()} {ident}.")
    return row
