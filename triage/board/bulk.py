"""Bulk actions: one action on the items ticked in the inbox, all or nothing; and its undo."""
from __future__ import annotations

from flask import flash, redirect, request, url_for
from flask_login import current_user

from triage.auth import roles_required
from triage.auth.views import safe_next
from triage.board import bp
from triage.board.choices import form_problem, macro_choices, team_and_people_choices
from triage.board.forms import BulkForm
from triage.errors import wants_json
from triage.extensions import db
from triage.models import Role, Status, Team, User, parse_id
from triage.services import DomainError, find
from triage.services.items import bulk, bulk_undo, macros


def bulk_form(formdata=None) -> BulkForm:
    form = BulkForm(formdata=formdata)
    form.team.choices, form.assignee.choices = team_and_people_choices()
    form.macro.choices = macro_choices()
    return form


@bp.route("/bulk", methods=["POST"])
@roles_required(Role.AGENT)
def bulk_action():
    """Apply one action to the ticked items, all or nothing, then go back to the same page."""
    form = bulk_form(request.form)
    back = safe_next(request.form.get("next")) or url_for("board.inbox")
    if not form.validate_on_submit():
        if not request.form.getlist("ids") and not wants_json() and set(form.errors) == {"ids"}:
            flash("Nothing was changed: tick at least one item first.", "warning")  # on the page, not an error page
            return redirect(back, 303)
        raise DomainError("Select at least one item.") if form.ids.errors else form_problem(form)
    team, user = find(Team, parse_id(form.team.data)), find(User, parse_id(form.assignee.data))
    macro = macros.get_macro(current_user, parse_id(form.macro.data)) if form.macro.data else None
    changed = bulk.apply(form.ids.data, form.action.data, current_user, team=team, user=user,
                         status=Status(form.status.data) if form.status.data else None,
                         impact=form.impact.data, urgency=form.urgency.data, tag=form.tag.data or "",
                         theme=form.theme.data or "", macro=macro)
    db.session.commit()
    flash(f"{changed} of {len(form.ids.data)} selected items changed.", "success")  # the inbox offers the undo
    return redirect(back)


@bp.route("/bulk/undo/<int:undo_id>", methods=["POST"])
@roles_required(Role.AGENT)
def undo_bulk(undo_id: int):
    """Undo the person's last bulk action; items changed by someone since are left alone and named."""
    outcome = bulk_undo.undo(undo_id, current_user)
    db.session.commit()
    flash(f"Undone on {len(outcome.restored)} items.", "success")
    if outcome.skipped:
        flash("Left alone, changed since: " + ", ".join(f"#{i}" for i in outcome.skipped) + ".", "warning")
    return redirect(safe_next(request.form.get("next")) or url_for("board.inbox"), 303)
