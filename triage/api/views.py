"""API views; every error answers {"error": {"code", "message", "fields"}} with a 4xx status.

The public widget endpoints (form token, feedback, screenshot) take no cookies and are
the only ones exempt from CSRF: feedback must be JSON (a cross-site form cannot send JSON
without a CORS preflight, which only allowed origins pass), and an upload is authorised by
the one-time upload token the 201 handed out, not by anything the browser adds by itself.
"""
from __future__ import annotations

from flask import current_app, g, jsonify, request, url_for
from werkzeug.exceptions import UnsupportedMediaType

from triage.api import bp, cors
from triage.api.schemas import feedback as feedback_schema
from triage.api.schemas import votes as votes_schema
from triage.api.schemas.feedback import InvalidSubmission
from triage.extensions import csrf, db, limiter
from triage.models import Channel, Feedback, Project
from triage.services import DomainError, NotFound, intake, items
from triage.services.intake import antispam, attachments, branding, widget
from triage.services.items import duplicates, votes

bp.after_request(cors.add_headers)


def config(name: str):
    return current_app.config[name]


per_address = limiter.limit(lambda: config("API_RATE_LIMIT_PER_ADDRESS"), methods=["POST"])
per_key = limiter.limit(lambda: config("API_RATE_LIMIT_PER_KEY"), methods=["POST"],
                        key_func=lambda: "key:" + cors.limit_key())
overall = limiter.limit(lambda: config("API_RATE_LIMIT_OVERALL"), methods=["POST"], key_func=lambda: "all")
token_limit = limiter.limit(lambda: config("API_RATE_LIMIT_FORM_TOKENS"))  # GETs a widget makes, per address
similar_limit = limiter.limit(lambda: config("SIMILAR_RATE_LIMIT"))
vote_limit = limiter.limit(lambda: config("VOTE_RATE_LIMIT"), methods=["POST"])


class UploadRefused(DomainError):
    status_code = 403
    code = "invalid_upload_token"


def checked_project(project: Project) -> Project:
    """Remember the project for CORS and refuse a browser page from an origin it does not allow
    (counted for the project's admins)."""
    g.api_project, g.api_origins = project, list(project.allowed_origins)
    origin = request.headers.get("Origin")
    if origin and not widget.origin_allowed(project.allowed_origins, origin):
        widget.record_refusal(project, origin, "origin")
        db.session.commit()
        raise widget.OriginRefused(f"Pages on {origin[:100]} may not send feedback to this project: "
                                   "an admin can allow the origin on the project's page.")
    return project


def keyed_project(key: str) -> Project:
    """The project a widget call names by its public key, checked against the calling origin.
    An unknown key from a page is counted for the projects that allow the page's origin (a
    site with a stale or mistyped key); NotFound either way."""
    project = widget.project_with_key(key)
    if project is None:
        if origin := request.headers.get("Origin"):
            for allowing in widget.projects_allowing(origin):
                widget.record_refusal(allowing, origin, "key")
            db.session.commit()
        raise NotFound("Unknown public key.")
    return checked_project(project)


def preflight():
    """Answer a CORS preflight: cors.add_headers adds the headers for an allowed origin."""
    if not cors.allowed_origin():
        raise widget.OriginRefused("This origin may not send feedback here.")
    return "", 204


def json_object() -> dict:
    """The request's JSON object, within the API's body cap (415 or 422 otherwise)."""
    if not request.is_json:
        raise UnsupportedMediaType("Send JSON with Content-Type: application/json.")
    request.max_content_length = config("API_MAX_BODY")
    data = request.get_json()
    if not isinstance(data, dict):
        raise InvalidSubmission({"body": "Send a JSON object."})
    return data


def receipt(item: Feedback) -> dict:
    return {"id": item.id,
            "status_url": url_for("intake.status", token=item.status_token, _external=True),
            "upload_url": url_for("api.upload_attachment", item_id=item.id, _external=True),
            "upload_token": antispam.issue_upload_token(item, config("SECRET_KEY"))}


