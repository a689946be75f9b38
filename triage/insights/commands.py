"""`flask triage aggregate` (backfill the daily counts) and `flask triage import` (historical
feedback from a CSV file); attached to the `triage` command group by triage/cli.py."""
from __future__ import annotations

import click
from flask.cli import with_appcontext

from triage.cli import triage_cli
from triage.extensions import db
from triage.services import DomainError
from triage.services.insights import importer

COMMIT_EVERY = 200  # rows: a long import keeps what it did if stopped


@triage_cli.command("aggregate")
@click.option("--project", "slug", default=None, help="Only this project (slug); all by default.")
@with_appcontext
def aggregate(slug: str | None) -> None:
    """Rebuild the daily counts the insights page reads, day by day (safe to repeat)."""
    from triage import worker as background
    from triage.services.insights import aggregates

    try:
        project = importer.project_by_slug(slug) if slug else None
    except DomainError as error:
        raise click.ClickException(str(error)) from error
    found = aggregates.all_days(project.id if project else None)
    db.session.commit()
    with click.progressbar(length=sum(len(days) for days in found.values()), label="Counting days") as bar:
        done = background.rebuild_aggregates(project.id if project else None, bar.update, found)
    click.echo(f"Rebuilt the counts of {done} days.")


@triage_cli.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--project", "slug", required=True, help="The project the items belong to (slug).")
@click.option("--map", "mapping", default="", help="field=Column pairs, comma separated, e.g. "
              "title=Summary,body=Description,created_at=Created,email=Reporter. Unmapped fields "
              f"are read from a column of their own name. Fields: {', '.join(importer.FIELDS)}.")
@with_appcontext
def import_items(path: str, slug: str, mapping: str) -> None:
    """Bring in historical feedback: each row lands whole (classified, routed) or is reported
    with its line number; the rest go on."""
    try:
        project = importer.project_by_slug(slug)
        columns = importer.parse_mapping(mapping)
        rows = importer.read_rows(path, columns)
    except DomainError as error:
        raise click.ClickException(str(error)) from error
    imported, errors = 0, []
    with click.progressbar(rows, label="Importing", length=len(rows)) as bar:
        for line, row in bar:
            problem = importer.import_row(project, row, line)
            if problem:
                errors.append(problem)
            else:
                imported += 1
            if (imported + len(errors)) % COMMIT_EVERY == 0:
                db.session.commit()
    db.session.commit()
    for problem in errors:
        click.echo(f"line {problem.line}: {problem.message}", err=True)
    click.echo(f"Imported {imported} items; {len(errors)} rows with errors.")
    if errors:
        raise SystemExit(1)


@triage_cli.command("replay-spike")
@click.option("--project", "slug", default="demo", show_default=True, help="The project (slug).")
@click.option("--count", default=12, show_default=True, type=click.IntRange(1, 500),
              help="How many reports the burst brings.")
@with_appcontext
def replay_spike(slug: str, count: int) -> None:
    """Replay the demo's spike: a burst of reports on the theme the demo PM follows, then one
    aggregate, spike and delivery pass, so the followers' spike email goes out over SMTP."""
    from triage import worker as background
    from triage.services import demo_spike

    try:
        theme, made = demo_spike.replay(importer.project_by_slug(slug), count)
    except DomainError as error:
        raise click.ClickException(str(error)) from error
    db.session.commit()
    click.echo(f"{len(made)} new reports on theme {theme.name!r} (#{made[0].id}-#{made[-1].id}).")
    background.aggregate_pass()
    found = background.spike_pass()
    click.echo(f"Spike pass: {found.opened} alerts opened, {found.notified} notifications queued."
               + ("" if found.opened else " (A theme stays quiet for a week after an alert.)"))
    sent = background.deliver_pending()
    click.echo(f"Delivery: {sent.sent} sent, {sent.failed} failed, {sent.dead} dead.")
