from __future__ import annotations

import time
from urllib.parse import urlsplit

from flask import current_app, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required, login_user, logout_user

from triage.auth import bp
from triage.auth.forms import LoginForm
from triage.extensions import db, limiter, login_manager
from triage.models import Role, User
from triage.services import accounts
from triage.services.accounts import two_factor

PENDING = "two_factor_pending"  # session key: the user who gave the right password, waiting for a code
PENDING_SECONDS = 300


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    """Resolve "id:session_token"; a rotated token (logout, password change) fails here."""
    return accounts.session_user(user_id)


def home_for(user: User) -> str:
    """Where a person lands after sign-in: admins on admin, PMs on insights, agents on the inbox."""
    if user.role == Role.ADMIN:
        return url_for("admin.index")
    if user.role == Role.PM:
        return url_for("insights.index")
    return url_for("board.inbox")


def safe_next(target: str | None) -> str | None:
    """Only follow ?next= to a path on this site."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["LOGIN_RATE_LIMIT"], methods=["POST"])
def login():
    form = LoginForm()
    if form.validate_on_submit():
        user = accounts.find_user(form.email.data)
        if user and user.active and user.check_password(form.password.data):
            return after_password(user, request.args.get("next"))
        form.password.errors.append("Email or password is wrong, or the account is disabled.")
    status = 422 if form.errors else 200
    return render_template("auth/login.html", form=form), status


def after_password(user: User, next_url: str | None):
    """The password was right (sign-in form or reset link). With two-factor sign-in on, the
    session only remembers who waits for a code, for a few minutes: Flask-Login signs in after
    the code. A user who must enrol is signed in and held on the enrolment page."""
    session.clear()  # a fresh session: nothing from before login carries over
    if two_factor.enrolled(user):
        session[PENDING] = {"user": user.get_id(), "until": time.time() + PENDING_SECONDS,
                            "next": safe_next(next_url)}
        return redirect(url_for("auth.login_code"))
    return finish_sign_in(user, next_url)


def finish_sign_in(user: User, next_url: str | None):
    session.clear()
    login_user(user)
    if two_factor.must_enrol(user):
        return redirect(url_for("auth.two_factor"))
    return redirect(safe_next(next_url) or home_for(user))


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    accounts.end_sessions(current_user)
    db.session.commit()
    logout_user()
    session.clear()
    flash("You are signed out.", "info")
    return redirect(url_for("auth.login"))
