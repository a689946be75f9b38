"""Intake throughput: the full path of POST /api/v1/feedback (validate, store, then classify with
a trained model, route and set the SLA) against a bare endpoint in the same app doing one INSERT
of the same row. The full path runs in two modes: inline (triaged inside the request) and
deferred (stored only; `flask triage worker` triages in batches). gunicorn serves the app on
127.0.0.1; wrk drives it; rounds interleave inline, deferred, bare so all see the same machine.
Also reports, from the database, the time from arrival to triaged. Then the deferred path gets
a steady offered load of half the bare throughput measured in the same run (locust, constant
throughput per user: wrk's closed loop cannot hold a rate), and reports its arrival-to-triaged
p95 (goal <= 2 s). Prints a table and one summary line per figure, with the gunicorn workers'
CPU milliseconds per request of each mode (from /proc): the rates follow from it when the
machine's cores are the limit.

    python bench/intake.py [--quick] [--db sqlite|postgres|both] [--workers 4] [--connections 16]

locust comes from requirements-dev.txt; LOCUST=/path/to/locust picks another install.
"""
from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
PG_SERVER = os.environ.get("BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
APP_CONFIG = {"RATELIMIT_ENABLED": False, "FORM_MIN_FILL_SECONDS": 0}
LUA = """
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = [[%s]]
done = function(summary, latency, requests)
  io.write(string.format("LAT p50=%%.2f p95=%%.2f p99=%%.2f\\n",
    latency:percentile(50) / 1000, latency:percentile(95) / 1000, latency:percentile(99) / 1000))
end
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def flask(env: dict, *args: str, stdin: str | None = None) -> str:
    result = subprocess.run([PYTHON, "-m", "flask", "--app", "wsgi", *args], cwd=ROOT, env=env,
                            input=stdin, capture_output=True, text=True, check=True)
    return result.stdout


def prepare(env: dict) -> str:
    """The demo's database: migrations, staff, SLA policies, a routing rule, 300 items and a
    model trained on generated rows; returns the demo project's public key."""
    flask(env, "triage", "demo", "--no-serve", "--items", "300")
    code = ("from triage import create_app; from triage.extensions import db; from triage.models import Project\n"
            "with create_app().app_context(): print(db.session.query(Project).filter_by(slug='demo').one().public_key)")
    return subprocess.run([PYTHON, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True,
                          check=True).stdout.strip()


def start_server(env: dict, port: int, workers: int, inline: bool) -> subprocess.Popen:
    app = f"bench.app:create_bench_app({dict(APP_CONFIG, CLASSIFY_INLINE=inline)!r})"  # adds the bare endpoint
    server = subprocess.Popen(
        [PYTHON, "-m", "gunicorn", "-w", str(workers), "-b", f"127.0.0.1:{port}", "--log-level", "warning", app],
        cwd=ROOT, env=env)
    for _ in range(600):  # up to two minutes: four workers importing scikit-learn on a loaded machine
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/auth/login", timeout=1)
            return server
        except OSError:
            time.sleep(0.2)
    server.kill()
    raise SystemExit("gunicorn did not start")


def worker_cpu_seconds(server: subprocess.Popen) -> float:
    """User plus system CPU seconds used so far by the gunicorn workers of `server` (Linux /proc;
    0 elsewhere): divided by the requests served it tells where a mode's rate goes."""
    ticks = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:  # a process that ended meanwhile
            continue
        if int(fields[1]) == server.pid:  # the parent's pid: one of its workers
            ticks += int(fields[11]) + int(fields[12])
    return ticks / os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 0.0


def form_token(port: int, key: str) -> str:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v1/form-token?key={key}") as response:
        return json.load(response)["token"]


def run_wrk(url: str, body: dict, seconds: int, connections: int, workdir: Path) -> dict:
    script = workdir / f"{uuid.uuid4().hex}.lua"
    script.write_text(LUA % json.dumps(body))
    out = subprocess.run(["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "-s", str(script), url],
                         capture_output=True, text=True, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    p50, p95, p99 = map(float, re.search(r"LAT p50=([\d.]+) p95=([\d.]+) p99=([\d.]+)", out).groups())
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return {"rps": rps, "p50": p50, "p95": p95, "p99": p99, "non2xx": int(errors.group(1)) if errors else 0}


LOCUSTFILE = """
import json, os
from locust import FastHttpUser, constant_throughput, task

class Submitter(FastHttpUser):
    wait_time = constant_throughput(float(os.environ["BENCH_PER_USER_RATE"]))

    @task
    def submit(self):
        self.client.post(os.environ["BENCH_PATH"], data=os.environ["BENCH_BODY"],
                         headers={"Content-Type": "application/json"})
"""


def locust_command() -> str | None:
    return os.environ.get("LOCUST") or shutil.which("locust")


def run_paced(url: str, body: dict, rate: float, seconds: int, users: int, workdir: Path) -> dict:
    """Offer `rate` requests per second for `seconds` (users x constant throughput each);
    returns the rate achieved and the request latencies locust measured."""
    locustfile, prefix = workdir / "paced_locustfile.py", workdir / f"paced-{uuid.uuid4().hex[:6]}"
    locustfile.write_text(LOCUSTFILE)
    host, _, path = url.partition("//")[2].partition("/")
    env = {**os.environ, "BENCH_PER_USER_RATE": str(rate / users), "BENCH_PATH": "/" + path,
           "BENCH_BODY": json.dumps(body)}
    subprocess.run([locust_command(), "-f", str(locustfile), "--headless", "-u", str(users), "-r", str(users),
                    "--run-time", f"{seconds}s", "--host", f"http://{host}", "--csv", str(prefix),
                    "--only-summary", "--loglevel", "WARNING"], env=env, cwd=workdir, check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    with open(f"{prefix}_stats.csv") as stats:
        total = next(row for row in csv.DictReader(stats) if row["Name"] == "Aggregated")
    return {"rps": float(total["Requests/s"]), "p50": float(total["50%"]), "p95": float(total["95%"]),
            "failures": int(total["Failure Count"])}


def triage_delays(env: dict, prefix: str) -> tuple[int, int, list[float]]:
    """Items whose body starts with `prefix`: how many, how many are not yet classified, routed
    and given an SLA, and the seconds from arrival to classification of the others."""
    code = ("import json; from triage import create_app; from triage.extensions import db\n"
            "from triage.models import Feedback\n"
            "with create_app().app_context():\n"
            f"    rows = db.session.query(Feedback).filter(Feedback.body.startswith({prefix!r})).all()\n"
            "    done = [r for r in rows if r.category and r.team_id and r.first_response_due]\n"
            "    print(json.dumps([len(rows), len(rows) - len(done),"
            " [(r.classified_at - r.created_at).total_seconds() for r in done]]))")
    out = subprocess.run([PYTHON, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True)
    return tuple(json.loads(out.stdout))


def drained(env: dict, prefix: str, patience: float = 30) -> tuple[int, int, list[float]]:
    """triage_delays once the worker has triaged every such item (or after `patience` seconds)."""
    deadline = time.monotonic() + patience
    while True:
        found = triage_delays(env, prefix)
        if not found[1] or time.monotonic() > deadline:
            return found
        time.sleep(1)


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else float("nan")


def database_env(kind: str, workdir: Path) -> tuple[dict, callable]:
    """Environment for a fresh database: a SQLite file, or a new PostgreSQL schema."""
    env = {**os.environ, "SECRET_KEY": "bench", "TRIAGE_ENV": "production", "PYTHONPATH": str(ROOT)}
    if kind == "sqlite":
        env["DATABASE_URL"] = f"sqlite:///{workdir / 'bench.db'}"
        return env, lambda: None
    from sqlalchemy import create_engine, text

    schema = f"bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(PG_SERVER, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    env["DATABASE_URL"] = f"{PG_SERVER}?options=-csearch_path%3D{schema}%2Cpublic"

    def drop():
        with admin.connect() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    return env, drop


def bench_database(kind: str, args) -> dict:
    """Rounds of inline full path, deferred full path (worker classifies) and bare INSERT."""
    workdir = Path(tempfile.mkdtemp(prefix="triage-bench-"))
    env, drop = database_env(kind, workdir)
    env["MODEL_FOLDER"] = str(workdir / "models")
    processes = []
    try:
        key = prepare(env)
        inline_port, deferred_port = free_port(), free_port()
        processes.append(start_server(env, inline_port, args.workers, inline=True))
        processes.append(start_server(env, deferred_port, args.workers, inline=False))
        servers = {"inline": processes[0], "deferred": processes[1], "bare": processes[0]}
        processes.append(subprocess.Popen([PYTHON, "-m", "flask", "--app", "wsgi", "triage", "worker",
                                           "--classify-interval", "0.2"], cwd=ROOT, env=env,
                                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        base = {"public_key": key, "kind": "bug", "title": "Checkout crashes when I click pay",
                "context": {"page_url": "https://shop.example/cart", "app_version": "2.3.1"}}
        token = form_token(inline_port, key)
        targets = {
            "inline": (f"http://127.0.0.1:{inline_port}/api/v1/feedback", {**base, "message": "inline: fails", "form_token": token}),
            "deferred": (f"http://127.0.0.1:{deferred_port}/api/v1/feedback", {**base, "message": "deferred: fails", "form_token": token}),
            "bare": (f"http://127.0.0.1:{inline_port}/bench/bare-feedback", {**base, "message": "bare: fails"}),
        }
        for url, body in targets.values():  # warm-up, not counted: each gunicorn worker loads the model first
            run_wrk(url, {**body, "message": "warm-up: fails"}, 2, args.connections, workdir)
        rounds = []
        for _ in range(args.rounds):
            result = {}
            for name, (url, body) in targets.items():
                cpu = worker_cpu_seconds(servers[name])
                result[name] = run_wrk(url, body, args.seconds, args.connections, workdir)
                served = result[name]["rps"] * args.seconds
                result[name]["cpu_ms"] = (worker_cpu_seconds(servers[name]) - cpu) * 1000 / served if served else float("nan")
            rounds.append(result)
            print(f"  {kind:<8} " + " | ".join(f"{name} {r['rps']:7.1f} req/s p95 {r['p95']:6.1f} ms cpu {r['cpu_ms']:4.1f} ms"
                                               for name, r in result.items())
                  + ("  NON-2XX!" if any(r["non2xx"] for r in result.values()) else ""), flush=True)
        time.sleep(3)  # let the worker finish the last batch
        delays = {"inline": triage_delays(env, "inline:"), "deferred": triage_delays(env, "deferred:")}
        paced = None
        if locust_command():
            drained(env, "deferred:", patience=120)  # a backlog left by the rounds would be measured too
            rate = statistics.median(r["bare"]["rps"] for r in rounds) / 2
            url = targets["deferred"][0]
            paced = run_paced(url, {**targets["deferred"][1], "message": "paced: fails"}, rate,
                              args.seconds * 3, args.connections, workdir)
            paced["offered"], paced["delays"] = rate, drained(env, "paced:")
            print(f"  {kind:<8} deferred paced at {rate:.1f} req/s: achieved {paced['rps']:.1f} req/s, "
                  f"request p95 {paced['p95']:.0f} ms, {paced['failures']} failures", flush=True)
        return {"rounds": rounds, **delays, "paced": paced}
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:  # a worker still busy with its backlog
                process.kill()
                process.wait()
        drop()
        shutil.rmtree(workdir, ignore_errors=True)


def environment_line(args) -> str:
    from importlib.metadata import version

    libs = ", ".join(f"{name} {version(name)}" for name in ("flask", "sqlalchemy", "scikit-learn", "gunicorn"))
    return (f"nproc {os.cpu_count()}, Python {platform.python_version()}, {libs}; gunicorn -w {args.workers} "
            f"(sync); wrk -t2 -c{args.connections} {args.seconds}s x {args.rounds} rounds each; SQLite WAL "
            f"synchronous=FULL; PostgreSQL 127.0.0.1 default settings; rate limits off, form fill time 0; "
            f"fixed rate: locust -u {args.connections} constant throughput, {args.seconds * 3}s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="3 rounds of 3 s instead of 5 of 6 s")
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--connections", type=int, default=16)
    args = parser.parse_args()
    args.rounds, args.seconds = (3, 3) if args.quick else (5, 6)
    if not shutil.which("wrk"):
        raise SystemExit("wrk is not installed: apt-get install wrk")
    if not locust_command():
        print("locust is not installed (pip install -r requirements-dev.txt): no fixed-rate figure")
    print(environment_line(args))
    kinds = ["sqlite", "postgres"] if args.db == "both" else [args.db]
    for kind in kinds:
        result = bench_database(kind, args)
        for name in ("inline", "deferred"):
            # A round whose bare run failed outright (0 req/s: the lock timed out) has no ratio.
            ratios = [r[name]["rps"] / r["bare"]["rps"] for r in result["rounds"] if r["bare"]["rps"]] or [float("nan")]
            print(f"intake {name}/bare ratio {statistics.median(ratios):.2f} (min {min(ratios):.2f}) {kind}")
        for name in ("inline", "deferred", "bare"):
            rps = statistics.median(r[name]["rps"] for r in result["rounds"])
            p95 = statistics.median(r[name]["p95"] for r in result["rounds"])
            cpu = statistics.median(r[name]["cpu_ms"] for r in result["rounds"])
            print(f"intake {name} {rps:.0f} req/s, request p95 {p95:.1f} ms, gunicorn CPU {cpu:.1f} ms/request {kind}")
        for name in ("inline", "deferred"):
            total, unfinished, delays = result[name]
            print(f"intake {name} arrival-to-triaged p50 {percentile(delays, 0.5):.2f} s p95 "
                  f"{percentile(delays, 0.95):.2f} s; {total} items, {unfinished} not triaged {kind}")
        if paced := result["paced"]:
            total, unfinished, delays = paced["delays"]
            print(f"intake deferred at fixed rate {paced['offered']:.0f} req/s (bare/2, achieved {paced['rps']:.0f}) "
                  f"arrival-to-triaged p50 {percentile(delays, 0.5):.2f} s p95 {percentile(delays, 0.95):.2f} s, "
                  f"request p95 {paced['p95']:.0f} ms; {total} items, {unfinished} not triaged {kind}")


if __name__ == "__main__":
    main()
