"""Soak: a mixed load held for minutes against gunicorn on PostgreSQL, to find what only time
shows (errors under contention, latency that creeps, a leak). locust runs three kinds of users
at a steady pace: submitters (form token, then POST /api/v1/feedback), agents (board, review
queue, an item page, a status change with its CSRF token) and product managers (themes, kanban).
A `flask triage worker` runs beside the app. Prints per endpoint the requests, error rate,
p50/p95/p99 and rate, then the totals and the server's peak RSS. Not part of the test suite.

    python bench/soak.py [--minutes 5] [--users 24] [--workers 4] [--items 300]

The database is a new schema on BENCH_POSTGRES_URL (dropped afterwards), seeded by the demo.
"""
from __future__ import annotations

import argparse
import csv
import os
import platform
import re
import subprocess
import sys
import tempfile
import time
from importlib.metadata import version
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.intake import PYTHON, database_env, flask, free_port, locust_command  # noqa: E402

# Rate limits off (every simulated person comes from 127.0.0.1), no minimum fill time, and plain
# HTTP cookies so that signed-in locust users keep their session over loopback.
APP = ("bench.app:create_bench_app({'RATELIMIT_ENABLED': False, 'FORM_MIN_FILL_SECONDS': 0, "
       "'SESSION_COOKIE_SECURE': False, 'REMEMBER_COOKIE_SECURE': False})")

LOCUSTFILE = r'''
import os, random, re
from locust import HttpUser, between, task

KEY = os.environ["SOAK_PUBLIC_KEY"]
STATUSES = ["triaged", "in_progress", "waiting"]


def csrf(html):
    found = re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', html)
    return found.group(1) if found else ""


class Submitter(HttpUser):
    weight = 6
    wait_time = between(0.5, 1.5)

    @task
    def submit(self):
        token = self.client.get(f"/api/v1/form-token?key={KEY}", name="GET /api/v1/form-token").json()["token"]
        self.client.post("/api/v1/feedback", name="POST /api/v1/feedback", json={
            "public_key": KEY, "kind": random.choice(["bug", "idea", "feedback"]), "form_token": token,
            "message": f"Soak {random.randrange(10**9)}: export to CSV fails with a timeout\nSince the update."})


class Staff(HttpUser):
    abstract = True
    email = ""

    def on_start(self):
        page = self.client.get("/auth/login", name="GET /auth/login")
        self.client.post("/auth/login", name="POST /auth/login", data={
            "email": self.email, "password": os.environ[f"SOAK_PASSWORD_{self.email.split('@')[0].upper()}"],
            "csrf_token": csrf(page.text)})


class Agent(Staff):
    weight = 3
    wait_time = between(1, 3)
    email = "agent@demo.test"

    @task(3)
    def board(self):
        page = self.client.get("/board/", name="GET /board/")
        ids = re.findall(r'href="/board/items/(\d+)"', page.text)
        if ids:
            item = self.client.get(f"/board/items/{random.choice(ids)}", name="GET /board/items/<id>")
            if random.random() < 0.3:
                number = re.search(r"/board/items/(\d+)", item.url).group(1)
                self.client.post(f"/board/items/{number}/status", name="POST /board/items/<id>/status",
                                 data={"status": random.choice(STATUSES), "csrf_token": csrf(item.text)})

    @task(1)
    def review(self):
        self.client.get("/board/review", name="GET /board/review")


class ProductManager(Staff):
    weight = 1
    wait_time = between(2, 5)
    email = "pm@demo.test"

    @task(2)
    def themes(self):
        self.client.get("/insights/themes", name="GET /insights/themes")

    @task(1)
    def kanban(self):
        self.client.get("/board/kanban", name="GET /board/kanban")
'''


def locust() -> str | None:
    """LOCUST, locust on PATH, or the one beside this Python (a venv that is not activated)."""
    beside = Path(sys.executable).with_name("locust")
    return locust_command() or (str(beside) if beside.exists() else None)


