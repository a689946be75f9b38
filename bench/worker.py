"""The worker's classify ceiling: N items stored as deferred intake stores them (pending), then
the time `flask triage worker`'s classify pass takes to triage them all, back to back with no
sleeps (items triaged per second). Then N more pending items and a real `flask triage worker`
process (a sweep every second, over the N items triaged before): the time until it has
triaged them all. The database is the demo's (bench/intake.py's `prepare`: trained model,
routing rule, SLA policies with escalation tiers).

    python bench/worker.py [--items 3000] [--db sqlite|postgres|both] [--profile]
"""
from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.intake import database_env, prepare  # noqa: E402


def store_pending(count: int) -> None:
    """`count` items accepted with CLASSIFY_INLINE off, committed in chunks of 500."""
    from triage.extensions import db
    from triage.models import Channel, Kind, Project
    from triage.services import intake

    project = db.session.query(Project).filter_by(slug="demo").one()
    for n in range(count):
        intake.accept(project, intake.Submission(
            kind=Kind.BUG, title=f"Checkout crashes when I click pay {n}", body="worker: it fails every time",
            channel=Channel.API, context={"page_url": "https://shop.example/cart"}, app_version="2.3.1"))
        if n % 500 == 499:
            db.session.commit()
    db.session.commit()


def drain() -> tuple[int, float, list[float]]:
    """Run classify passes until none is left; (items, seconds, seconds per pass)."""
    from triage import worker

    done, passes, started = 0, [], time.perf_counter()
    while True:
        begun = time.perf_counter()
        found = worker.classify_pass()
        if not found:
            return done, time.perf_counter() - started, passes
        passes.append(time.perf_counter() - begun)
        done += found


def pending_count() -> int:
    from sqlalchemy import func, select

    from triage.extensions import db
    from triage.models import Feedback

    db.session.rollback()  # a fresh snapshot each time
    return db.session.scalar(select(func.count()).select_from(Feedback).where(Feedback.category.is_(None)))


def worker_process(env: dict, count: int) -> float:
    """Seconds a `flask triage worker` process takes to triage `count` pending items (0 on
    giving up after two minutes); the process's start-up (imports, model load) is not counted."""
    process = subprocess.Popen([sys.executable, "-m", "flask", "--app", "wsgi", "triage", "worker", "--interval", "1",
                                "--classify-interval", "0.2"], cwd=Path(__file__).resolve().parent.parent, env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 120
        while pending_count() == count:  # not started yet
            time.sleep(0.05)
            if time.monotonic() > deadline:
                return 0.0
        started = time.monotonic()
        while pending_count():
            time.sleep(0.05)
            if time.monotonic() > deadline:
                return 0.0
        return time.monotonic() - started
    finally:
        process.terminate()
        process.wait(30)


def bench(kind: str, items: int, profile: bool) -> None:
    workdir = Path(tempfile.mkdtemp(prefix="triage-worker-bench-"))
    env, drop = database_env(kind, workdir)
    env["MODEL_FOLDER"] = str(workdir / "models")
    try:
        prepare(env)
        os.environ.update(env)
        from triage import create_app

        app = create_app({"CLASSIFY_INLINE": False, "RATELIMIT_ENABLED": False})
        with app.app_context():
            store_pending(items)
            from triage.services.triage import classify

            classify.active_model()  # loaded once per process, as in a running worker
            if profile:
                import cProfile
                import pstats

                profiler = cProfile.Profile()
                profiler.enable()
            done, seconds, passes = drain()
            if profile:
                profiler.disable()
                pstats.Stats(profiler).sort_stats("cumulative").print_stats(35)
            per_pass = sorted(passes)[len(passes) // 2] if passes else float("nan")
            print(f"worker classify {done / seconds:.0f} items/s ({done} items in {seconds:.2f} s, "
                  f"{len(passes)} passes, median pass {per_pass:.2f} s) {kind}", flush=True)
            store_pending(items)
            seconds = worker_process(env, items)
            print(f"worker process {items / seconds if seconds else 0:.0f} items/s ({items} items in {seconds:.2f} s, "
                  f"sweeps over {done} triaged items meanwhile) {kind}", flush=True)
    finally:
        drop()
        shutil.rmtree(workdir, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=3000)
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--profile", action="store_true", help="print where the passes spend their time")
    args = parser.parse_args()
    print(f"load average {os.getloadavg()[0]:.2f}, nproc {os.cpu_count()}", flush=True)
    for kind in (["sqlite", "postgres"] if args.db == "both" else [args.db]):
        bench(kind, args.items, args.profile)


if __name__ == "__main__":
    main()
