"""The app's duplicate lookup end to end (run from bench/insights.py --duplicates-app, or alone).

    python bench/duplicates_app.py [--items 100000] [--lookups 200] [--db sqlite|postgres|both]

Fills a fresh database (SQLite file, or a new PostgreSQL schema dropped afterwards) with `--items`
open items of one project, texts drawn as bench/insights.py draws them (real rows of the starter
corpus and ../shared/data, seeded), builds the project's index once (timed), then for each of
`--lookups` new items: stores it (committed, as intake would), and times the item page's "Possible
duplicates" (`duplicates.for_item`, which first catches the index up with the new item) and the
hosted form's similar reports for its text (`duplicates.similar_public`). p50/p95/p99 in ms; the
goal is p95 <= 50 ms at 100,000 items.
"""
from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import secrets
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import insert, text  # noqa: E402

from bench.board import database  # noqa: E402  (a fresh SQLite file or PostgreSQL schema)
from bench.insights import items as synthetic_items, percentiles, source_rows  # noqa: E402
from triage import create_app  # noqa: E402
from triage.extensions import db  # noqa: E402
from triage.models import Feedback, Role, User, utcnow  # noqa: E402
from triage.services import accounts  # noqa: E402
from triage.services.items import duplicates  # noqa: E402

SEED = 20261126
BATCH = 10_000


def rows(batch: list[dict], project_id: int, public_every: int = 3) -> list[dict]:
    now = utcnow()
    return [{"project_id": project_id, "channel": "form", "kind": "bug", "title": b["title"][:200] or "(no title)",
             "body": b["text"], "context": {}, "tags": [], "prediction": {}, "quarantined": False, "status": "new",
             "public": n % public_every == 0, "vote_count": 0, "escalation_level": 0,
             "status_token": secrets.token_urlsafe(18), "created_at": now, "updated_at": now}
            for n, b in enumerate(batch)]


def bench_database(kind: str, size: int, lookups: int, profile: bool = False) -> None:
    df = source_rows()
    with tempfile.TemporaryDirectory() as tmp:
        url, drop = database(kind, Path(tmp))
        try:
            app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench", "RATELIMIT_ENABLED": False,
                              "DUPLICATES_INLINE_BUILD": size * 2})  # build inline: time it, then look up
            with app.app_context():
                db.create_all()
                project = accounts.create_project("big", "Big")
                pm = accounts.create_user("bench-pm@example.com", "bench horse battery staple", Role.PM)
                db.session.commit()
                started = time.perf_counter()
                made = synthetic_items(df, size + lookups, SEED)
                for start in range(0, size, BATCH):
                    db.session.execute(insert(Feedback.__table__), rows(made[start:min(size, start + BATCH)], project.id))
                    db.session.commit()
                db.session.execute(text("ANALYZE"))
                db.session.commit()
                print(f"  {kind}: {size:,} open items inserted in {time.perf_counter() - started:.1f} s", flush=True)
                started = time.perf_counter()
                duplicates.project_index(project.id)
                print(f"    index built in {time.perf_counter() - started:.1f} s", flush=True)
                item_times, public_times, found = [], [], 0
                profiler = cProfile.Profile() if profile else None
                project_id, pm_id = project.id, pm.id
                for new in made[size:]:
                    db.session.execute(insert(Feedback.__table__), rows([new], project_id))
                    db.session.commit()
                    # as a request: a fresh session, the viewer loaded (Flask-Login) and the item read
                    # (items.get_item) before the lookup starts
                    db.session.remove()
                    pm = db.session.get(User, pm_id)
                    item = db.session.scalars(db.select(Feedback).order_by(Feedback.id.desc()).limit(1)).one()
                    started = time.perf_counter()
                    if profiler:
                        profiler.enable()
                    found += bool(duplicates.for_item(item, viewer=pm))
                    if profiler:
                        profiler.disable()
                    item_times.append(time.perf_counter() - started)
                    started = time.perf_counter()
                    duplicates.similar_public(project_id, new["text"][:5000])
                    public_times.append(time.perf_counter() - started)
                load = " ".join(f"{x:.2f}" for x in os.getloadavg())
                print(f"    for_item (item page)      {percentiles(item_times)} ({lookups} lookups, "
                      f"{found} with suggestions; goal p95 50 ms)  load {load}", flush=True)
                print(f"    similar_public (the form) {percentiles(public_times)} ({lookups} lookups)", flush=True)
                if profiler:
                    pstats.Stats(profiler).sort_stats("cumulative").print_stats(25)
                db.session.remove()
                db.engine.dispose()
        finally:
            drop()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--lookups", type=int, default=200)
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--profile", action="store_true", help="cProfile the item page's lookups")
    args = parser.parse_args(argv)
    print(f"nproc {os.cpu_count()} · one project · {args.items:,} open items · seed {SEED}")
    for kind in ["sqlite", "postgres"] if args.db == "both" else [args.db]:
        print(f"{kind}:", flush=True)
        bench_database(kind, args.items, args.lookups, args.profile)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
