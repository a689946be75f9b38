"""Row claiming that works on both databases: SKIP LOCKED on PostgreSQL, one writer on SQLite.

Background passes (escalation sweep, outbox delivery) may run in several processes at
once. PostgreSQL lets each skip the rows another has locked; SQLite has no row locks,
so a pass takes the database's write lock up front (BEGIN IMMEDIATE) and the other
waits for it (busy_timeout) instead of failing half-way through a transaction.
"""
from __future__ import annotations

from sqlalchemy import Select

from triage.extensions import db


def is_sqlite() -> bool:
    return db.session.get_bind().dialect.name == "sqlite"


def begin_write() -> None:
    """Start the session's transaction holding the write lock on SQLite (no-op elsewhere).

    Call on a clean session (after a commit or rollback): pysqlite opens its own
    transaction lazily at the first write, so an explicit BEGIN IMMEDIATE must come first.
    """
    if not is_sqlite():
        return
    raw = db.session.connection().connection.dbapi_connection
    if not raw.in_transaction:
        raw.execute("BEGIN IMMEDIATE")


def skip_locked(query: Select, *of) -> Select:
    """Lock the selected rows for this transaction, skipping rows another worker holds
    (PostgreSQL); on SQLite the write lock from begin_write already serialises workers."""
    if is_sqlite():
        return query
    return query.with_for_update(skip_locked=True, of=list(of) or None)
