"""Public pages: hosted feedback forms and the submitter's status page."""
from flask import Blueprint

bp = Blueprint("intake", __name__)

from triage.intake import brand, ideas, surveys, uploads, views  # noqa: E402,F401
