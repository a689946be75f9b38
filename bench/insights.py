"""Benchmark of themes and duplicate search (ml/themes.py, ml/duplicates.py).

    python bench/insights.py [--quick]
    python bench/insights.py --page [bench/insights_page.py's options]   (the insights page, see there)
    python bench/insights.py --duplicates-app [bench/duplicates_app.py's options]   (the app's lookup
                in a real database, see there)
        themes: a full run on 10k and 100k items, each in its own process (time, peak RSS),
                sizes interleaved round by round (--quick: one round, else 5);
        assign: one new item put into a theme of the 10k and of the 100k run (p50/p95/p99);
        duplicates: one new item looked up among 10k and 100k earlier items (p50/p95/p99),
                the two sizes interleaved, and the index build time.

Items are synthetic, generated with a fixed seed the way bench/ml.py does: real rows of the
starter corpus and of ../shared/data (when present) sampled with replacement, each body
extended with a sentence of another row, so texts stay distinct. Nothing is written.
Figures print as a table plus one summary line each (see /work/shared/BENCH.md).
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import platform
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from ml import load_training_data  # noqa: E402
from ml.corpus import load_corpus  # noqa: E402
from ml.duplicates import DuplicateIndex, item_text  # noqa: E402
from ml.persist import library_versions  # noqa: E402
from ml.themes import assign, cluster  # noqa: E402

DATA = ROOT.parent / "shared" / "data"
SEED = 0
SIZES = (10_000, 100_000)
QUERIES = 500
_spec = importlib.util.spec_from_file_location("bench_ml", ROOT / "bench" / "ml.py")
bench_ml = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(bench_ml)


def source_rows() -> pd.DataFrame:
    """Return the real rows the synthetic sets are drawn from (title, body, text)."""
    frames = [load_corpus()]
    if DATA.is_dir():
        frames.append(load_training_data(DATA))
    rows = pd.concat([f[["title", "body"]] for f in frames], ignore_index=True)
    rows["text"] = rows["title"].fillna("") + "\n\n" + rows["body"].fillna("")
    return rows


def items(df: pd.DataFrame, n: int, seed: int) -> list[dict]:
    """Return n synthetic items {id, title, text} (seeded)."""
    rows = bench_ml.synthetic(df, n, seed=seed)
    return [{"id": i, "title": t, "text": x}
            for i, (t, x) in enumerate(zip(rows["title"].fillna(""), rows["text"]))]


def themes_child(n: int) -> None:
    """Run one full themes run on n items; print its seconds and this process's peak RSS."""
    batch = items(source_rows(), n, SEED)
    start = time.perf_counter()
    result = cluster(batch)
    seconds = time.perf_counter() - start
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"n": n, "seconds": seconds, "peak_mb": peak_mb,
                      "themes": len(result.themes)}))


def themes(rounds: int) -> None:
    """Print time and peak RSS of full runs at each size, interleaved, and their ratio."""
    runs: dict[int, list[dict]] = {n: [] for n in SIZES}
    print("| items | round | themes | seconds | peak RSS MB |\n|---|---|---|---|---|")
    for r in range(rounds):
        for n in SIZES:
            out = subprocess.run([sys.executable, __file__, "--themes-child", str(n)],
                                 capture_output=True, text=True, check=True)
            run = json.loads(out.stdout.strip().splitlines()[-1])
            runs[n].append(run)
            print(f"| {n:,} | {r + 1} | {run['themes']} | {run['seconds']:.1f} | "
                  f"{run['peak_mb']:,.0f} |", flush=True)
    for n in SIZES:
        secs = [r["seconds"] for r in runs[n]]
        print(f"insights themes {n // 1000}k items {np.median(secs):.1f} s (min {min(secs):.1f}) "
              f"peak RSS {max(r['peak_mb'] for r in runs[n]):,.0f} MB, {rounds} round(s)")
    ratio = np.array([b["seconds"] / a["seconds"] for a, b in zip(runs[SIZES[0]], runs[SIZES[1]])])
    print(f"insights themes 100k/10k time ratio {np.median(ratio):.1f} (min {ratio.min():.1f})")


def percentiles(seconds: list[float]) -> str:
    p50, p95, p99 = (np.percentile(seconds, q) * 1e3 for q in (50, 95, 99))
    return f"p50 {p50:.2f} ms p95 {p95:.2f} ms p99 {p99:.2f} ms"


def assignment(df: pd.DataFrame, quick: bool) -> None:
    """Print the latency of assigning one new item to the themes of a 10k (and 100k) run."""
    new = items(df, QUERIES, seed=SEED + 1)
    for n in SIZES[:1] if quick else SIZES:
        result = cluster(items(df, n, SEED))
        times = []
        for item in new:
            start = time.perf_counter()
            assign([item], result)
            times.append(time.perf_counter() - start)
        print(f"insights assign one item to {len(result.themes)} themes ({n // 1000}k run) "
              f"{percentiles(times)} ({len(times)} calls; limit p95 20 ms)")


def duplicates(df: pd.DataFrame) -> None:
    """Print lookup latency of one new item among 10k and 100k earlier items, interleaved."""
    indexes = {}
    for n in SIZES:
        batch = items(df, n, SEED)
        start = time.perf_counter()
        index = DuplicateIndex()
        index.add([b["id"] for b in batch], [item_text(b["text"], b["title"]) for b in batch])
        indexes[n] = index
        print(f"insights duplicates index build {n // 1000}k items {time.perf_counter() - start:.1f} s")
    new = [item_text(b["text"], b["title"]) for b in items(df, QUERIES, seed=SEED + 2)]
    times: dict[int, list[float]] = {n: [] for n in SIZES}
    for text in new:  # alternate the sizes query by query
        for n in SIZES:
            start = time.perf_counter()
            indexes[n].query(text, top=10)
            times[n].append(time.perf_counter() - start)
    for n in SIZES:
        print(f"insights duplicates lookup among {n // 1000}k items {percentiles(times[n])} "
              f"({len(new)} queries, top 10 with shared phrases; limit p95 50 ms at 100k)")
    ratio = np.array(times[SIZES[1]]) / np.array(times[SIZES[0]])
    print(f"insights duplicates lookup 100k/10k ratio {np.median(ratio):.2f} (min {ratio.min():.2f})")


def main() -> int:
    if "--page" in sys.argv[1:]:  # the insights page at growing item counts: bench/insights_page.py
        sys.path.insert(0, str(ROOT / "bench"))
        from insights_page import main as page_main

        return page_main([a for a in sys.argv[1:] if a != "--page"])
    if "--duplicates-app" in sys.argv[1:]:  # the app's duplicate lookup: bench/duplicates_app.py
        sys.path.insert(0, str(ROOT / "bench"))
        from duplicates_app import main as app_main

        return app_main([a for a in sys.argv[1:] if a != "--duplicates-app"])
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="one round of themes runs")
    parser.add_argument("--themes-child", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.themes_child:
        themes_child(args.themes_child)
        return 0
    df = source_rows()
    versions = " ".join(f"{k} {v}" for k, v in library_versions().items())
    print(f"nproc {os.cpu_count()} | {platform.machine()} | {versions}")
    print(f"source rows {len(df):,} (corpus{' + shared data' if DATA.is_dir() else ''}), seed {SEED}\n")
    themes(1 if args.quick else 5)
    assignment(df, args.quick)
    duplicates(df)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
