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


@triage_cli.command("demo")
@click.option("--serve/--no-serve", default=True, help="Start the web server afterwards.")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True)
@click.option("--items", default=300, show_default=True, help="How many feedback items to seed.")
@with_appcontext
def demo(serve: bool, host: str, port: int, items: int) -> None:
    """Migrate the database, seed a demo project, staff and feedback, then serve the app."""
    from flask_migrate import upgrade

    from triage.services import demo as demo_data

    upgrade()
    logins = demo_data.seed(items)
    db.session.commit()
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
