from __future__ import annotations

from collections.abc import Callable

from flask import current_app, flash, redirect, render_template, request, send_from_directory, url_for
from flask_login import current_user

from triage.auth import roles_required
from triage.auth.views import safe_next
from triage.board import bp
from triage.board.bulk import bulk_form
from triage.board.choices import apply_form, filter_choices, form_problem, share_choices, team_and_people_choices
from triage.board.forms import (
    ActionForm,
    AssignForm,
    CommentForm,
    MergeForm,
    PublicForm,
    ReclassifyForm,
    SaveViewForm,
    StatusForm,
    ThemeForm,
    TriagePanelForm,
)
from triage.errors import wants_json
from triage.models import Category, Level, Role, Status, Team, User, parse_id
from triage.services import find, items
from triage.services.intake import attachments
from triage.services.triage import classify, sla
from triage.services.items import bulk_undo, duplicates, macros, panel, saved_views, timeline, votes
from triage.services.insights import themes
from triage.services.items.inbox import InboxFilter, inbox_page
from triage.web import back_to, commit_form


@bp.route("/")
def inbox():
    flt = InboxFilter.from_args(request.args)
    page = inbox_page(flt, request.args.get("cursor"), current_app.config["BOARD_PAGE_SIZE"], viewer=current_user)
    return render_template("board/inbox.html", page=page, flt=flt, **inbox_context())


def inbox_context() -> dict:
    """Everything the inbox shows besides its page: choices, saved views and the forms."""
    views = saved_views.visible_views(current_user)
    save_form = SaveViewForm()
    save_form.share_team.choices = share_choices()
    actions = bulk_form()
    return {**filter_choices(actions.team.choices, actions.assignee.choices), "saved": views,
            "counts": saved_views.view_counts(views, current_user), "save_form": save_form, "bulk_form": actions,
            "undo": bulk_undo.latest(current_user) if current_user.has_role(Role.AGENT) else None,
            "undo_minutes": bulk_undo.UNDO_MINUTES}


def render_item(feedback, status: int = 200, **forms):
    """The item page; a form that failed validation is passed in to show its errors."""
    forms.setdefault("status_form", StatusForm(status=feedback.status.value))
    forms.setdefault("comment_form", CommentForm())
    forms.setdefault("assign_form", assign_form(feedback))
    forms.setdefault("theme_form", ThemeForm(theme=feedback.theme.name if feedback.theme else ""))
    forms.setdefault("reclassify_form", ReclassifyForm(
        category=feedback.category or Category.OTHER, impact=feedback.impact or Level.MEDIUM,
        urgency=feedback.urgency or Level.MEDIUM))
    forms.setdefault("merge_form", MergeForm())
    forms.setdefault("unmerge_form", ActionForm())
    forms.setdefault("public_form", PublicForm(public=feedback.public))
    forms.setdefault("panel_form", panel_form(feedback))
    forms.setdefault("macro_form", apply_form())
    # The single-purpose forms (still posted by scripts and older pages) show no fields: their refusals go on top.
    refusals = [f"{field.replace('_', ' ').capitalize()}: {', '.join(errors)}" for name, form in forms.items()
                if name not in ("panel_form", "comment_form", "macro_form") for field, errors in form.errors.items()]
    return render_template("board/item.html", item=feedback, needs_review=classify.needs_review(feedback),
                           project_themes=themes.project_themes(feedback.project_id), refusals=refusals,
                           timeline=timeline.sentences(list(feedback.events)),
                           look_alikes=duplicates.for_item(feedback, viewer=current_user), index_ready=duplicates.ready(feedback.project_id),
                           merged_in=items.merged_into_this(feedback),
                           voters=votes.voters(feedback), macro_texts=item_macros(feedback), **forms), status


def item_macros(feedback) -> dict[int, str]:
    """Each usable macro's reply filled for this item (the preview), for agents only."""
    if not current_user.has_role(Role.AGENT):
        return {}
    return macros.previews(macros.usable_macros(current_user), feedback, current_user)


@bp.route("/items/<int:item_id>")
def item(item_id: int):
    return render_item(items.get_item(item_id, current_user))


@bp.route("/items/<int:item_id>/status", methods=["POST"])
@roles_required(Role.AGENT)
def change_status(item_id: int):
    feedback = items.get_item(item_id, current_user)
    form = StatusForm()

    def done(_):
        if wants_json():
            return {"id": feedback.id, "status": feedback.status.value, "label": feedback.status.label}
        flash(f"Status set to {feedback.status.label}.", "success")
        return redirect(safe_next(request.form.get("next")) or url_for("board.item", item_id=item_id))

    def failed():
        if wants_json():  # the kanban's fetch asks for JSON
            raise form_problem(form)
        return render_item(feedback, 422, status_form=form)
    return commit_form(form, form.status, lambda: items.change_status(feedback, Status(form.status.data), current_user),
                       done, failed)


