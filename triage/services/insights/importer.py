"""Historical feedback from a CSV file (`flask triage import`): each row goes through
intake.accept like any other item (classification, routing, SLA from its own creation time)
with channel "import", inside a savepoint of its own: a row lands whole or is reported with
its line number, and the others go on. A row's idempotency key is a hash of its values, so
importing the same file twice stores nothing new."""
from __future__ import annotations

import csv
import hashlib
from dataclasses import dataclass
from datetime import datetime, timezone

import pandas as pd
from email_validator import EmailNotValidError, validate_email
from sqlalchemy.exc import SQLAlchemyError

from triage.extensions import db
from triage.models import Channel, Kind, Project
from triage.services import DomainError, intake, locks

FIELDS = ("title", "body", "created_at", "email", "name", "kind")
MAX_ROWS = 200_000


@dataclass(frozen=True)
class RowError:
    line: int  # in the file, the header being line 1
    message: str


def project_by_slug(slug: str) -> Project:
    return intake.project_by_slug(slug)


def parse_mapping(text: str) -> dict[str, str]:
    """"title=Summary,body=Description" -> {"title": "Summary", ...}; unmapped fields read a
    column of their own name. DomainError for an unknown field or a pair without "="."""
    mapping = {name: name for name in FIELDS}
    for pair in filter(None, (p.strip() for p in text.split(","))):
        name, sep, column = pair.partition("=")
        if not sep or name.strip() not in FIELDS or not column.strip():
            raise DomainError(f"Bad --map entry {pair!r}: use field=Column with a field among {', '.join(FIELDS)}.")
        mapping[name.strip()] = column.strip()
    return mapping


def read_rows(path: str, mapping: dict[str, str]) -> list[tuple[int, dict[str, str]]]:
    """(line number, {field: text}) per data row; DomainError when the file cannot be read as
    CSV or has no column for the title."""
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig", nrows=MAX_ROWS)
    except (UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError, csv.Error) as error:
        raise DomainError(f"Cannot read {path} as UTF-8 CSV: {error}") from error
    if mapping["title"] not in frame.columns:
        raise DomainError(f"No column {mapping['title']!r} for the title; columns: {', '.join(frame.columns)}.")
    present = {name: column for name, column in mapping.items() if column in frame.columns}
    lines = line_numbers(path, len(frame))
    return [(lines[i], {name: str(row[column]) for name, column in present.items()})
            for i, row in enumerate(frame.to_dict("records"))]


def line_numbers(path: str, count: int) -> list[int]:
    """The file line on which each data row starts (a quoted cell may span lines)."""
    with open(path, newline="", encoding="utf-8-sig") as handle:
        reader = csv.reader(handle)
        next(reader, None)
        starts = []
        start = reader.line_num + 1
        for _ in reader:
            starts.append(start)
            start = reader.line_num + 1
            if len(starts) == count:
                break
    while len(starts) < count:  # pandas read more rows than csv did: number them on
        starts.append(starts[-1] + 1 if starts else 2)
    return starts


def parse_time(text: str) -> datetime | None:
    """An ISO-like date or time (UTC when no zone is given); None when empty; ValueError if unreadable."""
    if not text.strip():
        return None
    stamp = pd.Timestamp(text.strip())
    if pd.isna(stamp):
        raise ValueError(text)
    stamp = stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")
    return stamp.to_pydatetime().astimezone(timezone.utc)


def submission(row: dict[str, str]) -> intake.Submission:
    """The row as a Submission; DomainError with a message for the user when a value is bad."""
    try:
        created_at = parse_time(row.get("created_at", ""))
    except ValueError as error:
        raise DomainError(f"created_at {row.get('created_at')!r} is not a date.") from error
    kind_text = row.get("kind", "").strip().lower() or Kind.FEEDBACK.value
    if kind_text not in {k.value for k in Kind}:
        raise DomainError(f"kind {kind_text!r} is not one of {', '.join(k.value for k in Kind)}.")
    email = row.get("email", "").strip() or None
    if email:
        try:
            email = validate_email(email, check_deliverability=False).normalized
        except EmailNotValidError as error:
            raise DomainError(f"email {email!r} is not an address.") from error
    key = "import-" + hashlib.sha256(repr(sorted(row.items())).encode()).hexdigest()[:40]
    return intake.Submission(kind=Kind(kind_text), title=row.get("title", ""), body=row.get("body", ""),
                             email=email, name=row.get("name", "").strip() or None,
                             channel=Channel.IMPORT, context={"imported": True}, idempotency_key=key,
                             created_at=created_at)


def import_row(project: Project, row: dict[str, str], line: int) -> RowError | None:
    """Store one row through intake.accept in a savepoint (flushes); a RowError instead when
    it is refused, with nothing of it left in the session."""
    try:
        sub = submission(row)
        locks.begin_write()  # SQLite: a SAVEPOINT outside a transaction would commit on release
        with db.session.begin_nested():
            intake.accept(project, sub)
    except DomainError as error:
        return RowError(line, str(error))
    except SQLAlchemyError as error:
        return RowError(line, f"not stored: {type(error).__name__}")
    return None
