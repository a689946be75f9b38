"""Model inputs: the item frame (cleaned text, title, context tokens) and its vectorizers.

Every head sees the same three inputs, built by `item_frame` from training rows or from
the dicts the app passes:

- `text`: cleaned title + body (word 1-3 grams and char_wb 2-5 grams, TF-IDF, sublinear tf);
- `title`: the title alone, a second TF-IDF (weight TITLE_WEIGHT), so title words weigh
  more than body words (reviews and title-less rows use their first line instead);

Settings were chosen by 5-fold CV on NLBSE'24 (bench/ml.py --quality; the history of
the trials is in the comments): 30k word and 20k char features, bodies cut at 3,000
characters, title block at 0.6 gave macro-F1 .793 against .781 for 1-2 grams, 20k, 2,000.
- `context`: tokens such as `channel=widget star_rating=1 votes=5+` (binary counts).
  Numbers are bucketed so that a token means the same thing across items. The submitter's
  own severity is not among them: it is one bounded signal applied after the model
  (ml/rules.py), so the model cannot learn to let an exaggeration decide the priority.
- `signals`: what a triager reads in the report (ml/signals.py): `harm=data_loss`,
  `scope=everyone`, `persistence=ongoing`, `junk=junk` ... (binary counts), so how much
  each weighs on impact and urgency is learned from the labelled corpus.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from typing import Any
from weakref import WeakKeyDictionary

import numpy as np
import pandas as pd
from scipy import sparse
from sklearn.compose import ColumnTransformer
from sklearn.feature_extraction.text import CountVectorizer, TfidfVectorizer
from sklearn.utils.sparsefuncs_fast import inplace_csr_row_normalize_l2

from .signals import Signal, find_signals
from .text import clean_body, clean_title, join_text

CONTEXT_KEYS: tuple[str, ...] = (
    "channel", "kind", "survey_score", "star_rating", "votes", "customer_tier",
)
# Always present, so the context vectorizer never has an empty vocabulary; never a reason.
CONTEXT_BIAS = "ctx"
INPUT_COLUMNS: tuple[str, ...] = ("text", "title", "context", "signals")
FIRST_LINE_CHARS = 120
TITLE_WEIGHT = 0.6


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value)) or value == ""


def _bucket(key: str, value: Any) -> str:
    """Return the token value of one context field (numbers bucketed, words normalised)."""
    if key in ("star_rating", "survey_score"):
        return str(int(round(float(value))))
    if key == "votes":
        votes = int(float(value))
        return next(label for limit, label in ((0, "0"), (1, "1"), (4, "2+"), (19, "5+"))
                    if votes <= limit) if votes <= 19 else "20+"
    return "_".join(str(value).strip().lower().split())


def context_tokens(item: Mapping[str, Any]) -> str:
    """Return the space-separated `key=value` tokens for the known context fields of an item."""
    tokens = [CONTEXT_BIAS]
    for key in CONTEXT_KEYS:
        value = item.get(key)
        if _missing(value):
            continue
        try:
            tokens.append(f"{key}={_bucket(key, value)}")
        except (TypeError, ValueError):
            continue  # a malformed number in optional context must not block a prediction
    return " ".join(tokens)


def _field(item: Mapping[str, Any], key: str) -> str:
    # Records from DataFrames carry NaN for missing text; NaN is truthy.
    value = item.get(key)
    return "" if _missing(value) else str(value)


def raw_text(item: Mapping[str, Any]) -> tuple[str, str]:
    """Return (title, body) of an item as given; a bare `text` stands in for a missing one."""
    title, body = _field(item, "title"), _field(item, "body")
    if not title and not body:
        body = _field(item, "text")
    return title, body


def _row(item: Mapping[str, Any], signals: list[Signal] | None) -> tuple[str, str, str, str]:
    raw_title, raw_body = raw_text(item)
    title, body = clean_title(raw_title), clean_body(raw_body)
    short_title = title or body.split("\n", 1)[0][:FIRST_LINE_CHARS]
    if signals is None:
        signals = find_signals(raw_title, raw_body)
    tokens = " ".join([CONTEXT_BIAS, *(s.token for s in signals)])
    return join_text(title, body), short_title, context_tokens(item), tokens


def item_frame(items: Iterable[Mapping[str, Any]] | pd.DataFrame,
               signals: list[list[Signal]] | None = None) -> pd.DataFrame:
    """Return the model input frame (INPUT_COLUMNS) for item dicts or a training frame
    (`signals`: each item's find_signals, when the caller has them already)."""
    if isinstance(items, pd.DataFrame):
        items = items.to_dict("records")
    items = list(items)
    found = signals if signals is not None else [None] * len(items)
    rows = [_row(item, s) for item, s in zip(items, found)]
    return pd.DataFrame(rows, columns=list(INPUT_COLUMNS), dtype="object")


def item_columns(items: list[Mapping[str, Any]], signals: list[list[Signal]]) -> dict[str, list[str]]:
    """The columns of `item_frame` as plain lists: what prediction reads, without building a
    DataFrame (which costs more than the rest of one item's features)."""
    rows = [_row(item, s) for item, s in zip(items, signals)]
    return {name: [row[i] for row in rows] for i, name in enumerate(INPUT_COLUMNS)}


def build_features(n_rows: int | None = None) -> ColumnTransformer:
    """Return the unfitted ColumnTransformer turning an item frame into one sparse matrix."""
    # On a few dozen rows a term seen once is still worth keeping.
    min_df = 2 if n_rows is None or n_rows >= 200 else 1
    word = TfidfVectorizer(ngram_range=(1, 3), sublinear_tf=True, min_df=min_df,
                           max_df=0.9, max_features=30000, dtype=np.float32)
    char = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True,
                           min_df=min_df, max_features=20000, dtype=np.float32)
    title = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, min_df=min_df,
                            max_features=5000, dtype=np.float32)
    context = CountVectorizer(token_pattern=r"\S+", lowercase=False, binary=True,
                              dtype=np.float32)
    signals = CountVectorizer(token_pattern=r"\S+", lowercase=False, binary=True,
                              dtype=np.float32)
    return ColumnTransformer(
        [("word", word, "text"), ("char", char, "text"), ("title", title, "title"),
         ("context", context, "context"), ("signals", signals, "signals")],
        # Title words are already in `text`; a separate title block at full weight
        # over-counts them (5-fold NLBSE macro-F1: weight 1.5 .751, 1.0 .781, 0.6 .787).
        transformer_weights={"title": TITLE_WEIGHT},
        sparse_threshold=1.0,
    )


