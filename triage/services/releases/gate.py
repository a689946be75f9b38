"""The go/no-go gate: a project's rules applied to a release's figures, each giving PASS, WARN
or FAIL with its evidence. Pure functions on `figures.Figures`; no database.

Bug rates are compared with the exact conditional test for two Poisson rates: given the
n reports of both versions, the newer version's count is binomial with p = r·e1 / (r·e1 + e0)
when its rate is r times the older one's (e = exposure: 1,000s of sessions, or days). A rule
"up at most X%" FAILs when the test rejects r <= 1 + X/100 at the 5% level (the rise beyond
X% is real, not noise); it WARNs when the rate is up more than X% but the test cannot tell
yet; it PASSes when the rate is up X% or less. Under `min_sample` reports in both versions
together the answer is WARN "not enough data yet", never PASS or FAIL.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from scipy.stats import binomtest

from triage.models.releases import RuleKind, Verdict
from triage.services.releases.figures import Figures

ALPHA = 0.05
NOT_ENOUGH = "not enough data yet"
DEFAULT_MIN_REPORTS = 10


@dataclass(frozen=True)
class Rule:
    """One gate line, as stored or as a default."""

    kind: RuleKind
    threshold: float = 0
    min_sample: int = 0

    @property
    def label(self) -> str:
        return self.kind.label.format(threshold=self.threshold, min_sample=self.min_sample)


# The gate when a project wrote none: the example rules.
DEFAULT_RULES = (Rule(RuleKind.NO_OPEN_P1), Rule(RuleKind.MAX_OPEN_P2, 3),
                 Rule(RuleKind.BUG_RATE, 20, DEFAULT_MIN_REPORTS), Rule(RuleKind.NPS_DROP, 5, 30),
                 Rule(RuleKind.NEW_THEME, 5))


@dataclass(frozen=True)
class Check:
    """One rule's verdict: the measured value, the threshold, the evidence in words and the
    board filters ("links") that show the items behind it."""

    rule: Rule
    verdict: Verdict
    value: float | None
    threshold: float
    text: str
    links: list[dict[str, Any]] = field(default_factory=list)


@dataclass(frozen=True)
class GateResult:
    version: str
    verdict: Verdict
    checks: list[Check]


def link(label: str, version: str, **filters: str) -> dict[str, Any]:
    return {"label": label, "filter": {"version": version, "status": "any", **filters}}


def overall(checks: list[Check]) -> Verdict:
    """FAIL if any line fails, else WARN if any warns, else PASS (an empty gate warns)."""
    verdicts = {c.verdict for c in checks}
    if Verdict.FAIL in verdicts:
        return Verdict.FAIL
    return Verdict.WARN if Verdict.WARN in verdicts or not checks else Verdict.PASS


def rate_ratio(c1: int, e1: float, c0: int, e0: float, limit: float = 1.0) -> dict[str, float]:
    """The rate ratio (new / old) of two Poisson counts over their exposures, its exact 95%
    interval, and the one-sided p-value of "ratio <= limit" (conditional binomial test)."""
    n = c1 + c0
    p_limit = limit * e1 / (limit * e1 + e0)
    test = binomtest(c1, n, p_limit, alternative="greater")
    low, high = binomtest(c1, n).proportion_ci(1 - ALPHA, method="exact")

    def to_ratio(p: float) -> float:
        return math.inf if p >= 1 else p / (1 - p) * e0 / e1

    ratio = math.inf if c0 == 0 else (c1 / e1) / (c0 / e0)
    return {"ratio": ratio, "low": to_ratio(low), "high": to_ratio(high), "p_value": float(test.pvalue)}


def check_open(rule: Rule, fig: Figures) -> Check:
    priority = "P1" if rule.kind == RuleKind.NO_OPEN_P1 else "P2"
    count = fig.open_p1 if priority == "P1" else fig.open_p2
    allowed = 0 if priority == "P1" else rule.threshold
    verdict = Verdict.FAIL if count > allowed else Verdict.PASS
    text = f"{count} open {priority} report{'s' if count != 1 else ''} on {fig.version} (at most {allowed:g})"
    return Check(rule, verdict, count, allowed, text,
                 [link(f"open {priority}", fig.version, priority=priority, status="open")])


def check_bug_rate(rule: Rule, fig: Figures) -> Check:
    links = [link("bug reports", fig.version, category="bug")]
    if fig.before is None:
        return Check(rule, Verdict.WARN, None, rule.threshold, f"{NOT_ENOUGH}: no previous version to compare", links)
    new, old = fig.current, fig.before
    links.append(link(f"bug reports on {old.version}", old.version, category="bug"))
    needed = max(rule.min_sample, 1)
    if new.bug_total + old.bug_total < needed or not new.exposure or not old.exposure:
        return Check(rule, Verdict.WARN, None, rule.threshold,
                     f"{NOT_ENOUGH}: {new.bug_total} + {old.bug_total} bug reports, at least {needed} needed", links)
    limit = 1 + rule.threshold / 100
    stats = rate_ratio(new.bug_total, new.exposure, old.bug_total, old.exposure, limit)
    change = None if math.isinf(stats["ratio"]) else round((stats["ratio"] - 1) * 100, 1)
    shown = "new (none before)" if change is None else f"{change:+g}%"
    text = (f"{new.bug_rate:.2f} bug reports per {fig.unit} on {new.version} ({new.bug_total}) against "
            f"{old.bug_rate:.2f} on {old.version} ({old.bug_total}) over {fig.window_days:g} days: {shown}; "
            f"rate ratio 95% CI {stats['low']:.2f} to {fmt(stats['high'])}, "
            f"p = {stats['p_value']:.3f} for a rise beyond {rule.threshold:g}%")
    if stats["ratio"] <= limit:
        verdict = Verdict.PASS
    elif stats["p_value"] < ALPHA:
        verdict = Verdict.FAIL
    else:
        verdict, text = Verdict.WARN, f"{text} (up, not yet significant)"
    return Check(rule, verdict, change, rule.threshold, text, links)


def fmt(value: float) -> str:
    return "∞" if math.isinf(value) else f"{value:.2f}"


def check_nps(rule: Rule, fig: Figures) -> Check:
    links = [link("survey comments", fig.version, channel="survey")]
    if fig.before is None:
        return Check(rule, Verdict.WARN, None, rule.threshold, f"{NOT_ENOUGH}: no previous version to compare", links)
    new, old = fig.current, fig.before
    needed = max(rule.min_sample, 1)
    if new.nps_answers < needed or old.nps_answers < needed:
        return Check(rule, Verdict.WARN, None, rule.threshold,
                     f"{NOT_ENOUGH}: {new.nps_answers} NPS answers on {new.version} and {old.nps_answers} "
                     f"on {old.version}, at least {needed} each needed", links)
    drop = round(old.nps - new.nps, 1)
    text = (f"NPS {new.nps:g} on {new.version} ({new.nps_answers} answers) against {old.nps:g} on "
            f"{old.version} ({old.nps_answers}): {'down' if drop > 0 else 'up'} {abs(drop):g} points")
    return Check(rule, Verdict.FAIL if drop > rule.threshold else Verdict.PASS, drop, rule.threshold, text, links)


def check_new_themes(rule: Rule, fig: Figures) -> Check:
    big = [t for t in fig.new_themes if t.count >= rule.threshold]
    worst = max((t.count for t in fig.new_themes), default=0)
    links = [link(t.name, fig.version, theme=str(t.theme_id)) for t in (big or fig.new_themes)[:5]]
    if big:
        names = ", ".join(f"{t.name!r} ({t.count} reports, {t.share:.0%} of its reports on this version)" for t in big)
        text = f"new theme{'s' if len(big) > 1 else ''} with {fig.version}: {names}"
        return Check(rule, Verdict.FAIL, worst, rule.threshold, text, links)
    text = (f"{len(fig.new_themes)} new theme(s), the largest with {worst} report(s)" if fig.new_themes
            else f"no theme first seen with {fig.version}")
    return Check(rule, Verdict.PASS, worst, rule.threshold, text, links)


CHECKS = {RuleKind.NO_OPEN_P1: check_open, RuleKind.MAX_OPEN_P2: check_open, RuleKind.BUG_RATE: check_bug_rate,
          RuleKind.NPS_DROP: check_nps, RuleKind.NEW_THEME: check_new_themes}


def evaluate(rules: list[Rule] | tuple[Rule, ...], fig: Figures) -> GateResult:
    """Every rule's check on the figures, and the overall verdict."""
    checks = [CHECKS[rule.kind](rule, fig) for rule in rules]
    return GateResult(fig.version, overall(checks), checks)


def check_json(check: Check, url_for_filter=None) -> dict[str, Any]:
    """A check as the API answers it; `url_for_filter` turns a board filter into a link."""
    links = [{"label": l["label"], "url": url_for_filter(l["filter"]) if url_for_filter else None,
              "filter": l["filter"]} for l in check.links]
    return {"rule": check.rule.label, "verdict": check.verdict.value,
            "value": None if check.value is None or math.isinf(check.value) else check.value,
            "threshold": check.threshold,
            "evidence": {"kind": check.rule.kind.value, "text": check.text, "links": links}}


def result_json(result: GateResult, url_for_filter=None) -> dict[str, Any]:
    """The gate as GET /api/v1/releases/<version>/gate answers it (and `flask triage gate --json`)."""
    return {"verdict": result.verdict.value, "checks": [check_json(c, url_for_filter) for c in result.checks]}
