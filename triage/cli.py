"""`flask --app wsgi triage ...`: accounts, projects and the demo."""
from __future__ import annotations

import sys

import click
from flask import current_app
from flask.cli import with_appcontext

from triage.extensions import db
from triage.models import Role
from triage.services import DomainError, accounts


@click.group("triage")
def triage_cli() -> None:
    """Manage triage."""


def read_password() -> str:
    """Prompt twice on a terminal; otherwise read one line from stdin (for scripts)."""
    if sys.stdin.isatty():
        return click.prompt("Password", hide_input=True, confirmation_prompt=True)
    return sys.stdin.readline().rstrip("\n")


@triage_cli.command("create-user")
@click.argument("email")
@click.option("--role", type=click.Choice([r.value for r in Role]), required=True)
@click.option("--name", default="", help="Display name.")
@click.option("--team", default=None, help="Team to join (created if it does not exist).")
@with_appcontext
def create_user(email: str, role: str, name: str, team: str | None) -> None:
    """Create a staff account; the password is prompted for, or read from stdin."""
    try:
        team_obj = (accounts.find_team(team) or accounts.create_team(team)) if team else None
        user = accounts.create_user(email, read_password(), Role(role), name, team_obj)
    except DomainError as error:
        raise click.ClickException(str(error)) from error
    db.session.commit()
    click.echo(f"Created {user.role.value} {user.email}.")


@triage_cli.command("create-project")
@click.argument("slug")
@click.option("--name", required=True, help="Display name of the project.")
@with_appcontext
def create_project(slug: str, name: str) -> None:
    """Create a project; its public form is then at /p/SLUG."""
    try:
        project = accounts.create_project(slug, name)
    except DomainError as error:
        raise click.ClickException(str(error)) from error
    db.session.commit()
    click.echo(f"Created project {project.slug}: public form at /p/{project.slug}, "
               f"widget key {project.public_key}.")


@triage_cli.command("train")
@click.option("--data-dir", type=click.Path(file_okay=False), default=None,
              help="Folder with the shared labelled CSV files (e.g. ../shared/data).")
@click.option("--data", "files", multiple=True, type=click.Path(dir_okay=False),
              help="A CSV with a text column and label/impact/urgency/priority/severity columns; repeatable.")
@click.option("--holdout", default=0.2, show_default=True, help="Share of the corrections held out for scoring.")
@click.option("--no-corpus", is_flag=True, help="Leave out the starter corpus (ml/corpus).")
@with_appcontext
def train(data_dir: str | None, files: tuple[str, ...], holdout: float, no_corpus: bool) -> None:
    """Train on the starter corpus, the given data and every correction made in the app;
    print held-out scores only; activate if not worse than the active model."""
    from triage.services.triage import training
    from triage.services.triage.ml_bridge import MLError, headline, load_training_data

    try:
        frame = load_training_data(data_dir, files) if data_dir or files else None
        version = training.train(frame, holdout=holdout, corpus=not no_corpus)
    except (MLError, DomainError) as error:
        raise click.ClickException(str(error)) from error
    db.session.commit()
    click.echo(f"held-out scores on {version.metrics['holdout_rows']} rows the model never saw:")
    for line in headline(version.metrics["holdout"]):
        click.echo(f"  {line}")
    baseline = version.metrics.get("active_on_same_holdout")
    if baseline:
        click.echo(f"previous active model: category macro-F1 {training.score(baseline):.3f}")
    state = "activated" if version.active else "kept inactive (worse than the active model)"
    click.echo(f"model {version.version}: {version.n_rows} rows, {version.n_corrections} corrections, {state}")


@triage_cli.command("themes")
@click.option("--project", "slug", default=None, help="Only this project (by slug); all by default.")
@with_appcontext
def themes(slug: str | None) -> None:
    """Group each project's feedback into themes now, keeping theme ids and PM edits."""
    from triage.services.insights import themes as theme_service
    from triage.services.intake import project_by_slug

    try:
        projects = [project_by_slug(slug)] if slug else theme_service.all_projects()
    except DomainError as error:
        raise click.ClickException(str(error)) from error
    for project in projects:
        with click.progressbar(length=3, label=f"{project.slug:<20}", show_pos=True) as bar:
            summary = theme_service.run_themes(project, lambda done, total, text: bar.update(done - bar.pos))
            db.session.commit()
            bar.update(bar.length - bar.pos)
        click.echo(f"{project.slug}: {summary}")


@triage_cli.command("classify")
@click.option("--limit", default=5000, show_default=True)
@with_appcontext
def classify_pending(limit: int) -> None:
    """Classify items that are still unclassified (for example after a model failure)."""
    from triage.services.triage import pipeline

    done = pipeline.process_pending(limit)
    db.session.commit()
    click.echo(f"classified {done} items")


