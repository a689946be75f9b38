"""Saved views: a named set of the inbox's filters, saved, opened and deleted."""
from __future__ import annotations

from flask import redirect, request, url_for
from flask_login import current_user

from triage.auth import roles_required
from triage.board import bp
from triage.board.choices import form_problem, share_choices
from triage.board.forms import SaveViewForm
from triage.extensions import db
from triage.models import Role
from triage.services.items import saved_views
from triage.web import back_to


@bp.route("/views", methods=["POST"])
@roles_required(Role.AGENT, Role.PM)
def save_view():
    form = SaveViewForm()
    form.share_team.choices = share_choices()
    if not form.validate_on_submit():
        raise form_problem(form)
    view = saved_views.save_view(current_user, form.name.data, request.form.to_dict(),
                                 int(form.share_team.data) if form.share_team.data else None)
    db.session.commit()
    return back_to(f"View “{view.name}” saved.", "board.open_view", view_id=view.id)


@bp.route("/views/<int:view_id>")
def open_view(view_id: int):
    view = saved_views.get_view(current_user, view_id)
    return redirect(url_for("board.inbox", view=view.id, **view.filters))


@bp.route("/views/<int:view_id>/delete", methods=["POST"])
@roles_required(Role.AGENT, Role.PM)
def delete_view(view_id: int):
    saved_views.delete_view(current_user, view_id)
    db.session.commit()
    return back_to("View deleted.", "board.inbox")
