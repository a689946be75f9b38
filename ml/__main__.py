"""Command line of triage's classifier: train, predict, evaluate, corpus.

    python -m ml train --out DIR [--data-dir ../shared/data] [--data FILE.csv ...]
                       [--no-corpus] [--cv-folds 5] [--quiet]
        Train on the starter corpus's training split (ml/corpus, unless --no-corpus) plus
        the shared data folder (recipe in ml/dataset.py) and/or any CSV with a `text`
        column and a `label`/`category`, `impact`, `urgency`, `priority` or `severity`
        column (optional `title`, `tags` "|"-joined, context columns). Prints held-out
        scores only: on the corpus's validation split (per head macro-F1 and high recall,
        critical recall, false alarm, junk), and with other data, cross-validated scores
        on it (--cv-folds 0 skips them). Writes DIR/model.skops and DIR/metadata.json.
        Progress bars go to stderr.

    python -m ml predict --model DIR --input FILE.csv --output OUT.csv
        Copies FILE.csv (needs `text`, may have `title` and context columns) to OUT.csv
        with the columns category, category_confidence, impact, urgency, priority,
        confidence added ("-" as OUT.csv writes to stdout).

    python -m ml evaluate --model DIR --input FILE.csv [--json]
        For every head FILE.csv has labels for: macro-F1, per-class precision/recall/F1,
        confusion matrix and reliability table (predicted probability vs. accuracy).

    python -m ml corpus [--write-split]
        Check the starter corpus against the rubric's rules (exit 1 on any problem), print
        its counts and the near-duplicate pairs across the split; --write-split assigns
        the train/validation split into the files (done once; the split stays fixed).

    python -m ml themes --input FILE.csv --output OUT.csv [--k auto|N]
        Groups the rows of FILE.csv (`id`, `text`, optional `title`) into themes
        (ml/themes.py) and writes `id,theme` (-1: unthemed) to OUT.csv ("-": stdout);
        prints each theme's size, name and representative quote on stderr.

    python -m ml duplicates --input FILE.csv --output OUT.csv [--top 10]
        For each row of FILE.csv (`id`, `text`, optional `title`, `created_at`; rows in
        time order) writes `id,candidates`: the ids of the most similar EARLIER rows,
        best first, joined by "|" (ml/duplicates.py).

Predictions (predict, evaluate, and the app) pass the same rules (ml/rules.py): junk,
the default rules, and the submitter's severity (`severity` column) as one bounded signal.

Exit status: 0 on success, 2 on bad usage or input (missing or malformed file, missing
or unloadable model), with a one-line message on stderr and no traceback.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from .dataset import load_csv, load_training_data, read_csv
from .errors import MLError
from .evaluate import evaluation_report, format_report
from .heads import SINGLE_LABEL_HEADS
from .model import TriageModel, item_dicts
from .text import split_text

PREDICTION_COLUMNS = ("category", "category_confidence", "impact", "urgency", "priority",
                      "confidence", "junk", "why")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m ml", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter,
                                     epilog="See `python -m ml COMMAND --help`.")
    commands = parser.add_subparsers(dest="command", required=True)
    train = commands.add_parser("train", help="train a model and write it to a directory")
    train.add_argument("--data-dir", type=Path, help="shared data folder (e.g. ../shared/data)")
    train.add_argument("--data", type=Path, action="append", default=[], metavar="FILE.csv",
                       help="labelled CSV file (repeatable)")
    train.add_argument("--out", type=Path, required=True, help="directory to write the model to")
    train.add_argument("--cv-folds", type=int, default=5, help="folds for the printed scores "
                       "on --data-dir/--data rows (0: skip cross-validation)")
    train.add_argument("--no-corpus", action="store_true", help="leave the starter corpus out")
    train.add_argument("--quiet", action="store_true", help="no progress bars")
    predict = commands.add_parser("predict", help="add predictions to a CSV")
    predict.add_argument("--model", type=Path, required=True)
    predict.add_argument("--input", type=Path, required=True)
    predict.add_argument("--output", required=True, help="output CSV path, or - for stdout")
    evaluate = commands.add_parser("evaluate", help="score a model on a labelled CSV")
    evaluate.add_argument("--model", type=Path, required=True)
    evaluate.add_argument("--input", type=Path, required=True)
    evaluate.add_argument("--json", action="store_true", help="machine-readable output")
    corpus = commands.add_parser("corpus", help="check the starter corpus")
    corpus.add_argument("--write-split", action="store_true",
                        help="assign the train/validation split into the corpus files")
    themes = commands.add_parser("themes", help="group the rows of a CSV into themes")
    themes.add_argument("--input", type=Path, required=True)
    themes.add_argument("--output", required=True, help="output CSV path, or - for stdout")
    themes.add_argument("--k", default="auto", type=_k, help="number of clusters (default auto)")
    duplicates = commands.add_parser("duplicates", help="earlier near-duplicates of each row")
    duplicates.add_argument("--input", type=Path, required=True)
    duplicates.add_argument("--output", required=True, help="output CSV path, or - for stdout")
    duplicates.add_argument("--top", type=int, default=10, help="candidates per row (default 10)")
    return parser


def _k(value: str) -> str | int:
    if value == "auto":
        return value
    if not value.isdigit() or int(value) < 1:
        raise argparse.ArgumentTypeError("must be auto or a positive whole number")
    return int(value)


def _id_text_rows(path: Path) -> pd.DataFrame:
    frame = read_csv(path)
    missing = [c for c in ("id", "text") if c not in frame.columns]
    if missing:
        raise MLError(f"{path}: missing column(s) {', '.join(missing)}")
    if frame["id"].isna().any():
        raise MLError(f"{path}: the id column has empty values")
    if frame["id"].duplicated().any():
        raise MLError(f"{path}: the id column has repeated values")
    return frame


def _themes(args: argparse.Namespace) -> int:
    from .themes import cluster

    frame = _id_text_rows(args.input)
    result = cluster(frame, k=args.k)
    for theme in sorted(result.themes, key=lambda t: -t.size):
        print(f"theme {theme.id} ({theme.size}): {theme.name} | \"{theme.quote}\"", file=sys.stderr)
    out = pd.DataFrame({"id": frame["id"], "theme": [result.labels[i] for i in frame["id"]]})
    out.to_csv(sys.stdout if args.output == "-" else args.output, index=False)
    return 0


def _duplicates(args: argparse.Namespace) -> int:
    from .duplicates import earlier_candidates

    if args.top < 1:
        raise MLError("--top must be at least 1")
    frame = _id_text_rows(args.input)
    found = earlier_candidates(frame, top=args.top)
    out = pd.DataFrame({"id": frame["id"], "candidates": ["|".join(map(str, c)) for c in found]})
    out.to_csv(sys.stdout if args.output == "-" else args.output, index=False)
    return 0


def _train(args: argparse.Namespace) -> int:
    from .corpus import load_corpus
    from .validate import headline, holdout_scores, out_of_fold, scores, summary

    other = (load_training_data(args.data_dir, args.data)
             if args.data_dir is not None or args.data else None)
    corpus = None if args.no_corpus else load_corpus()
    if other is None and corpus is None:
        raise MLError("train needs the corpus, --data-dir or --data")
    metrics = {}
    if other is not None and args.cv_folds >= 2:
        oof = out_of_fold(other, folds=args.cv_folds, progress=not args.quiet)
        metrics["cv"] = summary(scores(other, oof))
        for head, row in metrics["cv"].items():
            high = f" high-F1 {row['high_f1']:.3f}" if "high_f1" in row else ""
            print(f"cv {args.cv_folds}-fold {head:<9} macro-F1 {row['macro_f1']:.3f}{high} "
                  f"ECE {row['ece']:.3f} n={row['n']}")
    parts = [] if corpus is None else [corpus[corpus["split"] == "train"]]
    df = pd.concat(parts + ([] if other is None else [other]), ignore_index=True)
    model = TriageModel.fit(df, progress=not args.quiet)
    if corpus is not None:
        report = holdout_scores(model, corpus[corpus["split"] == "validation"])
        metrics["corpus_validation"] = report
        for line in headline(report):
            print(f"corpus validation {line}")
    model.metadata["metrics"] = {"cv_folds": args.cv_folds, **metrics}
    model.save(args.out)
    print(f"model {model.version} ({len(df)} rows) written to {args.out}")
    return 0


def _corpus(args: argparse.Namespace) -> int:
    from .corpus import (CORPUS_DIR, assign_split, check_labels, near_duplicate_pairs,
                         read_corpus, summary)

    raw = read_corpus()
    if args.write_split:
        raw["split"] = assign_split(raw)
        for domain, rows in raw.groupby("domain", sort=False):
            rows.to_csv(CORPUS_DIR / f"{domain}.csv", index=False, lineterminator="\n")
    for column, counts in summary(raw).items():
        print(f"{column}: " + ", ".join(f"{k} {v}" for k, v in counts.items()))
    across = near_duplicate_pairs(raw, across_split=True)
    print(f"near duplicates across the split: {len(across)}")
    problems = check_labels(raw)
    for line in problems + [f"near duplicate: {raw.id[i]} ~ {raw.id[j]} ({c:.2f})" for i, j, c in across]:
        print(line)
    return 1 if problems or across else 0


def _items(frame: pd.DataFrame) -> list[dict]:
    frame = frame.copy()
    if "title" not in frame.columns:
        pairs = [split_text(text) for text in frame["text"]]
        frame["title"], frame["body"] = [t for t, _ in pairs], [b for _, b in pairs]
    elif "body" not in frame.columns:
        frame["body"] = [text[len(t):].lstrip("\n") if t and text.startswith(t) else text
                         for t, text in zip(frame["title"].fillna(""), frame["text"])]
    return item_dicts(frame)


def _predict(args: argparse.Namespace) -> int:
    model = TriageModel.load(args.model)
    frame = read_csv(args.input)
    predictions = model.predict(_items(frame))
    for column in PREDICTION_COLUMNS:
        values = [getattr(p, column) for p in predictions]
        frame[column] = [" · ".join(v) if isinstance(v, list) else v for v in values]
    frame.to_csv(sys.stdout if args.output == "-" else args.output, index=False)
    return 0


def _evaluate(args: argparse.Namespace) -> int:
    model = TriageModel.load(args.model)
    labelled = load_csv(args.input)
    predictions = model.predict(item_dicts(labelled))
    reports = {}
    for head in SINGLE_LABEL_HEADS:
        rows = labelled[head].notna().to_numpy()
        if rows.any():
            chosen = [p for p, keep in zip(predictions, rows) if keep]
            reports[head] = evaluation_report(
                labelled.loc[rows, head].astype(str), [getattr(p, head) for p in chosen],
                [getattr(p, f"{head}_proba")[getattr(p, head)] for p in chosen])
    if args.json:
        print(json.dumps({"model_version": model.version, "heads": reports}, indent=2))
    else:
        print(f"model {model.version} on {args.input}")
        print("\n\n".join(format_report(head, r) for head, r in reports.items()))
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit status (2 with a message on bad input)."""
    args = _parser().parse_args(argv)
    command = {"train": _train, "predict": _predict, "evaluate": _evaluate,
               "corpus": _corpus, "themes": _themes, "duplicates": _duplicates}[args.command]
    try:
        return command(args)
    except BrokenPipeError:  # the reader went away (`... --output - | head`): not an error
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except (MLError, OSError) as exc:
        print(f"python -m ml {args.command}: error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    raise SystemExit(main())
