"""The insights' pure transforms, on small hand-built frames (no database, no app)."""
import csv
import io
from datetime import date, datetime, timedelta, timezone

import pandas as pd

from triage.services.insights import figures
from triage.services.insights.figures import SpikeRule, Weights

TODAY = date(2026, 11, 26)


def at(day: date, hour: int = 12) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=timezone.utc)


def items_frame(rows):
    columns = ["project_id", "created_at", "theme_id", "category", "priority", "vote_count", "reporter", "tier",
               "nps", "csat"]
    return pd.DataFrame(rows, columns=columns)


def daily(rows):
    base = {"project_id": 1, "category": "bug", "priority": "P3", "reporters": 1, "votes": 0, "tiers": {},
            "promoters": 0, "detractors": 0, "nps_answers": 0, "csat_good": 0, "csat_answers": 0}
    return pd.DataFrame([{**base, **row} for row in rows])


def test_daily_records_count_each_reporter_once_per_group_with_tier_and_scores():
    nan = float("nan")
    frame = items_frame([
        (1, at(TODAY, 9), 7, "bug", "P1", 2, "a@x", "enterprise", 10, nan),
        (1, at(TODAY, 10), 7, "bug", "P1", 1, "a@x", "enterprise", 10, nan),
        (1, at(TODAY, 11), 7, "bug", "P1", 0, "b@x", None, 3, 5),
        (1, at(TODAY, 11), None, None, None, 0, "#9", None, nan, nan),
    ])
    records = figures.daily_records(frame)
    assert len(records) == 2
    themed = next(r for r in records if r["theme_id"] == 7)
    assert (themed["count"], themed["reporters"], themed["votes"]) == (3, 2, 3)
    assert themed["tiers"] == {"enterprise": 1}  # the untiered reporter counts in reporters only
    assert (themed["promoters"], themed["detractors"], themed["nps_answers"]) == (1, 1, 2)
    assert (themed["csat_good"], themed["csat_answers"]) == (1, 1)
    loose = next(r for r in records if r["theme_id"] is None)
    assert (loose["category"], loose["priority"], loose["count"], loose["day"]) == (None, None, 1, TODAY)


def test_daily_records_of_nothing_is_empty():
    assert figures.daily_records(items_frame([])) == []


def test_pct_change_and_trend_factor():
    assert figures.pct_change(15, 10) == 50.0
    assert figures.pct_change(5, 10) == -50.0
    assert figures.pct_change(3, 0) is None
    assert figures.trend_factor(9, 9) == 1.0
    assert figures.trend_factor(100, 0) == 2.0  # bounded
    assert figures.trend_factor(0, 100) == 0.5


def test_theme_figures_compare_periods_and_rank_by_reach_severity_trend():
    rows = daily([
        {"day": TODAY, "theme_id": 1, "count": 4, "reporters": 3, "votes": 2, "tiers": {"enterprise": 1},
         "priority": "P1"},
        {"day": TODAY - timedelta(days=8), "theme_id": 1, "count": 2, "reporters": 2},
        {"day": TODAY - timedelta(days=1), "theme_id": 2, "count": 5, "reporters": 5,
         "priority": "P5"},
        {"day": TODAY, "theme_id": None, "count": 50, "reporters": 50},
    ])
    weights = Weights(vote_weight=0.5, tier_weights={"enterprise": 3.0})
    found = figures.theme_figures(rows, TODAY, 7, weights)
    assert [r["theme_id"] for r in found] == [1, 2]
    first = found[0]
    assert (first["volume"], first["previous"], first["change"]) == (4, 2, 100.0)
    assert first["reach"] == 2 * 1 + 3.0 + 0.5 * 2  # two untiered, one enterprise, two votes
    assert first["severity"] == 5.0
    assert first["trend"] == round(5 / 3, 2)
    assert first["impact"] == round(6.0 * 5.0 * round(5 / 3, 2), 1)
    assert first["series"] == [0, 0, 0, 0, 0, 0, 4]
    assert first["categories"] == {"bug": 4} and first["priorities"] == {"P1": 4}
    second = found[1]
    assert (second["severity"], second["previous"], second["change"], second["trend"]) == (1.0, 0, None, 2.0)


def test_survey_scores_are_nps_and_csat_of_the_reporters_with_answers():
    rows = daily([{"day": TODAY, "theme_id": 1, "count": 3, "promoters": 2, "detractors": 1, "nps_answers": 4,
                   "csat_good": 1, "csat_answers": 2}])
    assert figures.survey_scores(rows) == {"nps": 25.0, "csat": 50.0, "nps_answers": 4, "csat_answers": 2}
    assert figures.survey_scores(daily([{"day": TODAY, "theme_id": 1, "count": 1}]))["nps"] is None


