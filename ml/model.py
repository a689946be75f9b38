"""TriageModel: fit, predict (with reasons), save and load the per-head pipelines."""

from __future__ import annotations

import sys
from collections.abc import Iterable, Mapping
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy import sparse
from sklearn.pipeline import Pipeline
from tqdm import tqdm

from . import fastpath, persist
from .errors import DataError
from .explain import Explainer
from .features import CONTEXT_KEYS, build_features, fast_transform, item_columns, item_frame, raw_text
from .heads import (  # noqa: F401  build_pipeline is part of the public surface
    HEADS, SINGLE_LABEL_HEADS, build_pipeline, compact_features, fit_classifier, fit_tags, linear_models,
)
from .prediction import TAGS, Prediction
from .priority import priority_for
from .vocabulary import CATEGORIES, LEVELS
from .rules import RAISING_SEVERITIES, KeywordRules, Rulebook
from .signals import find_signals

ALLOWED_LABELS = {"category": CATEGORIES, "impact": LEVELS, "urgency": LEVELS}
REASONS_PER_HEAD = {"category": 8, "impact": 3, "urgency": 3}
TAG_THRESHOLD = 0.5
# Impact and urgency labels are mostly tracker defaults ("normal", P3): the calibrated
# probability of "high" rarely wins an argmax. Their label is the class whose probability
# most exceeds its training share, p(c|x) / prior(c) ** PRIOR_POWER (1 = fully balanced,
# 0 = plain argmax). 5-fold macro-F1 for 0 / 0.5 / 1: Hadoop impact .42/.52/.44,
# Bugzilla impact .36/.46/.39, Bugzilla urgency .58/.62/.55. Probabilities stay as
# calibrated; the category head uses a plain argmax.
PRIOR_POWER = 0.5
PRIOR_HEADS = ("impact", "urgency")
# The category head sees only the junk token of the signals block: harm, scope, persistence
# and blocking weigh on impact and urgency, and on issue trackers they blur bug / feature /
# question (NLBSE 5-fold macro-F1 .784 with them, .792 without; corpus validation category
# .862 either way, .853 with no signal at all).
CATEGORY_SIGNALS = ("junk=junk",)


def hidden_columns(features: Any, head: str) -> np.ndarray:
    """Return the feature columns the head does not see (signals other than CATEGORY_SIGNALS
    for the category head; nothing for other heads or models without a signals block)."""
    if head != "category" or "signals" not in getattr(features, "output_indices_", {}):
        return np.array([], dtype=int)
    block = features.output_indices_["signals"]
    names = features.named_transformers_["signals"].get_feature_names_out()
    return np.array([block.start + i for i, name in enumerate(names) if name not in CATEGORY_SIGNALS],
                    dtype=int)


def used(clf: Any, columns: np.ndarray) -> np.ndarray:
    """The `columns` a fitted head's coefficients weigh (all of them for a head that is not
    linear): hiding a column a linear head gives no weight changes neither its scores nor its
    reasons, and a head trained with them hidden gives them none."""
    models = linear_models(clf)
    if not len(columns) or not models or not all(hasattr(m, "coef_") for m in models):
        return columns
    return columns[np.any([np.asarray(m.coef_)[:, columns] != 0 for m in models], axis=(0, 1))]


def hide(Xt: Any, columns: np.ndarray) -> Any:
    """Return the rows with `columns` zeroed (a copy; `Xt` itself is shared by the heads)."""
    if not len(columns):
        return Xt
    X = sparse.csr_matrix(Xt, copy=True)
    X.data[np.isin(X.indices, columns)] = 0
    X.eliminate_zeros()
    return X


def _tag_lists(values: pd.Series) -> list[list[str]]:
    """Return tags as lists from lists or "|"-joined strings."""
    return [list(v) if isinstance(v, (list, tuple)) else [t for t in str(v).split("|") if t]
            for v in values]


def item_dicts(df: pd.DataFrame) -> list[dict[str, Any]]:
    """Return the item dicts (title, body, context) that predict() takes, from a data frame."""
    keep = [c for c in ("title", "body", "text", "severity", *CONTEXT_KEYS) if c in df.columns]
    frame = df[keep].astype(object)
    return frame.where(frame.notna(), None).to_dict("records")


def _labels(df: pd.DataFrame, head: str) -> pd.Series:
    """Return the rows' labels for a head (dropping unlabelled rows); unknown labels raise.

    Urgency labels are the final urgency a triager set, which already includes the +1 that a
    submitter's high or critical severity gives (ml/rules.py). The model predicts the urgency
    before that step, so rows with such a severity teach it nothing certain: they are left
    out of the urgency head."""
    if head not in df.columns:
        return pd.Series([], dtype=object)
    labels = df[head].dropna().astype(str).str.strip().str.lower()
    labels = labels[labels != ""]
    if head == "urgency" and "severity" in df.columns:
        raised = df["severity"].reindex(labels.index).fillna("").astype(str).str.strip().str.lower()
        labels = labels[~raised.isin(RAISING_SEVERITIES)]
    unknown = sorted(set(labels) - set(ALLOWED_LABELS[head]))
    if unknown:
        raise DataError(f"{head} labels {unknown} are not among {list(ALLOWED_LABELS[head])}")
    return labels


