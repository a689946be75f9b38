import json
import zipfile

import pytest
import skops.io as sio

from ml import ModelError, TriageModel
from ml.persist import METADATA_FILE, MODEL_FILE, _sha256

ITEMS = [{"title": "App crashes", "body": "error on start"},
         {"title": "Please add dark mode", "body": "would be nice", "star_rating": 4}]


def test_model_round_trips_through_skops(small_model, tmp_path):
    small_model.save(tmp_path / "m")
    loaded = TriageModel.load(tmp_path / "m")
    assert [p.to_dict() for p in loaded.predict(ITEMS)] == [
        p.to_dict() for p in small_model.predict(ITEMS)]
    assert loaded.version == small_model.version
    metadata = json.loads((tmp_path / "m" / METADATA_FILE).read_text())
    assert metadata["versions"]["scikit-learn"] and metadata["n_rows"] > 0
    assert set(metadata["labels"]["category"]) == {"bug", "feature", "question", "other"}
    assert {"data_hash", "trained_at", "metrics"} <= set(metadata)


def test_load_refuses_missing_or_tampered_model(small_model, tmp_path):
    with pytest.raises(ModelError, match="no model directory"):
        TriageModel.load(tmp_path / "absent")
    directory = small_model.save(tmp_path / "m")
    with (directory / MODEL_FILE).open("ab") as handle:
        handle.write(b"tampered")
    with pytest.raises(ModelError, match="does not match the hash"):
        TriageModel.load(directory)
    (directory / MODEL_FILE).unlink()
    with pytest.raises(ModelError, match="no model.skops"):
        TriageModel.load(directory)
    (directory / METADATA_FILE).write_text("{not json")
    with pytest.raises(ModelError, match="unreadable"):
        TriageModel.load(directory)


def test_load_refuses_other_scikit_learn_version(small_model, tmp_path):
    directory = small_model.save(tmp_path / "m")
    metadata = json.loads((directory / METADATA_FILE).read_text())
    metadata["versions"]["scikit-learn"] = "0.24.0"
    (directory / METADATA_FILE).write_text(json.dumps(metadata))
    with pytest.raises(ModelError, match="retrain"):
        TriageModel.load(directory)


def test_load_refuses_types_outside_the_allow_list(small_model, tmp_path):
    directory = small_model.save(tmp_path / "m")
    # A file whose hash matches the metadata but holds a type we never write.
    from sklearn.preprocessing import FunctionTransformer
    sio.dump({"heads": {}, "evil": FunctionTransformer(func=print)}, directory / MODEL_FILE,
             compression=zipfile.ZIP_DEFLATED)
    metadata = json.loads((directory / METADATA_FILE).read_text())
    metadata["files"][MODEL_FILE] = _sha256(directory / MODEL_FILE)
    (directory / METADATA_FILE).write_text(json.dumps(metadata))
    with pytest.raises(ModelError, match="untrusted types"):
        TriageModel.load(directory)


def test_a_model_from_tiny_data_round_trips_too(tmp_path):
    import pandas as pd

    df = pd.DataFrame({"title": ["crash", "broken", "add dark mode", "crash again"],
                       "body": ["it failed", "it broke", "would be nice", "error"],
                       "category": ["bug", "bug", "feature", "bug"],
                       "impact": ["high"] * 4})
    model = TriageModel.fit(df)
    assert model.metadata["calibration"]["category"] == "none"
    loaded = TriageModel.load(model.save(tmp_path / "tiny"))
    assert [p.to_dict() for p in loaded.predict(ITEMS)] == [
        p.to_dict() for p in model.predict(ITEMS)]
