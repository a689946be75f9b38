"""Benchmark and quality report of triage's classifier (ml/).

    python bench/ml.py [--quick]     speed: training time on 1k/10k/100k rows (--quick: up to
                                     10k), batch throughput, single-item latency, file size
    python bench/ml.py --quality     held-out quality: the starter corpus's validation split
                                     (priority figures), cross-validation on the shared data sets

Reads ../shared/data (never copied into the repo) and exits with a message if it is
absent. Larger training sets are synthetic: real rows sampled with replacement, each body
extended with a sentence of another row of the same source, so texts stay distinct.
Figures print as a table plus one summary line each (see /work/shared/BENCH.md).
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from ml import TriageModel, load_training_data  # noqa: E402
from ml.corpus import load_corpus  # noqa: E402
from ml.validate import headline, holdout_scores  # noqa: E402
from ml.model import item_dicts  # noqa: E402
from ml.persist import MODEL_FILE, library_versions  # noqa: E402
from ml.prediction import TAGS  # noqa: E402
from ml.validate import out_of_fold, scores  # noqa: E402
from sklearn.metrics import f1_score  # noqa: E402

DATA = ROOT.parent / "shared" / "data"
SEED = 0
ROUNDS = 5


def header(df: pd.DataFrame) -> None:
    """Print the machine, library versions and data sizes the figures depend on."""
    versions = " ".join(f"{k} {v}" for k, v in library_versions().items())
    print(f"nproc {os.cpu_count()} | {platform.machine()} | {versions}")
    sizes = ", ".join(f"{k} {v}" for k, v in df["source"].value_counts().items())
    print(f"shared data: {len(df)} rows ({sizes})\n")


def synthetic(df: pd.DataFrame, n: int, seed: int = SEED) -> pd.DataFrame:
    """Return n rows sampled from df; bodies get a sentence from another row of the same source."""
    rng = np.random.default_rng(seed)
    rows = df.iloc[rng.integers(0, len(df), n)].reset_index(drop=True)
    donors = df.iloc[rng.integers(0, len(df), n)]["body"].fillna("").str[:160].to_numpy()
    rows["body"] = rows["body"].fillna("") + " " + donors
    rows["text"] = rows["title"].fillna("") + "\n\n" + rows["body"]
    return rows


def timed(fn, *args, **kwargs) -> tuple[float, object]:
    """Return (seconds, result) of one call."""
    start = time.perf_counter()
    result = fn(*args, **kwargs)
    return time.perf_counter() - start, result


def training(df: pd.DataFrame, sizes: list[int]) -> TriageModel:
    """Print the training time per size; return the model trained on the 10k rows."""
    print("| rows | train s |\n|---|---|")
    kept = None
    for n in sizes:
        seconds, model = timed(TriageModel.fit, synthetic(df, n))
        print(f"| {n:,} | {seconds:.1f} |", flush=True)
        print(f"ml train {n:,} rows {seconds:.1f} s")
        kept = model if n == 10_000 else kept
    return kept


def prediction(model: TriageModel, df: pd.DataFrame) -> None:
    """Print batch throughput, single-item latency and their per-item cost ratio."""
    items = item_dicts(synthetic(df, 2_000, seed=1))
    batch, single, latencies = [], [], []
    model.predict(items[:10])
    for r in range(ROUNDS):  # interleave batch and single rounds, as BENCH.md asks
        seconds, _ = timed(model.predict, items)
        batch.append(seconds / len(items))
        one = [timed(model.predict, [item])[0] for item in items[r * 200:(r + 1) * 200]]
        latencies += one
        single.append(float(np.mean(one)))
    ratios = np.array(batch) / np.array(single)
    p50, p95, p99 = (np.percentile(latencies, q) * 1e3 for q in (50, 95, 99))
    print(f"ml predict batch {1 / np.median(batch):,.0f} items/s (batch of {len(items)}, "
          f"median of {ROUNDS} rounds)")
    print(f"ml predict single-item latency p50 {p50:.2f} ms p95 {p95:.2f} ms "
          f"p99 {p99:.2f} ms ({len(latencies)} calls, all heads and reasons)")
    print(f"ml batch/single per-item cost ratio {np.median(ratios):.3f} (min {ratios.min():.3f})")


def speed(df: pd.DataFrame, quick: bool) -> None:
    """Print training times, model size and load time, then prediction speed."""
    model = training(df, [1_000, 10_000] if quick else [1_000, 10_000, 100_000])
    with tempfile.TemporaryDirectory() as tmp:
        model.save(tmp)
        size_mb = (Path(tmp) / MODEL_FILE).stat().st_size / 1e6
        load_s, model = timed(TriageModel.load, tmp)
    print(f"\nml model (10k rows) file {size_mb:.1f} MB, load {load_s:.2f} s")
    prediction(model, df)


def _oof(df: pd.DataFrame, groups: pd.Series | None = None, extra=None) -> pd.DataFrame:
    return out_of_fold(df, folds=5, groups=groups, extra=extra)


def _f1(y: pd.Series, pred: pd.Series, label: str | None = None) -> float:
    if label is None:
        # Over the data set's own classes: a junk call ("other") on a data set without that
        # class counts as a miss of the true class, not as an extra class scoring 0.
        return f1_score(y, pred, labels=sorted(set(y)), average="macro", zero_division=0)
    return f1_score(y, pred, labels=[label], average="macro", zero_division=0)


def _row(name: str, figures: dict[str, float], note: str = "") -> None:
    cells = " | ".join(f"{k} {v:.3f}" for k, v in figures.items())
    print(f"| {name} | {cells} | {note} |", flush=True)


def _source(df: pd.DataFrame, name: str) -> pd.DataFrame:
    return df[df["source"] == name].reset_index(drop=True)


def quality_nlbse(df: pd.DataFrame, data_dir: Path) -> None:
    """NLBSE'24: 5-fold macro-F1 (pooled and per repository), alone and with extra rows."""
    nlbse = _source(df, "nlbse24_train.csv")
    y = nlbse["category"]
    runs = {"NLBSE category, 5-fold": None,
            "NLBSE category, +CLAP rows in training": _source(df, "clap_app_reviews.csv")}
    bugzilla = load_training_data(data_dir, bugzilla_category=True)
    runs["NLBSE category, +Bugzilla bug/enhancement in training"] = (
        _source(bugzilla, "bugzilla_severity_priority.csv").dropna(subset=["category"]))
    for name, extra in runs.items():
        oof = _oof(nlbse, extra=extra)
        per_repo = np.mean([_f1(y[nlbse.group == g], oof.pred_category[nlbse.group == g])
                            for g in nlbse.group.unique()])
        _row(name, {"macro-F1": _f1(y, oof.pred_category), "per-repo macro-F1": per_repo,
                    "ECE": scores(nlbse, oof)["category"]["ece"]})


