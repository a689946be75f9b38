"""The quarantine: suspected spam from the widget API, held for an admin to judge."""
from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_login import current_user
from flask_wtf import FlaskForm

from triage.admin import bp
from triage.extensions import db
from triage.services import items
from triage.services.intake import antispam


@bp.route("/quarantine")
def quarantine():
    return render_template("admin/quarantine.html", items=antispam.quarantined_items(), form=FlaskForm())


@bp.route("/quarantine/<int:item_id>/release", methods=["POST"])
def release(item_id: int):
    item = items.get_item(item_id)
    if FlaskForm().validate_on_submit():
        items.release(item, current_user)
        db.session.commit()
        flash(f"#{item.id} released to the board.", "success")
    return redirect(url_for("admin.quarantine"))


@bp.route("/quarantine/<int:item_id>/delete", methods=["POST"])
def discard(item_id: int):
    item = items.get_item(item_id)
    if FlaskForm().validate_on_submit() and items.discard(item):
        db.session.commit()
        flash(f"#{item_id} deleted.", "success")
    return redirect(url_for("admin.quarantine"))
