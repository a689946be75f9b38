"""Themes: related feedback of one project grouped into clusters with stable ids and honest names.

A full run (`cluster`) embeds the items with TF-IDF (word 1-2-grams, English stop words
dropped, at most MAX_TERMS terms) reduced by LSA (TruncatedSVD, fitted on at most SVD_SAMPLE
items), groups them with k-means (mini-batch above 20,000 items), in one BLAS thread, leaves unthemed
the items that share no term with any other and the members far from their cluster's centre
(MEMBER_FLOOR), drops clusters smaller than MIN_SIZE (their items stay unthemed), and names each cluster by its most distinctive
phrases (class-based TF-IDF over the clusters) plus a representative quote: the member
closest to the centroid, verbatim. Nothing is invented.

Every theme also keeps a *profile*: its centroid in term space (term -> weight, top
PROFILE_TERMS terms, L2-normalised). Profiles are independent of any fitted model, so
- `assign` puts a new item into the nearest theme when the cosine of its TF-IDF vector
  (idf of the last run) with the profile reaches ASSIGN_THRESHOLD, else leaves it unthemed;
- a later run matches its new clusters to the existing themes by the Hungarian method on
  profile cosine (plus the share of a theme's old members that land in the cluster), so
  ids, PM-edited names and statuses survive. New clusters get fresh ids; unmatched themes
  that a PM edited are kept without members, unedited ones are dropped. k-means starts from
  the existing themes' profiles, so a rerun finds the same themes where the data holds them
  (starter corpus, 80% then all: 60% of items keep their theme id; 43% from a cold start).

Items are dicts (or DataFrame rows) with `id` and `text` (optional `title`).
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field

import numpy as np
import pandas as pd
from scipy import sparse
from scipy.optimize import linear_sum_assignment
from sklearn.cluster import KMeans, MiniBatchKMeans
from sklearn.decomposition import TruncatedSVD
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS, TfidfVectorizer
from sklearn.preprocessing import normalize
from threadpoolctl import threadpool_limits

from .errors import DataError
from .text import clean_body

MIN_SIZE = 3
PROFILE_TERMS = 200
# Cosine (term space) of a new item with a theme profile needed to join it: about the
# 20th percentile of members' own score. Calibrated on the starter corpus (80/20 split,
# k auto): members score p20 0.096, median 0.145 against their own profile; at 0.1, 45% of
# held-out items join a theme and 82% of those land in the same theme in the next full run
# (at 0.15: 20% join, 95% agree).
ASSIGN_THRESHOLD = 0.1
# Cosine (LSA space) of an item with its cluster's centre needed to stay a member; below it the
# item stays unthemed (see _loose_out). Members of coherent clusters score p20 0.4-0.8 on the
# demo; its catch-all cluster held items at 0-0.25.
MEMBER_FLOOR = 0.2
# Profile cosine + member overlap a new cluster needs to inherit an existing theme.
MATCH_THRESHOLD = 0.3
SVD_DIMS = 50
# LSA is fitted on a seeded sample of this many items (then every item is projected): the
# topics of 20,000 items are those of 100,000, at a fifth of the cost.
SVD_SAMPLE = 20_000
# The vocabulary keeps the most frequent terms up to this many (100,000 synthetic items use
# about 41,000; the shared data sets at most 18,000): it bounds memory, the idf file and LSA.
MAX_TERMS = 50_000
NAME_PHRASES = 3
QUOTE_CHARS = 200
UNTHEMED = -1
# BLAS and OpenMP threads for a run. One: on a loaded machine (the worker shares its cores with
# the web processes) threads that spin-wait for each other doubled a 100,000-item run
# (56-65 s against 30-40 s at a load average of 10-18 on 2 cores).
THREADS = 1
_TOKEN = re.compile(r"(?u)\b[a-zA-Z][a-zA-Z0-9]+\b")


def _analyze(text: str) -> list[str]:
    """Return the words (English stop words out) and word pairs of a lower-cased text: what
    scikit-learn's word analyzer with ngram_range (1, 2) returns, in a third less time."""
    words = [w for w in _TOKEN.findall(text.lower()) if w not in ENGLISH_STOP_WORDS]
    return words + [f"{a} {b}" for a, b in zip(words, words[1:])]


