"""Model files: skops for the pipelines, metadata.json beside them, checked on load.

`load` trusts nothing it reads: the metadata must parse, the library versions must match
the running ones (scikit-learn exactly: pickled estimators are not portable across
versions), the model file's SHA-256 must equal the one recorded at save time, and every
type skops reports as untrusted must be on ALLOWED_TYPES. Any failure is a ModelError.
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import tempfile
import zipfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import scipy
import sklearn
import skops
import skops.io as sio
from sklearn.pipeline import Pipeline

from .errors import ModelError
from .heads import HEADS, calibration_of

if TYPE_CHECKING:
    from .model import TriageModel

FORMAT = 1
MODEL_FILE = "model.skops"
METADATA_FILE = "metadata.json"
# Types skops does not trust by default but our pipelines legitimately contain.
# Kept minimal on purpose: anything else in a file is refused, never loaded.
ALLOWED_TYPES: frozenset[str] = frozenset({
    "sklearn.calibration._CalibratedClassifier",
    "sklearn.calibration._SigmoidCalibration",
})


def library_versions() -> dict[str, str]:
    """Return the versions that decide whether a saved model can be loaded here."""
    return {"python": platform.python_version(), "scikit-learn": sklearn.__version__,
            "numpy": np.__version__, "scipy": scipy.__version__, "pandas": pd.__version__,
            "skops": skops.__version__}


def data_hash(df: pd.DataFrame, weights: np.ndarray | None) -> str:
    """Return a SHA-256 over the training rows' text, labels and weights."""
    columns = [c for c in ("text", "title", "body", "category", "impact", "urgency", "tags")
               if c in df.columns]
    digest = hashlib.sha256(pd.util.hash_pandas_object(
        df[columns].astype(str), index=False).to_numpy().tobytes())
    if weights is not None:
        digest.update(np.asarray(weights, dtype=np.float64).tobytes())
    return digest.hexdigest()


def describe(df: pd.DataFrame, weights: np.ndarray | None,
             heads: dict[str, Pipeline | None], tag_names: list[str]) -> dict[str, Any]:
    """Return the metadata of a freshly fitted model (trained_at is added by the caller)."""
    labels = {h: [str(c) for c in p[-1].classes_] for h, p in heads.items()
              if p is not None and h != "tags"}
    labels["tags"] = list(tag_names)
    return {
        "format": FORMAT, "versions": library_versions(), "labels": labels,
        "calibration": {h: calibration_of(p) for h, p in heads.items() if p is not None},
        "untrained_heads": [h for h in HEADS if heads.get(h) is None],
        "n_rows": int(len(df)), "weighted": weights is not None,
        "data_hash": data_hash(df, weights), "metrics": {},
    }


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _write_atomic(path: Path, write) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    os.close(fd)
    try:
        write(Path(tmp))
        os.chmod(tmp, 0o644)  # mkstemp makes 0600; app workers may run as another user
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def _vectorizers(heads: dict[str, Pipeline | None]) -> list[Any]:
    """Return the fitted vectorizers of the heads' feature steps, shared ones once, in order."""
    seen: dict[int, Any] = {}
    for pipe in heads.values():
        if pipe is not None and "features" in pipe.named_steps:
            for _, vectorizer, _ in pipe.named_steps["features"].transformers_:
                if hasattr(vectorizer, "vocabulary_"):
                    seen.setdefault(id(vectorizer), vectorizer)
    return list(seen.values())


def _dump(heads: dict[str, Pipeline | None], tag_names: list[str], path: Path) -> None:
    # skops writes a dict as one JSON node per entry (~3 kB per term: 170 MB and 5 s to
    # load for our vocabularies); as numpy string arrays they take a few hundred kB.
    vectorizers = _vectorizers(heads)
    vocabularies = [v.vocabulary_ for v in vectorizers]
    terms = [np.array(sorted(vocab, key=vocab.__getitem__), dtype=str) for vocab in vocabularies]
    try:
        for vectorizer in vectorizers:
            vectorizer.vocabulary_ = None
        payload = {"heads": heads, "tag_names": tag_names, "vocabularies": terms}
        sio.dump(payload, path, compression=zipfile.ZIP_DEFLATED)
    finally:
        for vectorizer, vocab in zip(vectorizers, vocabularies):
            vectorizer.vocabulary_ = vocab


