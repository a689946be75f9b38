"""Two-factor sign-in: the code step after the password, and the person's own two-factor page
(enrol with a QR code, recovery codes, turn off). Admins require it on the user form."""
from __future__ import annotations

import time

from flask import current_app, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required, login_user

from triage.auth import bp
from triage.auth.forms import CodeForm, EnableTwoFactorForm
from triage.auth.views import PENDING, finish_sign_in
from triage.extensions import db, limiter
from triage.services import accounts
from triage.services.accounts import two_factor
from triage.web import NO_STORE, back_to, commit_form

# What a signed-in user who must enrol may still open; everything else sends them to enrol.
WHILE_ENROLLING = {"auth.two_factor", "auth.enable_two_factor", "auth.logout", "static", "bootstrap.static"}


@bp.before_app_request
def enrol_first():
    """A staff member whose admin requires two-factor sign-in does nothing else until enrolled
    (the staff API, opened by personal tokens and never by the session, is not concerned)."""
    if request.endpoint in WHILE_ENROLLING or request.blueprint == "api":
        return None
    if current_user.is_authenticated and two_factor.must_enrol(current_user):
        return redirect(url_for("auth.two_factor"))
    return None


def pending_user():
    """The user whose password was right a few minutes ago in this session, or None."""
    pending = session.get(PENDING)
    if not isinstance(pending, dict) or not isinstance(pending.get("until"), (int, float)) \
            or pending["until"] < time.time() or not isinstance(pending.get("user"), str):
        return None
    user = accounts.session_user(pending["user"])
    return user if user is not None and user.active else None


def pending_key() -> str:
    """Code attempts count per account waiting for its code, whatever session or address tries."""
    pending = session.get(PENDING)
    user = pending.get("user", "") if isinstance(pending, dict) else ""
    return f"two-factor:{str(user).partition(':')[0]}"


@bp.route("/login/code", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["LOGIN_RATE_LIMIT"], methods=["POST"])
@limiter.limit(lambda: current_app.config["TWO_FACTOR_RATE_LIMIT"], methods=["POST"], key_func=pending_key)
def login_code():
    user = pending_user()
    if user is None:
        session.pop(PENDING, None)
        flash("Sign in again: the time to enter the code ran out.", "warning")
        return redirect(url_for("auth.login"))
    form = CodeForm()
    if form.validate_on_submit():
        if two_factor.check_code(user, form.code.data):
            db.session.commit()  # the time step or recovery code is spent
            return finish_sign_in(user, session[PENDING].get("next"))
        form.code.errors.append("That code is wrong or was already used.")
    return render_template("auth/login_code.html", form=form), 422 if form.errors else 200


def render_two_factor(form: EnableTwoFactorForm | None = None, status: int = 200, codes: list[str] | None = None):
    enrolment = None
    if not two_factor.enrolled(current_user):
        form = form or EnableTwoFactorForm()
        enrolment = two_factor.start_enrolment(current_user, form.ticket.data)
        form.ticket.data = enrolment.ticket
    return render_template(
        "auth/two_factor.html", enrolment=enrolment, form=form, codes=codes, code_form=CodeForm(),
        required=two_factor.required(current_user), codes_left=two_factor.recovery_codes_left(current_user),
    ), status, NO_STORE


@bp.route("/two-factor", endpoint="two_factor")
@login_required
def two_factor_page():
    return render_two_factor()


@bp.route("/two-factor/enable", methods=["POST"])
@login_required
def enable_two_factor():
    form = EnableTwoFactorForm()
    user = current_user._get_current_object()

    def enable():
        codes = two_factor.enable(user, form.ticket.data, form.code.data)
        accounts.end_sessions(user)  # other sessions signed in without the second factor end
        return codes

    def enabled(codes):
        login_user(user)  # this session carries the new session token
        return render_two_factor(codes=codes, status=201)
    return commit_form(form, form.code, enable, enabled, lambda: render_two_factor(form, 422))


@bp.route("/two-factor/disable", methods=["POST"])
@login_required
def disable_two_factor():
    form = CodeForm()
    return commit_form(form, form.code, lambda: two_factor.disable(current_user, form.code.data),
                       lambda _: back_to("Two-factor sign-in is off.", "auth.two_factor"),
                       lambda: failed_code(form))


@bp.route("/two-factor/recovery-codes", methods=["POST"])
@login_required
def new_recovery_codes():
    form = CodeForm()
    return commit_form(form, form.code, lambda: two_factor.replace_recovery_codes(current_user, form.code.data),
                       lambda codes: render_two_factor(codes=codes, status=201), lambda: failed_code(form))


def failed_code(form: CodeForm):
    flash(" ".join(form.code.errors) or "Enter a code.", "danger")
    return redirect(url_for("auth.two_factor")), 303