_ANALYZE = _analyze
_VECTORIZER = dict(analyzer=_analyze, sublinear_tf=True, dtype=np.float32)


@dataclass
class Theme:
    """One theme: stable id, name (auto or PM-edited), phrases, quote, members, profile."""

    id: int
    name: str
    phrases: list[str] = field(default_factory=list)
    quote: str = ""
    quote_id: object = None
    members: list = field(default_factory=list)
    profile: dict[str, float] = field(default_factory=dict)
    name_edited: bool = False
    status: str = "open"

    @property
    def size(self) -> int:
        return len(self.members)


@dataclass
class ThemeSet:
    """The result of a run: themes, each item's theme id (UNTHEMED if none), and the idf
    `assign` weighs new items with."""

    themes: list[Theme]
    labels: dict = field(default_factory=dict)
    idf: dict[str, float] = field(default_factory=dict)

    def to_dict(self) -> dict:
        """Return a JSON-ready dict (labels as [id, theme] pairs: item ids may be any type)."""
        return {"themes": [asdict(t) for t in self.themes],
                "labels": [[k, v] for k, v in self.labels.items()], "idf": self.idf}

    @classmethod
    def from_dict(cls, data: dict) -> ThemeSet:
        return cls([Theme(**t) for t in data.get("themes", [])],
                   {k: v for k, v in data.get("labels", [])}, dict(data.get("idf", {})))


def _texts(items: Iterable) -> tuple[list, list[str], list[str]]:
    """Return (ids, texts for embedding, short quotes) of items (dicts or a DataFrame)."""
    rows = items.to_dict("records") if isinstance(items, pd.DataFrame) else list(items)
    ids, texts, quotes = [], [], []
    for row in rows:
        if "id" not in row or "text" not in row:
            raise DataError("every item needs an id and a text")
        text = "" if pd.isna(row["text"]) else str(row["text"])
        title = row.get("title")
        title = "" if title is None or pd.isna(title) else str(title)
        body = clean_body(text[len(title):] if title and text.startswith(title) else text)
        ids.append(row["id"])
        # The title counts twice: it is the reporter's own summary.
        texts.append(f"{title}\n{title}\n{body}" if title else body)
        quotes.append(title or " ".join(body.split())[:QUOTE_CHARS])
    return ids, texts, quotes


def _auto_k(n: int) -> int:
    """Return the default number of clusters for n items (about sqrt(n/2), 2..200)."""
    return int(min(200, max(2, round(math.sqrt(n / 2)))))


def _embed(x: sparse.csr_matrix, seed: int) -> tuple[np.ndarray, TruncatedSVD | None]:
    dims = min(SVD_DIMS, x.shape[1] - 1, x.shape[0] - 1)
    if dims < 2:
        return x.toarray(), None
    svd = TruncatedSVD(dims, algorithm="randomized", n_iter=4, random_state=seed)
    if x.shape[0] <= SVD_SAMPLE:
        return normalize(svd.fit_transform(x)), svd
    sample = np.sort(np.random.default_rng(seed).choice(x.shape[0], SVD_SAMPLE, replace=False))
    return normalize(svd.fit(x[sample]).transform(x)), svd


def _seeds(old: Sequence[Theme], vocabulary: dict, svd: TruncatedSVD | None) -> np.ndarray:
    """Return the existing themes' profiles as points of this run's space: k-means starts
    from them, so a rerun finds the same themes where the data still holds them."""
    rows, cols, vals = [], [], []
    for r, theme in enumerate(t for t in old if t.members and t.profile):
        for term, weight in theme.profile.items():
            if term in vocabulary:
                rows.append(r), cols.append(vocabulary[term]), vals.append(weight)
    if svd is None or not rows:
        return np.zeros((0, 0))
    profiles = sparse.csr_matrix((vals, (rows, cols)), shape=(max(rows) + 1, len(vocabulary)))
    return normalize(svd.transform(profiles))


