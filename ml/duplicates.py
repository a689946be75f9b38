"""Near-duplicate search among earlier feedback: an index you add items to and query.

Retrieval is BM25 (k1 1.2, b 0.75) over hashed word 1-2-grams (English stop words out,
the title counted twice): hashing needs no fitted vocabulary, so items are added one by
one and document frequencies stay current. The best RERANK hits by BM25 are rescored by
the cosine of their sublinear TF-IDF vectors; the final order is by BM25 + RERANK_WEIGHT x
cosine. The cosine (0..1) is the score shown, and it decides the band:

    likely    cosine >= LIKELY     ("probably the same report: suggest a merge")
    possible  cosine >= POSSIBLE   ("related, have a look")
    (none)    below: still ranked, never suggested

Thresholds are calibrated on public duplicate bug reports: the Eclipse, Firefox and Mozilla
mobile duplicate pairs of Jahan & Rahman (SANER 2023; both reports of every pair, the
later one queried against the earlier ones by id, with and without the project's Bugzilla
titles of the shared data as distractors; 8,671 queries, 57% of them with an earlier
duplicate). Of the top-1 candidates with cosine >= 0.6, 84% were a true duplicate (13% of
all duplicates reach it); >= 0.3: 64% (24%); >= 0.2: 54% (32%). Long reports rarely reach
a high cosine, so the bands are for suggestions; the ranking is what finds duplicates
(recall@10 0.73-0.91 on the same data).

Each candidate carries the phrases it shares with the query (rarest first), for the item page.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import sparse
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS, HashingVectorizer
from sklearn.utils import murmurhash3_32

from .errors import DataError
from .text import clean_body

LIKELY = 0.6
POSSIBLE = 0.3
RERANK = 50
RERANK_WEIGHT = 1.0
SHARED_PHRASES = 5
K1, B = 1.2, 0.75
N_FEATURES = 2**20
TAIL_ROWS = 4096  # items added since the last merge live in a small block rebuilt per add
_TOKEN = re.compile(r"(?u)\b[a-zA-Z0-9][a-zA-Z0-9_.]*[a-zA-Z0-9]\b")


def _ANALYZER(text: str) -> list[str]:
    """Return the words (English stop words out) and word pairs of a lower-cased text: what
    scikit-learn's word analyzer with ngram_range (1, 2) returns, in a quarter less time."""
    words = [w for w in _TOKEN.findall(text.lower()) if w not in ENGLISH_STOP_WORDS]
    return words + [f"{a} {b}" for a, b in zip(words, words[1:])]


_HASHER = HashingVectorizer(analyzer=_ANALYZER, n_features=N_FEATURES, alternate_sign=False,
                            norm=None, dtype=np.float32)


@dataclass
class Candidate:
    """An earlier item similar to the query: its id, cosine score, band and shared phrases."""

    id: object
    score: float
    band: str | None
    shared: list[str] = field(default_factory=list)


def band(score: float) -> str | None:
    """Return "likely", "possible" or None for a cosine score."""
    return "likely" if score >= LIKELY else "possible" if score >= POSSIBLE else None


def item_text(text: str, title: str | None = None) -> str:
    """Return the indexed text: the title twice (the reporter's own summary), then the body."""
    text = "" if text is None or (isinstance(text, float) and math.isnan(text)) else str(text)
    title = "" if title is None or (isinstance(title, float) and math.isnan(title)) else str(title)
    if not title:
        title, sep, rest = text.partition("\n\n")
        if not sep:
            title, rest = "", text
    else:
        rest = text[len(title):] if text.startswith(title) else text
    return f"{title}\n{title}\n{clean_body(rest)}"


