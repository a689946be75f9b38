"""End users' votes: a project's public ideas, "+1" and "me too", and similar reports while typing.

The browser id that makes one vote per browser is a random cookie of this site
(`triage_voter`, HttpOnly, SameSite=Lax); the votes' rows keep only its hash.
"""
from __future__ import annotations

import secrets

from flask import current_app, flash, jsonify, redirect, render_template, request, url_for

from triage.errors import wants_json
from triage.extensions import db, limiter
from triage.intake import bp
from triage.intake.forms import VoteForm
from triage.services import intake
from triage.services.items import duplicates, votes

VOTER_COOKIE = "triage_voter"
COOKIE_DAYS = 365


def browser_id() -> str:
    value = request.cookies.get(VOTER_COOKIE, "")
    return value if 16 <= len(value) <= 64 and value.isalnum() else secrets.token_hex(16)


def with_voter_cookie(response, value: str):
    if request.cookies.get(VOTER_COOKIE) != value:
        response.set_cookie(VOTER_COOKIE, value, max_age=COOKIE_DAYS * 86400, httponly=True, samesite="Lax",
                            secure=current_app.config.get("SESSION_COOKIE_SECURE", True))
    return response


@bp.route("/p/<slug>/ideas")
def ideas(slug: str):
    """The project's open public items, most voted first, each with a +1 button."""
    project = intake.project_by_slug(slug)
    response = current_app.make_response(render_template(
        "intake/ideas.html", project=project, ideas=votes.public_ideas(project.id), form=VoteForm()))
    return with_voter_cookie(response, browser_id())


@bp.route("/p/<slug>/ideas/<int:item_id>/vote", methods=["POST"])
@limiter.limit(lambda: current_app.config["VOTE_RATE_LIMIT"])
def vote(slug: str, item_id: int):
    """+1 from the ideas page, or "me too" from the form's similar reports (fetch, JSON answer)."""
    project = intake.project_by_slug(slug)
    item = intake.public_item(project, item_id)
    form, browser = VoteForm(), browser_id()
    if not form.validate_on_submit():
        if wants_json():
            return jsonify(error={"code": "invalid", "message": "Check the email.", "fields": form.errors}), 422
        return render_template("intake/ideas.html", project=project, ideas=votes.public_ideas(project.id),
                               form=form), 422
    counted = votes.add_vote(item, email=form.email.data, name=form.name.data, browser=browser,
                             source="me_too" if wants_json() else "vote")
    count = item.vote_count
    db.session.commit()
    if wants_json():
        return with_voter_cookie(jsonify(counted=counted, votes=count), browser)
    flash("Thank you, your vote counts." if counted else "You already voted for this one.", "success")
    return with_voter_cookie(redirect(url_for("intake.ideas", slug=slug), 303), browser)


@bp.route("/p/<slug>/similar")
@limiter.limit(lambda: current_app.config["SIMILAR_RATE_LIMIT"])
def similar(slug: str):
    """Open public reports of the project like the text being typed (`q`), for "me too"."""
    project = intake.project_by_slug(slug)
    found = duplicates.similar_public(project.id, request.args.get("q", ""))
    return jsonify(similar=[{"id": s.item.id, "title": s.item.title, "status": s.item.status.label,
                             "votes": s.item.vote_count, "score": s.score,
                             "vote_url": url_for("intake.vote", slug=slug, item_id=s.item.id)} for s in found])
