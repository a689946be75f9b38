from __future__ import annotations

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user

from triage.auth import roles_required
from triage.board import bp
from triage.board.forms import CommentForm, StatusForm
from triage.extensions import db
from triage.models import Kind, Role, Status
from triage.services import board, items


def parse_filter(args) -> board.InboxFilter:
    """Read the inbox filters from the query string; unknown values mean "any"."""
    def enum_or_none(enum_class, value):
        return enum_class(value) if value in {m.value for m in enum_class} else None

    project = args.get("project", "")
    return board.InboxFilter(
        project_id=int(project) if project.isdigit() else None,
        status=enum_or_none(Status, args.get("status")),
        kind=enum_or_none(Kind, args.get("kind")),
    )


@bp.route("/")
def inbox():
    flt = parse_filter(request.args)
    page = board.inbox_page(flt, request.args.get("cursor"), current_app.config["BOARD_PAGE_SIZE"])
    return render_template("board/inbox.html", page=page, flt=flt, projects=board.all_projects(),
                           statuses=list(Status), kinds=list(Kind))


@bp.route("/items/<int:item_id>")
def item(item_id: int):
    feedback = items.get_item(item_id)
    return render_template("board/item.html", item=feedback,
                           status_form=StatusForm(status=feedback.status.value),
                           comment_form=CommentForm())


@bp.route("/items/<int:item_id>/status", methods=["POST"])
@roles_required(Role.AGENT)
def change_status(item_id: int):
    feedback = items.get_item(item_id)
    form = StatusForm()
    if not form.validate_on_submit():
        return render_template("board/item.html", item=feedback, status_form=form,
                               comment_form=CommentForm()), 422
    items.change_status(feedback, Status(form.status.data), current_user)
    db.session.commit()
    flash(f"Status set to {feedback.status.label}.", "success")
    return redirect(url_for("board.item", item_id=item_id))


@bp.route("/items/<int:item_id>/comments", methods=["POST"])
@roles_required(Role.AGENT)
def comment(item_id: int):
    feedback = items.get_item(item_id)
    form = CommentForm()
    if not form.validate_on_submit():
        return render_template("board/item.html", item=feedback, comment_form=form,
                               status_form=StatusForm(status=feedback.status.value)), 422
    items.add_comment(feedback, current_user, form.body.data, form.public.data)
    db.session.commit()
    flash("Reply sent." if form.public.data else "Note added.", "success")
    return redirect(url_for("board.item", item_id=item_id))
