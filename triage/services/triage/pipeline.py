"""What happens to every accepted item, in order: classify, route, set SLA due times."""
from __future__ import annotations

import logging

from flask import current_app

from triage.extensions import db
from triage.models import Feedback, User
from triage.services import locks, snapshot
from triage.services.insights import theme_runs
from triage.services.triage import classify, routing, sla

log = logging.getLogger(__name__)
# Items a worker's pass claims at once: small enough that an item waits well under a second
# behind a full batch (and SQLite's write lock is held about as long), large enough that the
# per-pass queries and the vectorised predict are shared by many.
BATCH = 250


def after_intake(item: Feedback, flush: bool = True) -> None:
    """Run the triage steps on a new item (flushes unless told not to; the caller commits).

    Each step must leave the item valid if it cannot do its part: an item is never
    lost or rejected because a later step failed. Suspected spam (quarantined) skips them
    all until an admin releases it (items.release runs them then). With CLASSIFY_INLINE
    off, intake only stores the item and `flask triage worker` triages it in batches.
    Intake runs the steps on the item before it is stored (flush=False), so that one flush
    writes the item with its labels, team and due times.
    """
    if item.quarantined or not current_app.config["CLASSIFY_INLINE"]:
        return  # left pending: the worker's next pass triages it
    classify.classify_items([item], flush=False)
    # Routing and SLA read the category and priority set above, so they come after it. Rules,
    # teams and policies come from the per-process snapshot (one stamp read, no query).
    if item.id is None:
        routing.route_new(item)
    else:  # an item released from quarantine may have been assigned by hand meanwhile
        routing.route(item, flush=False)
    sla.apply_sla(item, snapshot.cached("sla", sla.all_policies), flush=False)
    join_theme(item)
    if flush:
        db.session.flush()


def join_theme(item: Feedback) -> None:
    """File the item under the nearest theme of its project, if one is near enough; a failure
    leaves it unthemed (the next themes run files it)."""
    try:
        theme_runs.assign_new(item)
    except Exception:  # a broken themes file must never cost an item
        log.exception("theme assignment failed for %r", item)


def after_reclassification(item: Feedback, actor: User) -> None:
    """A triager changed the labels: route again and recompute the SLA for the new priority."""
    routing.route(item, actor)
    sla.on_priority_changed(item)


def process_pending(limit: int = BATCH) -> int:
    """Classify, route and set the SLA of items still unclassified; returns how many were done.

    Several workers may run this at once: each claims its batch (rows locked, others' skipped,
    on PostgreSQL; the write lock on SQLite), so an item is triaged once. Call it on a clean
    session and commit after."""
    locks.begin_write()
    items = classify.pending_items(limit)
    if not items:
        return 0
    # Read what the steps need before they change anything, then store it all in one flush, as
    # intake does: a query between the steps would flush the routing events before the due
    # times are set, and the assignment emails would then differ from the inline path's.
    rules, policies = routing.ordered_rules(), sla.all_policies()
    with db.session.no_autoflush:
        if not classify.classify_items(items, flush=False):
            return 0
        routing.route_batch(items, rules)
        for item in items:
            sla.apply_sla(item, policies, flush=False)
            join_theme(item)
    db.session.flush()
    return len(items)
