import numpy as np

from ml import fastpath
import ml.features as features_module
from ml.features import fast_transform, item_columns, item_frame, raw_text
from ml.signals import find_signals

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
