"""Board page latency as the item count grows: fills a fresh database (SQLite file, and a new
PostgreSQL schema dropped afterwards) with N items by bulk executemany inserts (fixed seed),
then times the default inbox page and three filtered views through the Flask test client,
signed in as an agent, and the capped count a saved view shows (open items, cap 10,000).
Prints p50/p95 per N and view, and p95(largest N) / p95(10k) per view (target < 2).

    python bench/board.py [--quick | --full] [--db sqlite|postgres|both] [--requests 30]

Sizes: --quick 10k; default 10k, 100k; --full 10k, 100k, 1M. Rows are added to the same
database between sizes, then ANALYZE runs (as autovacuum / a maintenance job would).
"""
from __future__ import annotations

import argparse
import contextvars
import os
import platform
import random
import re
import secrets
import statistics
import sys
import tempfile
import time
import uuid
from datetime import datetime, timedelta, timezone
from importlib.metadata import version
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import sqlalchemy  # noqa: E402
from flask.testing import FlaskClient  # noqa: E402
from sqlalchemy import create_engine, func, insert, select, text  # noqa: E402

from triage import create_app  # noqa: E402
from triage.extensions import db  # noqa: E402
from triage.models import Feedback, Role, Team, TeamMember, User  # noqa: E402
from triage.services import accounts  # noqa: E402
from triage.services.items import inbox  # noqa: E402

PG_SERVER = os.environ.get("BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
PASSWORD = "bench horse battery staple"
VIEWS = {
    "default (open, priority then due)": "/board/",
    "team + open": "/board/?team={team}",
    "breaching soon, unassigned": "/board/?breaching=1&unassigned=1",
    "text search 'checkout'": "/board/?q=checkout",
}
COUNT = "capped count of open items (query)"
WORDS = ("login checkout export search upload invoice profile dashboard report sync mobile "
         "payment password email settings page button crash slow error fails broken missing").split()
STATUSES = ["new"] * 10 + ["triaged"] * 8 + ["in_progress"] * 7 + ["waiting"] * 5 + ["resolved"] * 35 + ["closed"] * 35
PRIORITIES = ["P1"] * 5 + ["P2"] * 15 + ["P3"] * 30 + ["P4"] * 25 + ["P5"] * 15 + [None] * 10
HOURS = {"P1": (1, 4), "P2": (4, 24), "P3": (8, 72), "P4": (24, 168), "P5": (48, 336)}


def rows(rng: random.Random, start: int, count: int, projects: list[int], teams: list[int],
         members: dict[int, list[int]], now: datetime) -> list[dict]:
    """`count` generated items, created over the past year; about 30% open."""
    made = []
    for n in range(start, start + count):
        created = now - timedelta(seconds=rng.randrange(365 * 86400))
        status, priority = rng.choice(STATUSES), rng.choice(PRIORITIES)
        team = rng.choice(teams) if rng.random() < 0.9 else None
        assignee = rng.choice(members[team]) if team and rng.random() < 0.7 else None
        first, resolution = HOURS.get(priority, (None, None))
        words = rng.sample(WORDS, 4)
        made.append({
            "project_id": rng.choice(projects), "channel": rng.choice(["form", "widget", "api", "survey"]),
            "kind": rng.choice(["bug", "idea", "feedback"]), "title": f"{' '.join(words[:3]).capitalize()} #{n}",
            "body": f"When I open the {words[3]} page the {words[0]} step does not work.", "context": {}, "tags": [],
            "prediction": {}, "quarantined": rng.random() < 0.01,
            "category": rng.choice(["bug", "feature", "question", "other"]), "priority": priority,
            "impact": "medium", "urgency": "medium", "confidence": rng.random(), "status": status,
            "team_id": team, "assignee_id": assignee, "vote_count": 0, "escalation_level": 0,
            "first_response_due": created + timedelta(hours=first) if first else None,
            "resolution_due": created + timedelta(hours=resolution) if resolution else None,
            "first_responded_at": created + timedelta(minutes=30) if status != "new" else None,
            "resolved_at": created + timedelta(hours=2) if status in ("resolved", "closed") else None,
            "status_token": secrets.token_urlsafe(18), "created_at": created, "updated_at": created,
        })
    return made


def seed_people() -> tuple[list[int], list[int], dict[int, list[int]], User]:
    """Five projects, ten teams of five agents, and the agent who signs in."""
    projects = [accounts.create_project(f"p{n}", f"Project {n}").id for n in range(5)]
    agent = accounts.create_user("bench-agent@example.com", PASSWORD, Role.AGENT)
    members: dict[int, list[int]] = {}
    for t in range(10):
        team = Team(name=f"Team {t}")
        db.session.add(team)
        db.session.flush()
        people = [User(email=f"t{t}-{m}@example.com", password_hash="x", role=Role.AGENT) for m in range(5)]
        db.session.add_all(people)
        db.session.flush()
        db.session.add_all([TeamMember(team_id=team.id, user_id=p.id) for p in people])
        members[team.id] = [p.id for p in people]
    db.session.add(TeamMember(team_id=next(iter(members)), user_id=agent.id))
    db.session.commit()
    return projects, list(members), members, agent


def fill(target: int, have: int, seed_data, rng: random.Random, now: datetime) -> float:
    """Insert items until there are `target`, in batches of 10k; returns seconds taken."""
    projects, teams, members, _ = seed_data
    started = time.perf_counter()
    table = Feedback.__table__
    while have < target:
        batch = min(10_000, target - have)
        db.session.execute(insert(table), rows(rng, have, batch, projects, teams, members, now))
        db.session.commit()
        have += batch
    db.session.execute(text("ANALYZE"))
    db.session.commit()
    return time.perf_counter() - started


class FreshContextClient(FlaskClient):
    """Each request in its own app context, as in production (no `g` shared with the bench)."""

    def open(self, *args, **kwargs):
        return contextvars.Context().run(super().open, *args, **kwargs)


def login(client) -> None:
    page = client.get("/auth/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    response = client.post("/auth/login", data={"email": "bench-agent@example.com", "password": PASSWORD,
                                                "csrf_token": token})
    assert response.status_code == 302, response.status_code