# Each fitted vectorizer's analyzer, built once (building it per call is part of the overhead).
_ANALYZERS: WeakKeyDictionary = WeakKeyDictionary()


def _counts(vectorizer: CountVectorizer, doc: str) -> tuple[list[int], list[int]]:
    """The vocabulary columns of `doc`'s terms in ascending order, and each one's count."""
    if (analyze := _ANALYZERS.get(vectorizer)) is None:
        analyze = _ANALYZERS[vectorizer] = vectorizer.build_analyzer()
    vocabulary, counts = vectorizer.vocabulary_, {}
    for term in analyze(doc):
        if (column := vocabulary.get(term)) is not None:
            counts[column] = counts.get(column, 0) + 1
    columns = sorted(counts)
    return columns, [counts[column] for column in columns]


def _fast(vectorizer: Any) -> bool:
    """Whether `_vectorize` computes this vectorizer's transform itself (the settings triage
    builds); anything else defers to scikit-learn's `transform`."""
    tfidf = getattr(vectorizer, "_tfidf", None)
    return type(vectorizer) in (CountVectorizer, TfidfVectorizer) and (
        tfidf is None or tfidf.norm in (None, "l2"))


def _weigh(vectorizer: CountVectorizer, data: np.ndarray, indices: np.ndarray) -> None:
    """Turn counts into the vectorizer's values in place: binary, sublinear tf and idf, in
    scikit-learn's order and dtype (the l2 norm is left to the caller)."""
    tfidf = getattr(vectorizer, "_tfidf", None)
    if vectorizer.binary:
        data.fill(1)
    if tfidf is not None:
        if tfidf.sublinear_tf:
            np.log(data, data)
            data += 1.0
        if hasattr(tfidf, "idf_"):
            data *= tfidf.idf_[indices]


