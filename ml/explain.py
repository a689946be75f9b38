"""Reasons: the features that pushed a linear head towards its predicted class.

A reason's weight is coefficient x feature value (the feature's contribution to the
decision score of the predicted class). For a CalibratedClassifierCV the coefficients of
its base estimators are averaged; the sigmoid calibration is monotonic, so the ranking
of contributions is the ranking that matters.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy import sparse
from sklearn.calibration import CalibratedClassifierCV
from sklearn.pipeline import Pipeline

from .features import CONTEXT_BIAS, readable_name

# Shown to triagers as "why": function words and 1-2 letter fragments carry weight in
# the model but explain nothing to a person, so they are left out of the reasons (only
# the display; the prediction is unchanged). Question words stay: they do explain.
FUNCTION_WORDS = frozenset(
    "a an the and or of to in on at for from by with as is are was were be been it its "
    "this that these those i me my we our you your he she they them his her so than then "
    "there here every all any some just also very since out up not no after before when while "
    "into about can could would should will do does did has have had get got been being "
    "if but".split())


def _explains(name: str) -> bool:
    """Return whether a ColumnTransformer feature name means something to a person."""
    kind, _, term = name.partition("__")
    if kind == "char":
        return False  # fragments such as "ogi" explain nothing; the word block says it better
    if kind in ("context", "signals"):
        return term != CONTEXT_BIAS
    return not all(word in FUNCTION_WORDS for word in term.split())


def linear_coef(clf: Any) -> np.ndarray | None:
    """Return the (n_classes, n_features) coefficients behind `clf`, or None if not linear."""
    if isinstance(clf, CalibratedClassifierCV):
        coef = np.mean([c.estimator.coef_ for c in clf.calibrated_classifiers_], axis=0)
    elif hasattr(clf, "coef_"):
        coef = np.asarray(clf.coef_)
    else:
        return None
    if coef.shape[0] == 1:
        # Binary models keep one row, pointing to classes_[1]; the other class is its mirror.
        coef = np.vstack([-coef[0], coef[0]])
    return coef


class Explainer:
    """Per-head cache of coefficients and readable feature names, built on first use."""

    def __init__(self, pipe: Pipeline, head: str) -> None:
        """Remember the fitted head Pipeline; nothing is computed until reasons are asked."""
        self.pipe, self.head = pipe, head
        self._coef: np.ndarray | None = None
        self._names: np.ndarray | None = None
        self._fragments = slice(0, 0)  # the char block's columns: never a reason
        self.linear = "features" in pipe.named_steps and linear_coef(pipe[-1]) is not None

    def _prepare(self) -> None:
        if self._coef is None:
            self._coef = linear_coef(self.pipe[-1])
            features = self.pipe.named_steps["features"]
            self._names = features.get_feature_names_out()
            self._fragments = getattr(features, "output_indices_", {}).get("char", slice(0, 0))

    def reasons(self, row: sparse.csr_matrix, class_index: int, top: int) -> list[dict[str, Any]]:
        """Return up to `top` positive contributions of one transformed row to a class."""
        if not self.linear or top <= 0:
            return []
        self._prepare()
        if not sparse.issparse(row) or row.format != "csr":
            row = sparse.csr_matrix(row)
        weights = row.data * self._coef[class_index, row.indices]
        # Fragments are most of a row's columns: leave them out before sorting.
        weights[(row.indices >= self._fragments.start) & (row.indices < self._fragments.stop)] = 0
        out = []
        for pos in np.argsort(-weights, kind="stable"):
            name = str(self._names[row.indices[pos]])
            if weights[pos] <= 0 or len(out) >= top:
                break
            if not _explains(name):
                continue
            out.append({"feature": readable_name(name), "weight": float(weights[pos]),
                        "head": self.head})
        return out
