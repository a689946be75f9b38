import numpy as np

from ml import fastpath
from ml.features import fast_transform, item_frame

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