def quality_clap(df: pd.DataFrame) -> None:
    """CLAP: bug and feature F1 with random folds and with folds grouped by app; tag F1."""
    clap = _source(df, "clap_app_reviews.csv")
    y = clap["category"]
    for name, groups in (("random 5-fold", None), ("GroupKFold by app", clap["group"])):
        oof = _oof(clap, groups=groups)
        figures = {"bug F1": _f1(y, oof.pred_category, "bug"),
                   "feature F1": _f1(y, oof.pred_category, "feature"),
                   "macro-F1": _f1(y, oof.pred_category)}
        for tag in TAGS:
            truth = clap["tags"] == tag
            guess = oof["pred_tags"].str.split("|").map(lambda tags, t=tag: t in tags)
            figures[f"{tag} F1"] = f1_score(truth, guess, zero_division=0)
        _row(f"CLAP {name}", figures)


def quality_priority(df: pd.DataFrame) -> None:
    """Impact/urgency from Hadoop priority and Bugzilla severity/priority vs. the majority."""
    cases = [("Hadoop priority_3 -> impact", "gitbugs_hadoop_priority.csv", "impact"),
             ("Bugzilla severity -> impact", "bugzilla_severity_priority.csv", "impact"),
             ("Bugzilla priority -> urgency", "bugzilla_severity_priority.csv", "urgency")]
    cache: dict[str, tuple[pd.DataFrame, pd.DataFrame]] = {}
    for name, source, head in cases:
        if source not in cache:
            rows = _source(df, source)
            cache[source] = (rows, _oof(rows))
        rows, oof = cache[source]
        labelled = rows[head].notna()
        y, pred = rows.loc[labelled, head], oof.loc[labelled, f"pred_{head}"]
        majority = pd.Series(y.mode()[0], index=y.index)
        _row(name, {"macro-F1": _f1(y, pred), "high F1": _f1(y, pred, "high"),
                    "majority macro-F1": _f1(y, majority),
                    "ECE": scores(rows, oof)[head]["ece"]}, f"n={labelled.sum()}")


def quality_corpus() -> None:
    """The starter model: trained on the corpus's training split, scored on its validation
    split (rows it never saw); training time of the starter model."""
    corpus = load_corpus()
    seconds, model = timed(TriageModel.fit, corpus[corpus["split"] == "train"])
    report = holdout_scores(model, corpus[corpus["split"] == "validation"])
    for line in headline(report):
        print(f"corpus validation {line}")
    print(f"ml starter training {seconds:.1f} s ({(corpus['split'] == 'train').sum()} rows)\n")


def quality_clap_unseen(df: pd.DataFrame) -> None:
    """CLAP reviews of apps unseen in training, the model trained as the app trains it (with
    NLBSE issues and the corpus beside the other apps' reviews): bug recall and the share of
    bug reviews called a question, with and without the channel as context."""
    clap = _source(df, "clap_app_reviews.csv")
    corpus = load_corpus("train")
    extra = pd.concat([_source(df, "nlbse24_train.csv"), corpus], ignore_index=True)
    for name, rows in (("channel=review", clap), ("no channel", clap.assign(channel=None))):
        oof = _oof(rows, groups=rows["group"], extra=extra)
        bugs = rows["category"] == "bug"
        _row(f"CLAP unseen apps, +NLBSE +corpus, {name}", {
            "bug recall": float((oof.pred_category[bugs] == "bug").mean()),
            "bug F1": _f1(rows["category"], oof.pred_category, "bug"),
            "feature F1": _f1(rows["category"], oof.pred_category, "feature"),
            "bug called question": float((oof.pred_category[bugs] == "question").mean())})


def quality(df: pd.DataFrame, data_dir: Path) -> None:
    """Print the quality table: one row per data set and protocol."""
    quality_corpus()
    print("| data, protocol | figures | note |\n|---|---|---|")
    quality_nlbse(df, data_dir)
    quality_clap(df)
    quality_clap_unseen(df)
    quality_priority(df)


def main() -> int:
    """Parse arguments, load the shared data and print the chosen figures."""
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="train up to 10k rows only")
    parser.add_argument("--quality", action="store_true", help="cross-validated quality")
    parser.add_argument("--data-dir", type=Path, default=DATA)
    args = parser.parse_args()
    if not (args.data_dir / "nlbse24_train.csv").is_file():
        print(f"bench/ml.py: shared data not found at {args.data_dir}; nothing to measure",
              file=sys.stderr)
        return 2
    df = load_training_data(args.data_dir)
    header(df)
    if args.quality:
        quality(df, args.data_dir)
    else:
        speed(df, args.quick)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
