"""The few pages outside any audience: the front door."""
from flask import Blueprint, redirect, url_for
from flask_login import current_user

from triage.models import Priority, Role

bp = Blueprint("root", __name__)


@bp.app_context_processor
def template_globals() -> dict:
    return {"Role": Role, "Priority": Priority}


@bp.route("/")
def index():
    if current_user.is_authenticated:
        from triage.auth.views import home_for

        return redirect(home_for(current_user))
    return redirect(url_for("auth.login"))
