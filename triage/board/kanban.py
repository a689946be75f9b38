"""The kanban: open items in one column per open status, and the resolved ones; a column
shows a page of cards and loads the next pages in place (or, without JavaScript, by link)."""
from __future__ import annotations

from flask import abort, current_app, render_template, request
from flask_login import current_user

from triage.board import bp
from triage.board.choices import filter_choices
from triage.models import OPEN_STATUSES, Status
from triage.services.items import inbox

COLUMNS = (*OPEN_STATUSES, Status.RESOLVED)  # a done column; closed items stay off the board
COUNT_CAP = 999  # a column's count reads "999+" beyond this, so five counts stay cheap


def column_status(value: str | None) -> Status | None:
    return next((status for status in COLUMNS if status.value == value), None)


@bp.route("/kanban")
def kanban():
    """Open items in one column per open status and a done column (resolved), with the inbox's
    filters and order; `column` and `cursor` start that column after the cursor (the
    "Load more" link when JavaScript is off)."""
    flt = inbox.InboxFilter.from_args(request.args)
    size = current_app.config["BOARD_PAGE_SIZE"]
    more, cursor = column_status(request.args.get("column")), request.args.get("cursor")
    columns = [(status, inbox.inbox_page(flt.with_status(status), cursor if status == more else None, size,
                                 viewer=current_user),
                inbox.capped_count(flt.with_status(status), COUNT_CAP, viewer=current_user)) for status in COLUMNS]
    return render_template("board/kanban.html", flt=flt, columns=columns, count_cap=COUNT_CAP,
                           **filter_choices())


@bp.route("/kanban/cards")
def kanban_cards():
    """The next cards of one column after the cursor, as an HTML fragment that kanban.js
    appends in place, ending with the column's next "Load more" link if any."""
    flt, status = inbox.InboxFilter.from_args(request.args), column_status(request.args.get("column"))
    if status is None:
        abort(404)
    page = inbox.inbox_page(flt.with_status(status), request.args.get("cursor"), current_app.config["BOARD_PAGE_SIZE"],
                            viewer=current_user)
    return render_template("board/_kanban_cards.html", flt=flt, status=status, page=page, statuses=list(Status))
