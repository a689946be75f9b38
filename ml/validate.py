"""Cross-validation of the whole recipe: every fold trains a TriageModel and predicts.

Folds are drawn over all rows (each head is scored on the held-out rows that carry its
label), so the scores measure exactly what `TriageModel.fit` would ship, shared features
and all. With `groups`, folds never split a group (GroupKFold: e.g. apps unseen in training).
"""

from __future__ import annotations

import sys
from typing import Any

import numpy as np
import pandas as pd
from sklearn.model_selection import GroupKFold, KFold
from tqdm import tqdm

from .evaluate import binary_report, evaluation_report, priority_report
from .heads import SINGLE_LABEL_HEADS
from .model import TriageModel, item_dicts
from .priority import priority_for

SEED = 0


def out_of_fold(df: pd.DataFrame, folds: int = 5, groups: pd.Series | None = None,
                progress: bool = False, extra: pd.DataFrame | None = None) -> pd.DataFrame:
    """Return, for every row of `df`, the predictions of a model trained without its fold
    (plus `extra` rows, which are always trained on and never scored)."""
    df = df.reset_index(drop=True)
    splitter = (GroupKFold(n_splits=folds) if groups is not None
                else KFold(n_splits=folds, shuffle=True, random_state=SEED))
    split_groups = None if groups is None else np.asarray(groups)
    out = pd.DataFrame(index=df.index, columns=[f"{p}_{h}" for h in SINGLE_LABEL_HEADS
                                                for p in ("pred", "proba")] + ["pred_tags"],
                       dtype=object)
    splits = list(splitter.split(df, groups=split_groups))
    for train, test in tqdm(splits, desc="cross-validation", unit="fold", file=sys.stderr,
                            disable=not progress):
        rows = df.iloc[train] if extra is None else pd.concat([df.iloc[train], extra])
        model = TriageModel.fit(rows)
        for i, p in zip(test, model.predict(item_dicts(df.iloc[test]))):
            out.at[i, "pred_tags"] = "|".join(p.tags)
            for head in SINGLE_LABEL_HEADS:
                label = getattr(p, head)
                out.at[i, f"pred_{head}"] = label
                out.at[i, f"proba_{head}"] = getattr(p, f"{head}_proba")[label]
    return out


def scores(df: pd.DataFrame, oof: pd.DataFrame) -> dict[str, dict[str, Any]]:
    """Return an evaluation_report per head, over the rows of `df` labelled for that head."""
    df = df.reset_index(drop=True)
    reports = {}
    for head in SINGLE_LABEL_HEADS:
        if head not in df.columns:
            continue
        rows = df[head].notna().to_numpy()
        if rows.any():
            reports[head] = evaluation_report(
                df.loc[rows, head].astype(str), oof.loc[rows, f"pred_{head}"].astype(str),
                oof.loc[rows, f"proba_{head}"].astype(float))
    return reports


def summary(reports: dict[str, dict[str, Any]]) -> dict[str, dict[str, float]]:
    """Return the headline figures per head: macro-F1, accuracy, high-class F1, ECE, n."""
    out = {}
    for head, report in reports.items():
        row = {"macro_f1": report["macro_f1"], "accuracy": report["accuracy"],
               "ece": report.get("ece", float("nan")), "n": report["n"]}
        if "high" in report["per_class"]:
            row["high_f1"] = report["per_class"]["high"]["f1"]
        out[head] = row
    return out


def holdout_scores(model: TriageModel, frame: pd.DataFrame, rulebook: Any = None) -> dict[str, Any]:
    """Return held-out scores of a fitted model on labelled rows it never saw: an
    evaluation_report per head, and where impact and urgency are labelled, the priority
    figures (critical recall, false alarm) and, where `junk` is labelled, junk precision/recall."""
    frame = frame.reset_index(drop=True)
    predictions = model.predict(item_dicts(frame), rulebook)
    report: dict[str, Any] = {}
    for head in SINGLE_LABEL_HEADS:
        if head not in frame.columns or not frame[head].notna().any():
            continue
        rows = frame[head].notna().to_numpy()
        chosen = [p for p, keep in zip(predictions, rows) if keep]
        report[head] = evaluation_report(
            frame.loc[rows, head].astype(str), [getattr(p, head) for p in chosen],
            [getattr(p, f"{head}_proba")[getattr(p, head)] for p in chosen])
    if {"impact", "urgency"} <= set(frame.columns):
        rows = (frame["impact"].notna() & frame["urgency"].notna()).to_numpy()
        truth = [priority_for(i, u) for i, u in zip(frame.loc[rows, "impact"], frame.loc[rows, "urgency"])]
        report["priority"] = priority_report(truth, [p.priority for p, keep in zip(predictions, rows) if keep])
    if "junk" in frame.columns:
        report["junk"] = binary_report(frame["junk"].astype(bool), [p.junk for p in predictions])
    return report


def headline(report: dict[str, Any]) -> list[str]:
    """Return the held-out figures as short lines: per head macro-F1 and high-class recall,
    critical recall, false alarm, junk precision and recall."""
    lines = []
    for head in SINGLE_LABEL_HEADS:
        if head in report:
            high = report[head]["per_class"].get("high")
            extra = f" high-recall {high['recall']:.3f}" if high and high["support"] else ""
            lines.append(f"{head:<9} macro-F1 {report[head]['macro_f1']:.3f}{extra} n={report[head]['n']}")
    if "priority" in report:
        p = report["priority"]
        lines.append(f"priority  critical recall {_f(p['critical_recall'])} (n={p['n_critical']}) "
                     f"false alarm {_f(p['false_alarm'])} (n={p['n_minor']}) accuracy {p['accuracy']:.3f}")
    if "junk" in report:
        j = report["junk"]
        lines.append(f"junk      precision {_f(j['precision'])} recall {_f(j['recall'])} n={j['support']}")
    return lines


def _f(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.3f}"