class DuplicateIndex:
    """Items in the order they were added; `query` ranks the earlier ones against a text."""

    def __init__(self) -> None:
        self.ids: list = []
        self.texts: list[str] = []
        self._df = np.zeros(N_FEATURES, dtype=np.int32)
        self._lengths = np.zeros(0, dtype=np.float32)
        self._main = sparse.csc_matrix((0, N_FEATURES), dtype=np.float32)
        self._rows = sparse.csr_matrix((0, N_FEATURES), dtype=np.float32)
        self._tail: list[sparse.csr_matrix] = []
        self._tail_csc = sparse.csc_matrix((0, N_FEATURES), dtype=np.float32)

    def __len__(self) -> int:
        return len(self.ids)

    def add(self, ids: Iterable, texts: Iterable[str]) -> None:
        """Add items (texts as made by `item_text`) after the ones already indexed."""
        ids, texts = list(ids), list(texts)
        if len(ids) != len(texts):
            raise DataError("add() needs one text per id")
        if not ids:
            return
        counts = _HASHER.transform(texts).tocsr()
        self.ids += ids
        self.texts += texts
        np.add.at(self._df, counts.indices, 1)
        self._lengths = np.concatenate([self._lengths, np.asarray(counts.sum(axis=1)).ravel()])
        # One main block (column-sliceable) plus one small tail block: a query scans both.
        tail = sparse.vstack(self._tail + [counts], format="csr")
        if tail.shape[0] >= TAIL_ROWS or len(ids) >= 256:  # bulk loads go straight to main
            self._rows = sparse.vstack([self._rows, tail], format="csr")
            self._main, self._tail = self._rows.tocsc(), []
            self._tail_csc = sparse.csc_matrix((0, N_FEATURES), dtype=np.float32)
        else:
            self._tail, self._tail_csc = [tail], tail.tocsc()

    def _idf(self, cols: np.ndarray) -> np.ndarray:
        n = len(self.ids)
        df = self._df[cols]
        return np.log1p((n - df + 0.5) / (df + 0.5)).astype(np.float32)

    def _bm25(self, cols: np.ndarray, weights: np.ndarray) -> np.ndarray:
        n = len(self.ids)
        avg = float(self._lengths.mean()) if n else 1.0
        parts, offset = [], 0
        for block in (self._main, self._tail_csc):
            rows, col, tf = _postings(block, cols)
            parts.append((rows + offset, col, tf))
            offset += block.shape[0]
        rows, col, tf = (np.concatenate(p) for p in zip(*parts))
        norm = K1 * (1 - B + B * self._lengths[rows] / avg)
        return np.bincount(rows, weights[col] * tf * (K1 + 1) / (tf + norm), minlength=n)

    def _stored(self, rows: np.ndarray) -> sparse.csr_matrix:
        main = self._rows.shape[0]
        if not self._tail:
            return self._rows[rows]
        inside = rows < main
        parts = [self._rows[rows[inside]], self._tail[0][rows[~inside] - main]]
        stacked = sparse.vstack(parts, format="csr")
        # Put the rows back in the order asked for.
        where = np.concatenate([np.flatnonzero(inside), np.flatnonzero(~inside)])
        return stacked[np.argsort(where)]

    def _cosines(self, query: sparse.csr_matrix, rows: np.ndarray) -> np.ndarray:
        """Return the cosine of the query's sublinear TF-IDF vector with each stored row's."""
        stored = self._stored(rows)
        q_cols, q_w = query.indices, (1 + np.log(query.data)) * self._idf(query.indices)
        q_norm = np.sqrt(q_w @ q_w) or 1.0
        w = (1 + np.log(stored.data)) * self._idf(stored.indices)
        row = np.repeat(np.arange(len(rows)), np.diff(stored.indptr))
        norms = np.sqrt(np.bincount(row, w * w, minlength=len(rows)))
        norms[norms == 0] = 1
        # The stored terms the query holds (its columns are sorted): their weights multiply.
        at = np.minimum(np.searchsorted(q_cols, stored.indices), len(q_cols) - 1)
        shared = q_cols[at] == stored.indices
        dots = np.bincount(row[shared], w[shared] * q_w[at[shared]], minlength=len(rows))
        return dots / norms / q_norm

    def query(self, text: str, top: int = 10, before: int | None = None,
              phrases: bool = True) -> list[Candidate]:
        """Return up to `top` candidates among the first `before` items (default all), best first."""
        limit = len(self.ids) if before is None else min(before, len(self.ids))
        if limit == 0:
            return []
        query = _HASHER.transform([text]).tocsr()
        if query.nnz == 0:
            return []
        cols = query.indices
        bm25 = self._bm25(cols, self._idf(cols) * np.minimum(query.data, 3))[:limit]
        pool = min(RERANK, limit)
        best = np.argpartition(-bm25, pool - 1)[:pool]
        best = best[bm25[best] > 0]
        if not len(best):
            return []
        cos = self._cosines(query, best)
        rank = bm25[best] / bm25[best].max() + RERANK_WEIGHT * cos
        order = np.argsort(-rank, kind="stable")[:top]
        terms = set(_ANALYZER(text)) if phrases else set()
        return [Candidate(self.ids[best[i]], round(float(cos[i]), 4), band(float(cos[i])),
                          shared_phrases(terms, self.texts[best[i]], self) if phrases else [])
                for i in order]


