"""Load labelled feedback into one normalised DataFrame for training and evaluation.

Every loader returns the columns in `COLUMNS`:

- `text` (title + blank line + body), `title`, `body`;
- context, None where unknown: `channel`, `kind`, `severity` (as felt by the submitter,
  never a tracker's severity label), `survey_score`, `star_rating`, `votes`, `customer_tier`;
- labels, None where the source does not label them: `category`, `impact`, `urgency`, and
  `tags` as a "|"-joined string ("" = labelled, no aspect; None = not labelled);
- `source` (file name) and `group` (repository, app or project, for grouped CV).

Each head is later trained only on the rows that carry its label. The label mapping
(severity/priority -> impact/urgency, category synonyms) lives in `ml/labels.py`.

Recipe for the shared data folder (`../shared/data`, see its README):

- `nlbse24_train.csv`: `label` bug/feature/question -> category; group = `repo`.
- `clap_app_reviews.csv`: `label_3class` bug/feature/other -> category; the fine labels
  performance/usability/energy/security -> tags (other reviews: no tag); `star_rating` is
  context (the app stores give it); channel `review`; group = `app`. Reviews have no title.
- `gitbugs_hadoop_priority.csv`: Jira `priority` -> impact and urgency (blocker, critical
  high; major medium; minor, trivial low = the file's `priority_3`). All rows are bugs,
  but their category is left unlabelled: 2,500 extra bugs from one tracker would only
  skew the category prior.
- `bugzilla_severity_priority.csv`: titles only. `severity` -> impact, `priority` ->
  urgency; group = `project`. `label` bug/enhancement -> category only with
  `bugzilla_category=True`: off by default because it hurts (bench/ml.py --quality:
  NLBSE 5-fold macro-F1 .78 without, .70 with 21,500 one-line Bugzilla titles added).

Tracker severity/priority are labels, never context: feeding them as features would leak
the answer into the impact and urgency heads.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import pandas as pd

from .errors import DataError
from .labels import CATEGORY_SYNONYMS, impact_and_urgency, map_values
from .prediction import TAGS
from .text import split_text

CONTEXT_COLUMNS: tuple[str, ...] = (
    "channel", "kind", "severity", "survey_score", "star_rating", "votes", "customer_tier",
)
LABEL_COLUMNS: tuple[str, ...] = ("category", "impact", "urgency", "tags")
COLUMNS: tuple[str, ...] = (
    "text", "title", "body", *CONTEXT_COLUMNS, *LABEL_COLUMNS, "source", "group",
)
SHARED_FILES: tuple[str, ...] = (
    "nlbse24_train.csv", "clap_app_reviews.csv",
    "gitbugs_hadoop_priority.csv", "bugzilla_severity_priority.csv",
)
_LABEL_INPUTS = ("label", "category", "impact", "urgency", "priority", "severity", "tags")


def read_csv(path: str | Path) -> pd.DataFrame:
    """Read a UTF-8 CSV with a `text` column as strings; raise DataError if unreadable or empty."""
    path = Path(path)
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[""])
    except FileNotFoundError:
        raise DataError(f"{path}: no such file") from None
    except (OSError, UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise DataError(f"{path}: cannot read as CSV ({exc.__class__.__name__}: {exc})") from None
    if "text" not in frame.columns:
        raise DataError(f"{path}: no 'text' column (columns: {', '.join(frame.columns)})")
    if frame.empty:
        raise DataError(f"{path}: no rows")
    frame = frame.astype("object").where(frame.notna(), None)
    frame["text"] = frame["text"].fillna("")
    return frame


def _frame(raw: pd.DataFrame, source: str, group: Iterable | str) -> pd.DataFrame:
    """Return a frame with COLUMNS, filled from whatever `raw` already has."""
    out = pd.DataFrame(index=raw.index, columns=list(COLUMNS), dtype="object")
    for column in COLUMNS:
        if column in raw.columns:
            out[column] = raw[column].astype("object")
    out["source"] = source
    out["group"] = group if isinstance(group, str) else list(group)
    return out.where(out.notna(), None)


def _title_and_body(raw: pd.DataFrame) -> tuple[list[str], list[str]]:
    """Return titles and bodies: the `title` column when present, else split `text`."""
    if "title" not in raw.columns:
        pairs = [split_text(text) for text in raw["text"]]
        return [t for t, _ in pairs], [b for _, b in pairs]
    titles, bodies = [], []
    for title, text in zip(raw["title"].fillna(""), raw["text"]):
        body = text[len(title):].lstrip("\n") if title and text.startswith(title) else text
        titles.append(title)
        bodies.append(body if body != title else "")
    return titles, bodies


def _nlbse(raw: pd.DataFrame, name: str) -> pd.DataFrame:
    out = _frame(raw.drop(columns=["title"]), name, raw["repo"])
    out["title"], out["body"] = _title_and_body(raw)
    out["category"] = map_values(raw["label"], CATEGORY_SYNONYMS, "label")
    return out


def _clap(raw: pd.DataFrame, name: str) -> pd.DataFrame:
    out = _frame(raw[["text", "star_rating"]], name, raw["app"])
    out["title"], out["body"] = "", raw["text"]
    out["channel"] = "review"  # an app-store review: like a widget message, it rarely asks a question
    out["category"] = map_values(raw["label_3class"], CATEGORY_SYNONYMS, "label_3class")
    out["tags"] = raw["label"].map(lambda v: v if v in TAGS else "")
    return out


def _hadoop(raw: pd.DataFrame, name: str) -> pd.DataFrame:
    out = _frame(raw[["text"]], name, "apache/hadoop")
    out["title"], out["body"] = _title_and_body(raw)
    out["impact"], out["urgency"] = impact_and_urgency(raw[["priority"]])
    return out


def _bugzilla(raw: pd.DataFrame, name: str, with_category: bool) -> pd.DataFrame:
    out = _frame(raw[["text"]], name, raw["project"])
    out["title"], out["body"] = raw["text"], ""
    out["impact"], out["urgency"] = impact_and_urgency(raw[["severity", "priority"]])
    if with_category:
        out["category"] = map_values(raw["label"], CATEGORY_SYNONYMS, "label")
    return out


def load_shared_file(path: Path, bugzilla_category: bool = False) -> pd.DataFrame:
    """Load one of SHARED_FILES following the recipe in this module's docstring."""
    raw = read_csv(path)
    loaders = {
        "nlbse24_train.csv": _nlbse, "clap_app_reviews.csv": _clap,
        "gitbugs_hadoop_priority.csv": _hadoop,
    }
    if path.name == "bugzilla_severity_priority.csv":
        return _bugzilla(raw, path.name, bugzilla_category)
    return loaders[path.name](raw, path.name)


