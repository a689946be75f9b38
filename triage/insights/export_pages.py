"""Large exports as background jobs: queue one for the board's filters, watch it, download
the file (its requester or an admin only; anyone else gets 404)."""
from __future__ import annotations

from flask import render_template, request, send_file
from flask_login import current_user

from triage.insights import bp
from triage.insights.forms import ActionForm
from triage.services.insights import export_jobs
from triage.web import back_to, commit_form


@bp.route("/exports", methods=["POST"])
def queue_export():
    form = ActionForm()
    args = request.args.to_dict()
    return commit_form(form, form.csrf_token, lambda: export_jobs.queue_export(args, current_user),
                       lambda job: back_to(f"Export queued (job {job.id}); this page offers the file when it is ready.",
                                           "insights.export_page", job_id=job.id),
                       lambda: (render_template("insights/export.html", form=form, job=None, args=args), 422))


@bp.route("/exports/<int:job_id>")
def export_page(job_id: int):
    job = export_jobs.own_export(job_id, current_user)
    return render_template("insights/export.html", form=ActionForm(), job=job, args={})


@bp.route("/exports/<int:job_id>/items.csv")
def download_export(job_id: int):
    path = export_jobs.download_path(export_jobs.own_export(job_id, current_user))
    return send_file(path, mimetype="text/csv", as_attachment=True, download_name=f"items-{job_id}.csv")