def test_sparkline_points_span_the_width_with_the_maximum_on_top():
    points = figures.sparkline_points([0, 5, 10], width=100, height=22)
    assert points == "0.0,21.0 50.0,11.0 100.0,1.0"
    assert figures.sparkline_points([]) == ""
    assert figures.sparkline_points([0, 0], width=100, height=22) == "0.0,21.0 100.0,21.0"


def counts(history: list[int], key="theme:1"):
    start = TODAY - timedelta(days=len(history) - 1)
    return pd.DataFrame([{"key": key, "day": start + timedelta(days=i), "count": n} for i, n in enumerate(history)])


def test_a_day_far_above_its_baseline_is_a_spike():
    found = figures.spike_scores(counts([1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 12]), TODAY, SpikeRule())
    assert found[0]["spike"] and found[0]["count"] == 12 and found[0]["mean"] == 1.5
    assert found[0]["z"] == round((12 - 1.5) / 1.0, 2)  # std 0.5 is floored at 1


def test_spike_floors_history_and_recent_count():
    rule = SpikeRule()
    assert figures.spike_scores(counts([1, 1, 1, 12]), TODAY, rule) == []  # 3 baseline days < 7
    assert figures.spike_scores(counts([0] * 10 + [4]), TODAY, rule) == []  # 4 items < 5
    steady = figures.spike_scores(counts([5, 9, 4, 10, 6, 8, 5, 9, 7]), TODAY, rule)
    assert steady and not steady[0]["spike"]


def test_missing_days_count_as_zeros_in_the_baseline():
    sparse = pd.DataFrame([{"key": "k", "day": TODAY - timedelta(days=10), "count": 3},
                           {"key": "k", "day": TODAY, "count": 9}])
    found = figures.spike_scores(sparse, TODAY, SpikeRule())
    assert found[0]["mean"] == 0.3 and found[0]["spike"]


def test_neutralise_prefixes_formula_cells_only():
    frame = pd.DataFrame({"title": ["=HYPERLINK(1)", "+1", "-2", "@SUM", "\tx", "\rx", "fine", "a=b"], "n": range(8)})
    out = [row[0] for row in csv.reader(io.StringIO(figures.safe_csv(frame), newline=""))]
    assert out[1:] == ["'=HYPERLINK(1)", "'+1", "'-2", "'@SUM", "'\tx", "'\rx", "fine", "a=b"]


def test_volume_table_has_every_day_and_value():
    rows = daily([{"day": TODAY, "theme_id": 1, "count": 2, "category": "bug"},
                  {"day": TODAY, "theme_id": None, "count": 1, "category": None},
                  {"day": TODAY - timedelta(days=2), "theme_id": 2, "count": 3, "category": "feature"},
                  {"day": TODAY - timedelta(days=9), "theme_id": 2, "count": 7, "category": "feature"}])
    table = figures.volume_table(rows, "category", TODAY, 3)
    assert list(table.columns) == ["bug", "feature", "unclassified"]
    assert table.to_dict("list") == {"bug": [0, 0, 2], "feature": [3, 0, 0], "unclassified": [0, 0, 1]}
    assert figures.volume_table(rows.iloc[0:0], "category", TODAY, 3).shape == (3, 0)


def test_survey_table_scores_each_week():
    frame = pd.DataFrame([(at(TODAY), "nps", 10), (at(TODAY), "nps", 3), (at(TODAY), "csat", 5),
                          (at(TODAY - timedelta(days=7)), "csat", 2)], columns=["created_at", "kind", "score"])
    table = figures.survey_table(frame)
    assert table["nps"].tolist()[1] == 0.0 and table["csat"].tolist() == [0.0, 100.0]
    assert pd.isna(table["nps"].tolist()[0]) and table["nps_answers"].tolist() == [0, 2]


def test_sla_table_shares_only_decided_deadlines():
    counts = pd.DataFrame([{"team": "Support", "first_response_met": 3, "first_response_missed": 1,
                            "resolution_met": 0, "resolution_missed": 0}])
    table = figures.sla_table(counts)
    assert table["first_response_share"].tolist() == [75.0] and pd.isna(table["resolution_share"].iloc[0])


def test_day_runs_group_nearby_days_up_to_a_month():
    from triage.services.insights.aggregates import day_runs

    days = [TODAY - timedelta(days=n) for n in (0, 1, 2, 10, 40, 41)]
    assert day_runs(days) == [[TODAY - timedelta(days=41), TODAY - timedelta(days=40)],
                              [TODAY - timedelta(days=10)], [TODAY - timedelta(days=2), TODAY - timedelta(days=1), TODAY]]
    month = [TODAY + timedelta(days=n) for n in range(40)]
    assert [len(run) for run in day_runs(month)] == [31, 9]