def _kmeans(points: np.ndarray, k: int, seed: int, seeds: np.ndarray) -> np.ndarray:
    if len(seeds):
        seeds = seeds[:k]
        rng = np.random.default_rng(seed)
        extra = points[rng.choice(len(points), k - len(seeds), replace=False)]
        init, n_init = np.vstack([seeds, extra]), 1
    else:
        init, n_init = "k-means++", 3
    if len(points) > 20_000:
        return MiniBatchKMeans(k, init=init, random_state=seed, n_init=n_init,
                               batch_size=4096).fit_predict(points)
    return KMeans(k, init=init, random_state=seed, n_init=n_init).fit_predict(points)


def _loose_out(points: np.ndarray, labels: np.ndarray, floor: float) -> np.ndarray:
    """Return the labels with UNTHEMED for each member whose cosine to its cluster's centre
    is below `floor`: k-means puts every item in its nearest cluster, however far, and the
    far ones gather in the least coherent cluster (its centre is the shortest), which then
    holds everything that has no close neighbour (the demo's 50-80-item "misc" theme)."""
    out = labels.copy()
    order = np.argsort(labels, kind="stable")
    starts = np.flatnonzero(np.r_[True, np.diff(labels[order]) != 0])
    for members in np.split(order, starts[1:]):
        if labels[members[0]] == UNTHEMED:
            continue
        centre = points[members].mean(axis=0)
        norm = np.linalg.norm(centre)
        sims = points[members] @ (centre / norm) if norm > 0 else np.zeros(len(members))
        out[members[sims < floor]] = UNTHEMED
    return out


def _membership(labels: np.ndarray, clusters: list[int]) -> sparse.csr_matrix:
    """Return a (clusters x items) 0/1 matrix: row r marks the members of clusters[r]."""
    mine = np.flatnonzero(labels != UNTHEMED)
    member = sparse.csr_matrix((np.ones(len(mine), dtype=np.float32), (labels[mine], mine)),
                               shape=(labels.max() + 1, len(labels)))
    return member[clusters]


def _profiles(x: sparse.csr_matrix, member: sparse.csr_matrix) -> sparse.csr_matrix:
    """Return one L2-normalised centroid row per cluster, cut to its top PROFILE_TERMS terms
    (sparse throughout: no clusters x vocabulary dense array)."""
    sums = (member @ x).tocsr()
    for r in range(sums.shape[0]):
        row = sums.data[sums.indptr[r]:sums.indptr[r + 1]]
        if len(row) > PROFILE_TERMS:
            row[row < np.partition(row, -PROFILE_TERMS)[-PROFILE_TERMS]] = 0
    sums.eliminate_zeros()
    return normalize(sums)


def _phrases(tf: sparse.csr_matrix, terms: np.ndarray) -> list[list[str]]:
    """Return each cluster's most distinctive phrases by class-based TF-IDF (BERTopic's c-TF-IDF);
    `tf` holds, per cluster and term, how many members use the term."""
    tf = tf.astype(np.float64)
    sizes = np.asarray(tf.sum(axis=1)).ravel()
    weight = np.log1p(tf.sum() / max(tf.shape[0], 1) / np.maximum(np.asarray(tf.sum(axis=0)).ravel(), 1))
    out = []
    for r in range(tf.shape[0]):
        cols, used = tf.indices[tf.indptr[r]:tf.indptr[r + 1]], tf.data[tf.indptr[r]:tf.indptr[r + 1]]
        # Only phrases used by at least two members can name a theme.
        score = np.where(used >= 2, used / max(sizes[r], 1) * weight[cols], 0)
        chosen: list[str] = []
        for j in np.argsort(-score, kind="stable")[:30]:
            term = terms[cols[j]]
            if score[j] <= 0 or len(chosen) == NAME_PHRASES:
                break
            # Skip a word already inside a chosen phrase, and a phrase whose words are chosen.
            if any(term in c.split() or set(term.split()) <= set(c.split()) for c in chosen):
                continue
            chosen = [c for c in chosen if not set(c.split()) <= set(term.split())] + [term]
        out.append(chosen)
    return out