def _fit_features(df: pd.DataFrame) -> tuple[Any, Any]:
    """Return the shared features step fitted on every row, and the transformed rows."""
    X = item_frame(df)
    features = build_features(len(df))
    try:
        Xt = features.fit_transform(X)
    except ValueError as exc:  # e.g. every text empty: nothing to learn words from
        raise DataError(f"cannot learn features from the training texts ({exc})") from None
    return compact_features(features), sparse.csr_matrix(Xt)


def _fit_single(head: str, df: pd.DataFrame, Xt: Any, weights: np.ndarray | None) -> Any:
    labels = _labels(df, head)
    if labels.empty:
        return None
    rows = labels.index.to_numpy()
    w = None if weights is None else weights[rows]
    return fit_classifier(head, Xt[rows], labels.to_numpy(), w)


def _prior(df: pd.DataFrame, head: str, weights: np.ndarray | None) -> dict[str, float]:
    """Return each label's (weighted) share among the rows labelled for `head`."""
    labels = _labels(df, head)
    w = np.ones(len(labels)) if weights is None else weights[labels.index.to_numpy()]
    shares = pd.Series(w, index=labels.to_numpy()).groupby(level=0).sum() / w.sum()
    return {str(k): float(v) for k, v in shares.items()}


def _fit_tags(df: pd.DataFrame, Xt: Any) -> tuple[Any, list[str]]:
    if "tags" not in df.columns:
        return None, []
    tagged = df["tags"].dropna()
    return fit_tags(Xt[tagged.index.to_numpy()], _tag_lists(tagged), TAGS)


WHY_WORDS = 3


def _words(prediction: Prediction) -> list[str]:
    """Return the category's strongest words as one readable reason: 'bug: “crash”, “save”'."""
    words = [r["feature"] for r in prediction.reasons if r["head"] == "category"
             and ":" not in r["feature"]][:WHY_WORDS]
    return [f"{prediction.category}: " + ", ".join(f"“{w}”" for w in words)] if words else []


