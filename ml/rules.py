"""The rules every prediction passes through, the same in the app and in `python -m ml`.

A `Rulebook` finishes a prediction (the trained model's, or the cold-start `KeywordRules`'):

1. **Junk** (ml/signals.py `is_junk`: keyboard mash, "test", a bare greeting, spam) becomes
   category other, impact low, urgency low, flagged `junk`; nothing below raises it.
2. **Default rules** (`DEFAULT_RULES`, docs/triage-rubric.md): a report showing a harm class
   is a bug when the model called it a question or other (the rubric: a question that reveals
   harm is a bug; an idea that mentions a harm stays an idea);
   a report the model calls a bug that shows a harm class (data loss, money, security or privacy, safety, legal,
   outage), an access block, everyone affected, an ongoing harm or a deadline has its impact
   and urgency raised to at least the rule's levels. Each can be switched off by name.
3. **Admins' rules** add to the defaults, never replace them: a regular expression that,
   when it matches the title or body, raises impact and/or urgency (never lowers them).
4. **The submitter's severity** (high or critical) raises urgency by one level at most and
   never impact, so an exaggerated typo cannot become P1; never to high for anything but a
   bug that is not cosmetic.

Then the priority follows from the ITIL matrix, and `why` lists the reasons in words
("access blocked · everyone · since this morning", "submitter said critical: urgency +1").

An admin rule is a plain dict, so the app can store it as a row:

    {"pattern": "crash|error", "category": "bug", "urgency": None, "impact": None}

`pattern` is a Python regular expression searched case-insensitively (`^`/`$` match at line
ends). `category` is used only by the cold-start `KeywordRules` (no model trained): the
first matching admin rule names the category.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from .prediction import Prediction
from .priority import priority_for
from .vocabulary import CATEGORIES, LEVELS
from .signals import Signal, find_signals

_KEYS = ("pattern", "category", "urgency", "impact")
RAISING_SEVERITIES = frozenset({"critical", "blocker", "high", "urgent", "highest"})
_FLAGS = re.IGNORECASE | re.MULTILINE
RULE_CONFIDENCE = 0.55
JUNK_CONFIDENCE = 0.9


@dataclass(frozen=True)
class DefaultRule:
    """A built-in rule: when every signal in `all_of` and one of `any_of` (if given) are
    present in a report the model calls a bug, impact and urgency are at least these."""

    name: str
    description: str
    all_of: tuple[str, ...]
    any_of: tuple[str, ...] = ()
    impact: str | None = None
    urgency: str | None = None
    category: str | None = None

    def matches(self, tokens: Collection[str]) -> bool:
        """Return whether the rule applies to a report with these signal tokens."""
        return all(t in tokens for t in self.all_of) and (
            not self.any_of or any(t in tokens for t in self.any_of))


# A how-to question stays a question even when it names a harm ("how do I restore deleted
# files?"); harm_is_a_bug is for reports phrased as questions or comments.
_HOW_TO = re.compile(r"\b(how (do|can|could|should|to)|is there a way|is it possible|where (do|can|is)|"
                     r"can (i|we|you)|could you|what (is|are|does))\b", re.IGNORECASE)

_HARMS = ("harm=data_loss", "harm=money", "harm=security", "harm=safety", "harm=legal",
          "harm=outage")

DEFAULT_RULES: tuple[DefaultRule, ...] = (
    DefaultRule("harm_is_a_bug", "A question or comment showing a harm class is a bug (a question "
                "that reveals harm is a bug; ideas keep their category).", (), _HARMS, category="bug"),
    DefaultRule("outage", "A service or core function down for everyone: impact and urgency high.",
                ("harm=outage",), impact="high", urgency="high"),
    DefaultRule("data_loss", "Data deleted, lost or corrupted: impact high, urgency at least medium.",
                ("harm=data_loss",), impact="high", urgency="medium"),
    DefaultRule("money", "Money charged wrongly or not paid out: impact high, urgency at least medium.",
                ("harm=money",), impact="high", urgency="medium"),
    DefaultRule("security", "Security or privacy exposure: impact high, urgency at least medium.",
                ("harm=security",), impact="high", urgency="medium"),
    DefaultRule("safety", "A risk to someone's health or safety: impact high, urgency at least medium.",
                ("harm=safety",), impact="high", urgency="medium"),
    DefaultRule("legal", "A legal or compliance exposure: impact high.",
                ("harm=legal",), impact="high"),
    DefaultRule("everyone_blocked", "Everyone or many people blocked from a core task: "
                "impact and urgency high.", ("blocking=blocked",),
                ("scope=everyone", "scope=many"), impact="high", urgency="high"),
    DefaultRule("blocked", "Someone cannot do a core task (log in, pay, submit): impact and "
                "urgency at least medium.", ("blocking=blocked",), impact="medium", urgency="medium"),
    DefaultRule("ongoing_harm", "A harm that is still going on (since 9am, every order): "
                "urgency high.", ("persistence=ongoing",), _HARMS, urgency="high"),
    DefaultRule("deadline", "A harm or a block with a deadline (payroll tonight, exam "
                "tomorrow): urgency high.", ("deadline=timebound",),
                (*_HARMS, "blocking=blocked"), urgency="high"),
)
DEFAULT_RULE_NAMES: tuple[str, ...] = tuple(rule.name for rule in DEFAULT_RULES)


def _validate_rule(index: int, rule: Any) -> dict[str, Any]:
    if not isinstance(rule, Mapping):
        raise ValueError(f"rule {index}: must be a dict, got {type(rule).__name__}")
    unknown = set(rule) - set(_KEYS)
    if unknown:
        raise ValueError(f"rule {index}: unknown keys {sorted(unknown)}; allowed {list(_KEYS)}")
    pattern = rule.get("pattern")
    if not isinstance(pattern, str) or not pattern.strip():
        raise ValueError(f"rule {index}: 'pattern' must be a non-empty string")
    try:
        re.compile(pattern, _FLAGS)
    except re.error as exc:
        raise ValueError(f"rule {index}: bad regular expression {pattern!r}: {exc}") from None
    clean = {"pattern": pattern}
    for key, allowed in (("category", CATEGORIES), ("urgency", LEVELS), ("impact", LEVELS)):
        value = rule.get(key)
        if value is not None and value not in allowed:
            raise ValueError(f"rule {index}: {key} {value!r} is not one of {', '.join(allowed)}")
        clean[key] = value
    if not any(clean[key] for key in ("category", "urgency", "impact")):
        raise ValueError(f"rule {index}: sets none of category, urgency, impact")
    return clean


def validate_rules(rules: Any) -> list[dict[str, Any]]:
    """Return admin rules as clean dicts, or raise ValueError naming the first bad rule."""
    if not isinstance(rules, list):
        raise ValueError("rules must be a list of dicts")
    return [_validate_rule(index, rule) for index, rule in enumerate(rules)]


def _text(value: Any) -> str:
    # Records from DataFrames carry NaN for missing text; NaN is truthy.
    return "" if value is None or (isinstance(value, float) and value != value) else str(value)


def item_text(item: Mapping[str, Any]) -> tuple[str, str]:
    """Return (title, body) of an item dict; a bare `text` stands in for a missing body."""
    title, body = _text(item.get("title")), _text(item.get("body"))
    return title, body or ("" if title else _text(item.get("text")))


def _raise(prediction: Prediction, head: str, level: str | None) -> bool:
    if level is None or LEVELS.index(level) >= LEVELS.index(getattr(prediction, head)):
        return False
    setattr(prediction, head, level)
    return True


class Rulebook:
    """The default rules (minus those switched off) plus the admins' rules."""

    def __init__(self, extra: list[dict[str, Any]] | None = None,
                 disabled: Iterable[str] = ()) -> None:
        """Validate the admins' `extra` rules (ValueError if bad); `disabled` names defaults
        to switch off (unknown names raise ValueError)."""
        self.extra = validate_rules(list(extra or []))
        self.disabled = frozenset(disabled)
        unknown = self.disabled - set(DEFAULT_RULE_NAMES)
        if unknown:
            raise ValueError(f"unknown default rules {sorted(unknown)}; known {list(DEFAULT_RULE_NAMES)}")
        self.defaults = [r for r in DEFAULT_RULES if r.name not in self.disabled]
        self._compiled = [re.compile(rule["pattern"], _FLAGS) for rule in self.extra]

    def admin_matches(self, title: str, body: str) -> list[tuple[dict[str, Any], str]]:
        """Return the admins' rules that match, each with the words it matched."""
        text = f"{title}\n{body}"
        found = []
        for rule, regex in zip(self.extra, self._compiled):
            match = regex.search(text)
            if match:
                found.append((rule, match.group(0).strip() or match.group(0)))
        return found

    def finish(self, prediction: Prediction, item: Mapping[str, Any],
               signals: list[Signal] | None = None) -> Prediction:
        """Apply junk, the default and admin rules and the submitter's severity to a
        prediction (in place), set its priority and `why`; return it."""
        title, body = item_text(item)
        signals = find_signals(title, body) if signals is None else signals
        why: list[str] = []
        junk = next((s for s in signals if s.token == "junk=junk"), None)
        if junk is not None:
            _mark_junk(prediction, junk.words)
            return prediction
        why += [s.label for s in signals if s.type.group != "cosmetic"]
        tokens = {s.token for s in signals}
        for rule in self.defaults:
            if (rule.category and prediction.category in ("question", "other") and rule.matches(tokens)
                    and not _HOW_TO.search(f"{title}\n{body}")):
                prediction.category = rule.category
                why.append(f"rule {rule.name}")
        if prediction.category == "bug":
            for rule in self.defaults:
                if not rule.category and rule.matches(tokens) and (_raise(prediction, "impact", rule.impact)
                                             | _raise(prediction, "urgency", rule.urgency)):
                    why.append(f"rule {rule.name}")
        for rule, words in self.admin_matches(title, body):
            if _raise(prediction, "impact", rule["impact"]) | _raise(prediction, "urgency", rule["urgency"]):
                why.append(f'admin rule "{words}"')
        severity = _text(item.get("severity")).strip().lower()
        if severity in RAISING_SEVERITIES:
            level = LEVELS[max(0, LEVELS.index(prediction.urgency) - 1)]
            if level == "high" and (prediction.category != "bug" or "cosmetic=cosmetic" in tokens):
                level = "medium"  # the rubric: ideas, questions and cosmetic flaws are never urgent
            if _raise(prediction, "urgency", level):
                why.append(f"submitter said {severity}: urgency +1")
            else:
                why.append(f"submitter said {severity}")
        prediction.priority = priority_for(prediction.impact, prediction.urgency)
        prediction.why = why
        return prediction


