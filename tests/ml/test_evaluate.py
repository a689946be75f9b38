import pytest

from ml.evaluate import evaluation_report, format_report, reliability_table


def test_evaluation_report_scores_each_class_and_counts_confusions():
    report = evaluation_report(["bug", "bug", "feature", "question"],
                               ["bug", "feature", "feature", "question"],
                               [0.9, 0.6, 0.8, 0.7])
    assert report["per_class"]["bug"] == pytest.approx(
        {"precision": 1.0, "recall": 0.5, "f1": 2 / 3, "support": 2})
    assert report["confusion"]["labels"] == ["bug", "feature", "question"]
    assert report["confusion"]["matrix"][0] == [1, 1, 0]
    assert report["macro_f1"] == pytest.approx((2 / 3 + 2 / 3 + 1) / 3)
    assert sum(row["count"] for row in report["reliability"]) == 4
    assert "macro-F1" in format_report("category", report)


def test_reliability_table_compares_probability_with_accuracy():
    table = reliability_table([True] * 9 + [False], [0.95] * 10)
    assert len(table) == 1
    assert table[0]["accuracy"] == pytest.approx(0.9)
    assert table[0]["mean_probability"] == pytest.approx(0.95)


def test_labels_never_predicted_do_not_warn():
    report = evaluation_report(["high", "low"], ["low", "low"], labels=["high", "medium", "low"])
    assert report["per_class"]["high"]["precision"] == 0.0
    assert "reliability" not in report