def _profile_dict(row: sparse.csr_matrix, terms: np.ndarray) -> dict[str, float]:
    return {str(terms[j]): round(float(v), 5) for j, v in zip(row.indices, row.data) if v > 0}


def _profile_matrix(themes: Sequence[Theme], columns: dict[str, int]) -> sparse.csr_matrix:
    """Return the themes' profiles as sparse rows; new terms are added to `columns`."""
    rows, cols, vals = [], [], []
    for r, theme in enumerate(themes):
        for term, weight in theme.profile.items():
            rows.append(r), cols.append(columns.setdefault(term, len(columns))), vals.append(weight)
    return sparse.csr_matrix((vals, (rows, cols)), shape=(len(themes), max(len(columns), 1)))


def _match(new: list[Theme], old: Sequence[Theme]) -> dict[int, Theme]:
    """Return {index in new: old theme} from the Hungarian method on profile similarity."""
    if not new or not old:
        return {}
    columns: dict[str, int] = {}
    a, b = _profile_matrix(new, columns), _profile_matrix(old, columns)
    a.resize(len(new), max(len(columns), 1))
    score = (a @ b.T).toarray()
    # Plus the share of an old theme's members that the new cluster holds.
    cluster_of = {m: i for i, cand in enumerate(new) for m in cand.members}
    for j, theme in enumerate(old):
        before = set(theme.members)
        for i, count in Counter(cluster_of[m] for m in before if m in cluster_of).items():
            score[i, j] += count / len(before)
    rows, cols = linear_sum_assignment(-score)
    return {i: old[j] for i, j in zip(rows, cols) if score[i, j] >= MATCH_THRESHOLD}


def _carry_over(new: list[Theme], old: Sequence[Theme]) -> list[Theme]:
    """Give matched clusters their old theme's id (and PM name, status); fresh ids to the rest."""
    matches = _match(new, old)
    next_id = max((t.id for t in old), default=-1) + 1
    for i, theme in enumerate(new):
        before = matches.get(i)
        if before is None:
            theme.id, next_id = next_id, next_id + 1
            continue
        theme.id, theme.status, theme.name_edited = before.id, before.status, before.name_edited
        if before.name_edited:
            theme.name = before.name
    kept = {t.id for t in new}
    edited = [Theme(t.id, t.name, t.phrases, t.quote, t.quote_id, [], t.profile, t.name_edited,
                    t.status) for t in old
              if t.id not in kept and (t.name_edited or t.status != "open")]
    return new + edited


def cluster(items, existing_themes: Sequence[Theme] | ThemeSet = (), k: int | str = "auto",
            seed: int = 0) -> ThemeSet:
    """Group items into themes (at least MIN_SIZE members each) and return a ThemeSet whose
    themes keep the ids, PM names and statuses of the matching `existing_themes`."""
    with threadpool_limits(THREADS):
        return _cluster(items, existing_themes, k, seed)


