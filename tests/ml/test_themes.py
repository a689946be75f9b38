"""Themes: stable ids across runs, PM edits kept, minimum size, incremental assignment, CLI."""

from __future__ import annotations

import pandas as pd
import pytest

from ml.__main__ import main
from ml.themes import MIN_SIZE, UNTHEMED, ThemeSet, assign, cluster

GROUPS = {
    "login": ["Cannot log in with my password", "Login fails after password reset",
              "Password login broken since update", "Login page rejects my password",
              "Two factor login code never arrives"],
    "export": ["Export to CSV is missing columns", "CSV export file is empty",
               "Please add Excel export next to CSV export", "Export CSV takes forever",
               "Exported CSV has wrong dates"],
    "dark": ["Please add a dark mode theme", "Dark mode for night reading please",
             "The dark theme is too bright", "Dark mode toggle missing on mobile",
             "Add dark mode to the dashboard"],
}


def _items(groups=GROUPS, start=0):
    rows, n = [], start
    for name, texts in groups.items():
        for text in texts:
            rows.append({"id": f"i{n}", "text": text, "title": text, "group": name})
            n += 1
    return rows


def _by_group(result, rows):
    return {r["group"]: result.labels[r["id"]] for r in rows}


def test_related_items_share_a_theme_named_by_their_phrases_and_quote():
    rows = _items()
    result = cluster(rows, k=3)
    labels = _by_group(result, rows)
    for name in GROUPS:
        members = {result.labels[r["id"]] for r in rows if r["group"] == name}
        assert len(members) == 1 and UNTHEMED not in members
    theme = next(t for t in result.themes if t.id == labels["export"])
    assert "csv" in theme.name or "export" in theme.name
    assert theme.quote in GROUPS["export"]  # a verbatim quote, never invented text


def test_a_rerun_keeps_ids_and_the_pm_edited_name():
    rows = _items()
    first = cluster(rows, k=3)
    login = first.labels["i0"]
    edited = next(t for t in first.themes if t.id == login)
    edited.name, edited.name_edited, edited.status = "Sign-in trouble", True, "planned"
    more = rows + _items({"login": ["Login with password times out"],
                          "export": ["CSV export drops the header"]}, start=100)
    second = cluster(list(reversed(more)), existing_themes=first, k=3)
    for r in rows:
        assert second.labels[r["id"]] == first.labels[r["id"]]
    kept = next(t for t in second.themes if t.id == login)
    assert (kept.name, kept.status) == ("Sign-in trouble", "planned")


def test_clusters_smaller_than_the_minimum_stay_unthemed():
    rows = _items() + [{"id": "odd", "text": "Invoice totals round wrongly", "title": ""},
                       {"id": "odd2", "text": "Invoice totals are rounded", "title": ""}]
    result = cluster(rows, k=4)
    assert all(t.size >= MIN_SIZE for t in result.themes)
    assert result.labels["odd"] == result.labels["odd2"] == UNTHEMED


def test_a_new_item_joins_the_nearest_theme_or_waits_unthemed():
    rows = _items()
    result = cluster(rows, k=3)
    found = assign([{"id": "n1", "text": "CSV export shows wrong columns"},
                    {"id": "n2", "text": "Shipping to Norway costs too much"}], result)
    assert found[0][:2] == ("n1", result.labels["i5"])
    assert found[1][1] == UNTHEMED
    assert "n1" not in result.labels  # assign never changes the run's labels


def test_a_theme_set_survives_a_round_trip_through_a_dict():
    result = cluster(_items(), k=3)
    again = ThemeSet.from_dict(result.to_dict())
    assert again.labels == result.labels
    assert [t.name for t in again.themes] == [t.name for t in result.themes]


def test_cli_writes_a_theme_per_id(tmp_path, capsys):
    source = tmp_path / "in.csv"
    pd.DataFrame(_items()).drop(columns="group").to_csv(source, index=False)
    assert main(["themes", "--input", str(source), "--output", str(tmp_path / "out.csv"),
                 "--k", "3"]) == 0
    out = pd.read_csv(tmp_path / "out.csv")
    assert list(out.columns) == ["id", "theme"] and len(out) == 15
    assert out["theme"].nunique() == 3


@pytest.mark.parametrize("content", ["id,title\n1,no text column\n", "", "id,text\n1,a\n1,b\n"])
def test_cli_bad_input_exits_2_with_one_line(tmp_path, capsys, content):
    source = tmp_path / "in.csv"
    source.write_text(content)
    assert main(["themes", "--input", str(source), "--output", str(tmp_path / "o.csv")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err


def test_cli_rejects_a_k_that_is_not_a_number(tmp_path, capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["themes", "--input", "x.csv", "--output", "o.csv", "--k", "many"])
    assert exit_.value.code == 2