def time_view(client, url: str, requests: int) -> tuple[float, float, int]:
    """(p50 ms, p95 ms, rows shown) over `requests` GETs after three warm-up GETs."""
    for _ in range(3):
        html = client.get(url).get_data(as_text=True)
    shown = len(re.findall(r'name="ids" value=', html))
    samples = []
    for _ in range(requests):
        started = time.perf_counter()
        response = client.get(url)
        response.get_data()
        samples.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200
    samples.sort()
    return statistics.median(samples), samples[min(len(samples) - 1, round(0.95 * (len(samples) - 1)))], shown


def time_count(requests: int) -> tuple[float, float, int]:
    """(p50 ms, p95 ms, count) of the capped count of open items, as a saved view shows it."""
    samples, found = [], 0
    for _ in range(requests + 3):
        started = time.perf_counter()
        found = inbox.capped_count(inbox.InboxFilter())
        samples.append((time.perf_counter() - started) * 1000)
    samples = sorted(samples[3:])
    return statistics.median(samples), samples[min(len(samples) - 1, round(0.95 * (len(samples) - 1)))], found


def database(kind: str, workdir: Path):
    """(url, drop) for a fresh SQLite file or PostgreSQL schema."""
    if kind == "sqlite":
        return f"sqlite:///{workdir / 'board.db'}", lambda: None
    schema = f"bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(PG_SERVER, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))

    def drop():
        with admin.connect() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()
    return f"{PG_SERVER}?options=-csearch_path%3D{schema}%2Cpublic", drop


def data_size(kind: str, url: str) -> str:
    if kind == "sqlite":
        return f"{Path(url.removeprefix('sqlite:///')).stat().st_size / 1e6:.0f} MB file"
    size = db.session.scalar(text("SELECT pg_total_relation_size('feedback')"))
    return f"{size / 1e6:.0f} MB feedback table+indexes"


def bench_database(kind: str, sizes: list[int], requests: int) -> dict:
    results: dict[str, dict[int, tuple[float, float, int]]] = {name: {} for name in [*VIEWS, COUNT]}
    with tempfile.TemporaryDirectory() as tmp:
        url, drop = database(kind, Path(tmp))
        try:
            app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench", "RATELIMIT_ENABLED": False,
                              "SESSION_COOKIE_SECURE": False, "BOARD_PAGE_SIZE": 50, "WTF_CSRF_TIME_LIMIT": None})
            app.test_client_class = FreshContextClient
            with app.app_context():
                db.create_all()
                seed_data = seed_people()
                rng, now, have = random.Random(20261125), datetime.now(timezone.utc), 0
                for size in sizes:
                    seconds = fill(size, have, seed_data, rng, now)
                    have = size
                    print(f"  {kind}: {size:,} items inserted in {seconds:.1f}s ({data_size(kind, url)})", flush=True)
                    client = app.test_client()
                    login(client)
                    for name, pattern in VIEWS.items():
                        view_url = pattern.format(team=seed_data[1][0])
                        results[name][size] = time_view(client, view_url, requests)
                        p50, p95, shown = results[name][size]
                        print(f"    {name:<36} p50 {p50:7.1f} ms  p95 {p95:7.1f} ms  ({shown} rows)", flush=True)
                    results[COUNT][size] = time_count(requests)
                    p50, p95, found = results[COUNT][size]
                    print(f"    {COUNT:<36} p50 {p50:7.1f} ms  p95 {p95:7.1f} ms  "
                          f"({inbox.format_count(found)})", flush=True)
                    db.session.remove()
                db.engine.dispose()
        finally:
            drop()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    size_group = parser.add_mutually_exclusive_group()
    size_group.add_argument("--quick", action="store_true", help="10k items only")
    size_group.add_argument("--full", action="store_true", help="up to 1M items")
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--requests", type=int, default=30, help="timed requests per view and size")
    args = parser.parse_args()
    sizes = [10_000] if args.quick else [10_000, 100_000, 1_000_000] if args.full else [10_000, 100_000]
    print(f"nproc {os.cpu_count()} · Python {platform.python_version()} · Flask {version('flask')} · "
          f"SQLAlchemy {sqlalchemy.__version__} · SQLite {__import__('sqlite3').sqlite_version}")
    kinds = ["sqlite", "postgres"] if args.db == "both" else [args.db]
    if "postgres" in kinds:
        with create_engine(PG_SERVER).connect() as conn:
            print("PostgreSQL", conn.execute(select(func.version())).scalar().split(",")[0])
    summary = {}
    for kind in kinds:
        print(f"{kind}:", flush=True)
        summary[kind] = bench_database(kind, sizes, args.requests)
    print(f"\np95 ratio {sizes[-1]:,} / {sizes[0]:,} items (target < 2):")
    for kind, results in summary.items():
        for name, by_size in results.items():
            ratio = by_size[sizes[-1]][1] / by_size[sizes[0]][1]
            print(f"  {kind:<9} {name:<36} {ratio:5.2f}")


if __name__ == "__main__":
    main()