@bp.route("/items/<int:item_id>/comments", methods=["POST"])
@roles_required(Role.AGENT, Role.PM)
def comment(item_id: int):
    feedback = items.get_item(item_id, current_user)
    form = CommentForm()
    return commit_form(form, form.body,
                       lambda: items.add_comment(feedback, current_user, form.body.data, form.public.data),
                       lambda _: back_to("Reply sent." if form.public.data else "Note added.", "board.item",
                                         item_id=item_id),
                       lambda: render_item(feedback, 422, comment_form=form))


@bp.route("/items/<int:item_id>/classification", methods=["POST"])
@roles_required(Role.AGENT)
def reclassify(item_id: int):
    feedback = items.get_item(item_id, current_user)
    form = ReclassifyForm()
    return item_change(feedback, form, "reclassify_form", form.category, lambda: items.reclassify(
        feedback, current_user, category=form.category.data, impact=form.impact.data, urgency=form.urgency.data),
        "Classification corrected: the next training learns from it.")


@bp.route("/review")
def review():
    """The needs-review queue: open items the model is least sure about, least sure first."""
    page = classify.review_queue(current_app.config["BOARD_PAGE_SIZE"], current_user)
    return render_template("board/review.html", items=page)


@bp.route("/attachments/<int:attachment_id>")
def attachment(attachment_id: int):
    """A stored screenshot, for staff who may see its item, always as a download (never inline)."""
    stored = attachments.get_attachment(attachment_id, current_user)
    response = send_from_directory(attachments.upload_folder(), stored.storage_key, as_attachment=True,
                                   download_name=stored.filename, mimetype=stored.content_type)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.context_processor
def sla_helpers() -> dict:
    return {"sla_clocks": sla.clocks}


def assign_form(feedback, formdata=None) -> AssignForm:
    """The assignment form with every team and every active staff member who is in a team."""
    form = AssignForm(formdata=formdata, team=str(feedback.team_id or ""), assignee=str(feedback.assignee_id or ""))
    form.team.choices, form.assignee.choices = team_and_people_choices()
    return form


@bp.route("/items/<int:item_id>/assignment", methods=["POST"])
@roles_required(Role.AGENT)
def assign(item_id: int):
    feedback = items.get_item(item_id, current_user)
    form = assign_form(feedback, request.form)

    def change() -> bool:
        team, user = find(Team, parse_id(form.team.data)), find(User, parse_id(form.assignee.data))
        return items.assign(feedback, team, user, current_user)
    return item_change(feedback, form, "assign_form", form.assignee, change, "Assignment saved.")


@bp.route("/items/<int:item_id>/theme", methods=["POST"])
@roles_required(Role.AGENT)
def set_theme(item_id: int):
    feedback = items.get_item(item_id, current_user)
    form = ThemeForm()
    return item_change(feedback, form, "theme_form", form.theme,
                       lambda: items.set_theme(feedback, form.theme.data or "", current_user), "Theme saved.")


def item_change(feedback, form, name: str, field, change: Callable[[], bool], saved: str):
    """Apply a valid item-page form's change and go back to the item; a refusal shows on
    `field` and the page answers 422, with nothing changed."""
    return commit_form(form, field, change,
                       lambda changed: back_to(saved if changed else "Nothing changed.", "board.item",
                                               item_id=feedback.id),
                       lambda: render_item(feedback, 422, **{name: form}))


def panel_form(feedback, formdata=None) -> TriagePanelForm:
    """The triage panel showing the item as it is (team and people choices as assign_form's)."""
    category, impact, urgency = panel.shown_labels(feedback)
    form = TriagePanelForm(formdata=formdata, category=category, impact=impact, urgency=urgency,
                           team=str(feedback.team_id or ""), assignee=str(feedback.assignee_id or ""),
                           theme=feedback.theme.name if feedback.theme else "", tags=", ".join(feedback.tags or []),
                           status=feedback.status.value)
    form.team.choices, form.assignee.choices = team_and_people_choices()
    return form


@bp.route("/items/<int:item_id>/triage", methods=["POST"])
@roles_required(Role.AGENT)
def triage_panel(item_id: int):
    """The triage panel's one submit: each change made by its own verb, one commit."""
    feedback = items.get_item(item_id, current_user)
    form = panel_form(feedback, request.form)

    def change() -> list[str]:
        return panel.apply(feedback, current_user, panel.Triage(
            category=form.category.data, impact=form.impact.data, urgency=form.urgency.data,
            team_id=int(form.team.data) if form.team.data else None,
            assignee_id=int(form.assignee.data) if form.assignee.data else None,
            theme=form.theme.data or "", tags=panel.parse_tags(form.tags.data or ""), status=Status(form.status.data)))
    return commit_form(form, form.status, change,
                       lambda changed: back_to(f"Saved: {', '.join(changed)}." if changed else "Nothing changed.",
                                               "board.item", item_id=item_id),
                       lambda: render_item(feedback, 422, panel_form=form))