def _vectorize(vectorizer: CountVectorizer, docs: list[str]) -> sparse.csr_matrix:
    """Return `vectorizer.transform(docs)` for the fitted Count/TfidfVectorizers triage builds,
    computed directly: the same analyzer, counts, binary, sublinear tf, idf and l2 steps in the
    same dtype and order as scikit-learn, without its per-call validation (most of the cost of
    one short document). Other settings defer to `transform`."""
    if not _fast(vectorizer):
        return vectorizer.transform(docs)
    indices, values, indptr = [], [], [0]
    for doc in docs:
        columns, counts = _counts(vectorizer, doc)
        indices += columns
        values += counts
        indptr.append(len(indices))
    X = sparse.csr_matrix((np.asarray(values, dtype=vectorizer.dtype), np.asarray(indices, dtype=np.int32),
                           np.asarray(indptr, dtype=np.int32)), shape=(len(docs), len(vectorizer.vocabulary_)))
    _weigh(vectorizer, X.data, X.indices)
    tfidf = getattr(vectorizer, "_tfidf", None)
    if tfidf is not None and tfidf.norm == "l2":
        inplace_csr_row_normalize_l2(X)
    return X


def _vectorize_one(vectorizer: CountVectorizer, doc: str) -> tuple[np.ndarray, np.ndarray]:
    """`_vectorize` of one document as its row's (columns, values), with no sparse matrix
    built: for one item scipy's constructors and checks cost more than the arithmetic."""
    columns, counts = _counts(vectorizer, doc)
    indices, data = np.asarray(columns, dtype=np.int32), np.asarray(counts, dtype=vectorizer.dtype)
    _weigh(vectorizer, data, indices)
    tfidf = getattr(vectorizer, "_tfidf", None)
    if tfidf is not None and tfidf.norm == "l2":
        # As inplace_csr_row_normalize_l2: float products summed in order in a double, each
        # value divided by the root in double and stored back in the row's dtype.
        total = float(np.cumsum((data * data).astype(np.float64))[-1]) if len(data) else 0.0
        if total != 0.0:
            data = (data.astype(np.float64) / math.sqrt(total)).astype(data.dtype)
    return indices, data


def fast_transform(features: ColumnTransformer, X: pd.DataFrame | Mapping[str, list[str]]) -> sparse.csr_matrix:
    """Return what `features.transform(X)` returns, without ColumnTransformer's per-call overhead.

    For one item the ColumnTransformer's and the vectorizers' validation and dispatch cost
    more than the arithmetic; prediction latency is on the intake path, so the fitted
    vectorizers' steps run directly (`_vectorize`) and their outputs are stacked in the same
    order. One item's row is assembled from plain arrays and built as a matrix once.
    tests/ml/test_fastpath.py checks the result equals scikit-learn's exactly.
    """
    weights = features.transformer_weights or {}
    blocks = [(name, vectorizer, list(X[column])) for name, vectorizer, column in features.transformers_
              if name != "remainder"]
    if len(blocks[0][2]) == 1 and all(_fast(vectorizer) for _, vectorizer, _ in blocks):
        return _one_row(features, blocks, weights)
    stacked = []
    for name, vectorizer, docs in blocks:
        block = _vectorize(vectorizer, docs)
        stacked.append(block * weights[name] if name in weights else block)
    return sparse.hstack(stacked, format="csr", dtype=np.float32)


def _one_row(features: ColumnTransformer, blocks: list, weights: Mapping[str, float]) -> sparse.csr_matrix:
    indices, data = [], []
    for name, vectorizer, (doc,) in blocks:
        columns, values = _vectorize_one(vectorizer, doc)
        indices.append(columns + features.output_indices_[name].start)
        data.append(values * weights[name] if name in weights else values)
    indices, data = np.concatenate(indices), np.concatenate(data).astype(np.float32)
    width = features.output_indices_[blocks[-1][0]].stop
    return sparse.csr_matrix((data, indices, np.array([0, len(indices)], dtype=np.int32)), shape=(1, width))


def readable_name(name: str) -> str:
    """Return a human-readable name for a ColumnTransformer feature name ("word__crash" ...)."""
    kind, _, term = name.partition("__")
    if kind == "char":
        return f'char:"{term}"'
    if kind == "title":
        return f"title:{term}"
    if kind == "context":
        return f"context:{term}"
    if kind == "signals":
        return f"signal:{term}"
    return term
