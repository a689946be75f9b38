"""CORS for the public widget API, answered only for the origins the named project allows.

Flask-Cors takes a fixed list of origins per resource; ours depend on the project the
request names (by its public key, or by the item it uploads to), so a small after_request
does it. Credentials are never allowed: the widget sends no cookies.

A refusal of a simple GET (form token, widget config, next survey) is readable by any page, so a widget on
a site an admin has not allowed yet says why it is refused instead of taking the refusal for a
network failure and keeping the visitor's message for a retry that can never succeed. The
refusal carries nothing but its message; a preflight is still answered for allowed origins
only, so a refused page can never send feedback.
"""
from __future__ import annotations

from flask import current_app, g, request
from flask.wrappers import Response

from triage.models import Feedback, Project
from triage.services import find
from triage.services.intake import surveys, widget

ALLOWED_HEADERS = "Content-Type, Idempotency-Key"
EXPOSED_HEADERS = "Retry-After, X-RateLimit-Limit, X-RateLimit-Remaining, X-RateLimit-Reset"
PREFLIGHT_MAX_AGE = "600"
# The endpoints a widget on another site calls; the staff API never answers CORS.
PUBLIC_ENDPOINTS = {"api.form_token", "api.widget_config", "api.submit_feedback", "api.upload_attachment",
                    "api.next_survey", "api.answer_survey", "api.similar", "api.me_too"}


def request_public_key() -> str:
    """The public key the request names: `?key=`, or `public_key` in a JSON body whose
    declared length is within the API's body cap. Empty when there is none."""
    key = request.args.get("key")
    length = request.content_length
    if not key and request.is_json and length is not None and length <= current_app.config["API_MAX_BODY"]:
        data = request.get_json(silent=True)
        key = data.get("public_key") if isinstance(data, dict) else None
    return key if isinstance(key, str) else ""


def named_project() -> Project | None:
    """The project the request is for (by its key, item or survey token), cached on `g`
    (the views store the one they load)."""
    if "api_project" not in g:
        project = None
        args = request.view_args or {}
        if key := request_public_key():
            project = widget.project_with_key(key)
        elif item_id := args.get("item_id"):
            item = find(Feedback, item_id)
            project = item.project if item else None
        elif token := args.get("token"):
            survey = surveys.survey_with_token(token)
            project = survey.project if survey else None
        g.api_project = project
    return g.api_project


def limit_key() -> str:
    """The public key a request counts against in the per-key rate limit."""
    if key := request_public_key():
        return key
    project = named_project()
    return project.public_key if project else "none"


def named_origins() -> list[str] | None:
    """The allowed origins of the request's project, None when it names none. Kept on `g`:
    the answer's headers are added after the view's commit, which would reload the project."""
    if "api_origins" not in g:
        project = named_project()
        g.api_origins = list(project.allowed_origins) if project else None
    return g.api_origins


def allowed_origin() -> str | None:
    """The request's Origin if CORS may answer it: the named project allows it, or for a
    preflight without a named project, some project does."""
    origin = request.headers.get("Origin")
    if not origin:
        return None
    origins = named_origins()
    if origins is not None:
        return origin if widget.origin_allowed(origins, origin) else None
    if request.method == "OPTIONS":
        return origin if widget.origin_allowed_anywhere(origin) else None
    return None


def add_headers(response: Response) -> Response:
    """after_request for the API: CORS headers for an allowed origin, none otherwise."""
    if request.endpoint not in PUBLIC_ENDPOINTS:
        return response
    response.vary.add("Origin")
    origin = allowed_origin()
    if not origin and response.status_code >= 400 and request.method == "GET":
        origin = request.headers.get("Origin")  # a refusal the widget must be able to read
    if origin:
        response.headers["Access-Control-Allow-Origin"] = origin
        response.headers["Access-Control-Expose-Headers"] = EXPOSED_HEADERS
        if request.method == "OPTIONS":
            response.headers["Access-Control-Allow-Methods"] = "GET, POST"
            response.headers["Access-Control-Allow-Headers"] = ALLOWED_HEADERS
            response.headers["Access-Control-Max-Age"] = PREFLIGHT_MAX_AGE
    return response
