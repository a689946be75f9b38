"""Benchmark of themes inside the app (services/insights/theme_runs.py) on a fresh SQLite file.

    python bench/themes_app.py [--items 10000] [--queries 500]

run: `run_themes` on N stored items (reading, clustering, writing themes and items), then a
second run on the same items (ids kept: the share of items whose theme id survived);
assign: `assign_new` on unsaved new items, the intake path's cost (themes query, cache, ml
assign), p50/p95/p99. Items are bench/insights.py's synthetic rows (seeded). Nothing outside
a temporary folder is written.
"""
from __future__ import annotations

import argparse
import importlib.util
import resource
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from sqlalchemy import insert, select

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from triage import create_app  # noqa: E402
from triage.extensions import db  # noqa: E402
from triage.models import Feedback, Kind, Status, new_token, utcnow  # noqa: E402
from triage.services import accounts  # noqa: E402
from triage.services.insights import theme_runs  # noqa: E402

_spec = importlib.util.spec_from_file_location("bench_insights", ROOT / "bench" / "insights.py")
bench_insights = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(bench_insights)


def store(project_id: int, rows: list[dict]) -> None:
    now = utcnow()
    db.session.execute(insert(Feedback), [dict(
        project_id=project_id, kind=Kind.BUG, title=r["title"][:200] or "untitled", body=r["text"],
        context={}, tags=[], prediction={}, quarantined=False, status=Status.NEW, vote_count=0,
        escalation_level=0, status_token=new_token(), created_at=now, updated_at=now) for r in rows])
    db.session.commit()


def timed_run(project) -> tuple[float, object]:
    start = time.perf_counter()
    summary = theme_runs.run_themes(project)
    db.session.commit()
    return time.perf_counter() - start, summary


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--items", type=int, default=10_000)
    parser.add_argument("--queries", type=int, default=500)
    args = parser.parse_args()
    source = bench_insights.source_rows()
    with tempfile.TemporaryDirectory() as tmp:
        app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp}/bench.db", "SECRET_KEY": "bench",
                          "MODEL_FOLDER": f"{tmp}/models"})
        with app.app_context():
            db.create_all()
            project = accounts.create_project("bench", "Bench")
            db.session.commit()
            store(project.id, bench_insights.items(source, args.items, seed=0))
            seconds, summary = timed_run(project)
            before = dict(db.session.execute(select(Feedback.id, Feedback.theme_id)).all())
            again, _ = timed_run(project)
            after = dict(db.session.execute(select(Feedback.id, Feedback.theme_id)).all())
            themed = [i for i, t in before.items() if t is not None]
            kept = sum(after[i] == before[i] for i in themed) / max(len(themed), 1)
            peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
            print(f"themes app run {args.items:,} items {seconds:.1f} s ({summary}); second run {again:.1f} s, "
                  f"{kept:.0%} of themed items keep their theme id; peak RSS {peak:,.0f} MB")
            times = []
            for row in bench_insights.items(source, args.queries, seed=1):
                item = Feedback(project_id=project.id, title=row["title"][:200], body=row["text"], quarantined=False)
                start = time.perf_counter()
                theme_runs.assign_new(item)
                times.append(time.perf_counter() - start)
            p50, p95, p99 = (np.percentile(times, q) * 1e3 for q in (50, 95, 99))
            print(f"themes app assign_new one item p50 {p50:.2f} ms p95 {p95:.2f} ms p99 {p99:.2f} ms "
                  f"({len(times)} calls, first included; limit p95 20 ms)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
