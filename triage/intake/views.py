from __future__ import annotations

from pathlib import Path

from flask import current_app, redirect, render_template, request, url_for

from triage.extensions import db, failed_attempts_limit, limiter
from triage.intake import bp
from triage.intake.forms import FeedbackForm
from triage.intake.uploads import attach_screenshots
from triage.models import Kind, Severity
from triage.services import intake


@bp.route("/p/<slug>", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["INTAKE_RATE_LIMIT"], methods=["POST"])
def feedback_form(slug: str):
    project = intake.project_by_slug(slug)
    form = FeedbackForm()
    if form.validate_on_submit():
        kind = Kind(form.kind.data)
        item = intake.submit_feedback(project, intake.Submission(
            kind=kind,
            title=form.title.data,
            body=form.body(),
            severity=Severity(form.severity.data) if kind == Kind.BUG and form.severity.data else None,
            email=form.email.data,
            name=form.name.data,
            app_version=form.app_version.data,
        ))
        if not attach_screenshots(item, form):
            return render_template("intake/form.html", project=project, form=form), 422
        db.session.commit()
        # Post/redirect/get: a reload of the confirmation cannot send the item twice.
        return redirect(url_for("intake.status", token=item.status_token, thanks=1), 303)
    status = 422 if form.errors else 200
    return render_template("intake/form.html", project=project, form=form), status


@bp.route("/status/<token>")
@failed_attempts_limit(404)
def status(token: str):
    item = intake.item_by_status_token(token)
    status_url = url_for("intake.status", token=token, _external=True)
    return render_template("intake/status.html", item=item, status_url=status_url,
                           thanks=request.args.get("thanks") == "1")


@bp.route("/widget.js")
def widget_js():
    """The embeddable widget, loaded by other sites with one script tag."""
    source = (Path(current_app.static_folder or "") / "widget.js").read_bytes()
    response = current_app.response_class(source, mimetype="text/javascript")
    response.add_etag()
    response.make_conditional(request)
    response.headers["Cache-Control"] = "public, max-age=300"
    response.headers["Cross-Origin-Resource-Policy"] = "cross-origin"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
