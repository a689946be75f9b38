"""Evaluation metrics as pure functions: macro-F1, per-class scores, confusion, reliability.

Used by `python -m ml evaluate`, by cross-validation in training, and by the app to
compare a candidate model with the active one.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from sklearn.metrics import confusion_matrix, f1_score, precision_recall_fscore_support

RELIABILITY_BINS = 10


def reliability_table(correct: Sequence[bool], confidence: Sequence[float],
                      bins: int = RELIABILITY_BINS) -> list[dict[str, float]]:
    """Return, per non-empty bin of predicted probability, its count, mean probability and accuracy."""
    correct = np.asarray(correct, dtype=float)
    confidence = np.clip(np.asarray(confidence, dtype=float), 0.0, 1.0)
    index = np.minimum((confidence * bins).astype(int), bins - 1)
    table = []
    for b in range(bins):
        mask = index == b
        if mask.any():
            table.append({"low": b / bins, "high": (b + 1) / bins, "count": int(mask.sum()),
                          "mean_probability": float(confidence[mask].mean()),
                          "accuracy": float(correct[mask].mean())})
    return table


def expected_calibration_error(table: list[dict[str, float]]) -> float:
    """Return the count-weighted mean gap between probability and accuracy over the bins."""
    total = sum(row["count"] for row in table)
    if not total:
        return 0.0
    return sum(row["count"] * abs(row["mean_probability"] - row["accuracy"])
               for row in table) / total


def evaluation_report(y_true: Sequence[str], y_pred: Sequence[str],
                      proba: Sequence[float] | None = None,
                      labels: Sequence[str] | None = None) -> dict[str, Any]:
    """Return macro-F1, accuracy, per-class precision/recall/F1, the confusion matrix and,
    when `proba` (probability of each predicted label) is given, the reliability table."""
    y_true, y_pred = np.asarray(y_true, dtype=str), np.asarray(y_pred, dtype=str)
    labels = list(labels) if labels is not None else sorted(set(y_true) | set(y_pred))
    p, r, f, s = precision_recall_fscore_support(y_true, y_pred, labels=labels, zero_division=0)
    present = [label for label in labels if label in set(y_true)]
    report: dict[str, Any] = {
        "n": int(len(y_true)),
        "accuracy": float(np.mean(y_true == y_pred)) if len(y_true) else 0.0,
        "macro_f1": float(f1_score(y_true, y_pred, labels=present, average="macro",
                                   zero_division=0)) if present else 0.0,
        "per_class": {label: {"precision": float(p[i]), "recall": float(r[i]),
                              "f1": float(f[i]), "support": int(s[i])}
                      for i, label in enumerate(labels)},
        "confusion": {"labels": labels,
                      "matrix": confusion_matrix(y_true, y_pred, labels=labels).tolist()},
    }
    if proba is not None:
        table = reliability_table(y_true == y_pred, proba)
        report["reliability"] = table
        report["ece"] = expected_calibration_error(table)
    return report


def format_report(head: str, report: dict[str, Any]) -> str:
    """Return a plain-text rendering of an evaluation_report for terminals and logs."""
    lines = [f"== {head}: n={report['n']} macro-F1 {report['macro_f1']:.3f} "
             f"accuracy {report['accuracy']:.3f}", "class        precision recall  f1     support"]
    for label, row in report["per_class"].items():
        lines.append(f"{label:<12} {row['precision']:9.3f} {row['recall']:6.3f} "
                     f"{row['f1']:6.3f} {row['support']:7d}")
    labels = report["confusion"]["labels"]
    lines.append("confusion (rows true, columns predicted): " + " ".join(labels))
    for label, row in zip(labels, report["confusion"]["matrix"]):
        lines.append(f"  {label:<10} " + " ".join(f"{v:6d}" for v in row))
    if "reliability" in report:
        lines.append(f"reliability (ECE {report['ece']:.3f}): bin  count  mean-p  accuracy")
        for row in report["reliability"]:
            lines.append(f"  {row['low']:.1f}-{row['high']:.1f} {row['count']:6d} "
                         f"{row['mean_probability']:7.3f} {row['accuracy']:8.3f}")
    return "\n".join(lines)


CRITICAL = ("P1", "P2")
MINOR = ("P4", "P5")


def priority_report(y_true: Sequence[str], y_pred: Sequence[str]) -> dict[str, Any]:
    """Return the two figures that matter for SLA clocks, from true and predicted priorities:
    critical recall (of the rows truly P1/P2, the share predicted P1/P2) and false alarm
    (of the rows truly P4/P5, the share predicted P1/P2; None where no such rows), with their
    counts, accuracy and the share within one priority step."""
    y_true, y_pred = np.asarray(y_true, dtype=str), np.asarray(y_pred, dtype=str)
    critical, minor = np.isin(y_true, CRITICAL), np.isin(y_true, MINOR)
    alarmed = np.isin(y_pred, CRITICAL)
    return {
        "n": int(len(y_true)), "n_critical": int(critical.sum()), "n_minor": int(minor.sum()),
        "critical_recall": float(alarmed[critical].mean()) if critical.any() else None,
        "false_alarm": float(alarmed[minor].mean()) if minor.any() else None,
        "accuracy": float(np.mean(y_true == y_pred)) if len(y_true) else 0.0,
        "within_one": float(np.mean([abs(int(t[1]) - int(p[1])) <= 1
                                     for t, p in zip(y_true, y_pred)])) if len(y_true) else 0.0,
    }


def binary_report(truth: Sequence[bool], guess: Sequence[bool]) -> dict[str, float]:
    """Return precision, recall (None where undefined: JSON has no NaN) and support of a
    yes/no flag (e.g. junk)."""
    truth, guess = np.asarray(truth, dtype=bool), np.asarray(guess, dtype=bool)
    return {"precision": float(truth[guess].mean()) if guess.any() else None,
            "recall": float(guess[truth].mean()) if truth.any() else None,
            "support": int(truth.sum())}
