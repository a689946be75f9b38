"""The insights charts: each one a table (a pandas frame, also offered as CSV) and an SVG drawn
by matplotlib on the server (no pyplot, no global state: a Figure per call, thread-safe).

Charts: volume over time by category and by priority (from the daily counts), NPS and CSAT
per week (survey answers of the project), themes by impact (the insights overview) and SLA
attainment per team (items created in the period whose deadline was met or missed)."""
from __future__ import annotations

import html
import io
import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone

import pandas as pd
from sqlalchemy import and_, case, func, select

from triage.extensions import db
from triage.models import Feedback, Project, Survey, SurveyKind, SurveyResponse, Team, Theme, utcnow
from triage.services.insights import aggregates, figures, page

# Okabe-Ito: told apart by people with the common colour vision deficiencies.
COLOURS = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000"]


@dataclass(frozen=True)
class Chart:
    name: str
    title: str
    xlabel: str
    ylabel: str
    style: str  # "stacked", "lines", "barh", "bars"


CHARTS = {c.name: c for c in (
    Chart("category", "Items per day by category", "Day", "Items", "stacked"),
    Chart("priority", "Items per day by priority", "Day", "Items", "stacked"),
    Chart("surveys", "NPS and CSAT per week", "Week starting", "Score (NPS -100..100, CSAT %)", "lines"),
    Chart("impact", "Themes by impact", "Impact (reach × severity × trend)", "Theme", "barh"),
    Chart("sla", "SLA attainment per team", "Team", "Deadlines met (%)", "bars"),
)}


# One theme's trend, on its page: the chart of the project's volume, filtered to the theme.
THEME_TREND = Chart("theme", "Items per day in this theme by priority", "Day", "Items", "stacked")
THEME_DAYS = 90


def theme_table(theme: Theme, days: int = THEME_DAYS, today: date | None = None) -> pd.DataFrame:
    """Items per day of one theme by priority over the `days` days ending today (the daily counts)."""
    today = today or utcnow().date()
    rows = aggregates.volume_rows(theme.project_id, today - timedelta(days=days - 1), today, "priority", theme.id)
    return figures.volume_table(rows, "priority", today, days).reset_index()


def theme_rank(theme: Theme, days: int = 30) -> dict | None:
    """The theme's row of the project's ranking over `days` days (impact and its factors, its
    place), or None when it is not among the ranked themes."""
    rows = page.overview(theme.project, days).rows
    return next(({**row, "place": place} for place, row in enumerate(rows, 1) if row["theme"].id == theme.id), None)


def survey_frame(project_id: int, since: datetime) -> pd.DataFrame:
    rows = db.session.execute(
        select(SurveyResponse.created_at, Survey.kind, SurveyResponse.score)
        .join(Survey, Survey.id == SurveyResponse.survey_id)
        .where(Survey.project_id == project_id, Survey.kind.in_([SurveyKind.NPS, SurveyKind.CSAT]),
               SurveyResponse.created_at >= since)).all()
    return pd.DataFrame([(c, k.value, s) for c, k, s in rows], columns=["created_at", "kind", "score"])


def sla_counts(project_id: int, since: datetime, now: datetime) -> pd.DataFrame:
    """Per team: first-response and resolution deadlines met and missed, for items created since."""
    def met_missed(done, due):
        met = func.sum(case((and_(done.is_not(None), due.is_not(None), done <= due), 1), else_=0))
        missed = func.sum(case((and_(due.is_not(None), due < func.coalesce(done, now)), 1), else_=0))
        return met, missed

    fr = met_missed(Feedback.first_responded_at, Feedback.first_response_due)
    res = met_missed(Feedback.resolved_at, Feedback.resolution_due)
    rows = db.session.execute(
        select(Team.name, *fr, *res).join(Team, Team.id == Feedback.team_id)
        .where(Feedback.project_id == project_id, Feedback.created_at >= since, Feedback.quarantined.is_(False))
        .group_by(Team.name).order_by(Team.name)).all()
    return pd.DataFrame(rows, columns=["team", "first_response_met", "first_response_missed",
                                       "resolution_met", "resolution_missed"]).fillna(0)


def table(name: str, project: Project, days: int, today: date | None = None) -> pd.DataFrame:
    """The chart's data as a frame (what the CSV holds and the page's table shows)."""
    today = today or utcnow().date()
    since = datetime.combine(today - timedelta(days=days - 1), time(), tzinfo=timezone.utc)
    if name in ("category", "priority"):
        rows = aggregates.volume_rows(project.id, today - timedelta(days=days - 1), today, name)
        return figures.volume_table(rows, name, today, days).reset_index()
    if name == "surveys":
        return figures.survey_table(survey_frame(project.id, since))
    if name == "impact":
        rows = page.overview(project, days, today, top=15).rows
        return pd.DataFrame([{"theme": r["theme"].name, "impact": r["impact"], "reach": r["reach"],
                              "severity": r["severity"], "trend": r["trend"], "items": r["volume"]} for r in rows],
                            columns=["theme", "impact", "reach", "severity", "trend", "items"])
    return figures.sla_table(sla_counts(project.id, since, max(utcnow(), since)))