@bp.route("/form-token")
@token_limit
def form_token():
    project = keyed_project(request.args.get("key", ""))
    token = antispam.issue_form_token(project.public_key, config("SECRET_KEY"))
    response = jsonify(token=token, min_fill_seconds=config("FORM_MIN_FILL_SECONDS"),
                       expires_in=config("FORM_TOKEN_MAX_AGE"))
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/widget-config")
@token_limit
def widget_config():
    """What the widget wears before it is opened: the project's brand colours and logo."""
    project = keyed_project(request.args.get("key", ""))
    logo = url_for("intake.logo", slug=project.slug, version=project.logo_version,
                   _external=True) if project.logo_version else None
    response = jsonify(brand=branding.widget_brand(project, logo))
    response.headers["Cache-Control"] = "public, max-age=300"
    return response


@bp.route("/feedback", methods=["POST", "OPTIONS"])
@csrf.exempt
@per_address
@per_key
@overall
def submit_feedback():
    if request.method == "OPTIONS":
        return preflight()
    data = json_object()
    project = keyed_project(str(data.get("public_key") or ""))
    submission = feedback_schema.parse_submission(
        data, project, channel=Channel.WIDGET if request.headers.get("Origin") else Channel.API,
        user_agent=request.headers.get("User-Agent", ""),
        idempotency_key=request.headers.get("Idempotency-Key") or None)
    reasons = antispam.spam_reasons(data.get("form_token"), data.get("website"), project.public_key,
                                    config("SECRET_KEY"), max_age=config("FORM_TOKEN_MAX_AGE"),
                                    min_fill=config("FORM_MIN_FILL_SECONDS"))
    item, created = intake.accept(project, submission, spam_reasons=reasons)
    answer = receipt(item)  # before the commit, which expires the item and would cost a reload
    db.session.commit()
    return jsonify(answer), 201 if created else 200


@bp.route("/feedback/<int:item_id>/attachments", methods=["POST"])
@csrf.exempt
@per_address
@overall
def upload_attachment(item_id: int):
    request.max_content_length = config("UPLOAD_MAX_BYTES") + 64 * 1024
    item = items.get_item(item_id)
    checked_project(item.project)
    if not antispam.upload_token_valid(request.form.get("token", ""), item, config("SECRET_KEY"),
                                       config("FORM_TOKEN_MAX_AGE")):
        raise UploadRefused("The upload token is not valid for this item (or was used already).")
    upload = request.files.get("file")
    if upload is None:
        raise InvalidSubmission({"file": "Attach the image as the form field 'file'."})
    attachment = attachments.add_screenshot(
        item, upload.read(), upload.filename or "", attachments.upload_folder(),
        max_bytes=config("UPLOAD_MAX_BYTES"), max_pixels=config("UPLOAD_MAX_PIXELS"),
        max_per_item=config("UPLOAD_MAX_PER_ITEM"))
    db.session.commit()
    return jsonify(id=attachment.id, filename=attachment.filename,
                   content_type=attachment.content_type, size=attachment.size), 201


@bp.route("/similar")
@similar_limit
def similar():
    """Open public reports of the key's project that read like `q`, for the widget's "me too"."""
    project = keyed_project(request.args.get("key", ""))
    found = duplicates.similar_public(project.id, votes_schema.parse_query(request.args))
    response = jsonify(similar=[{"id": s.item.id, "title": s.item.title, "status": s.item.status.value,
                                 "votes": s.item.vote_count, "score": s.score} for s in found])
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/feedback/<int:item_id>/votes", methods=["POST", "OPTIONS"])
@csrf.exempt
@vote_limit
@per_key
@overall
def me_too(item_id: int):
    """The widget's "me too": one vote per visitor (or email) on an open public item of the
    key's project. JSON only, no cookies, allowed origins only, as for feedback."""
    if request.method == "OPTIONS":
        return preflight()
    data = json_object()
    project = keyed_project(str(data.get("public_key") or ""))
    item = intake.public_item(project, item_id)
    voter = votes_schema.parse_me_too(data)
    counted = votes.add_vote(item, email=voter.email, name=voter.name, browser=voter.visitor, source="me_too")
    answer = {"id": item.id, "counted": counted, "votes": item.vote_count}
    db.session.commit()
    return jsonify(answer), 201 if counted else 200
