"""Quality of ml/themes.py on the shared labelled data: adjusted mutual information (AMI)
between the themes of one full run (k auto) and labels that name what an item is about.

    python bench/themes_quality.py

Bugzilla titles against their product and against product/component (Eclipse, Mozilla,
NetBeans, OpenOffice: 21,500 titles), NLBSE'24 issues against their repository (5 repos,
1,500 issues), CLAP reviews against their app (705 apps, 3,000 reviews). AMI is 0 for chance
and 1 for the labels exactly; unthemed items count as one more group (as the app shows them),
and the share of items themed is printed next to it. Needs ../shared/data; writes nothing.
"""
from __future__ import annotations

import sys
import time
from pathlib import Path

import pandas as pd
from sklearn.metrics import adjusted_mutual_info_score

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from ml.themes import UNTHEMED, cluster  # noqa: E402

DATA = ROOT.parent / "shared" / "data"
SETS = (("bugzilla_severity_priority.csv", ("product", "product+component")),
        ("nlbse24_train.csv", ("repo",)), ("clap_app_reviews.csv", ("app",)))


def labels(frame: pd.DataFrame, name: str) -> pd.Series:
    parts = name.split("+")
    return frame[parts].astype(str).agg("/".join, axis=1)


def main() -> int:
    if not DATA.is_dir():
        print(f"skipped: {DATA} is absent")
        return 0
    print("| data | items | themes | themed | label | AMI | AMI themed only | seconds |\n|---|---|---|---|---|---|---|---|")
    for file, names in SETS:
        frame = pd.read_csv(DATA / file)
        rows = [{"id": i, "text": t, "title": frame["title"][i] if "title" in frame else None}
                for i, t in enumerate(frame["text"].fillna(""))]
        start = time.perf_counter()
        result = cluster(rows)
        seconds = time.perf_counter() - start
        found = pd.Series([result.labels[i] for i in range(len(rows))])
        themed = found != UNTHEMED
        live = sum(1 for t in result.themes if t.members)
        for name in names:
            truth = labels(frame, name)
            ami = adjusted_mutual_info_score(truth, found)
            ami_themed = adjusted_mutual_info_score(truth[themed], found[themed]) if themed.any() else float("nan")
            print(f"| {file} | {len(rows):,} | {live} | {themed.mean():.0%} | {name} ({truth.nunique()}) | "
                  f"{ami:.3f} | {ami_themed:.3f} | {seconds:.1f} |", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
