"""The small tables every intake reads (model version, keyword and default rules, routing
rules with their teams, SLA policies, webhooks, themes, projects), kept in memory per process
behind one stamp.

Every transaction that changes a row of those tables (through the ORM: a flush, or a bulk
UPDATE/DELETE statement) writes a new random token into `settings_stamps` in the same
transaction (`bump`). A reader reads the stamp once per transaction (`stamp`); a copy cached
under the same stamp is current, another is loaded again. So an admin's change made in any
process is seen by every process at its next transaction after the commit, for one cheap
read per intake instead of one query per table.

What is cached are plain values or ORM objects detached from any session (loaded in a side
session on the caller's connection): readers treat them as read-only and `attach` one before
linking it to a row of their own session. A session that changed one of these tables in its
open transaction reads the tables themselves (its own changes are not committed yet).
"""
from __future__ import annotations

import copy
import threading
import uuid
from collections.abc import Callable
from itertools import chain
from typing import Any, TypeVar

from flask import Flask
from sqlalchemy import event as sa_event
from sqlalchemy import select, update
from sqlalchemy import inspect
from sqlalchemy.orm import Session, make_transient_to_detached
from sqlalchemy.orm.attributes import set_committed_value

from triage.extensions import db
from triage.models import (
    DisabledDefaultRule,
    KeywordRule,
    ModelVersion,
    Project,
    RoutingRule,
    SettingsStamp,
    SlaPolicy,
    Team,
    TeamMember,
    Theme,
    User,
    Webhook,
)

WATCHED = (DisabledDefaultRule, KeywordRule, ModelVersion, Project, RoutingRule, SlaPolicy, Team, TeamMember,
           Theme, User, Webhook)
WATCHED_TABLES = frozenset(model.__table__.name for model in WATCHED)
STAMP, CHANGED = "triage.snapshot.stamp", "triage.snapshot.changed"
NAME = "settings"
T = TypeVar("T")

_cache: dict[str, tuple[str, Any]] = {}
_lock = threading.Lock()


def init_app(app: Flask) -> None:
    """Listen on the app's sessions (once per process, however many apps are built)."""
    for name, listener in (("before_flush", on_flush), ("do_orm_execute", on_statement),
                           ("after_transaction_end", forget)):
        if not sa_event.contains(db.session, name, listener):
            sa_event.listen(db.session, name, listener)


def changes_watched(session: Session) -> bool:
    return any(isinstance(o, WATCHED) and (o not in session.dirty or session.is_modified(o))
               for o in chain(session.new, session.dirty, session.deleted))


def on_flush(session: Session, _context, _instances) -> None:
    if changes_watched(session):
        bump(session)


def on_statement(state) -> None:
    """A bulk UPDATE or DELETE of a watched table changes the stamp too."""
    if (state.is_update or state.is_delete) and not state.session.info.get(CHANGED):
        table = getattr(state.statement, "table", None)
        if getattr(table, "name", None) in WATCHED_TABLES:
            bump(state.session)


def bump(session: Session) -> None:
    """Give the stamp a new value in this transaction (once: other processes see it at the
    commit; this session reads the tables themselves until then)."""
    if session.info.get(CHANGED):
        return
    session.info[CHANGED] = True
    session.info.pop(STAMP, None)
    session.connection().execute(update(SettingsStamp.__table__).where(SettingsStamp.name == NAME)
                                 .values(value=uuid.uuid4().hex))


def forget(session: Session, transaction) -> None:
    if transaction.parent is None:
        session.info.pop(STAMP, None)
        session.info.pop(CHANGED, None)


def stamp(session: Session) -> str | None:
    """The stamp as this transaction sees it (with the database's address), read once per
    transaction; None when this session changed a watched table or the row is missing
    (nothing cached may be used then)."""
    if session.info.get(CHANGED):
        return None
    if STAMP not in session.info:
        value = session.scalar(select(SettingsStamp.value).where(SettingsStamp.name == NAME))
        session.info[STAMP] = f"{session.get_bind().url}#{value}" if value else None
    return session.info[STAMP]


def cached(name: str, load: Callable[[Session], T]) -> T:
    """`load(session)`'s value: the copy cached under the current stamp, or a fresh one.

    A fresh copy is loaded in a side session on the caller's connection (same transaction,
    its own identity map) and closed, so the ORM objects it returns are detached."""
    session = db.session()
    current = stamp(session)
    if current is None:
        return load(session)
    found = _cache.get(name)
    if found is not None and found[0] == current:
        return found[1]
    with Session(bind=session.connection(), expire_on_commit=False) as side:
        value = load(side)
    with _lock:
        _cache[name] = (current, value)
    return value


def attach(obj: T | None) -> T | None:
    """The session's own copy of a cached object, without a query: the one it holds already,
    or a new persistent copy of the row's columns (relationships load as usual when read).
    Cheaper than `Session.merge(load=False)`, which would copy the graph loaded with it."""
    if obj is None:
        return None
    session = db.session()
    if obj in session:
        return obj
    mapper = inspect(obj).mapper
    found = session.identity_map.get(mapper.identity_key_from_instance(obj))
    if found is not None:
        return found
    twin = mapper.class_manager.new_instance()
    for column in mapper.column_attrs:
        if column.key in obj.__dict__:
            value = obj.__dict__[column.key]  # JSON values are copied: the cached one is shared
            set_committed_value(twin, column.key, copy.deepcopy(value) if isinstance(value, (dict, list)) else value)
    make_transient_to_detached(twin)
    session.add(twin)
    return twin
