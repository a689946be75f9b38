"""Duplicates: earlier-only candidates, scores and bands, shared phrases, incremental index, CLI."""

from __future__ import annotations

import pandas as pd
import pytest

from ml.__main__ import main
from ml.duplicates import LIKELY, POSSIBLE, DuplicateIndex, band, earlier_candidates, item_text

REPORTS = [
    ("a", "Export to CSV drops the header row", "The exported CSV file has no header row."),
    ("b", "Dark mode is too bright", "The dark theme still uses a white sidebar."),
    ("c", "Login fails with SSO", "Single sign on login returns error 403 for our team."),
    ("d", "CSV export missing header row", "When I export to CSV the header row is gone."),
    ("e", "Push notifications arrive twice", "Every push notification shows up two times."),
]


def _frame(rows=REPORTS):
    return pd.DataFrame({"id": [r[0] for r in rows], "title": [r[1] for r in rows],
                         "text": [f"{r[1]}\n\n{r[2]}" for r in rows]})


def test_candidates_are_only_earlier_rows_best_first():
    found = earlier_candidates(_frame(), top=3)
    assert found[0] == []  # the first row has nothing before it
    assert found[3][0] == "a"  # d repeats a
    for n, ids in enumerate(found):
        assert set(ids) <= {r[0] for r in REPORTS[:n]}


def test_created_at_decides_what_is_earlier():
    frame = _frame()
    frame["created_at"] = ["2024-01-05", "2024-01-02", "2024-01-03", "2024-01-01", "2024-01-04"]
    found = dict(zip(frame["id"], earlier_candidates(frame, top=3)))
    assert found["d"] == []  # d came first in time
    assert found["a"][0] == "d"


def test_a_close_repeat_is_likely_and_names_the_phrases_it_shares():
    index = DuplicateIndex()
    index.add([r[0] for r in REPORTS[:3]], [item_text(f"{r[1]}\n\n{r[2]}") for r in REPORTS[:3]])
    best = index.query(item_text("Export to CSV drops the header row\n\nThe CSV file has no "
                                 "header row at all."))[0]
    assert best.id == "a" and best.band == "likely" and best.score >= LIKELY
    assert any("header" in phrase for phrase in best.shared)
    words = [w for phrase in best.shared for w in phrase.split()]
    assert len(words) == len(set(words))  # no word repeated across the phrases


def test_an_unrelated_item_gets_no_band():
    index = DuplicateIndex()
    index.add(["b"], [item_text("Dark mode is too bright\n\nThe dark theme uses a white sidebar.")])
    found = index.query(item_text("Refund for a double charge\n\nI was charged twice, the sidebar says"))
    assert all(c.band is None for c in found)


def test_bands_follow_the_documented_thresholds():
    assert band(LIKELY) == "likely"
    assert band((LIKELY + POSSIBLE) / 2) == "possible"
    assert band(POSSIBLE - 0.01) is None


def test_items_added_one_by_one_are_found_like_a_bulk_load():
    one_by_one, bulk = DuplicateIndex(), DuplicateIndex()
    texts = [item_text(f"{r[1]}\n\n{r[2]}") for r in REPORTS]
    for r, text in zip(REPORTS, texts):
        one_by_one.add([r[0]], [text])
    bulk.add([r[0] for r in REPORTS], texts)
    query = item_text("Notifications arrive two times\n\nEach push is shown twice.")
    assert [c.id for c in one_by_one.query(query)] == [c.id for c in bulk.query(query)]
    assert one_by_one.query(query)[0].id == "e"


def test_cli_writes_earlier_candidates_joined_by_bars(tmp_path):
    source, out = tmp_path / "in.csv", tmp_path / "out.csv"
    _frame().to_csv(source, index=False)
    assert main(["duplicates", "--input", str(source), "--output", str(out), "--top", "2"]) == 0
    written = pd.read_csv(out, dtype=str, keep_default_na=False)
    assert list(written.columns) == ["id", "candidates"]
    assert written["candidates"][0] == "" and written["candidates"][3].split("|")[0] == "a"
    assert all(len(c.split("|")) <= 2 for c in written["candidates"])


@pytest.mark.parametrize("content", ["id,title\n1,no text\n", "text\nonly text\n", "id,text\n,empty id\n"])
def test_cli_bad_input_exits_2_with_one_line(tmp_path, capsys, content):
    source = tmp_path / "in.csv"
    source.write_text(content)
    assert main(["duplicates", "--input", str(source), "--output", str(tmp_path / "o.csv")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err


def test_cli_rejects_top_below_one(tmp_path, capsys):
    source = tmp_path / "in.csv"
    _frame().to_csv(source, index=False)
    assert main(["duplicates", "--input", str(source), "--output", "-", "--top", "0"]) == 2