def load_csv(path: str | Path) -> pd.DataFrame:
    """Load any CSV with `text` and label columns (label/category, impact, urgency, priority,
    severity, tags "|"-joined); unknown label values or no label column raise DataError."""
    path = Path(path)
    raw = read_csv(path)
    if not any(c in raw.columns for c in _LABEL_INPUTS):
        raise DataError(f"{path}: no label column; expected one of {', '.join(_LABEL_INPUTS)}")
    context = [c for c in CONTEXT_COLUMNS if c in raw.columns and c != "severity"]
    out = _frame(raw[["text", *context]], path.name, raw.get("group", path.stem))
    out["title"], out["body"] = _title_and_body(raw)
    try:
        label = "label" if "label" in raw.columns else "category"
        if label in raw.columns:
            out["category"] = map_values(raw[label], CATEGORY_SYNONYMS, label)
        out["impact"], out["urgency"] = impact_and_urgency(raw)
    except ValueError as exc:
        raise DataError(f"{path}: {exc}") from None
    if "tags" in raw.columns:
        out["tags"] = raw["tags"].fillna("")
    return out


def load_training_data(data_dir: str | Path | None = None, files: Iterable[str | Path] = (),
                       *, bugzilla_category: bool = False) -> pd.DataFrame:
    """Return one frame (COLUMNS) from the shared files found in `data_dir` plus any CSV `files`."""
    frames = []
    if data_dir is not None:
        data_dir = Path(data_dir)
        if not data_dir.is_dir():
            raise DataError(f"{data_dir}: no such data directory")
        found = [data_dir / name for name in SHARED_FILES if (data_dir / name).is_file()]
        if not found:
            raise DataError(f"{data_dir}: none of {', '.join(SHARED_FILES)} found")
        frames += [load_shared_file(path, bugzilla_category) for path in found]
    frames += [load_csv(path) for path in files]
    if not frames:
        raise DataError("no training data: give a data directory and/or CSV files")
    return pd.concat(frames, ignore_index=True)
