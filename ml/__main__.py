"""Command line of triage's classifier: train, predict, evaluate.

    python -m ml train --data-dir ../shared/data --out DIR [--data FILE.csv ...]
                       [--cv-folds 5] [--quiet]
        Train from the shared data folder (recipe in ml/dataset.py) and/or any CSV with a
        `text` column and a `label`/`category`, `impact`, `urgency`, `priority` or
        `severity` column (optional `title`, `tags` "|"-joined, context columns).
        Prints cross-validated scores per head (macro-F1; --cv-folds 0 skips them), then
        writes DIR/model.skops and DIR/metadata.json. Progress bars go to stderr.

    python -m ml predict --model DIR --input FILE.csv --output OUT.csv
        Copies FILE.csv (needs `text`, may have `title` and context columns) to OUT.csv
        with the columns category, category_confidence, impact, urgency, priority,
        confidence added ("-" as OUT.csv writes to stdout).

    python -m ml evaluate --model DIR --input FILE.csv [--json]
        For every head FILE.csv has labels for: macro-F1, per-class precision/recall/F1,
        confusion matrix and reliability table (predicted probability vs. accuracy).

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
                      "confidence")


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
                       "(0: skip cross-validation)")
    train.add_argument("--quiet", action="store_true", help="no progress bars")
    predict = commands.add_parser("predict", help="add predictions to a CSV")
    predict.add_argument("--model", type=Path, required=True)
    predict.add_argument("--input", type=Path, required=True)
    predict.add_argument("--output", required=True, help="output CSV path, or - for stdout")
    evaluate = commands.add_parser("evaluate", help="score a model on a labelled CSV")
    evaluate.add_argument("--model", type=Path, required=True)
    evaluate.add_argument("--input", type=Path, required=True)
    evaluate.add_argument("--json", action="store_true", help="machine-readable output")
    return parser


def _train(args: argparse.Namespace) -> int:
    from .validate import out_of_fold, scores, summary

    if args.data_dir is None and not args.data:
        raise MLError("train needs --data-dir and/or --data")
    df = load_training_data(args.data_dir, args.data)
    metrics = {}
    if args.cv_folds >= 2:
        oof = out_of_fold(df, folds=args.cv_folds, progress=not args.quiet)
        metrics = summary(scores(df, oof))
        for head, row in metrics.items():
            high = f" high-F1 {row['high_f1']:.3f}" if "high_f1" in row else ""
            print(f"cv {args.cv_folds}-fold {head:<9} macro-F1 {row['macro_f1']:.3f}{high} "
                  f"ECE {row['ece']:.3f} n={row['n']}")
    model = TriageModel.fit(df, progress=not args.quiet)
    model.metadata["metrics"] = {"cv_folds": args.cv_folds, **metrics}
    model.save(args.out)
    print(f"model {model.version} ({len(df)} rows) written to {args.out}")
    return 0


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
        frame[column] = [getattr(p, column) for p in predictions]
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
    command = {"train": _train, "predict": _predict, "evaluate": _evaluate}[args.command]
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
