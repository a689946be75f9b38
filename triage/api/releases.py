"""Release health for machines (staff token): a project's releases with their verdicts, the
gate of one release (what a CI job or a progressive-delivery controller asks before going on),
a release made at deploy time, and adoption posted by the app's analytics.

The project is `?project=SLUG` (or "project" in a JSON body); it may be left out while
there is only one project. Any staff role may read and post adoption."""
from __future__ import annotations

from datetime import date, datetime, timezone
from typing import Any

from flask import request, url_for

from triage.api import bp
from triage.api.schemas.feedback import InvalidSubmission
from triage.api.staff import answer, staff_limit, token_required
from triage.api.views import json_object
from triage.extensions import csrf
from triage.services.releases import gate, store


def project_arg(data: dict | None = None):
    slug = (data or {}).get("project", request.args.get("project"))
    if slug is not None and not isinstance(slug, str):
        raise InvalidSubmission({"project": "The project's slug."})
    return store.project_for(slug)


def board_url(project):
    return lambda flt: url_for("board.inbox", project=project.id, _external=True, **flt)


def parsed_day(value: Any) -> date:
    if value is None:
        return datetime.now(timezone.utc).date()
    try:
        return date.fromisoformat(value) if isinstance(value, str) else date.fromisoformat("")
    except ValueError:
        raise InvalidSubmission({"day": "A day as YYYY-MM-DD."}) from None


def parsed_moment(value: Any) -> datetime | None:
    if value is None:
        return None
    try:
        moment = datetime.fromisoformat(value) if isinstance(value, str) else datetime.fromisoformat("")
    except ValueError:
        raise InvalidSubmission({"released_at": "A time as ISO 8601 (UTC if no offset)."}) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


@bp.route("/releases")
@csrf.exempt
@staff_limit
@token_required()
def list_releases():
    project = project_arg()
    snapshot = store.Snapshot(project)
    return answer({"project": project.slug, "releases": [
        {"version": row.version, "released_at": row.released_at.isoformat(), "verdict": result.verdict.value}
        for row, result in snapshot.overview()]})


@bp.route("/releases", methods=["POST"])
@csrf.exempt
@staff_limit
@token_required()
def create_release():
    data = json_object()
    project = project_arg(data)
    release = store.create_release(project, data.get("version"), parsed_moment(data.get("released_at")))
    return answer({"version": release.version, "released_at": release.released_at.isoformat()}), 201


@bp.route("/releases/<version>/gate")
@csrf.exempt
@staff_limit
@token_required()
def release_gate(version: str):
    project = project_arg()
    return answer(gate.result_json(store.gate_for(project, version), board_url(project)))


@bp.route("/releases/<version>/adoption", methods=["POST"])
@csrf.exempt
@staff_limit
@token_required()
def post_adoption(version: str):
    """One day's sessions ({"day", "sessions"}) or several ({"days": [...]}); a repeat replaces."""
    data = json_object()
    project = project_arg(data)
    if "days" in data and ("day" in data or "sessions" in data):
        raise InvalidSubmission({"days": "Give either day and sessions, or days: not both."})
    days = data.get("days", [data])
    if not isinstance(days, list) or not 1 <= len(days) <= 366 or not all(isinstance(d, dict) for d in days):
        raise InvalidSubmission({"days": "A list of 1 to 366 objects with day and sessions."})
    rows = [store.record_adoption(project, version, parsed_day(d.get("day")), d.get("sessions")) for d in days]
    return answer({"version": rows[0].release.version,
                   "days": [{"day": r.day.isoformat(), "sessions": r.sessions} for r in rows]})