def _cluster(items, existing_themes: Sequence[Theme] | ThemeSet, k: int | str, seed: int) -> ThemeSet:
    ids, texts, quotes = _texts(items)
    if isinstance(existing_themes, ThemeSet):
        existing_themes = existing_themes.themes
    if len(ids) < MIN_SIZE:
        return ThemeSet(list(existing_themes) if existing_themes else [], {i: UNTHEMED for i in ids})
    vectorizer = TfidfVectorizer(min_df=2, max_df=0.5, max_features=MAX_TERMS, **_VECTORIZER)
    try:
        x = vectorizer.fit_transform(texts)
    except ValueError:  # no word occurs twice: nothing to group
        return ThemeSet(list(existing_themes), {i: UNTHEMED for i in ids})
    terms = vectorizer.get_feature_names_out()
    n_clusters = _auto_k(len(ids)) if k == "auto" else int(k)
    points, svd = _embed(x, seed)
    # An item sharing no term with any other (an empty row) is like nothing: it stays unthemed.
    alike = np.flatnonzero(x.getnnz(axis=1) > 0)
    n_clusters = min(max(n_clusters, 1), len(alike))
    labels = np.full(len(ids), UNTHEMED)
    labels[alike] = _kmeans(points[alike], n_clusters, seed, _seeds(existing_themes, vectorizer.vocabulary_, svd))
    labels = _loose_out(points, labels, MEMBER_FLOOR)
    sizes = np.bincount(labels[labels != UNTHEMED], minlength=1)
    clusters = [c for c in range(len(sizes)) if sizes[c] >= MIN_SIZE]
    themes = []
    if clusters:
        member = _membership(labels, clusters)
        profiles = _profiles(x, member)
        counts = x.copy()
        counts.data[:] = 1  # presence per item: one loud item cannot name a theme
        phrase_lists = _phrases(member @ counts, terms)
        for row, (c, phrases) in enumerate(zip(clusters, phrase_lists)):
            members = np.flatnonzero(labels == c)
            closest = members[np.argmax(x[members] @ profiles[row].T.toarray())]
            themes.append(Theme(-1, " · ".join(phrases), phrases, quotes[closest], ids[closest],
                                [ids[m] for m in members], _profile_dict(profiles[row], terms)))
    themes = _carry_over(themes, existing_themes)
    theme_of = {m: t.id for t in themes for m in t.members}
    idf = {str(t): round(float(v), 4) for t, v in zip(terms, vectorizer.idf_)}
    return ThemeSet(themes, {i: theme_of.get(i, UNTHEMED) for i in ids}, idf)


def _query_vector(text: str, idf: dict[str, float], analyzer, unseen_idf: float) -> dict[str, float]:
    counts = Counter(analyzer(text))
    weights = {t: (1 + math.log(c)) * idf.get(t, unseen_idf) for t, c in counts.items()}
    norm = math.sqrt(sum(w * w for w in weights.values())) or 1.0
    return {t: w / norm for t, w in weights.items()}


def _postings(themes: ThemeSet) -> tuple[list[int], dict[str, list[tuple[int, float]]], float]:
    """Return (live theme ids, term -> [(position, weight)], idf of unseen terms), built once
    per ThemeSet."""
    cached = themes.__dict__.get("_postings")
    if cached is None:
        live = [t for t in themes.themes if t.members and t.profile]
        index: dict[str, list[tuple[int, float]]] = {}
        for pos, theme in enumerate(live):
            for term, weight in theme.profile.items():
                index.setdefault(term, []).append((pos, weight))
        unseen = max(themes.idf.values(), default=1.0)
        cached = themes.__dict__["_postings"] = ([t.id for t in live], index, unseen)
    return cached


def assign(new_items, themes: ThemeSet, threshold: float = ASSIGN_THRESHOLD) -> list[tuple[object, int, float]]:
    """Return (item id, theme id or UNTHEMED, similarity) per new item: the nearest theme whose
    profile cosine reaches `threshold`; themes and labels are not changed."""
    ids, texts, _ = _texts(new_items)
    live, postings, unseen = _postings(themes)
    out = []
    for item_id, text in zip(ids, texts):
        scores = np.zeros(len(live) + 1)
        for term, weight in _query_vector(text, themes.idf, _ANALYZE, unseen).items():
            for pos, profile_weight in postings.get(term, ()):
                scores[pos] += weight * profile_weight
        best = int(np.argmax(scores[:-1])) if live else 0
        score = float(scores[best])
        out.append((item_id, live[best] if live and score >= threshold else UNTHEMED, round(score, 4)))
    return out