def _attach_vocabularies(payload: dict[str, Any], directory: Path) -> None:
    vectorizers = _vectorizers(payload["heads"])
    terms = payload.get("vocabularies")
    if not isinstance(terms, list) or len(terms) != len(vectorizers):
        raise ModelError(f"{directory}: vocabularies do not match the model's vectorizers")
    for vectorizer, words in zip(vectorizers, terms):
        vectorizer.vocabulary_ = {str(term): index for index, term in enumerate(words)}


def save(model: TriageModel, directory: Path) -> Path:
    """Write the model's pipelines (skops) and metadata.json (with the file hash) atomically."""
    directory.mkdir(parents=True, exist_ok=True)
    _write_atomic(directory / MODEL_FILE, lambda tmp: _dump(model.heads, model.tag_names, tmp))
    model.metadata["files"] = {MODEL_FILE: _sha256(directory / MODEL_FILE)}
    text = json.dumps(model.metadata, indent=2, sort_keys=True)
    _write_atomic(directory / METADATA_FILE, lambda tmp: tmp.write_text(text, encoding="utf-8"))
    return directory


def _read_metadata(directory: Path) -> dict[str, Any]:
    if not directory.is_dir():
        raise ModelError(f"{directory}: no model directory")
    try:
        metadata = json.loads((directory / METADATA_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ModelError(f"{directory}: unreadable {METADATA_FILE} ({exc})") from None
    if not isinstance(metadata, dict) or metadata.get("format") != FORMAT:
        raise ModelError(f"{directory}: {METADATA_FILE} is not a triage model description")
    saved = metadata.get("versions", {}).get("scikit-learn")
    if saved != sklearn.__version__:
        raise ModelError(f"{directory}: trained with scikit-learn {saved}, "
                         f"running {sklearn.__version__}; retrain the model")
    return metadata


def _check_payload(payload: Any, directory: Path) -> None:
    if not isinstance(payload, dict) or not isinstance(payload.get("heads"), dict):
        raise ModelError(f"{directory}: {MODEL_FILE} does not hold triage heads")
    for head, pipe in payload["heads"].items():
        if head not in HEADS or not (pipe is None or isinstance(pipe, Pipeline)):
            raise ModelError(f"{directory}: unexpected head {head!r} in {MODEL_FILE}")


def load(directory: Path) -> tuple[dict[str, Pipeline | None], list[str], dict[str, Any]]:
    """Return (heads, tag names, metadata) from a saved model; raise ModelError on any problem."""
    metadata = _read_metadata(directory)
    path = directory / MODEL_FILE
    if not path.is_file():
        raise ModelError(f"{directory}: no {MODEL_FILE}")
    if metadata.get("files", {}).get(MODEL_FILE) != _sha256(path):
        raise ModelError(f"{path}: content does not match the hash in {METADATA_FILE}")
    try:
        untrusted = sio.get_untrusted_types(file=path)
        unexpected = sorted(set(untrusted) - ALLOWED_TYPES)
        if unexpected:
            raise ModelError(f"{path}: refuses to load untrusted types {unexpected}")
        payload = sio.load(path, trusted=list(untrusted))
    except ModelError:
        raise
    except Exception as exc:  # skops raises many kinds on a corrupt file; all mean "bad file"
        raise ModelError(f"{path}: cannot load ({exc.__class__.__name__}: {exc})") from None
    _check_payload(payload, directory)
    _attach_vocabularies(payload, directory)
    return payload["heads"], list(payload.get("tag_names", [])), metadata
