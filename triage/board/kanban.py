"""The kanban: open items in one column per open status, and the resolved ones."""
from __future__ import annotations

from flask import current_app, render_template, request
from flask_login import current_user

from triage.board import bp
from triage.board.choices import filter_choices
from triage.models import OPEN_STATUSES, Status
from triage.services.items import inbox


@bp.route("/kanban")
def kanban():
    """Open items in one column per open status and a done column (resolved), with the inbox's
    filters and order."""
    flt = inbox.InboxFilter.from_args(request.args)
    size = current_app.config["BOARD_PAGE_SIZE"]
    shown = [*OPEN_STATUSES, Status.RESOLVED]  # a done column; closed items stay off the board
    columns = [(status, inbox.inbox_page(flt.with_status(status), None, size, viewer=current_user)) for status in shown]
    return render_template("board/kanban.html", flt=flt, columns=columns, **filter_choices())
