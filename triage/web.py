"""What request handlers share: apply a form through a service, commit once, or show the form again."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from flask import flash, redirect, url_for
from flask.typing import ResponseReturnValue

from triage.extensions import db
from triage.services import DomainError

T = TypeVar("T")
# Pages that show a secret once (a new token, recovery codes, a reset form) are never cached.
NO_STORE = {"Cache-Control": "no-store"}


def commit_form(form: Any, field: Any, change: Callable[[], T], done: Callable[[T], ResponseReturnValue],
                failed: Callable[[], ResponseReturnValue]) -> ResponseReturnValue:
    """Run `change` for a valid submitted form, commit once and answer `done(result)`.

    An invalid form, or a change a service refuses (the DomainError shows on `field`, and
    everything the change did is rolled back), answers `failed()`: the page with the form
    again, which says 422 when the form has errors."""
    if form.validate_on_submit():
        try:
            result = change()
        except DomainError as error:
            db.session.rollback()
            field.errors = [*field.errors, str(error)]
        else:
            db.session.commit()
            return done(result)
    return failed()


def back_to(message: str, endpoint: str, **values: Any) -> ResponseReturnValue:
    """Flash a success message and redirect (after the commit)."""
    flash(message, "success")
    return redirect(url_for(endpoint, **values))
