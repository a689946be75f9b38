"""The themes pages: each project's themes (pinned first, then the largest) with the run that
finds them, and one theme's items with the PMs' edits. Agents read; PMs and admins edit."""
from __future__ import annotations

from flask import jsonify, render_template, request
from flask_login import current_user

from triage.auth import roles_required
from triage.insights import bp
from triage.insights.forms import ActionForm, DeleteThemeForm, ItemsForm, MergeForm, NoteForm, PinForm, RenameForm, RunForm, ThemeStatusForm
from triage.models import JobKind, Role, Theme, ThemeStatus
from triage.services import NotFound, jobs
from triage.services.insights import charts, page, themes
from triage.web import back_to, commit_form


def chosen_project(slug: str | None):
    """The project named in the query string, else the first one; None when there is none."""
    projects = themes.all_projects()
    if slug:
        found = [p for p in projects if p.slug == slug]
        if not found:
            raise NotFound(f"No project {slug!r}.")
        return found[0], projects
    return (projects[0] if projects else None), projects


def render_list(project, projects, run_form: RunForm, status: int = 200):
    return render_template(
        "insights/themes.html", project=project, projects=projects, run_form=run_form,
        rows=themes.themes_with_sizes(project.id) if project else [],
        unthemed=themes.unthemed_count(project.id) if project else 0,
        job=jobs.latest(JobKind.THEMES, project.id) if project else None,
        can_edit=current_user.has_role(Role.PM)), status


@bp.route("/themes")
def theme_list():
    project, projects = chosen_project(request.args.get("project"))
    return render_list(project, projects, RunForm(project_id=project.id if project else None))


@bp.route("/themes/run", methods=["POST"])
@roles_required(Role.PM)
def run_themes():
    form = RunForm()
    project = next((p for p in themes.all_projects() if p.id == form.project_id.data), None)
    return commit_form(form, form.project_id, lambda: jobs.enqueue(JobKind.THEMES, project, current_user),
                       lambda job: back_to(f"Themes run queued (job {job.id}); this page shows its progress.",
                                           "insights.theme_list", project=project.slug),
                       lambda: render_list(project, themes.all_projects(), form, 422))


@bp.route("/jobs/<int:job_id>")
def job_status(job_id: int):
    job = jobs.get_job(job_id)
    return jsonify(id=job.id, kind=job.kind.value, status=job.status.value, done=job.done, total=job.total,
                   percent=job.percent, message=job.message)


def detail_forms(theme: Theme) -> dict:
    others = [t for t in themes.project_themes(theme.project_id) if t.id != theme.id]
    items = themes.theme_items(theme, viewer=current_user)
    merge, moves = MergeForm(prefix="merge"), ItemsForm(prefix="items")
    merge.target.choices = [(t.id, t.name) for t in others]
    moves.items.choices = [(i.id, f"#{i.id}") for i in items]
    moves.target.choices = [(0, "Unthemed")] + [(t.id, t.name) for t in others]
    return dict(items=items, merge_form=merge, items_form=moves, notes=themes.notes(theme), note_form=NoteForm(prefix="note"), rename_form=RenameForm(prefix="rename", name=theme.name),
                status_form=ThemeStatusForm(prefix="status", status=theme.status.value),
                delete_form=DeleteThemeForm(prefix="delete"), pin_form=PinForm(prefix="pin", pinned="0" if theme.pinned else "1"))


def render_detail(theme: Theme, forms: dict, status: int = 200):
    return render_template("insights/theme.html", theme=theme, size=themes.theme_size(theme),
                           rank=charts.theme_rank(theme), trend_days=charts.THEME_DAYS,
                           followers=page.followers(theme), follow_form=ActionForm(),
                           can_edit=current_user.has_role(Role.PM), **forms), status


@bp.route("/themes/<int:theme_id>")
def theme_detail(theme_id: int):
    theme = themes.get_theme(theme_id)
    return render_detail(theme, detail_forms(theme))


def edit(theme_id: int, form_name: str, field: str, change, message: str, goto=lambda theme_id, form: theme_id):
    """Apply one edit form of the theme page through `change(theme, form)`, commit, and go to
    the theme `goto` names (this one by default); a refused edit shows the page with the error."""
    theme = themes.get_theme(theme_id)
    forms = detail_forms(theme)
    form = forms[form_name]
    return commit_form(form, getattr(form, field), lambda: change(theme, form),
                       lambda result: back_to(message.format(result=result), "insights.theme_detail",
                                              theme_id=goto(theme_id, form)),
                       lambda: render_detail(theme, forms, 422))


@bp.route("/themes/<int:theme_id>/rename", methods=["POST"])
@roles_required(Role.PM)
def rename_theme(theme_id: int):
    return edit(theme_id, "rename_form", "name", lambda t, f: themes.rename(t, f.name.data),
                "Renamed; runs keep this name.")


@bp.route("/themes/<int:theme_id>/status", methods=["POST"])
@roles_required(Role.PM)
def set_theme_status(theme_id: int):
    return edit(theme_id, "status_form", "status",
                lambda t, f: themes.set_status(t, ThemeStatus(f.status.data)), "Status saved.")


@bp.route("/themes/<int:theme_id>/notes", methods=["POST"])
@roles_required(Role.AGENT, Role.PM)
def add_theme_note(theme_id: int):
    return edit(theme_id, "note_form", "body", lambda t, f: themes.add_note(t, current_user, f.body.data),
                "Note added.")


@bp.route("/themes/<int:theme_id>/pin", methods=["POST"])
@roles_required(Role.PM)
def pin_theme(theme_id: int):
    return edit(theme_id, "pin_form", "pinned", lambda t, f: themes.pin(t, f.pinned.data == "1"), "Saved.")


@bp.route("/themes/<int:theme_id>/merge", methods=["POST"])
@roles_required(Role.PM)
def merge_theme(theme_id: int):
    return edit(theme_id, "merge_form", "target",
                lambda t, f: themes.merge(t, themes.get_theme(f.target.data), current_user),
                "Merged: {result} items moved.", goto=lambda theme_id, form: form.target.data)


def split_off(theme: Theme, form: ItemsForm) -> str:
    return themes.split(theme, form.items.data, form.name.data or "", current_user).name


def move_off(theme: Theme, form: ItemsForm) -> int:
    target = themes.get_theme(form.target.data) if form.target.data else None
    return themes.move_items(theme, form.items.data, target, current_user)


@bp.route("/themes/<int:theme_id>/split", methods=["POST"])
@roles_required(Role.PM)
def split_theme(theme_id: int):
    return edit(theme_id, "items_form", "name", split_off, "Split off into {result}.")


@bp.route("/themes/<int:theme_id>/move", methods=["POST"])
@roles_required(Role.PM)
def move_theme_items(theme_id: int):
    return edit(theme_id, "items_form", "target", move_off, "{result} items moved.")


@bp.route("/themes/<int:theme_id>/delete", methods=["POST"])
@roles_required(Role.PM)
def delete_theme(theme_id: int):
    theme = themes.get_theme(theme_id)
    forms = detail_forms(theme)
    form, name, project = forms["delete_form"], theme.name, theme.project.slug
    return commit_form(form, form.confirm, lambda: themes.delete(theme, current_user),
                       lambda moved: back_to(f"Deleted {name}: its {moved} items are unthemed.",
                                             "insights.theme_list", project=project),
                       lambda: render_detail(theme, forms, 422))