def _mark_junk(prediction: Prediction, what: str) -> None:
    prediction.category, prediction.impact, prediction.urgency = "other", "low", "low"
    prediction.priority = priority_for("low", "low")
    prediction.junk = True
    prediction.category_proba = _spread(CATEGORIES, "other", JUNK_CONFIDENCE)
    prediction.impact_proba = _spread(LEVELS, "low", JUNK_CONFIDENCE)
    prediction.urgency_proba = _spread(LEVELS, "low", JUNK_CONFIDENCE)
    prediction.confidence = JUNK_CONFIDENCE
    prediction.why = [f"junk: {what}"]


def _spread(labels: Iterable[str], chosen: str, top: float) -> dict[str, float]:
    labels = list(labels)
    rest = (1.0 - top) / (len(labels) - 1)
    return {label: (top if label == chosen else rest) for label in labels}


# Cold start: with no model, these cues give a first category (the first that matches).
CATEGORY_CUES: tuple[tuple[str, re.Pattern[str]], ...] = tuple((c, re.compile(p, _FLAGS)) for c, p in (
    ("bug", r"\b(crash\w*|error|exception|broken|bug|fails?|failed|freez\w*)\b"
            r"|doesn'?t work|does not work|not working|won'?t (open|load|start)"),
    ("feature", r"please add|would be nice|feature request|it would be great|\bwish\b"
                r"|\bcould you add\b|\badd (an? )?(option|setting|way)\b|\bsupport for\b"),
    ("question", r"\bhow (do|can|should) i\b|\bhow to\b|\bis there a way\b|\?\s*$"),
    ("other", r"\bthanks?\b|\bthank you\b|\blove\b|\bgreat app\b|\bawesome\b"),
))


