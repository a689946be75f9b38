import json

import numpy as np
import pandas as pd

from ml import Prediction, Rulebook, TriageModel
from ml.priority import priority_for
from ml.vocabulary import CATEGORIES, LEVELS

ITEMS = [
    {"title": "Crash when I open the editor", "body": "It crashes with an error."},
    {"title": "Please add an option to export", "body": "It would be nice to export to Excel."},
    {"title": "How do I change my email?", "body": "Is there a way to change it?"},
    {"title": "Thanks", "body": "Love this app, great work!", "star_rating": 5},
]


def test_predict_returns_one_complete_prediction_per_item(small_model):
    predictions = small_model.predict(ITEMS)
    assert len(predictions) == len(ITEMS)
    for p in predictions:
        assert isinstance(p, Prediction)
        assert p.category in CATEGORIES and p.impact in LEVELS and p.urgency in LEVELS
        assert p.priority == priority_for(p.impact, p.urgency)
        for proba in (p.category_proba, p.impact_proba, p.urgency_proba):
            assert abs(sum(proba.values()) - 1) < 1e-6
        assert 0 < p.confidence <= p.category_confidence <= 1
        assert p.model_version == small_model.version
    assert small_model.predict([]) == []


def test_predict_learns_the_obvious_categories(small_model):
    assert [p.category for p in small_model.predict(ITEMS)] == [
        "bug", "feature", "question", "other"]


def test_predict_explains_with_words_from_the_text(small_model):
    (p,) = small_model.predict([{"title": "Crash", "body": "the editor crashes with an error"}])
    words = {r["feature"] for r in p.reasons if r["head"] == "category"}
    assert words & {"crash", "crashes", "error", "title:crash"}
    assert all(r["weight"] > 0 for r in p.reasons)
    weights = [r["weight"] for r in p.reasons if r["head"] == "category"]
    assert weights == sorted(weights, reverse=True) and len(weights) <= 8


def test_context_appears_in_reasons_when_it_helps(small_frame):
    df = small_frame
    df["star_rating"] = np.where(df["category"] == "other", 5, 1)
    model = TriageModel.fit(df)
    (p,) = model.predict([{"title": "Hello", "body": "hello there", "star_rating": 5}])
    assert p.category == "other"
    assert any(r["feature"] == "context:star_rating=5" for r in p.reasons)


def test_prediction_to_dict_is_json_serialisable(small_model):
    data = small_model.predict(ITEMS[:1])[0].to_dict()
    assert json.loads(json.dumps(data)) == data
    assert set(data) >= {"category", "category_proba", "impact", "urgency", "priority",
                         "tags", "confidence", "reasons", "model_version"}


def test_tags_are_predicted_only_when_sure(small_model):
    predictions = small_model.predict([
        {"title": "", "body": "The app drains my battery, battery drain all night"},
        {"title": "Please add dark mode", "body": "would be nice"}])
    assert "energy" in predictions[0].tags
    assert predictions[1].tags == []


def test_head_without_labels_falls_back_to_rules(small_frame):
    small_frame["urgency"] = None
    model = TriageModel.fit(small_frame)
    assert model.metadata["untrained_heads"] == ["urgency"]
    (p,) = model.predict([{"title": "Production down", "body": "the site is down, outage"}])
    assert p.urgency == "high" and p.category == "bug"
    assert "rule outage" in p.why


def test_tiny_data_with_one_class_does_not_crash():
    df = pd.DataFrame({
        "title": [f"Report {i}" for i in range(30)],
        "body": [f"something {'broke' if i % 2 else 'failed'} on page {i}" for i in range(30)],
        "category": ["bug"] * 30,
        "impact": ["high"] + ["low"] * 29,
        "urgency": [None] * 30,
    })
    model = TriageModel.fit(df)
    assert model.metadata["calibration"]["category"] == "constant"
    assert model.metadata["calibration"]["impact"] == "none"
    predictions = model.predict([{"title": "New", "body": "it broke"}, {"title": "", "body": ""}])
    assert [p.category for p in predictions] == ["bug", "other"]  # an empty report is junk
    assert predictions[1].junk
    assert all(p.impact in LEVELS and p.priority for p in predictions)


def test_corrections_with_weight_teach_a_new_kind(small_frame):
    billing = [
        ("Charged twice this month", "My card was charged twice for one invoice."),
        ("Refund for duplicate payment", "I paid the invoice two times and want a refund."),
        ("Invoice shows wrong amount", "The invoice amount does not match my plan."),
        ("Billing address on invoice", "The invoice has my old billing address."),
        ("VAT missing from invoice", "The invoice lacks the VAT number of my company."),
    ]
    new_items = [{"title": "Double charge on my card", "body": "I was charged twice, refund please."},
                 {"title": "Invoice amount wrong", "body": "My invoice shows the wrong amount."}]
    before = TriageModel.fit(small_frame).predict(new_items)
    assert [p.category for p in before] != ["question", "question"]  # a kind it does not know
    corrections = pd.DataFrame(billing, columns=["title", "body"]).assign(category="question")
    df = pd.concat([small_frame, corrections], ignore_index=True)
    weights = [1.0] * len(small_frame) + [5.0] * len(corrections)
    # The model learns it; the default rule harm_is_a_bug (a double charge is a bug) would
    # overrule a team that files these as questions, so such a team switches it off.
    no_category_rule = Rulebook(disabled=["harm_is_a_bug"])
    after = TriageModel.fit(df, sample_weight=weights).predict(new_items, no_category_rule)
    assert [p.category for p in after] == ["question", "question"]


def test_sample_weight_changes_the_model(small_frame):
    plain = TriageModel.fit(small_frame)
    weights = np.where(small_frame["category"] == "feature", 20.0, 1.0)
    weighted = TriageModel.fit(small_frame, sample_weight=weights)
    item = [{"title": "Export", "body": "the export of reports"}]
    assert (weighted.predict(item)[0].category_proba["feature"]
            > plain.predict(item)[0].category_proba["feature"])
    assert weighted.metadata["weighted"] and weighted.version != plain.version


def test_impact_decision_corrects_for_the_default_label(small_model):
    priors = small_model.metadata["priors"]
    assert set(priors) == {"impact", "urgency"}
    assert abs(sum(priors["impact"].values()) - 1) < 1e-9
    model = TriageModel(small_model.heads, small_model.tag_names,
                        {**small_model.metadata,
                         "priors": {"impact": {"high": 0.1, "medium": 0.1, "low": 0.8}}})
    proba = np.array([0.3, 0.6, 0.1])
    assert model._decide("impact", proba, ["high", "low", "medium"]) == 0
    assert model._decide("category", proba, ["bug", "feature", "other"]) == 1


def test_records_with_missing_values_from_a_data_frame_are_accepted(small_model):
    records = pd.DataFrame({"title": ["Crash on save", np.nan], "body": [np.nan, "please add"],
                            "star_rating": [np.nan, 4.0], "severity": [np.nan, "high"]})
    predictions = small_model.predict(records.to_dict("records"))
    assert predictions[0].category == "bug" and len(predictions) == 2
    from ml import KeywordRules
    # "please add" is an idea: the severity raises it from medium, but an idea never to high
    assert KeywordRules().predict(records.to_dict("records"))[1].urgency == "medium"