class TriageModel:
    """The trained classifier: one Pipeline per head plus metadata describing it."""

    def __init__(self, heads: dict[str, Pipeline | None], tag_names: list[str],
                 metadata: dict[str, Any]) -> None:
        """Wrap fitted head pipelines (None = head untrained, keyword rules answer for it)."""
        self.heads, self.tag_names, self.metadata = heads, list(tag_names), metadata
        self._explainers = {h: Explainer(p, h) for h, p in heads.items()
                            if p is not None and h != "tags"}
        self._rules = KeywordRules()
        self.rulebook = Rulebook()
        self._hidden: dict[tuple[int, str], np.ndarray] = {}

    @property
    def version(self) -> str:
        """Return the model version: trained_at (compact UTC) + short data hash."""
        stamp = self.metadata["trained_at"].replace("-", "").replace(":", "")[:15]
        return f"{stamp}Z-{self.metadata['data_hash'][:8]}"

    @classmethod
    def fit(cls, df: pd.DataFrame, sample_weight: Iterable[float] | None = None,
            progress: bool = False) -> TriageModel:
        """Return a model fitted on `df` (see ml.dataset columns); each head uses its labelled rows."""
        if not {"text", "title", "body"} & set(df.columns):
            raise DataError("training frame needs a text, title or body column")
        df = df.reset_index(drop=True)
        weights = None if sample_weight is None else np.asarray(list(sample_weight), float)
        if weights is not None and len(weights) != len(df):
            raise DataError(f"{len(weights)} sample weights for {len(df)} rows")
        bar = tqdm(total=len(HEADS) + 1, desc="training", unit="step", file=sys.stderr,
                   disable=not progress)
        with bar:
            bar.set_postfix_str("features")
            features, Xt = _fit_features(df)
            bar.update()
            classifiers, tag_names = {}, []
            for head in HEADS:
                bar.set_postfix_str(head)
                if head == "tags":
                    classifiers[head], tag_names = _fit_tags(df, Xt)
                else:
                    classifiers[head] = _fit_single(head, df, hide(Xt, hidden_columns(features, head)),
                                                    weights)
                bar.update()
        heads = {h: None if c is None else Pipeline([("features", features), ("clf", c)])
                 for h, c in classifiers.items()}
        metadata = persist.describe(df, weights, heads, tag_names)
        metadata["priors"] = {h: _prior(df, h, weights) for h in PRIOR_HEADS if heads.get(h)}
        metadata["trained_at"] = datetime.now(timezone.utc).isoformat(timespec="seconds")
        return cls(heads, tag_names, metadata)

    def predict(self, items: Iterable[Mapping[str, Any]],
                rulebook: Rulebook | None = None) -> list[Prediction]:
        """Return one Prediction per item dict (title, body, optional context and the
        submitter's `severity`), in order, finished by `rulebook` (None: the default rules;
        the app passes its admins' rules and switched-off defaults)."""
        items = list(items)
        if not items:
            return []
        signals = [find_signals(*raw_text(item)) for item in items]
        X = item_columns(items, signals)
        cache: dict[int, Any] = {}
        rules = None
        if any(self.heads.get(h) is None for h in SINGLE_LABEL_HEADS):
            rules = [self._rules.raw(item) for item in items]
        outputs = {h: self._head_output(h, X, cache) for h in SINGLE_LABEL_HEADS
                   if self.heads.get(h)}
        tags = self._tags(X, cache)
        rulebook = rulebook or self.rulebook
        predictions = [rulebook.finish(self._prediction(i, outputs, tags[i], rules), items[i], signals[i])
                       for i in range(len(items))]
        for p in predictions:
            if not p.junk:
                p.why.extend(_words(p))
        return predictions

    @staticmethod
    def _transform(pipe: Pipeline, X: Mapping[str, list[str]], cache: dict[int, Any]) -> Any:
        # Heads share one features step: analyse the text once per predict call.
        features = pipe.named_steps["features"]
        if id(features) not in cache:
            cache[id(features)] = fast_transform(features, X)
        return cache[id(features)]

    def _head_output(self, head: str, X: Mapping[str, list[str]], cache: dict[int, Any]
                     ) -> tuple[np.ndarray, list[str], Any]:
        pipe = self.heads[head]
        features = pipe.named_steps["features"]
        if (id(features), head) not in self._hidden:
            self._hidden[(id(features), head)] = used(pipe[-1], hidden_columns(features, head))
        Xt = hide(self._transform(pipe, X, cache), self._hidden[(id(features), head)])
        proba = fastpath.predict_proba(pipe[-1], Xt)
        return proba, [str(c) for c in pipe[-1].classes_], Xt

    def _tags(self, X: Mapping[str, list[str]], cache: dict[int, Any]) -> list[list[str]]:
        pipe = self.heads.get("tags")
        if pipe is None:
            return [[] for _ in X["text"]]
        proba = fastpath.predict_proba(pipe[-1], self._transform(pipe, X, cache))
        return [[self.tag_names[j] for j in np.flatnonzero(row >= TAG_THRESHOLD)] for row in proba]

    def _prediction(self, i: int, outputs: dict, tags: list[str],
                    rules: list[Prediction] | None) -> Prediction:
        labels, probas, reasons = {}, {}, []
        for head in SINGLE_LABEL_HEADS:
            if head not in outputs:
                labels[head] = getattr(rules[i], head)
                probas[head] = getattr(rules[i], f"{head}_proba")
                reasons += [r for r in rules[i].reasons if r["head"] == head]
                continue
            proba, classes, Xt = outputs[head]
            best = self._decide(head, proba[i], classes)
            labels[head] = classes[best]
            probas[head] = {c: 0.0 for c in ALLOWED_LABELS[head]} | {
                c: float(p) for c, p in zip(classes, proba[i])}
            row = Xt if Xt.shape[0] == 1 else Xt[i]  # indexing builds a new matrix
            reasons += self._explainers[head].reasons(row, best, REASONS_PER_HEAD[head])
        return Prediction(
            category=labels["category"], category_proba=probas["category"],
            impact=labels["impact"], impact_proba=probas["impact"],
            urgency=labels["urgency"], urgency_proba=probas["urgency"],
            priority=priority_for(labels["impact"], labels["urgency"]), tags=tags,
            confidence=min(float(probas[h][labels[h]]) for h in SINGLE_LABEL_HEADS),
            reasons=reasons,
            model_version=self.version,
        )

    def _decide(self, head: str, proba: np.ndarray, classes: list[str]) -> int:
        """Return the index of the predicted class (prior-corrected for PRIOR_HEADS)."""
        prior = self.metadata.get("priors", {}).get(head)
        if not prior or head not in PRIOR_HEADS:
            return int(np.argmax(proba))
        shares = np.array([prior.get(c, 1.0) for c in classes]) ** PRIOR_POWER
        return int(np.argmax(proba / np.maximum(shares, 1e-6)))

    def save(self, directory: str | Path) -> Path:
        """Write model.skops and metadata.json into `directory` (created if needed); return it."""
        return persist.save(self, Path(directory))

    @classmethod
    def load(cls, directory: str | Path) -> TriageModel:
        """Return the model saved in `directory`; raise ModelError if anything is wrong."""
        heads, tag_names, metadata = persist.load(Path(directory))
        return cls(heads, tag_names, metadata)
