"""The go/no-go checklist for the meeting, as Markdown and as CSV (pure, from a gate result)."""
from __future__ import annotations

import csv
import io
from collections.abc import Callable

from triage.services.releases.figures import Figures
from triage.services.releases.gate import GateResult

MARKS = {"pass": "PASS", "warn": "WARN", "fail": "FAIL"}
CSV_COLUMNS = ["version", "rule", "verdict", "value", "threshold", "evidence", "links"]


def cell(text: str) -> str:
    """Text safe inside a Markdown table cell."""
    return " ".join(str(text).split()).replace("|", "\\|")


def spreadsheet_safe(text: str) -> str:
    """A CSV cell a spreadsheet will not run as a formula."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def markdown(project_name: str, fig: Figures, result: GateResult, url: Callable[[dict], str]) -> str:
    """The checklist: the verdict, one line per rule with its evidence and links, the figures."""
    lines = [f"# {cell(project_name)} {fig.version}: {MARKS[result.verdict.value]}", "",
             f"Released {fig.released_at:%Y-%m-%d %H:%M} UTC; compared with "
             f"{fig.previous or 'no earlier version'} over {fig.window_days:g} days, rates per {fig.unit}.", "",
             "| | Rule | Evidence |", "|---|---|---|"]
    for check in result.checks:
        links = " ".join(f"[{cell(l['label'])}]({url(l['filter'])})" for l in check.links)
        lines.append(f"| {MARKS[check.verdict.value]} | {cell(check.rule.label)} | {cell(check.text)} {links} |")
    lines += ["", f"- Bug reports: {fig.current.bug_total} "
              f"({', '.join(f'{p} {n}' for p, n in sorted(fig.current.bugs.items())) or 'none'})",
              f"- Open P1: {fig.open_p1}, open P2: {fig.open_p2}",
              f"- NPS: {fig.current.nps if fig.current.nps is not None else '—'} ({fig.current.nps_answers} answers), "
              f"CSAT: {fig.current.csat if fig.current.csat is not None else '—'} ({fig.current.csat_answers} answers)",
              f"- New themes: {', '.join(f'{cell(t.name)} ({t.count})' for t in fig.new_themes) or 'none'}", ""]
    return "\n".join(lines)


def csv_text(result: GateResult, url: Callable[[dict], str]) -> str:
    """One row per rule: version, rule, verdict, value, threshold, evidence, links."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for check in result.checks:
        writer.writerow([result.version, check.rule.label, check.verdict.value,
                         "" if check.value is None else check.value, check.threshold,
                         spreadsheet_safe(check.text), " ".join(url(l["filter"]) for l in check.links)])
    return out.getvalue()
