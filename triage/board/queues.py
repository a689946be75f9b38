"""The board's queue pages: inbox context, kanban, saved views and bulk actions."""
from __future__ import annotations

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from wtforms.fields.choices import SelectChoice

from triage.auth import roles_required
from triage.auth.views import safe_next
from triage.board import bp
from triage.board.forms import BulkForm, SaveViewForm
from triage.extensions import db
from triage.models import Channel, Kind, Role, Status, Team, TeamMember, User
from triage.services import DomainError, board, bulk, saved_views, themes


def team_and_people_choices() -> tuple[list, list]:
    """(team, person) select choices: every team, and every active member of a team."""
    teams = list(db.session.scalars(select(Team).order_by(Team.name).options(
        selectinload(Team.memberships).joinedload(TeamMember.user))))
    people = sorted({m.user for t in teams for m in t.memberships if m.user.active}, key=lambda u: u.display_name)
    return ([SelectChoice("", "— no team —")] + [SelectChoice(str(t.id), t.name) for t in teams],
            [SelectChoice("", "— nobody —")] + [SelectChoice(str(u.id), u.display_name) for u in people])


def share_choices() -> list[SelectChoice]:
    return [SelectChoice("", "Only me")] + [SelectChoice(str(t.id), t.name) for t in current_user.teams]


def filter_choices(teams: list | None = None, people: list | None = None) -> dict:
    """What the filter bar offers, shared by the inbox and the kanban."""
    if teams is None or people is None:
        teams, people = team_and_people_choices()
    return {"projects": board.all_projects(), "teams": teams[1:], "people": people[1:], "statuses": list(Status),
            "kinds": list(Kind), "channels": list(Channel), "categories": board.CATEGORIES,
            "priorities": board.PRIORITIES, "themes": themes.all_themes()}


def inbox_context(flt: board.InboxFilter) -> dict:
    """Everything the inbox shows besides its page: choices, saved views and the forms."""
    views = saved_views.visible_views(current_user)
    save_form = SaveViewForm()
    save_form.share_team.choices = share_choices()
    actions = bulk_form()
    return {**filter_choices(actions.team.choices, actions.assignee.choices), "saved": views,
            "counts": saved_views.view_counts(views), "save_form": save_form, "bulk_form": actions}


def form_problem(form) -> DomainError:
    """A refused form as a DomainError (a 422 page, or JSON for JSON clients)."""
    return DomainError("; ".join(f"{name}: {', '.join(errs)}" for name, errs in form.errors.items()))


def bulk_form(formdata=None) -> BulkForm:
    form = BulkForm(formdata=formdata)
    form.team.choices, form.assignee.choices = team_and_people_choices()
    return form


@bp.route("/kanban")
def kanban():
    """Open items in one column per open status, with the inbox's filters and order."""
    flt = board.InboxFilter.from_args(request.args)
    size = current_app.config["BOARD_PAGE_SIZE"]
    columns = [(status, board.inbox_page(flt.with_status(status), None, size)) for status in board.OPEN_STATUSES]
    return render_template("board/kanban.html", flt=flt, columns=columns, **filter_choices())


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
    flash(f"View “{view.name}” saved.", "success")
    return redirect(url_for("board.open_view", view_id=view.id))


@bp.route("/views/<int:view_id>")
def open_view(view_id: int):
    view = saved_views.get_view(current_user, view_id)
    return redirect(url_for("board.inbox", view=view.id, **view.filters))


@bp.route("/views/<int:view_id>/delete", methods=["POST"])
@roles_required(Role.AGENT, Role.PM)
def delete_view(view_id: int):
    saved_views.delete_view(current_user, view_id)
    db.session.commit()
    flash("View deleted.", "success")
    return redirect(url_for("board.inbox"))


@bp.route("/bulk", methods=["POST"])
@roles_required(Role.AGENT)
def bulk_action():
    """Apply one action to the ticked items, all or nothing, then go back to the same page."""
    form = bulk_form(request.form)
    if not form.validate_on_submit():
        raise DomainError("Select at least one item.") if form.ids.errors else form_problem(form)
    team = db.session.get(Team, int(form.team.data)) if form.team.data else None
    user = db.session.get(User, int(form.assignee.data)) if form.assignee.data else None
    changed = bulk.apply(form.ids.data, form.action.data, current_user, team=team, user=user,
                         status=Status(form.status.data) if form.status.data else None,
                         impact=form.impact.data, urgency=form.urgency.data, tag=form.tag.data or "",
                         theme=form.theme.data or "")
    db.session.commit()
    flash(f"{changed} of {len(form.ids.data)} selected items changed.", "success")
    return redirect(safe_next(request.form.get("next")) or url_for("board.inbox"))
