"""One scikit-learn Pipeline per head: features -> calibrated linear classifier.

Heads: `category` (bug/feature/question/other), `impact` and `urgency` (high/medium/low)
and `tags` (multi-label aspects). Each Pipeline is `features` (see ml/features.py) then
`clf`. In a TriageModel all heads share one fitted `features` step (fitted on every
training row, labelled for that head or not): the text is analysed once per prediction
and the model file keeps one vocabulary. How `clf` is chosen from a head's labels:

- two or more classes, each with at least MIN_CALIBRATION_COUNT rows: a LinearSVC inside
  CalibratedClassifierCV (sigmoid; 5 stratified folds, 3 from LARGE_DATA rows on, never
  more than the rarest class has rows; ensemble=False so one linear model is kept:
  small files, fast predictions, one set of coefficients for reasons);
- a class with fewer rows: plain LogisticRegression. There are too few rows to hold any
  out for calibration; its probabilities are uncalibrated and the model says so in
  metadata ("calibration": "none");
- one class only: DummyClassifier (always that class, probability 1).

Sample weights reach the LinearSVC and the sigmoid calibrator (`clf__sample_weight`).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.calibration import CalibratedClassifierCV
from sklearn.dummy import DummyClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.multiclass import OneVsRestClassifier
from sklearn.pipeline import Pipeline
from sklearn.svm import LinearSVC

from .features import build_features

HEADS: tuple[str, ...] = ("category", "impact", "urgency", "tags")
SINGLE_LABEL_HEADS: tuple[str, ...] = ("category", "impact", "urgency")
MAX_FOLDS = 5
MIN_CALIBRATION_COUNT = 3
LARGE_DATA = 20_000
# Regularisation tuned by 5-fold CV on the shared data (bench/ml.py --quality).
C_BY_HEAD = {"category": 0.1, "impact": 0.1, "urgency": 0.1, "tags": 0.1}
# Impact and urgency labels are dominated by tracker defaults ("normal", P3); balancing
# the classes keeps the rare high class from vanishing.
BALANCED_HEADS = {"impact", "urgency", "tags"}
SEED = 0


def _svc(head: str) -> LinearSVC:
    # dual=True: scikit-learn's "auto" switches to the primal solver once rows outnumber
    # features, which is 4x slower on sparse text (100k rows: 35 s instead of 8 s a fit).
    return LinearSVC(C=C_BY_HEAD[head], dual=True, max_iter=10000,
                     class_weight="balanced" if head in BALANCED_HEADS else None)


def choose_classifier(head: str, y: np.ndarray):
    """Return the unfitted classifier for labels `y`, degrading on tiny data (see module doc)."""
    _, counts = np.unique(y, return_counts=True)
    if len(counts) < 2:
        return DummyClassifier(strategy="prior")
    if counts.min() < MIN_CALIBRATION_COUNT:
        return LogisticRegression(C=10.0, max_iter=5000)
    # Past LARGE_DATA rows three calibration folds already hold thousands of rows each;
    # every extra fold is one more full fit.
    max_folds = 3 if len(y) >= LARGE_DATA else MAX_FOLDS
    folds = int(min(max_folds, counts.min()))
    return CalibratedClassifierCV(_svc(head), method="sigmoid", cv=folds, ensemble=False)


def build_pipeline(head: str, y: np.ndarray | None = None, n_rows: int | None = None) -> Pipeline:
    """Return the unfitted Pipeline for a single-label head (classifier chosen from `y`)."""
    clf = choose_classifier(head, y) if y is not None else CalibratedClassifierCV(
        _svc(head), method="sigmoid", cv=MAX_FOLDS, ensemble=False)
    return Pipeline([("features", build_features(n_rows)), ("clf", clf)])


def _shuffled(n: int) -> np.ndarray:
    # Calibration folds are taken in order; rows arrive grouped by source file.
    return np.random.default_rng(SEED).permutation(n)


def fit_classifier(head: str, Xt: Any, y: np.ndarray, sample_weight: np.ndarray | None = None):
    """Return the head's classifier fitted on transformed rows `Xt` and labels `y`."""
    order = _shuffled(len(y))
    y = np.asarray(y, dtype=object)[order].astype(str)
    clf = choose_classifier(head, y)
    params = {}
    if sample_weight is not None:
        params["sample_weight"] = np.asarray(sample_weight, dtype=float)[order]
    return _small(clf.fit(Xt[order], y, **params))


def fit_tags(Xt: Any, tags: list[list[str]], names: tuple[str, ...]) -> tuple[Any, list[str]]:
    """Return (fitted one-vs-rest classifier, tag names), or (None, []) if no tag has enough rows.

    A tag is learnt only if it has MIN_CALIBRATION_COUNT positives and negatives. Tags are
    trained without sample weights (OneVsRestClassifier would need metadata routing).
    """
    matrix = np.array([[name in row for name in names] for row in tags], dtype=int)
    if not len(matrix):
        return None, []
    keep = [i for i in range(len(names))
            if MIN_CALIBRATION_COUNT <= matrix[:, i].sum() <= len(matrix) - MIN_CALIBRATION_COUNT]
    if not keep:
        return None, []
    order = _shuffled(len(matrix))
    svc = CalibratedClassifierCV(_svc("tags"), method="sigmoid", cv=MIN_CALIBRATION_COUNT,
                                 ensemble=False)
    clf = OneVsRestClassifier(svc).fit(Xt[order], matrix[order][:, keep])
    return _small(clf), [names[i] for i in keep]


def linear_models(clf: Any) -> list:
    """The linear models inside a fitted head (one-vs-rest and calibration unwrapped)."""
    if isinstance(clf, OneVsRestClassifier):
        return [m for est in clf.estimators_ for m in linear_models(est)]
    if isinstance(clf, CalibratedClassifierCV):
        return [c.estimator for c in clf.calibrated_classifiers_]
    return [clf] if hasattr(clf, "coef_") else []


def _small(clf: Any) -> Any:
    """Return `clf` with float32 coefficients: half the file size, predictions agree to ~1e-7."""
    for model in linear_models(clf):
        model.coef_ = model.coef_.astype(np.float32)
    return clf


def compact_features(features: Any) -> Any:
    """Return fitted features whose vocabularies map to Python ints (skops stores numpy ints
    ~50x larger and ~100x slower)."""
    for _, vectorizer, _ in features.transformers_:
        if hasattr(vectorizer, "vocabulary_"):
            vectorizer.vocabulary_ = {t: int(i) for t, i in vectorizer.vocabulary_.items()}
    return features


def calibration_of(pipe: Pipeline) -> str:
    """Return how the head's probabilities were obtained: sigmoid, none or constant."""
    clf = pipe.named_steps["clf"]
    if isinstance(clf, OneVsRestClassifier):
        clf = clf.estimators_[0]
    if isinstance(clf, CalibratedClassifierCV):
        return "sigmoid"
    return "constant" if isinstance(clf, DummyClassifier) else "none"