def seed(env: dict, items: int) -> tuple[str, dict]:
    """The demo's data; returns the demo project's public key and the staff passwords by name."""
    out = flask(env, "triage", "demo", "--no-serve", "--items", str(items))
    passwords = {f"SOAK_PASSWORD_{email.split('@')[0].upper()}": password
                 for email, password in re.findall(r"(\S+@demo\.test)\s+password: (\S+)", out)}
    code = ("from triage import create_app; from triage.extensions import db; from triage.models import Project\n"
            "with create_app().app_context(): print(db.session.query(Project).filter_by(slug='demo').one().public_key)")
    key = subprocess.run([PYTHON, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True,
                         check=True).stdout.strip()
    return key, passwords


def start(env: dict, port: int, workers: int, workdir: Path) -> list[subprocess.Popen]:
    """gunicorn (its own process group, measured with ps at the end) and one `flask triage worker`."""
    log = open(workdir / "server.log", "w")
    server = subprocess.Popen([PYTHON, "-m", "gunicorn", "-w", str(workers), "-b",
                               f"127.0.0.1:{port}", "--log-level", "warning", APP],
                              cwd=ROOT, env=env, stdout=log, stderr=log, start_new_session=True)
    worker = subprocess.Popen([PYTHON, "-m", "flask", "--app", "wsgi", "triage", "worker"], cwd=ROOT, env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    import urllib.request

    for _ in range(150):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/auth/login", timeout=1)
            return [server, worker]
        except OSError:
            time.sleep(0.2)
    raise SystemExit("gunicorn did not start: " + (workdir / "server.log").read_text()[-2000:])


def worker_rss_mb(server: subprocess.Popen) -> float:
    """The largest resident set among the gunicorn processes right now (MB)."""
    out = subprocess.run(["ps", "-o", "rss=", "-g", str(server.pid)], capture_output=True, text=True).stdout
    return max((int(v) for v in out.split()), default=0) / 1024


def run_locust(port: int, args, env: dict, workdir: Path) -> list[dict]:
    locustfile, prefix = workdir / "soak_locustfile.py", workdir / "soak"
    locustfile.write_text(LOCUSTFILE)
    subprocess.run([locust(), "-f", str(locustfile), "--headless", "-u", str(args.users),
                    "-r", str(max(1, args.users // 10)), "--run-time", f"{int(args.minutes * 60)}s",
                    "--host", f"http://127.0.0.1:{port}", "--csv", str(prefix), "--only-summary",
                    "--loglevel", "WARNING"], env=env, cwd=workdir, check=False,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    with open(f"{prefix}_stats.csv") as stats:
        return list(csv.DictReader(stats))


def report(rows: list[dict], args, rss_mb: float) -> None:
    print(f"{'endpoint':<38} {'requests':>8} {'errors':>7} {'err %':>6} {'p50':>6} {'p95':>6} {'p99':>6} {'req/s':>6}")
    for row in rows:
        count, failures = int(row["Request Count"]), int(row["Failure Count"])
        name = "total" if row["Name"] == "Aggregated" else row["Name"]
        print(f"{name:<38} {count:>8} {failures:>7} {100 * failures / max(count, 1):>6.2f} {row['50%']:>6} "
              f"{row['95%']:>6} {row['99%']:>6} {float(row['Requests/s']):>6.1f}")
    total = next(r for r in rows if r["Name"] == "Aggregated")
    print(f"soak error rate {100 * int(total['Failure Count']) / max(int(total['Request Count']), 1):.3f}% "
          f"of {total['Request Count']} requests, p95 {total['95%']} ms, {float(total['Requests/s']):.1f} req/s "
          f"over {args.minutes:g} min; largest gunicorn process {rss_mb:.0f} MB at the end (postgres)")
    libs = ", ".join(f"{n} {version(n)}" for n in ("flask", "sqlalchemy", "gunicorn", "locust", "psycopg"))
    print(f"nproc {os.cpu_count()}, Python {platform.python_version()}, {libs}; gunicorn -w {args.workers} "
          f"(sync), one `flask triage worker`; locust {args.users} users (6:3:1 submitters, agents, PMs, "
          f"think time 0.5-5 s); PostgreSQL default settings; demo data {args.items} items")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=5)
    parser.add_argument("--users", type=int, default=24)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--items", type=int, default=300)
    args = parser.parse_args()
    if not locust():
        raise SystemExit("locust is not installed (pip install -r requirements-dev.txt)")
    workdir = Path(tempfile.mkdtemp(prefix="triage-soak-"))
    env, drop = database_env("postgres", workdir)
    env["MODEL_FOLDER"] = str(workdir / "models")
    processes = []
    try:
        key, passwords = seed(env, args.items)
        port = free_port()
        processes = start(env, port, args.workers, workdir)
        rows = run_locust(port, args, {**os.environ, "SOAK_PUBLIC_KEY": key, **passwords}, workdir)
        report(rows, args, worker_rss_mb(processes[0]))
    finally:
        for process in processes:
            try:
                os.killpg(process.pid, 15)
                process.wait(20)
            except ProcessLookupError:
                pass
        drop()


if __name__ == "__main__":
    main()
