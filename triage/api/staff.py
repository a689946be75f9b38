"""The staff API: items read and changed with a personal token (`Authorization: Bearer ...`).

Exempt from CSRF because it takes no cookies at all: the caller is whoever the bearer token
names, and a browser never adds that header to a cross-site request by itself, so a forged
request from another site carries no credentials. A signed-in session alone gets a 401 here.
Role checks are the web's: agents and admins may PATCH, product managers only read.
"""
from __future__ import annotations

from functools import wraps

from flask import current_app, g, jsonify, request
from werkzeug.exceptions import UnsupportedMediaType

from triage.api import bp
from triage.api.schemas import staff as schema
from triage.extensions import csrf, db, failed_attempts_limit, limiter
from triage.models import Comment, Event, Feedback, Role, hash_api_token
from triage.services import DomainError, items
from triage.services.items import inbox, staff_api
from triage.services.accounts import tokens


class Unauthorized(DomainError):
    status_code = 401
    code = "unauthorized"


class Forbidden(DomainError):
    status_code = 403
    code = "forbidden"


def bearer_value() -> str:
    scheme, _, value = request.headers.get("Authorization", "").partition(" ")
    return value.strip() if scheme.lower() == "bearer" else ""


def limit_key() -> str:
    """Counted per token (its hash, never the value); without one, per client address."""
    value = bearer_value()
    return "token:" + hash_api_token(value) if value else "anon:" + (request.remote_addr or "")


def token_required(*roles: Role):
    """Authenticate the bearer token (401) and check the user's role (403) before the view."""
    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            token = tokens.authenticate(bearer_value())
            if token is None:
                raise Unauthorized("Send a valid, unrevoked personal token as 'Authorization: Bearer <token>'.")
            if roles and not token.user.has_role(*roles):
                raise Forbidden("Your role may read items but not change them.")
            g.api_user = token.user
            return view(*args, **kwargs)
        return wrapped
    return decorator


def staff_limit(view):
    """Requests per token, and failed authentications per client address (a guesser cycling
    through tokens is counted once per address, not once per guessed token)."""
    per_token = limiter.limit(lambda: current_app.config["API_RATE_LIMIT_PER_TOKEN"], key_func=limit_key)
    return failed_attempts_limit(401)(per_token(view))


def user_ref(user) -> dict | None:
    return {"id": user.id, "name": user.display_name} if user else None


def stamp(value) -> str | None:
    return value.isoformat() if value else None


def item_json(item: Feedback) -> dict:
    return {
        "id": item.id, "project": {"id": item.project.id, "slug": item.project.slug},
        "channel": item.channel.value, "kind": item.kind.value, "title": item.title, "body": item.body,
        "status": item.status.value, "category": item.category, "impact": item.impact,
        "urgency": item.urgency, "priority": item.priority, "confidence": item.confidence,
        "tags": list(item.tags or []), "team": {"id": item.team.id, "name": item.team.name} if item.team else None,
        "assignee": user_ref(item.assignee),
        "theme": {"id": item.theme.id, "name": item.theme.name} if item.theme else None, "submitter_email": item.submitter_email,
        "first_response_due": stamp(item.first_response_due), "resolution_due": stamp(item.resolution_due),
        "created_at": stamp(item.created_at), "updated_at": stamp(item.updated_at),
    }


def event_json(event: Event) -> dict:
    return {"id": event.id, "kind": event.kind, "actor": user_ref(event.actor), "data": event.data or {},
            "created_at": stamp(event.created_at)}


def comment_json(comment: Comment) -> dict:
    return {"id": comment.id, "body": comment.body, "public": comment.public,
            "author": user_ref(comment.author), "created_at": stamp(comment.created_at)}


def detail_json(item: Feedback) -> dict:
    return {**item_json(item), "context": item.context or {},
            "events": [event_json(e) for e in item.events], "comments": [comment_json(c) for c in item.comments]}


def answer(body: dict):
    """Commit last_used_at (and any change) once, and never let a cache keep staff data."""
    db.session.commit()
    response = jsonify(body)
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/items")
@csrf.exempt
@staff_limit
@token_required()
def list_items():
    flt, cursor, limit = schema.parse_list_args(request.args)
    page = inbox.inbox_page(flt, cursor, limit, viewer=g.api_user)
    return answer({"items": [item_json(i) for i in page.items], "next_cursor": page.next_cursor})


@bp.route("/items/<int:item_id>")
@csrf.exempt
@staff_limit
@token_required()
def get_item(item_id: int):
    return answer(detail_json(items.get_item(item_id, g.api_user)))


@bp.route("/items/<int:item_id>", methods=["PATCH"])
@csrf.exempt
@staff_limit
@token_required(Role.AGENT)
def update_item(item_id: int):
    if not request.is_json:
        raise UnsupportedMediaType("Send JSON with Content-Type: application/json.")
    request.max_content_length = current_app.config["API_MAX_BODY"]
    item = items.get_item(item_id, g.api_user)
    changes = schema.parse_patch(request.get_json())
    staff_api.apply_patch(item, g.api_user, changes)
    return answer(detail_json(item))
