"""The insights page's latency as the item count grows (run from bench/insights.py --page, or alone).

    python bench/insights_page.py [--sizes 10000,100000,1000000] [--db sqlite|postgres|both] [--requests 30]
                                  [--keep DIR]

Fills a fresh database (SQLite file, or a new PostgreSQL schema dropped afterwards) with items of
ONE project (the page's worst case) over the past year, 200 themes (80% of items themed), a pool
of 20,000 reporters, fixed seed; rebuilds the daily counts (`worker.rebuild_aggregates`, timed),
then times GET /insights/?days=30 and ?days=90 through the Flask test client signed in as a PM,
in interleaved rounds of three variants (see one_request: stored, summed, warm; p50/p95 after
warm-up, and the median per-round ratio summed/stored), and one incremental pass after 100 items
changed (it rebuilds their days and stores the rankings again). Inserts are followed by VACUUM
ANALYZE (ANALYZE on SQLite). With --keep DIR each size gets its own database, kept for reruns
(SQLite DIR/insights-N.db, PostgreSQL schema insights_N): a rerun skips the insert and the rebuild.
"""
from __future__ import annotations

import argparse
import contextvars
import os
import random
import re
import secrets
import statistics
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from flask.testing import FlaskClient  # noqa: E402
from sqlalchemy import create_engine, func, insert, select, text, update  # noqa: E402

from triage import create_app, worker  # noqa: E402
from triage.extensions import db  # noqa: E402
from triage.models import DailyCount, Feedback, Project, Role, Theme, utcnow  # noqa: E402
from triage.services import accounts  # noqa: E402
from triage.services.insights import page  # noqa: E402
from bench.board import PG_SERVER, database  # noqa: E402  (a fresh SQLite file or PostgreSQL schema)

PASSWORD = "bench horse battery staple"
THEMES, REPORTERS = 200, 20_000
PRIORITIES = ["P1"] * 5 + ["P2"] * 15 + ["P3"] * 30 + ["P4"] * 25 + ["P5"] * 15 + [None] * 10


def rows(rng: random.Random, start: int, count: int, project_id: int, themes: list[int], now: datetime) -> list[dict]:
    made = []
    for n in range(start, start + count):
        created = now - timedelta(seconds=rng.randrange(365 * 86400))
        made.append({
            "project_id": project_id, "channel": "widget", "kind": "feedback", "title": f"Item {n}", "body": "",
            "context": {}, "tags": [], "prediction": {}, "quarantined": False,
            "category": rng.choice(["bug", "feature", "question", "other"]), "priority": rng.choice(PRIORITIES),
            "theme_id": rng.choice(themes) if rng.random() < 0.8 else None, "status": "new",
            "submitter_email": f"r{rng.randrange(REPORTERS)}@example.com", "vote_count": rng.choice([0] * 8 + [1, 3]),
            "escalation_level": 0, "status_token": secrets.token_urlsafe(18), "created_at": created,
            "updated_at": created,
        })
    return made


class FreshContextClient(FlaskClient):
    def open(self, *args, **kwargs):
        return contextvars.Context().run(super().open, *args, **kwargs)


