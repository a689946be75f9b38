"""The benchmarks' app factory: the product's app plus a bare intake endpoint for bench/intake.py,
one INSERT of the row the full path would store and nothing else. The product never registers it;
gunicorn serves `bench.app:create_bench_app(...)`."""
from __future__ import annotations

from typing import Any

from flask import Blueprint, Flask, jsonify, request
from sqlalchemy import insert

from triage import create_app
from triage.extensions import csrf, db
from triage.models import Channel, Feedback, Kind, Status, new_token, utcnow
from triage.services.intake import widget

bp = Blueprint("bench", __name__, url_prefix="/bench")


@bp.route("/bare-feedback", methods=["POST"])
@csrf.exempt
def bare_feedback():
    data = request.get_json()
    project = widget.project_with_key(str(data.get("public_key") or ""))
    now = utcnow()
    new_id = db.session.execute(insert(Feedback).values(
        project_id=project.id, channel=Channel.API, kind=Kind.BUG, title=data["title"][:200],
        body=data.get("message", ""), context=data.get("context", {}), tags=[], prediction={},
        quarantined=False, status=Status.NEW, vote_count=0, escalation_level=0,
        status_token=new_token(), created_at=now, updated_at=now,
    ).returning(Feedback.id)).scalar_one()
    db.session.commit()
    return jsonify(id=new_id), 201


def create_bench_app(config: dict[str, Any] | None = None) -> Flask:
    """The app of `triage.create_app(config)` with the bare endpoint at /bench/bare-feedback."""
    app = create_app(config)
    app.register_blueprint(bp)
    return app
