import json

import pytest

from ml import DEFAULT_RULES, KeywordRules


def test_keyword_rules_classify_obvious_feedback():
    items = [{"title": "App crashes on start", "body": ""},
             {"title": "Please add dark mode", "body": "would be nice"},
             {"title": "Export", "body": "How do I export my data?"},
             {"title": "Thanks", "body": "great app, love it"}]
    assert [p.category for p in KeywordRules().predict(items)] == [
        "bug", "feature", "question", "other"]


def test_keyword_rules_give_low_confidence_and_name_the_rule():
    (prediction,) = KeywordRules().predict([{"title": "Crash", "body": "it crashed"}])
    assert prediction.model_version == "rules"
    assert prediction.confidence <= 0.5
    assert any(r["head"] == "category" and "rule:" in r["feature"] for r in prediction.reasons)


def test_nothing_matched_gives_other_and_medium():
    (prediction,) = KeywordRules().predict([{"title": "Lorem", "body": "ipsum"}])
    assert (prediction.category, prediction.impact, prediction.urgency) == (
        "other", "medium", "medium")
    assert prediction.priority == "P3"


def test_urgent_words_and_submitter_severity_raise_urgency():
    rules = KeywordRules()
    (urgent,) = rules.predict([{"title": "Production down", "body": "outage, urgent"}])
    (felt,) = rules.predict([{"title": "Color", "body": "odd", "severity": "critical"}])
    assert urgent.urgency == "high" and urgent.impact == "high"
    assert felt.urgency == "high" and felt.impact == "high" and felt.priority == "P1"


def test_keyword_rules_reject_bad_regex():
    with pytest.raises(ValueError, match="bad regular expression"):
        KeywordRules([{"pattern": "crash(", "category": "bug"}])


@pytest.mark.parametrize("rule, message", [
    ({"pattern": "x", "category": "defect"}, "category"),
    ({"pattern": "x", "urgency": "asap"}, "urgency"),
    ({"pattern": "x"}, "sets none"),
    ({"pattern": "", "category": "bug"}, "non-empty"),
    ({"pattern": "x", "category": "bug", "colour": "red"}, "unknown keys"),
])
def test_keyword_rules_reject_unknown_labels_and_keys(rule, message):
    with pytest.raises(ValueError, match=message):
        KeywordRules.validate([rule])


def test_custom_rules_replace_the_defaults_and_survive_json():
    rules = json.loads(json.dumps([{"pattern": r"\bbilling\b", "category": "question",
                                    "urgency": "high", "impact": None}]))
    model = KeywordRules(rules)
    (billing, crash) = model.predict([{"title": "Billing", "body": ""},
                                      {"title": "crash", "body": ""}])
    assert (billing.category, billing.urgency) == ("question", "high")
    assert crash.category == "other"
    assert KeywordRules.validate(DEFAULT_RULES) == KeywordRules().rules