def _postings(block: sparse.csc_matrix, cols: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return (row, position in cols, count) of every stored entry in the columns `cols` of a
    CSC block, read straight from its arrays (scipy's column indexing costs a pass over all rows)."""
    starts, lengths = block.indptr[cols], block.indptr[cols + 1] - block.indptr[cols]
    col = np.repeat(np.arange(len(cols)), lengths)
    at = np.arange(lengths.sum()) - np.repeat(np.cumsum(lengths) - lengths, lengths) + starts[col]
    return block.indices[at], col, block.data[at]


def shared_phrases(a: str | set[str], b: str, index: DuplicateIndex | None = None) -> list[str]:
    """Return up to SHARED_PHRASES word n-grams found in both texts (`a` may be given as its
    set of n-grams), rarest first; two-word phrases are picked before single words, and no
    word is used by two phrases."""
    common = (a if isinstance(a, set) else set(_ANALYZER(a))) & set(_ANALYZER(b))
    if not common:
        return []
    terms = sorted(common)
    if index is not None and len(index):
        cols = np.array([abs(murmurhash3_32(t, seed=0)) % N_FEATURES for t in terms])
        idf = dict(zip(terms, index._idf(cols).tolist()))
    else:
        idf = {t: 0.0 for t in terms}
    chosen: list[str] = []
    for term in sorted(terms, key=lambda t: (-len(t.split()), -idf[t], t)):
        if len(chosen) == SHARED_PHRASES:
            break
        if any(set(term.split()) & set(c.split()) for c in chosen):
            continue
        chosen.append(term)
    return sorted(chosen, key=lambda t: (-idf[t], -len(t.split()), t))


def _order(frame: pd.DataFrame) -> np.ndarray:
    """Return row positions in time order: by `created_at` when present (stable), else as given."""
    if "created_at" not in frame.columns:
        return np.arange(len(frame))
    when = pd.to_datetime(frame["created_at"], errors="coerce", utc=True, format="mixed")
    if when.isna().all():
        return np.arange(len(frame))
    return np.argsort(when.fillna(when.max()).to_numpy(), kind="stable")


def earlier_candidates(frame: pd.DataFrame, top: int = 10) -> list[list]:
    """Return, per row of `frame` (`id`, `text`, optional `title`, `created_at`), the ids of the
    `top` most similar earlier rows, best first."""
    titles = frame["title"] if "title" in frame.columns else [None] * len(frame)
    texts = [item_text(t, ti) for t, ti in zip(frame["text"], titles)]
    order = _order(frame)
    index = DuplicateIndex()
    index.add([frame["id"].iloc[i] for i in order], [texts[i] for i in order])
    found: list[list] = [[] for _ in range(len(frame))]
    for rank, row in enumerate(order):
        found[row] = [c.id for c in index.query(texts[row], top=top, before=rank, phrases=False)]
    return found
