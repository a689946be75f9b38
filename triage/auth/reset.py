"""Password reset by email: "Forgot password?" on the sign-in page, and the link it sends."""
from __future__ import annotations

import time

from flask import current_app, flash, render_template, request

from triage.auth import bp
from triage.auth.forms import ForgotPasswordForm, NewPasswordForm
from triage.auth.views import after_password
from triage.extensions import db, limiter
from triage.services.accounts import passwords
from triage.web import NO_STORE, commit_form


def asked_email() -> str:
    """Requests count per email asked for too, so one inbox cannot be flooded from many addresses."""
    return "password-reset:" + "".join(request.form.get("email", "").split()).lower()[:254]


@bp.route("/reset", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["PASSWORD_RESET_RATE_LIMIT"], methods=["POST"])
@limiter.limit(lambda: current_app.config["PASSWORD_RESET_EMAIL_RATE_LIMIT"], methods=["POST"], key_func=asked_email)
def forgot_password():
    """The same answer whether an account has this email or not (the email goes through the
    outbox), after the same time: queueing the email costs a write the unknown email does not,
    so every answer waits until PASSWORD_RESET_MIN_SECONDS have passed."""
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        started = time.monotonic()
        passwords.request_reset(form.email.data)
        db.session.commit()
        time.sleep(max(0.0, current_app.config["PASSWORD_RESET_MIN_SECONDS"] - (time.monotonic() - started)))
        return render_template("auth/reset_sent.html", email=form.email.data)
    return render_template("auth/forgot.html", form=form), 422 if form.errors else 200


def dead_link():
    return render_template("auth/reset.html", form=None), 400, NO_STORE


@bp.route("/reset/<token>", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["LOGIN_RATE_LIMIT"], methods=["POST"])
def reset_password(token: str):
    if passwords.user_for_token(token) is None:
        return dead_link()
    form = NewPasswordForm()

    def done(user):
        if user is None:  # the link died between the check and the change
            return dead_link()
        response = after_password(user, None)  # starts a fresh session, so the message comes after
        flash("Your password is changed; every other session of your account has ended.", "success")
        return response
    return commit_form(form, form.password, lambda: passwords.reset_password(token, form.password.data), done,
                       lambda: (render_template("auth/reset.html", form=form), 422 if form.errors else 200, NO_STORE))
