"""The widget's survey endpoints: which survey to show a visitor now, and their answer.

Both follow the feedback endpoint's rules: CORS for the project's allowed origins only, no
cookies, the same rate limits and error shape. A respondent is the host's user when the
host signed it ("user:<id>"), otherwise the widget's random visitor id ("visitor:<id>"); one
answer per respondent within the survey's "ask again after" days (a second one is a 409).
"""
from __future__ import annotations

import re
from typing import Any

from flask import json, jsonify, request

from triage.api import bp
from triage.api.schemas.feedback import InvalidSubmission
from triage.api.views import checked_project, json_object, keyed_project, overall, per_address, per_key, preflight, token_limit
from triage.extensions import csrf, db
from triage.models import Project, Survey
from triage.services.intake import surveys, widget

VISITOR_RE = re.compile(r"^[A-Za-z0-9_-]{8,100}$")
MAX_USER = 2000


def parsed_user(value: Any, errors: dict[str, str]) -> dict | None:
    """The host's user object (given as JSON text in a query string), or None."""
    if isinstance(value, str) and value:
        try:
            value = json.loads(value)  # the app's JSON: too deep a nesting is a ValueError too
        except ValueError:
            value = "invalid"
    if value in (None, ""):
        return None
    if not isinstance(value, dict) or len(widget.canonical_json(value)) > MAX_USER:
        errors["user"] = f"An object of at most {MAX_USER:,} bytes."
        return None
    return value


def respondent(project: Project, visitor: Any, user: Any, signature: Any) -> str:
    """Who is answering: the signed user's id (or email), else the visitor id; InvalidSubmission
    when neither is usable."""
    errors: dict[str, str] = {}
    user = parsed_user(user, errors)
    if user and widget.identity_verified(user, signature if isinstance(signature, str) else None,
                                         project.identity_secret):
        who = user.get("id") or user.get("email")
        if isinstance(who, (str, int)) and not isinstance(who, bool) and str(who):
            return f"user:{who}"[:254]
    if not (isinstance(visitor, str) and VISITOR_RE.match(visitor)):
        errors["visitor"] = "The widget's visitor id: 8 to 100 letters, digits, - or _."
    if errors:
        raise InvalidSubmission(errors)
    return f"visitor:{visitor}"


def survey_json(survey: Survey) -> dict:
    return {"token": survey.token, "kind": survey.kind.value, "question": survey.question,
            "scale": surveys.scale(survey), "frequency_days": survey.frequency_days}


@bp.route("/surveys/next")
@token_limit
def next_survey():
    project = keyed_project(request.args.get("key", ""))
    who = respondent(project, request.args.get("visitor"), request.args.get("user"),
                     request.args.get("user_signature"))
    found = surveys.next_survey(project, who)
    response = jsonify(survey=survey_json(found) if found else None)
    response.headers["Cache-Control"] = "no-store"
    return response


def parsed_score(value: Any) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidSubmission({"score": "A whole number on the survey's scale."})
    return value


@bp.route("/surveys/<token>/responses", methods=["POST", "OPTIONS"])
@csrf.exempt
@per_address
@per_key
@overall
def answer_survey(token: str):
    if request.method == "OPTIONS":
        return preflight()
    found = surveys.survey_by_token(token)
    checked_project(found.project)
    data = json_object()
    who = respondent(found.project, data.get("visitor"), data.get("user"), data.get("user_signature"))
    score, comment = parsed_score(data.get("score")), data.get("comment") or ""
    if not isinstance(comment, str):
        raise InvalidSubmission({"comment": "Must be a string."})
    app_version = data.get("app_version")
    if app_version is not None and not isinstance(app_version, str):
        raise InvalidSubmission({"app_version": "An app version is text such as 4.2.1."})
    answer = surveys.record_once(found, score, comment.replace("\x00", ""), [who], app_version=app_version)
    db.session.commit()
    return jsonify(id=answer.id), 201
