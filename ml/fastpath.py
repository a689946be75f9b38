"""Probabilities of the fitted heads computed directly, for single-item latency.

scikit-learn validates its input on every call (dozens of checks per calibrated head);
for one item that costs more than the arithmetic. These functions compute exactly what
`predict_proba` computes for the estimators triage builds (sigmoid CalibratedClassifierCV
over a linear model, and OneVsRestClassifier of those) and defer to `predict_proba` for
anything else. tests/ml/test_fastpath.py checks they agree with scikit-learn.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy import sparse
from scipy.special import expit
from sklearn.calibration import CalibratedClassifierCV
from sklearn.multiclass import OneVsRestClassifier


def _scores(estimator: Any, Xt: Any) -> np.ndarray:
    """The linear decision scores `Xt @ coef_.T + intercept_`; for one sparse row, from the
    coefficients of the columns it uses (scipy's product costs more than the arithmetic)."""
    if sparse.issparse(Xt) and Xt.shape[0] == 1 and Xt.format == "csr":
        return (estimator.coef_[:, Xt.indices] @ Xt.data.astype(np.float64) + estimator.intercept_)[None, :]
    return np.asarray(Xt @ estimator.coef_.T) + estimator.intercept_


def _calibrated_one(calibrated: Any, Xt: Any, n_classes: int) -> np.ndarray:
    scores = _scores(calibrated.estimator, Xt)
    proba = np.zeros((Xt.shape[0], n_classes))
    columns = np.searchsorted(calibrated.classes, calibrated.estimator.classes_)
    for j, (column, calibrator) in enumerate(zip(columns, calibrated.calibrators)):
        # Binary models score only classes_[1], whose column is 1.
        column = column + 1 if n_classes == 2 else column
        proba[:, column] = expit(-(calibrator.a_ * scores[:, j] + calibrator.b_))
    if n_classes == 2:
        proba[:, 0] = 1.0 - proba[:, 1]
        return proba
    total = proba.sum(axis=1, keepdims=True)
    uniform = np.full_like(proba, 1.0 / n_classes)
    return np.divide(proba, total, out=uniform, where=total != 0)


def _is_fast(clf: Any) -> bool:
    return (isinstance(clf, CalibratedClassifierCV) and clf.method == "sigmoid"
            and all(hasattr(c.estimator, "coef_") for c in clf.calibrated_classifiers_))


def predict_proba(clf: Any, Xt: Any) -> np.ndarray:
    """Return `clf.predict_proba(Xt)`, computed directly when `clf` is one triage builds."""
    if isinstance(clf, OneVsRestClassifier) and all(_is_fast(e) for e in clf.estimators_):
        return np.column_stack([predict_proba(e, Xt)[:, 1] for e in clf.estimators_])
    if not _is_fast(clf):
        return clf.predict_proba(Xt)
    n_classes = len(clf.classes_)
    return np.mean([_calibrated_one(c, Xt, n_classes) for c in clf.calibrated_classifiers_],
                   axis=0)
