"""CSV imports uploaded on the import page, run as background jobs of kind "import": the file
is checked when it is uploaded (size, CSV, the mapping, a title column), kept in the import
folder (IMPORT_FOLDER, else "imports" in the instance folder, which the workers must share)
as <job id>.csv with its mapping beside it, then read row by row by importer.import_row like
`flask triage import`: each row lands whole or is reported with its line number. The files
are removed when the job ends. Verbs flush; the view and the worker commit."""
from __future__ import annotations

import json
import tempfile
from pathlib import Path

from flask import current_app

from triage.extensions import db
from triage.models import BackgroundJob, JobKind, Project, User
from triage.services import DomainError, jobs
from triage.services.insights import importer

MAX_BYTES = 20 * 1024 * 1024
SHOWN_ERRORS = 20  # row errors listed in the job's message (2,000 characters at most); the count says how many in all
PROGRESS_EVERY = 500


def import_folder() -> Path:
    return Path(current_app.config.get("IMPORT_FOLDER") or Path(current_app.instance_path) / "imports")


def max_bytes() -> int:
    return int(current_app.config.get("IMPORT_MAX_BYTES", MAX_BYTES))


def check_file(data: bytes, mapping: dict[str, str]) -> int:
    """How many data rows the file holds; DomainError when it is empty, too large, not UTF-8
    CSV or has no column for the title."""
    if not data:
        raise DomainError("The file is empty.")
    if len(data) > max_bytes():
        raise DomainError(f"The file is larger than {max_bytes() // (1024 * 1024)} MB; use `flask triage import`.")
    with tempfile.NamedTemporaryFile(suffix=".csv") as handle:
        handle.write(data)
        handle.flush()
        return len(importer.read_rows(handle.name, mapping))


def queue_import(project: Project | None, data: bytes, mapping_text: str, actor: User | None) -> BackgroundJob:
    """Check the upload, queue an import job for it (flushes) and keep its file."""
    if project is None:
        raise DomainError("Choose the project the items belong to.")
    mapping = importer.parse_mapping(mapping_text)
    if check_file(data, mapping) == 0:
        raise DomainError("The file has no data rows.")
    job = jobs.enqueue(JobKind.IMPORT, project, actor, unique=False)
    folder = import_folder()
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{job.id}.csv").write_bytes(data)
    (folder / f"{job.id}.json").write_text(json.dumps(mapping))
    return job


def run_import(job: BackgroundJob, progress: jobs.Progress) -> str:
    """Import the job's file into its project (flushes), then remove the file; returns the
    counts and the rows refused, with their line numbers."""
    path = import_folder() / f"{job.id}.csv"
    mapping_path = path.with_suffix(".json")
    if not path.exists() or not mapping_path.exists():
        raise DomainError("The uploaded file is gone; upload it again.")
    project = db.session.get(Project, job.project_id)
    if project is None:
        raise DomainError("The project is gone.")
    try:
        rows = importer.read_rows(str(path), json.loads(mapping_path.read_text()))
        imported, errors = 0, []
        progress(0, len(rows), "importing")
        for done, (line, row) in enumerate(rows, 1):
            problem = importer.import_row(project, row, line)
            if problem:
                errors.append(problem)
            else:
                imported += 1
            if done % PROGRESS_EVERY == 0:
                progress(done, len(rows), f"{imported} imported, {len(errors)} rows with errors")
    finally:
        path.unlink(missing_ok=True)
        mapping_path.unlink(missing_ok=True)
    lines = [f"line {e.line}: {e.message[:80]}" for e in errors[:SHOWN_ERRORS]]
    more = [f"... and {len(errors) - SHOWN_ERRORS} more"] if len(errors) > SHOWN_ERRORS else []
    return "\n".join([f"Imported {imported} items; {len(errors)} rows with errors.", *lines, *more])
