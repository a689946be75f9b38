from __future__ import annotations

from datetime import timezone

from flask import Response, render_template, url_for
from flask_login import current_user

from triage.auth import roles_required
from triage.models import Role
from triage.releases import bp
from triage.releases.forms import ConfirmForm, FixForm, FollowerForm, ReleaseForm, RulesForm
from triage.services import intake
from triage.services.releases import report, store, watch
from triage.web import back_to, commit_form


def board_link(project):
    """Turns a check's board filter into the inbox address that lists its items."""
    return lambda flt: url_for("board.inbox", project=project.id, **flt)


@bp.route("/")
def index():
    return render_template("releases/index.html", projects=store.projects())


@bp.route("/<slug>")
def project_releases(slug: str):
    return render_list(intake.project_by_slug(slug))


def render_list(project, form=None, fix_form=None, status: int = 200):
    snapshot = store.Snapshot(project)
    return render_template("releases/list.html", project=project, rows=snapshot.overview(), rules=snapshot.rules,
                           form=form or ReleaseForm(), fix_form=fix_form or FixForm(),
                           fixes=watch.fixes(project)), status


@bp.route("/<slug>/fixes", methods=["POST"])
def mark_fixed(slug: str):
    project = intake.project_by_slug(slug)
    form = FixForm()
    return commit_form(
        form, form.version,
        lambda: watch.mark_fixed_by_ref(project, form.version.data, form.item_id.data, form.theme.data,
                                        form.threshold.data, current_user),
        lambda fix: back_to(f"Watching the fix in {fix.version}.", "releases.project_releases", slug=slug),
        lambda: render_list(project, fix_form=form, status=422))


def release_context(slug: str, version: str) -> dict:
    """The project, the release's figures, its gate and the board links, for one release."""
    project = intake.project_by_slug(slug)
    snapshot = store.Snapshot(project)
    fig = snapshot.figures(store.checked(version))
    return {"project": project, "fig": fig, "result": snapshot.gate(fig.version), "link": board_link(project)}


@bp.route("/<slug>/v/<version>")
def release(slug: str, version: str):
    return render_template("releases/release.html", **release_context(slug, version))


@bp.route("/<slug>/v/<version>/checklist")
def checklist(slug: str, version: str):
    return render_template("releases/checklist.html", **release_context(slug, version))


@bp.route("/<slug>/v/<version>/checklist.<fmt>")
def checklist_export(slug: str, version: str, fmt: str):
    found = release_context(slug, version)
    project, fig, result = found["project"], found["fig"], found["result"]
    link = lambda flt: url_for("board.inbox", project=project.id, _external=True, **flt)  # noqa: E731
    name = f"{project.slug}-{fig.version}-checklist.{fmt}"
    if fmt == "md":
        body, mimetype = report.markdown(project.name, fig, result, link), "text/markdown"
    elif fmt == "csv":
        body, mimetype = report.csv_text(result, link), "text/csv"
    else:
        return Response("Export as .md or .csv.", 404, mimetype="text/plain")
    return Response(body, mimetype=mimetype, headers={"Content-Disposition": f'attachment; filename="{name}"'})


@bp.route("/<slug>/releases", methods=["POST"])
@roles_required(Role.PM)
def create_release(slug: str):
    project = intake.project_by_slug(slug)
    form = ReleaseForm()
    return commit_form(
        form, form.version,
        lambda: store.create_release(project, form.version.data, aware(form.released_at.data)),
        lambda made: back_to(f"Release {made.version} saved.", "releases.release", slug=slug, version=made.version),
        lambda: render_list(project, form=form, status=422))


def aware(moment):
    return moment.replace(tzinfo=timezone.utc) if moment else None


@bp.route("/<slug>/gate", methods=["GET", "POST"])
@roles_required(Role.PM)
def gate_rules(slug: str):
    project = intake.project_by_slug(slug)
    form = RulesForm.for_rules(store.rules_of(project))
    return commit_form(
        form, form.no_open_p1_threshold, lambda: store.set_rules(project, form.rules()),
        lambda _: back_to("Gate saved.", "releases.gate_rules", slug=slug),
        lambda: (render_gate(project, form), 422 if form.errors else 200))


def render_gate(project, form, follower_form=None):
    return render_template("releases/gate.html", project=project, form=form,
                           followers=store.followers(project), follower_form=follower_form or FollowerForm())


@bp.route("/<slug>/followers", methods=["POST"])
@roles_required(Role.PM)
def add_follower(slug: str):
    project = intake.project_by_slug(slug)
    form = FollowerForm()
    return commit_form(
        form, form.email, lambda: store.follow(project, email=form.email.data),
        lambda f: back_to(f"{f.email} follows the verdicts of {project.name}.", "releases.gate_rules", slug=slug),
        lambda: (render_gate(project, RulesForm.for_rules(store.rules_of(project)), form), 422))


@bp.route("/<slug>/followers/<int:follower_id>/delete", methods=["POST"])
@roles_required(Role.PM)
def remove_follower(slug: str, follower_id: int):
    project = intake.project_by_slug(slug)
    form = ConfirmForm()
    return commit_form(
        form, form.csrf_token, lambda: store.unfollow(project, follower_id),
        lambda _: back_to("Follower removed.", "releases.gate_rules", slug=slug),
        lambda: back_to("Try again.", "releases.gate_rules", slug=slug))
