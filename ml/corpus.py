"""The starter corpus this project wrote (ml/corpus/*.csv, CC0): load it, check it, split it.

One CSV per product domain, columns `id, domain, channel, kind, severity, title, body,
category, impact, urgency, harm, scope, junk, split`, labelled by docs/triage-rubric.md:

- `channel`: form, widget, survey or email; `kind`: what a form's submitter picked;
  `severity`: the submitter's own felt severity (context, never a label);
- `category`, `impact`, `urgency`: the labels; `harm` (data_loss, money, security, safety,
  legal, outage, blocked, broken, slow, cosmetic, none), `scope` (everyone, many, one) and
  `junk` (0/1) are the annotations `check_labels` holds the labels against;
- `split`: train or validation, fixed in the files. `assign_split` made it once: near
  duplicates (character n-gram cosine >= NEAR_DUPLICATE) are kept on one side, so no
  validation row has a near copy in training.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.model_selection import GroupShuffleSplit

from .dataset import COLUMNS
from .errors import DataError
from .priority import priority_for
from .vocabulary import CATEGORIES, LEVELS

CORPUS_DIR = Path(__file__).resolve().parent / "corpus"
FIELDS: tuple[str, ...] = ("id", "domain", "channel", "kind", "severity", "title", "body",
                           "category", "impact", "urgency", "harm", "scope", "junk", "split")
CHANNELS = ("form", "widget", "survey", "email")
HARMS = ("data_loss", "money", "security", "safety", "legal", "outage", "blocked", "broken",
         "slow", "cosmetic", "none")
SEVERE_HARMS = ("data_loss", "money", "security", "safety", "legal", "outage")
SCOPES = ("everyone", "many", "one")
NEAR_DUPLICATE = 0.8
VALIDATION_SHARE = 0.2
SEED = 0


def read_corpus(folder: str | Path = CORPUS_DIR) -> pd.DataFrame:
    """Return every row of the corpus files as strings (empty cells ""), in file order."""
    files = sorted(Path(folder).glob("*.csv"))
    if not files:
        raise DataError(f"{folder}: no corpus files")
    frames = [pd.read_csv(f, dtype=str, keep_default_na=False) for f in files]
    raw = pd.concat(frames, ignore_index=True)
    missing = [c for c in FIELDS if c not in raw.columns and c != "split"]
    if missing:
        raise DataError(f"{folder}: corpus files lack columns {missing}")
    if "split" not in raw.columns:
        raw["split"] = ""
    return raw


def training_frame(raw: pd.DataFrame) -> pd.DataFrame:
    """Return corpus rows in ml.dataset's COLUMNS (group = domain, source "corpus"), plus
    `id`, `split` and `junk`."""
    out = pd.DataFrame(index=raw.index, columns=list(COLUMNS), dtype="object")
    for column in ("title", "body", "channel", "kind", "severity", "category", "impact", "urgency"):
        out[column] = raw[column].where(raw[column] != "", None)
    out["text"] = (raw["title"] + "\n\n" + raw["body"]).str.strip()
    out["source"], out["group"] = "corpus", raw["domain"]
    out["id"], out["split"], out["junk"] = raw["id"], raw["split"], raw["junk"] == "1"
    return out


def load_corpus(split: str | None = None, folder: str | Path = CORPUS_DIR) -> pd.DataFrame:
    """Return the corpus as a training frame; `split` "train" or "validation" keeps one side."""
    frame = training_frame(read_corpus(folder))
    return frame if split is None else frame[frame["split"] == split].reset_index(drop=True)


def check_labels(raw: pd.DataFrame) -> list[str]:
    """Return one line per row whose fields or labels break the rubric's checked rules."""
    problems = []
    seen: dict[str, str] = {}
    for row in raw.itertuples(index=False):
        def bad(message: str, row=row) -> None:
            problems.append(f"{row.id}: {message}")
        for field, allowed in (("channel", CHANNELS), ("category", CATEGORIES),
                               ("impact", LEVELS), ("urgency", LEVELS),
                               ("harm", HARMS), ("scope", SCOPES), ("junk", ("0", "1")),
                               ("split", ("train", "validation", ""))):
            if getattr(row, field) not in allowed:
                bad(f"{field} {getattr(row, field)!r} is not one of {', '.join(allowed)}")
        if row.severity not in ("", "low", "medium", "high", "critical"):
            bad(f"severity {row.severity!r}")
        if not (row.title.strip() or row.body.strip()):
            bad("no text")
        if row.id in seen:
            bad(f"id also used in {seen[row.id]}")
        seen[row.id] = row.domain
        if row.junk == "1" and (row.category, row.impact, row.urgency) != ("other", "low", "low"):
            bad("junk must be other, low, low")
        if row.category in ("feature", "question", "other") and "high" in (row.impact, row.urgency):
            bad(f"{row.category} with impact or urgency high")
        if row.harm in SEVERE_HARMS and (row.category != "bug" or row.impact != "high"
                                         or row.urgency == "low"):
            bad(f"harm {row.harm} must be a bug with impact high and urgency above low")
        if row.harm == "blocked" and row.scope in ("everyone", "many") and row.impact != "high":
            bad("blocked for everyone or many must have impact high")
        if row.harm == "cosmetic" and (row.impact != "low" or row.urgency == "high"):
            bad("cosmetic must have impact low and urgency below high")
    return problems


