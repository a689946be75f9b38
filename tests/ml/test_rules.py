"""The rulebook every prediction passes through: junk, default rules, admins' rules, severity."""
import json

import pytest

from ml import DEFAULT_RULE_NAMES, KeywordRules, Rulebook, validate_rules
from ml.prediction import Prediction
from ml.priority import priority_for
from ml.signals import find_signals, is_junk


def prediction(category="bug", impact="low", urgency="low") -> Prediction:
    return Prediction(category=category, category_proba={category: 0.9}, impact=impact,
                      impact_proba={}, urgency=urgency, urgency_proba={},
                      priority=priority_for(impact, urgency), confidence=0.9)


def finish(text, severity=None, rulebook=None, **labels) -> Prediction:
    return (rulebook or Rulebook()).finish(prediction(**labels), {"title": "", "body": text, "severity": severity})


def test_keyword_rules_classify_obvious_feedback():
    items = [{"title": "App crashes on start", "body": ""},
             {"title": "Please add dark mode", "body": "would be nice"},
             {"title": "Export", "body": "How do I export my data?"},
             {"title": "Thanks", "body": "great app, love it"}]
    assert [p.category for p in KeywordRules().predict(items)] == [
        "bug", "feature", "question", "other"]


def test_keyword_rules_give_low_confidence_and_medium_by_default():
    (crash, plain) = KeywordRules().predict([{"title": "Crash", "body": "it crashed"},
                                             {"title": "Settings page", "body": "the settings page"}])
    assert crash.model_version == "rules" and crash.confidence <= 0.5
    assert (plain.category, plain.impact, plain.urgency, plain.priority) == ("other", "medium", "medium", "P3")


@pytest.mark.parametrize("text", ["asdf", "test", "hello", "qwertyuiop", "hi there", "jjjjjjj",
                                  "testing 1 2 3", "this is a test", "?", "👍👍",
                                  "Buy cheap followers! 10,000 for only $9, guaranteed"])
def test_junk_is_other_at_the_lowest_priority_and_never_a_confident_bug(text):
    p = finish(text, severity="critical", impact="high", urgency="high")
    assert (p.category, p.impact, p.urgency, p.priority, p.junk) == ("other", "low", "low", "P5", True)
    assert p.why and p.why[0].startswith("junk")


@pytest.mark.parametrize("text", ["crashes", "love it", "dark mode?", "good", "help",
                                  "bitcoin node crashes on boost 1.84 build, see https://x.org"])
def test_short_or_technical_text_with_meaning_is_not_junk(text):
    assert is_junk("", text) is None


@pytest.mark.parametrize("text, harm", [
    ("Your app deleted three months of my customer notes", "data_loss"),
    ("i was charged twice for my yearly plan", "money"),
    ("I can see invoices that belong to a different company", "security"),
    ("backups failing silently for 9 days", "data_loss"),
    ("All of our users are locked out since 9am, production is down!!", "outage"),
])
def test_harm_classes_are_read_from_the_text(text, harm):
    assert f"harm={harm}" in {s.token for s in find_signals("", text)}


@pytest.mark.parametrize("text", ["no data was lost but the sync icon spins", "I lost track of where the settings are",
                                  "my phone charged fine overnight", "it's not a security issue, the logo is blurry",
                                  "if I pause my store for the winter will my products get deleted?"])
def test_negated_asked_or_harmless_uses_of_harm_words_are_not_harm(text):
    assert not [s for s in find_signals("", text) if s.type.group == "harm"]


def test_default_rules_raise_a_bug_with_harm_and_say_why_in_words():
    p = finish("Our whole team is locked out since this morning, nobody can log in")
    assert (p.impact, p.urgency, p.priority) == ("high", "high", "P1")
    assert {"access blocked", "everyone", "since this morning"} <= set(p.why)
    assert "rule everyone_blocked" in p.why or "rule outage" in p.why


def test_default_rules_apply_to_bugs_only():
    p = finish("Please add a way to restore data lost when a project is deleted", category="feature")
    assert (p.impact, p.urgency) == ("low", "low")


def test_each_default_rule_can_be_switched_off_on_its_own():
    on = finish("i was charged twice for my yearly plan")
    off = finish("i was charged twice for my yearly plan", rulebook=Rulebook(disabled=["money"]))
    assert on.impact == "high" and off.impact == "low"
    with pytest.raises(ValueError, match="unknown default rules"):
        Rulebook(disabled=["no_such_rule"])
    assert len(set(DEFAULT_RULE_NAMES)) == len(DEFAULT_RULE_NAMES) >= 8


def test_submitter_severity_raises_urgency_one_level_and_never_impact():
    typo = finish("typo in the footer", severity="critical")
    assert (typo.impact, typo.urgency, typo.priority) == ("low", "medium", "P4")
    assert "submitter said critical: urgency +1" in typo.why
    slow = finish("search is a bit slow", severity="high", impact="medium", urgency="medium")
    assert (slow.impact, slow.urgency) == ("medium", "high")
    idea = finish("dark mode please", severity="critical", category="feature", urgency="medium")
    assert idea.urgency == "medium"  # ideas are never urgent, whatever the submitter felt
    calm = finish("search is a bit slow", severity="low", urgency="medium")
    assert calm.urgency == "medium"  # a low severity never lowers


def test_admin_rules_add_to_the_defaults_and_survive_json():
    rules = json.loads(json.dumps([{"pattern": r"\bbilling\b", "category": "question",
                                    "urgency": "high", "impact": None}]))
    book = Rulebook(rules)
    billing = finish("billing page", rulebook=book)
    assert billing.urgency == "high" and 'admin rule "billing"' in billing.why
    charged = finish("i was charged twice for my yearly plan", rulebook=book)
    assert charged.impact == "high"  # the defaults still apply beside the admin's rule
    (cold,) = KeywordRules(book).predict([{"title": "Billing", "body": ""}])
    assert cold.category == "question"  # with no model, an admin rule may name the category


@pytest.mark.parametrize("rule, message", [
    ({"pattern": "crash(", "category": "bug"}, "bad regular expression"),
    ({"pattern": "x", "category": "defect"}, "category"),
    ({"pattern": "x", "urgency": "asap"}, "urgency"),
    ({"pattern": "x"}, "sets none"),
    ({"pattern": "", "category": "bug"}, "non-empty"),
    ({"pattern": "x", "category": "bug", "colour": "red"}, "unknown keys"),
])
def test_admin_rules_reject_bad_regex_unknown_labels_and_keys(rule, message):
    with pytest.raises(ValueError, match=message):
        validate_rules([rule])


def test_a_question_that_reveals_harm_is_a_bug():
    p = finish("I can see invoices that belong to a different company?", category="question")
    assert (p.category, p.impact) == ("bug", "high") and "rule harm_is_a_bug" in p.why
    asked = finish("is my data safe if I switch plans?", category="question")
    assert asked.category == "question"  # a harm only asked about is none
