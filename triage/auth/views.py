from __future__ import annotations

from urllib.parse import urlsplit

from flask import current_app, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required, login_user, logout_user

from triage.auth import bp
from triage.auth.forms import LoginForm
from triage.extensions import db, limiter, login_manager
from triage.models import Role, User
from triage.services import accounts


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
            session.clear()  # a fresh session: nothing from before login carries over
            login_user(user)
            return redirect(safe_next(request.args.get("next")) or home_for(user))
        form.password.errors.append("Email or password is wrong, or the account is disabled.")
    status = 422 if form.errors else 200
    return render_template("auth/login.html", form=form), status


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    accounts.end_sessions(current_user)
    db.session.commit()
    logout_user()
    session.clear()
    flash("You are signed out.", "info")
    return redirect(url_for("auth.login"))
