"""Macros: the staff page that manages them, and applying one from the item page."""
from __future__ import annotations

from flask import render_template, request
from flask_login import current_user

from triage.auth import roles_required
from triage.board import bp
from triage.board.choices import apply_form
from triage.board.forms import MacroForm
from triage.board.views import render_item
from triage.extensions import db
from triage.models import Macro, Role, Status, parse_id
from triage.services import items
from triage.services.items import macros
from triage.web import back_to, commit_form


def render_macros(form: MacroForm, macro: Macro | None = None, status: int = 200):
    return render_template("board/macros.html", form=form, macro=macro, placeholders=list(macros.PLACEHOLDERS),
                           macros=macros.managed_macros(current_user)), status


def save(form: MacroForm, macro: Macro | None):
    return commit_form(form, form.body, lambda: macros.save_macro(
        current_user, form.name.data, form.body.data, Status(form.status.data) if form.status.data else None,
        form.tags.data or "", form.shared.data, macro),
        lambda saved: back_to(f"Macro “{saved.name}” saved.", "board.macro_list"),
        lambda: render_macros(form, macro, 422 if form.errors else 200))  # a GET shows the page


@bp.route("/macros", methods=["GET", "POST"])
@roles_required(Role.AGENT)
def macro_list():
    """Every macro the person manages, and the form for a new one."""
    return save(MacroForm(), None)


@bp.route("/macros/<int:macro_id>", methods=["GET", "POST"])
@roles_required(Role.AGENT)
def edit_macro(macro_id: int):
    macro = macros.get_macro(current_user, macro_id)  # someone else's personal macro: 404
    form = MacroForm(name=macro.name, body=macro.body, status=macro.status.value if macro.status else "",
                     tags=", ".join(macro.tags or []), shared=macro.shared)
    return save(form, macro)


@bp.route("/macros/<int:macro_id>/delete", methods=["POST"])
@roles_required(Role.AGENT)
def delete_macro(macro_id: int):
    macros.delete_macro(current_user, macros.get_macro(current_user, macro_id))
    db.session.commit()
    return back_to("Macro deleted.", "board.macro_list")


@bp.route("/items/<int:item_id>/macro", methods=["POST"])
@roles_required(Role.AGENT)
def apply_macro(item_id: int):
    """Send the macro's reply (as previewed and edited), then its status and tags: one commit."""
    feedback = items.get_item(item_id, current_user)
    form = apply_form(request.form)
    return commit_form(form, form.macro, lambda: macros.apply_macro(
        feedback, macros.get_macro(current_user, parse_id(form.macro.data)), current_user, form.body.data),
        lambda changed: back_to(f"Macro applied: {', '.join(changed)}.", "board.item", item_id=item_id),
        lambda: render_item(feedback, 422, macro_form=form))