def login(client, email: str) -> None:
    page = client.get("/auth/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    response = client.post("/auth/login", data={"email": email, "password": PASSWORD, "csrf_token": token})
    assert response.status_code == 302, response.status_code


VARIANTS = ("stored", "summed", "warm")


def one_request(client, url: str, variant: str) -> float:
    """ms of one GET. stored: the per-process cache emptied (the first view after a worker pass),
    so the page reads the ranking the pass stored; summed: the same with no stored ranking, so the
    page sums the daily counts (what every first view did before); warm: the cache reused."""
    if variant != "warm":
        page.CACHE.clear()
    read_stored = page.snapshot
    if variant == "summed":
        page.snapshot = lambda *args: None
    try:
        started = time.perf_counter()
        response = client.get(url)
        response.get_data()
        return (time.perf_counter() - started) * 1000
    finally:
        page.snapshot = read_stored


def time_page(client, url: str, requests: int) -> dict[str, tuple[float, float, float]]:
    """{variant: (p50, p95, median ratio summed/stored)} over rounds interleaving the variants."""
    for _ in range(3):
        assert client.get(url).status_code == 200
    samples: dict[str, list[float]] = {v: [] for v in VARIANTS}
    for _ in range(requests):
        for variant in VARIANTS:
            samples[variant].append(one_request(client, url, variant))
    ratio = statistics.median(b / a for a, b in zip(samples["stored"], samples["summed"]))
    found = {}
    for variant, values in samples.items():
        values = sorted(values)
        found[variant] = (statistics.median(values), values[min(len(values) - 1, round(0.95 * (len(values) - 1)))], ratio)
    return found


def kept_database(kind: str, size: int, keep: Path):
    """(url, drop, existed) of a database kept for reruns: DIR/insights-N.db or schema insights_N."""
    if kind == "sqlite":
        path = keep / f"insights-{size}.db"
        return f"sqlite:///{path}", lambda: None, path.exists()
    schema = f"insights_{size}"
    admin = create_engine(PG_SERVER, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        existed = conn.scalar(text("SELECT count(*) FROM pg_namespace WHERE nspname = :s"), {"s": schema}) > 0
        conn.execute(text(f'CREATE SCHEMA IF NOT EXISTS "{schema}"'))
    admin.dispose()
    return f"{PG_SERVER}?options=-csearch_path%3D{schema}%2Cpublic", lambda: None, existed


def fill(kind: str, size: int, have: int, rng: random.Random, now: datetime) -> int:
    """Insert items up to `size` (timed), then let maintenance settle (VACUUM ANALYZE)."""
    project = db.session.scalar(select(Project).where(Project.slug == "big"))
    if project is None:
        project = accounts.create_project("big", "Big")
        accounts.create_user("bench-pm@example.com", PASSWORD, Role.PM)
        db.session.add_all([Theme(project_id=project.id, name=f"Theme {t}") for t in range(THEMES)])
        db.session.commit()
    themes = list(db.session.scalars(select(Theme.id).order_by(Theme.id)))
    started = time.perf_counter()
    while have < size:
        batch = min(10_000, size - have)
        db.session.execute(insert(Feedback.__table__), rows(rng, have, batch, project.id, themes, now))
        db.session.commit()
        have += batch
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE" if kind == "postgres" else "ANALYZE"))
    print(f"  {kind}: {size:,} items inserted in {time.perf_counter() - started:.1f} s", flush=True)
    return project.id


def rebuild(kind: str) -> None:
    started = time.perf_counter()
    days = worker.rebuild_aggregates()
    counts = db.session.query(DailyCount).count()
    print(f"    rebuild of the daily counts: {days} days, {counts:,} rows in {time.perf_counter() - started:.1f} s"
          f"  load {load_average()}", flush=True)


def load_average() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def measure(app, kind: str, size: int, project_id: int, requests: int) -> None:
    """One incremental pass after 100 items changed (timed), then the page's latencies."""
    rng = random.Random(size)
    worker.aggregate_pass()  # sets the watermark
    changed = [rng.randrange(1, size) for _ in range(100)]
    db.session.execute(update(Feedback).where(Feedback.id.in_(changed))
                       .values(vote_count=Feedback.vote_count + 1, updated_at=utcnow()))
    db.session.commit()
    started = time.perf_counter()
    redone = worker.aggregate_pass()
    print(f"    incremental pass after 100 items changed: {redone} days in "
          f"{time.perf_counter() - started:.2f} s", flush=True)
    client = app.test_client()
    login(client, "bench-pm@example.com")
    for period in (30, 90):
        found = time_page(client, f"/insights/?project={project_id}&days={period}", requests)
        for variant, (p50, p95, ratio) in found.items():
            print(f"    GET /insights/ {period} days {variant:<6}  p50 {p50:7.1f} ms  p95 {p95:7.1f} ms"
                  f"  (limit p95 300 ms at 1M)  load {load_average()}", flush=True)
        print(f"    {kind} {size:,} {period} days summed/stored ratio {ratio:.1f} (median of rounds)", flush=True)


def bench_database(kind: str, sizes: list[int], requests: int, keep: Path | None) -> None:
    """Without `keep`: one fresh database grown through the sizes. With it: a database per size,
    kept for reruns (items and counts built once; a rerun only measures)."""
    with tempfile.TemporaryDirectory() as tmp:
        url, drop = database(kind, Path(tmp)) if keep is None else (None, lambda: None)
        try:
            rng, now, have = random.Random(20261126), utcnow(), 0
            for size in sizes:
                existed = False
                if keep is not None:
                    url, drop, existed = kept_database(kind, size, keep)
                    rng, have = random.Random(20261126), 0
                app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench", "RATELIMIT_ENABLED": False,
                                  "SESSION_COOKIE_SECURE": False, "WTF_CSRF_TIME_LIMIT": None})
                app.test_client_class = FreshContextClient
                with app.app_context():
                    db.create_all()
                    if existed and db.session.scalar(select(func.count()).select_from(Feedback)) >= size:
                        project_id = db.session.scalar(select(Project.id).where(Project.slug == "big"))
                        print(f"  {kind}: {size:,} items kept from an earlier run", flush=True)
                    else:
                        project_id, have = fill(kind, size, have, rng, now), size
                        rebuild(kind)
                    measure(app, kind, size, project_id, requests)
                    db.session.remove()
                    db.engine.dispose()
        finally:
            drop()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000", help="comma-separated item counts (cumulative)")
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--requests", type=int, default=30)
    parser.add_argument("--keep", type=Path, default=None,
                        help="keep a database per size in this folder (SQLite) or schema insights_N (PostgreSQL) "
                             "and reuse it on reruns")
    args = parser.parse_args(argv)
    print(f"nproc {os.cpu_count()} · {THEMES} themes · {REPORTERS:,} reporters · one project")
    for kind in ["sqlite", "postgres"] if args.db == "both" else [args.db]:
        print(f"{kind}:", flush=True)
        bench_database(kind, [int(s) for s in args.sizes.split(",")], args.requests, args.keep)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
