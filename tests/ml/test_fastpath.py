import numpy as np
import pandas as pd
import pytest

from ml import fastpath
import ml.features as features_module
import ml.model as model_module
from ml.features import fast_transform, item_columns, item_frame, raw_text
from ml.signals import find_signals

from .conftest import frame

ITEMS = [{"title": "Crash", "body": "error when saving"},
         {"title": "Dark mode", "body": "please add it", "star_rating": 4},
         {"title": "", "body": "battery drain at night"}]


def test_fast_path_matches_scikit_learn(small_model):
    X = item_frame(ITEMS)
    for head, pipe in small_model.heads.items():
        features = pipe.named_steps["features"]
        assert (fast_transform(features, X) != features.transform(X)).nnz == 0
        fast = fastpath.predict_proba(pipe[-1], fast_transform(features, X))
        np.testing.assert_allclose(fast, pipe.predict_proba(X), rtol=1e-5, atol=1e-6)


ODD_ITEMS = [{"title": "", "body": ""}, {"title": "Ünïcödé — ✓ naïve café", "body": "日本語のテキスト crash"},
             {"title": "x" * 300, "body": "word " * 2000, "votes": 7, "channel": "widget"},
             {"title": "Repeat repeat repeat", "body": "repeat repeat, REPEAT! repeat?"}]


def test_fast_vectorizers_equal_scikit_learn_one_item_at_a_time_and_in_a_batch(small_model):
    items = ITEMS + ODD_ITEMS
    frame = item_frame(items)
    columns = item_columns(items, [find_signals(*raw_text(item)) for item in items])
    assert columns == {name: frame[name].tolist() for name in frame.columns}
    for pipe in small_model.heads.values():
        features = pipe.named_steps["features"]
        batch = fast_transform(features, columns)
        assert batch.dtype == features.transform(frame).dtype
        assert (batch != features.transform(frame)).nnz == 0
        for i in range(len(items)):
            one = {name: values[i:i + 1] for name, values in columns.items()}
            assert (fast_transform(features, one) != features.transform(frame.iloc[i:i + 1])).nnz == 0


def test_prediction_is_the_same_through_scikit_learn_s_own_transform(small_model, monkeypatch):
    items = ITEMS + ODD_ITEMS
    fast = [p.__dict__ for p in small_model.predict(items)]
    monkeypatch.setattr(features_module, "_vectorize", lambda vectorizer, docs: vectorizer.transform(docs))
    assert [p.__dict__ for p in small_model.predict(items)] == fast


def test_every_training_row_alone_transforms_as_scikit_learn_does(small_model):
    # One item's row is built from plain arrays (no sparse matrix per block): equal to the bit.
    rows = frame()
    items = [{"title": t, "body": b} for t, b in zip(rows["title"], rows["body"])] + ODD_ITEMS
    columns = item_columns(items, [find_signals(*raw_text(item)) for item in items])
    reference = item_frame(items)
    features = small_model.heads["category"].named_steps["features"]
    for i in range(len(items)):
        one = {name: values[i:i + 1] for name, values in columns.items()}
        fast, slow = fast_transform(features, one), features.transform(reference.iloc[i:i + 1])
        assert fast.dtype == slow.dtype and (fast != slow).nnz == 0, items[i]


def test_one_item_is_predicted_as_through_scikit_learn_alone(small_model, monkeypatch):
    """The single-item path (row from arrays, scores from the row's columns, hidden columns
    the head gives no weight left as they are) against scikit-learn's own transform, its own
    predict_proba and the hidden columns zeroed."""
    items = ITEMS + ODD_ITEMS
    fast = [small_model.predict([item])[0] for item in items]
    monkeypatch.setattr(model_module, "fast_transform", lambda features, X: features.transform(pd.DataFrame(X)))
    monkeypatch.setattr(fastpath, "predict_proba", lambda clf, Xt: clf.predict_proba(Xt))
    monkeypatch.setattr(model_module, "used", lambda clf, columns: columns)
    small_model._hidden.clear()
    slow = [small_model.predict([item])[0] for item in items]
    for a, b in zip(fast, slow):
        assert (a.category, a.impact, a.urgency, a.priority, a.tags, a.why) == (
            b.category, b.impact, b.urgency, b.priority, b.tags, b.why)
        assert [r["feature"] for r in a.reasons] == [r["feature"] for r in b.reasons]
        for head in ("category", "impact", "urgency"):
            assert getattr(a, f"{head}_proba") == pytest.approx(getattr(b, f"{head}_proba"), rel=1e-5, abs=1e-6)


def test_a_head_trained_with_hidden_columns_gives_them_no_weight(small_model):
    # What lets prediction skip hiding them: a linear head never learns a weight for a column
    # that was zero in every training row.
    features = small_model.heads["category"].named_steps["features"]
    hidden = model_module.hidden_columns(features, "category")
    assert len(hidden) > 0
    assert len(model_module.used(small_model.heads["category"][-1], hidden)) == 0
    unhidden = small_model.heads["impact"][-1]  # trained on every column: it weighs some of them
    assert len(model_module.used(unhidden, hidden)) > 0