@triage_cli.command("demo")
@click.option("--serve/--no-serve", default=True, help="Start the web server afterwards.")
@click.option("--host", default="127.0.0.1", show_default=True, envvar="FLASK_RUN_HOST")
@click.option("--port", default=5000, show_default=True, envvar="FLASK_RUN_PORT")
@click.option("--items", default=300, show_default=True, help="How many feedback items to seed.")
@with_appcontext
def demo(serve: bool, host: str, port: int, items: int) -> None:
    """Migrate the database, seed a demo project, staff and feedback, then serve the app."""
    from flask_migrate import upgrade

    from triage.services import demo as demo_data

    from triage import worker as background

    upgrade()
    logins = demo_data.seed(items)
    db.session.commit()
    background.aggregate_pass()  # the daily counts and rankings the insights page reads, as the worker would
    click.echo("Demo ready. Sign in at http://%s:%d/ with:" % (host, port))
    for role, email, password in logins:
        click.echo(f"  {role:<6} {email:<22} password: {password}")
    click.echo(f"Public feedback form: http://{host}:{port}/p/demo")
    if serve:
        # The demo serves plain HTTP on this machine, where a Secure cookie would never be sent back.
        current_app.config.update(SESSION_COOKIE_SECURE=False, REMEMBER_COOKIE_SECURE=False)
        # app.run() refuses to start inside a `flask` command; serve with Werkzeug directly.
        from werkzeug.serving import run_simple

        run_simple(host, port, current_app._get_current_object(), threaded=True)


@triage_cli.command("sweep")
@with_appcontext
def sweep() -> None:
    """One pass: classify items left unclassified, fire due escalation tiers, deliver notifications."""
    from triage import worker as background

    background.one_pass(click.echo)


@triage_cli.command("worker")
@click.option("--interval", default=30.0, show_default=True, help="Seconds between passes.")
@click.option("--classify-interval", default=1.0, show_default=True,
              help="Seconds between passes over items that intake left unclassified.")
@click.option("--once", is_flag=True, help="Run one pass and exit.")
@with_appcontext
def worker(interval: float, classify_interval: float, once: bool) -> None:
    """Run passes forever (until SIGTERM or Ctrl-C, which finish the pass under way)."""
    from triage import worker as background

    background.run(interval, once, click.echo, classify_interval)


# -- release health ------------------------------------------------------------------------

GATE_EXIT = {"pass": 0, "fail": 1, "warn": 3}  # 2 stays click's usage errors


def release_project(slug: str | None):
    """The project for a release command; an unknown one is a usage error (exit 2)."""
    from triage.services.releases import store

    try:
        return store.project_for(slug)
    except DomainError as error:
        raise click.UsageError(str(error)) from error


@triage_cli.command("gate")
@click.argument("version")
@click.option("--project", "slug", default=None, help="Project slug (may be left out with one project).")
@click.option("--json", "as_json", is_flag=True, help="Print the gate as the API answers it.")
@with_appcontext
def gate_command(version: str, slug: str | None, as_json: bool) -> None:
    """Evaluate the go/no-go gate of VERSION now: exit 0 on pass, 1 on fail, 3 on warn."""
    import json

    from triage.services.releases import gate, store

    project = release_project(slug)
    try:
        result = store.gate_for(project, version)
    except DomainError as error:
        raise click.UsageError(str(error)) from error
    if as_json:
        click.echo(json.dumps(gate.result_json(result), indent=2, ensure_ascii=False))
    else:
        click.echo(f"{project.slug} {result.version}: {result.verdict.value.upper()}")
        for check in result.checks:
            click.echo(f"  {check.verdict.value.upper():<4}  {check.rule.label}: {check.text}")
    db.session.rollback()
    sys.exit(GATE_EXIT[result.verdict.value])


@triage_cli.command("releases")
@click.option("--project", "slug", default=None, help="Project slug (may be left out with one project).")
@click.option("--json", "as_json", is_flag=True, help="A list of {version, released_at, verdict}.")
@with_appcontext
def releases_command(slug: str | None, as_json: bool) -> None:
    """List the project's releases, newest first, with their gate verdicts."""
    import json

    from triage.services.releases import store

    rows = store.Snapshot(release_project(slug)).overview()
    if as_json:
        click.echo(json.dumps([{"version": r.version, "released_at": r.released_at.isoformat(),
                                "verdict": g.verdict.value} for r, g in rows], indent=2))
        return
    for row, result in rows:
        click.echo(f"{row.version:<20} {row.released_at:%Y-%m-%d %H:%M}  {result.verdict.value.upper()}")


@triage_cli.command("release")
@click.argument("version")
@click.option("--project", "slug", default=None, help="Project slug (may be left out with one project).")
@click.option("--released-at", default=None, help="When it went out (UTC).",
              type=click.DateTime(["%Y-%m-%d", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M:%S",
                                   "%Y-%m-%dT%H:%M:%S"]))
@with_appcontext
def release_command(version: str, slug: str | None, released_at) -> None:
    """Make a release of VERSION (or correct its release time)."""
    from datetime import timezone

    from triage.services.releases import store

    project = release_project(slug)
    try:
        release = store.create_release(project, version, released_at.replace(tzinfo=timezone.utc) if released_at else None)
    except DomainError as error:
        raise click.UsageError(str(error)) from error
    db.session.commit()
    click.echo(f"{project.slug} {release.version} released at {release.released_at:%Y-%m-%d %H:%M} UTC")


@triage_cli.command("import-adoption")
@click.argument("csv_file", type=click.File("r", encoding="utf-8"))
@click.option("--project", "slug", default=None, help="Project slug (may be left out with one project).")
@with_appcontext
def import_adoption(csv_file, slug: str | None) -> None:
    """Read sessions per release and day from a CSV with columns version, day, sessions."""
    from triage.services.releases import store

    project = release_project(slug)
    try:
        count = store.import_adoption_csv(project, csv_file.read())
    except DomainError as error:
        raise click.ClickException(str(error)) from error
    db.session.commit()
    click.echo(f"{count} days of adoption stored for {project.slug}")


from triage.insights import commands  # noqa: E402,F401  (aggregate, import)
