"""API views; every error answers {"error": {"code", "message", "fields"}} with a 4xx status."""
from triage.api import bp  # noqa: F401
