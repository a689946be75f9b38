"""Duplicates on the board: merge suggestions, merge and unmerge, and an item's public flag."""
from __future__ import annotations

from flask import render_template, request
from flask_login import current_user

from triage.auth import roles_required
from triage.board import bp
from triage.board.forms import ActionForm, MergeForm, PublicForm
from triage.board.views import item_change, render_item
from triage.models import MERGING_ROLES, Role
from triage.services import DomainError, items
from triage.services.items import duplicates
from triage.web import back_to, commit_form


@bp.route("/duplicates")
def merge_suggestions():
    """Pairs of open items that read alike, per project, likely ones first."""
    projects = duplicates.projects()
    chosen = next((p for p in projects if p.slug == request.args.get("project")), projects[0] if projects else None)
    pairs = duplicates.suggestions(chosen.id, viewer=current_user) if chosen else []
    return render_template("board/duplicates.html", projects=projects, chosen=chosen, pairs=pairs,
                           ready=not chosen or duplicates.ready(chosen.id), recent=duplicates.RECENT,
                           merge_form=MergeForm())


@bp.route("/items/<int:item_id>/merge", methods=["POST"])
@roles_required(*MERGING_ROLES)
def merge(item_id: int):
    feedback = items.get_item(item_id, current_user)
    form = MergeForm()

    def change():
        other = items.get_item(form.other.data, current_user)
        if other.id == feedback.id:
            raise DomainError("An item cannot be merged with itself.")
        return items.merge([feedback, other], current_user)

    def done(survivor):
        merged = feedback.id if survivor.id != feedback.id else form.other.data
        return back_to(f"#{merged} merged into #{survivor.id}.", "board.item", item_id=survivor.id)
    return commit_form(form, form.other, change, done, lambda: render_item(feedback, 422, merge_form=form))


@bp.route("/items/<int:item_id>/unmerge", methods=["POST"])
@roles_required(*MERGING_ROLES)
def unmerge(item_id: int):
    feedback = items.get_item(item_id, current_user)
    form = ActionForm()
    return commit_form(form, form.csrf_token, lambda: items.unmerge(feedback, current_user),
                       lambda survivor: back_to(f"#{feedback.id} is no longer merged into #{survivor.id}.",
                                                "board.item", item_id=feedback.id),
                       lambda: render_item(feedback, 422, unmerge_form=form))


@bp.route("/items/<int:item_id>/public", methods=["POST"])
@roles_required(Role.AGENT)
def set_public(item_id: int):
    feedback = items.get_item(item_id, current_user)
    form = PublicForm()
    return item_change(feedback, form, "public_form", form.public,
                       lambda: items.set_public(feedback, form.public.data, current_user), "Saved who sees it.")
