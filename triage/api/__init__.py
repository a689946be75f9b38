"""JSON API v1: the public intake endpoint used by the widget, and the staff API."""
from flask import Blueprint

bp = Blueprint("api", __name__, url_prefix="/api/v1")

from triage.api import openapi, releases, staff, surveys, views  # noqa: E402,F401
