"""The few pages outside any audience: the front door."""
from flask import Blueprint, redirect, url_for
from flask_login import current_user

from triage.models import Priority, Role, utcnow
from triage.services.delivery import personal

bp = Blueprint("root", __name__)


@bp.app_context_processor
def template_globals() -> dict:
    """Names every template may use; `delivery_warnings` runs only where base.html asks (admins)."""
    return {"Role": Role, "Priority": Priority, "delivery_warnings": lambda: personal.delivery_warnings(utcnow())}


@bp.route("/")
def index():
    if current_user.is_authenticated:
        from triage.auth.views import home_for

        return redirect(home_for(current_user))
    return redirect(url_for("auth.login"))


@bp.route("/favicon.ico")
def favicon():
    """Browsers ask for /favicon.ico on pages without a <link rel="icon"> (JSON, files): the same icon."""
    return redirect(url_for("static", filename="favicon.svg"), 301)
