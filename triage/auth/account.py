"""The signed-in person's own page: which emails they want."""
from __future__ import annotations

from flask import render_template
from flask_login import current_user, login_required

from triage.auth import bp
from triage.auth.forms import NotificationsForm
from triage.services.delivery import personal
from triage.web import back_to, commit_form


@bp.route("/account", methods=["GET", "POST"])
@login_required
def account():
    form = NotificationsForm(obj=current_user)
    return commit_form(
        form, form.email_on_assign, lambda: personal.set_preferences(
            current_user, email_on_assign=form.email_on_assign.data, email_escalations=form.email_escalations.data),
        lambda _: back_to("Your notification choices are saved.", "auth.account"),
        lambda: (render_template("auth/account.html", form=form), 422 if form.errors else 200))