class KeywordRules:
    """Cold-start classifier with the same predict() contract as TriageModel: category from
    the admins' rules or CATEGORY_CUES, impact and urgency medium, then the Rulebook."""

    version = "rules"

    def __init__(self, rulebook: Rulebook | None = None) -> None:
        """Use `rulebook` (None: the defaults, no admin rules)."""
        self.rulebook = rulebook or Rulebook()

    def predict(self, items: Iterable[Mapping[str, Any]]) -> list[Prediction]:
        """Return one low-confidence Prediction per item, finished by the rulebook."""
        return [self.rulebook.finish(self.raw(item), item) for item in items]

    def _category(self, title: str, body: str) -> str | None:
        admin = next((r["category"] for r, _ in self.rulebook.admin_matches(title, body)
                      if r["category"]), None)
        text = f"{title}\n{body}"
        return admin or next((c for c, regex in CATEGORY_CUES if regex.search(text)), None)

    def raw(self, item: Mapping[str, Any]) -> Prediction:
        """Return the category guess with impact and urgency medium, before the rulebook."""
        title, body = item_text(item)
        category = self._category(title, body)
        top = RULE_CONFIDENCE if category else 1.0 / len(CATEGORIES)
        category = category or "other"
        return Prediction(
            category=category, category_proba=_spread(CATEGORIES, category, top),
            impact="medium", impact_proba=_spread(LEVELS, "medium", 0.5),
            urgency="medium", urgency_proba=_spread(LEVELS, "medium", 0.5),
            priority=priority_for("medium", "medium"), confidence=min(top, 0.5),
            model_version=self.version)
