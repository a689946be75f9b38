"""The starter corpus: labelled by the rubric, split without leaks, and a model trained on it
that holds the issue's floors on the validation split it never saw."""
import pytest

from ml.corpus import check_labels, load_corpus, near_duplicate_pairs, read_corpus
from ml.model import TriageModel
from ml.validate import holdout_scores


@pytest.fixture(scope="module")
def raw():
    return read_corpus()


def test_corpus_is_large_varied_and_follows_the_rubric(raw):
    assert len(raw) >= 1500
    assert raw["domain"].nunique() >= 8
    assert set(raw["channel"]) == {"form", "widget", "survey", "email"}
    assert set(raw["category"]) == {"bug", "feature", "question", "other"}
    assert (raw["junk"] == "1").sum() >= 50
    assert check_labels(raw) == []


def test_no_validation_row_has_a_near_copy_in_training(raw):
    assert set(raw["split"]) == {"train", "validation"}
    assert 0.15 <= (raw["split"] == "validation").mean() <= 0.25
    assert near_duplicate_pairs(raw, across_split=True) == []


def test_the_label_check_catches_what_the_rubric_forbids(raw):
    broken = raw.head(3).copy()
    broken.loc[broken.index[0], ["junk", "category"]] = ["1", "bug"]
    broken.loc[broken.index[1], ["harm", "impact"]] = ["money", "low"]
    broken.loc[broken.index[2], ["category", "urgency"]] = ["feature", "high"]
    problems = check_labels(broken)
    assert {p.split(":")[0] for p in problems} == set(broken["id"])
    assert "junk must be" in problems[0] and any("feature with impact or urgency high" in p for p in problems)


@pytest.mark.slow
def test_a_model_trained_on_the_corpus_holds_the_floors_on_its_validation_split():
    corpus = load_corpus()
    model = TriageModel.fit(corpus[corpus["split"] == "train"])
    report = holdout_scores(model, corpus[corpus["split"] == "validation"])
    assert report["priority"]["critical_recall"] >= 0.9
    assert report["priority"]["false_alarm"] <= 0.1
    assert report["category"]["macro_f1"] >= 0.85
    assert report["junk"]["recall"] >= 0.8 and report["junk"]["precision"] >= 0.8