def _text(raw: pd.DataFrame) -> list[str]:
    return (raw["title"] + " " + raw["body"]).str.lower().tolist()


def near_duplicate_pairs(raw: pd.DataFrame, threshold: float = NEAR_DUPLICATE,
                         across_split: bool = False) -> list[tuple[int, int, float]]:
    """Return (i, j, cosine) for row pairs whose character 3-5-gram TF-IDF cosine is at
    least `threshold` (rows of 3 words or fewer are left out: "test" and "hi" recur by
    nature); with `across_split`, only pairs of a validation row and a training row."""
    words = raw["title"].str.split().str.len().fillna(0) + raw["body"].str.split().str.len().fillna(0)
    keep = np.flatnonzero(words.to_numpy() > 3)
    matrix = TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5), sublinear_tf=True).fit_transform(
        [_text(raw)[i] for i in keep])
    similarity = (matrix @ matrix.T).tocoo()
    split = raw["split"].to_numpy()
    pairs = []
    for a, b, value in zip(similarity.row, similarity.col, similarity.data):
        i, j = keep[a], keep[b]
        if i < j and value >= threshold and (not across_split or split[i] != split[j]):
            pairs.append((int(i), int(j), float(value)))
    return pairs


def assign_split(raw: pd.DataFrame, share: float = VALIDATION_SHARE, seed: int = SEED) -> pd.Series:
    """Return a train/validation label per row: near-duplicate groups stay on one side,
    about `share` of each domain goes to validation."""
    parent = list(range(len(raw)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i, j, _ in near_duplicate_pairs(raw):
        parent[find(i)] = find(j)
    groups = np.array([find(i) for i in range(len(raw))])
    split = pd.Series("train", index=raw.index)
    for _, rows in raw.groupby("domain").groups.items():
        rows = np.asarray(list(rows))
        splitter = GroupShuffleSplit(n_splits=1, test_size=share, random_state=seed)
        _, test = next(splitter.split(rows, groups=groups[rows]))
        split.iloc[rows[test]] = "validation"
    # A near-duplicate group that spans domains goes to training whole.
    mixed = pd.Series(split.to_numpy()).groupby(groups).transform(lambda s: s.nunique() > 1).to_numpy()
    split[mixed] = "train"
    return split


def summary(raw: pd.DataFrame) -> dict[str, dict[str, int]]:
    """Return row counts by domain, channel, category, priority, split, and junk."""
    priority = [priority_for(i, u) if i in ("high", "medium", "low") and u in ("high", "medium", "low")
                else "?" for i, u in zip(raw["impact"], raw["urgency"])]
    counts = {column: raw[column].value_counts().to_dict() for column in ("domain", "channel", "category",
                                                                         "split", "junk")}
    counts["priority"] = pd.Series(priority).value_counts().sort_index().to_dict()
    return counts
