"""The import page: PMs and admins upload a CSV file of feedback with its column mapping; it is
checked at once and imported by a background job whose state, counts and refused rows (with
their line numbers) the page then shows."""
from __future__ import annotations

from flask import render_template
from flask_login import current_user

from triage.auth import roles_required
from triage.insights import bp
from triage.insights.forms import ImportForm
from triage.insights.views import number_arg
from triage.models import JobKind, Role
from triage.services import NotFound, jobs
from triage.services.insights import import_jobs, themes
from triage.web import back_to, commit_form


def import_form() -> ImportForm:
    form = ImportForm()
    form.project_id.choices = [(p.id, p.name) for p in themes.all_projects()]
    return form


def render_import(form: ImportForm, job=None, status: int = 200):
    return render_template("insights/import.html", form=form, job=job,
                           max_mb=import_jobs.max_bytes() // (1024 * 1024)), status


@bp.route("/import")
@roles_required(Role.PM)
def import_page():
    job_id = number_arg("job")
    job = jobs.get_job(job_id) if job_id else None
    if job is not None and job.kind is not JobKind.IMPORT:
        raise NotFound(f"No import job {job_id}.")
    return render_import(import_form(), job)


@bp.route("/import", methods=["POST"])
@roles_required(Role.PM)
def upload_import():
    form = import_form()
    project = next((p for p in themes.all_projects() if p.id == form.project_id.data), None)
    return commit_form(form, form.file,
                       lambda: import_jobs.queue_import(project, form.file.data.read(), form.mapping.data or "",
                                                        current_user),
                       lambda job: back_to(f"Import queued (job {job.id}); this page shows its progress.",
                                           "insights.import_page", job=job.id),
                       lambda: render_import(form, status=422))