def render_svg(chart: Chart, data: pd.DataFrame) -> str:
    """The chart drawn as an SVG document (text kept as text, readable colours)."""
    import matplotlib

    from matplotlib.figure import Figure

    with matplotlib.rc_context({"svg.fonttype": "none", "font.size": 9, "svg.hashsalt": "triage",
                                "font.sans-serif": ["DejaVu Sans", "Arial", "Helvetica"]}):
        figure = Figure(figsize=(7.5, 3.2), layout="constrained")
        axes = figure.add_subplot()
        draw(chart, data, axes)
        axes.set_title(chart.title)
        axes.set_xlabel(chart.xlabel)
        axes.set_ylabel(chart.ylabel)
        axes.grid(axis="y" if chart.style != "barh" else "x", color="#dddddd", linewidth=0.6)
        axes.set_axisbelow(True)
        out = io.StringIO()
        figure.savefig(out, format="svg", metadata={"Date": None})
    return without_inline_styles(out.getvalue())


STYLE = re.compile(r'style="([^"]*)"')
FONT = re.compile(r"^\s*(?:(bold|italic|normal)\s+)*([\d.]+px)\s+(.+)$")


def presentation_attributes(match: re.Match) -> str:
    """style="fill: #fff; font: 9px 'DejaVu Sans'" -> fill="#fff" font-size="9px" font-family="..."."""
    found = []
    for declaration in filter(None, (d.strip() for d in match.group(1).split(";"))):
        name, _, value = (part.strip() for part in declaration.partition(":"))
        font = FONT.match(value) if name == "font" else None
        if font:
            found += [("font-size", font.group(2)), ("font-family", font.group(3))]
        elif name != "font":
            found.append((name, value))
    return " ".join(f'{name}="{html.escape(value, quote=True)}"' for name, value in found)


def without_inline_styles(svg: str) -> str:
    """The SVG with its CSS (a <style> element, style attributes) turned into presentation
    attributes, which the app's CSP (no inline styles) lets a browser apply."""
    svg = re.sub(r"<style[^>]*>.*?</style>", "", svg, flags=re.S)
    svg = svg.replace("<svg ", '<svg stroke-linejoin="round" stroke-linecap="butt" ', 1)
    return STYLE.sub(presentation_attributes, svg)


def draw(chart: Chart, data: pd.DataFrame, axes) -> None:
    if data.empty or len(data.columns) < 2:
        axes.text(0.5, 0.5, "No data in this period", ha="center", va="center", transform=axes.transAxes)
        return
    if chart.style == "stacked":
        labels = [f"{d:%b %d}" for d in data["day"]]
        bottom = [0] * len(data)
        for i, column in enumerate(c for c in data.columns if c != "day"):
            axes.bar(labels, data[column], bottom=bottom, label=str(column), color=COLOURS[i % len(COLOURS)])
            bottom = [b + v for b, v in zip(bottom, data[column])]
        axes.set_xticks(labels[:: max(len(labels) // 7, 1)])
        axes.legend(loc="upper left", bbox_to_anchor=(1.01, 1), fontsize=8, frameon=False)
    elif chart.style == "lines":
        weeks = [str(w) for w in data["week"]]
        for i, (column, label) in enumerate((("nps", "NPS"), ("csat", "CSAT %"))):
            values = pd.to_numeric(data[column], errors="coerce")
            axes.plot(weeks, values, marker="o", label=label, color=COLOURS[i])
        axes.legend(loc="upper left", bbox_to_anchor=(1.01, 1), fontsize=8, frameon=False)
    elif chart.style == "barh":
        axes.barh(list(data["theme"])[::-1], list(data["impact"])[::-1], color=COLOURS[0])
    else:
        positions = list(range(len(data)))
        width = 0.4
        axes.bar([p - width / 2 for p in positions], data["first_response_share"].fillna(0), width,
                 label="First response", color=COLOURS[0])
        axes.bar([p + width / 2 for p in positions], data["resolution_share"].fillna(0), width,
                 label="Resolution", color=COLOURS[1])
        axes.set_xticks(positions, list(data["team"]))
        axes.set_ylim(0, 100)
        axes.legend(loc="upper left", bbox_to_anchor=(1.01, 1), fontsize=8, frameon=False)
