"""Charts of a project over a period: each an SVG image drawn on the server (served as
image/svg+xml from this app, so within the CSP), with its table and a CSV link beside it."""
from __future__ import annotations

from flask import abort, render_template

from triage.insights import bp
from triage.insights.views import csv_response, number_arg, period_arg
from triage.services.insights import charts as service
from triage.services.insights import figures, page, themes


def chart_of(name: str) -> service.Chart:
    if name not in service.CHARTS:
        abort(404)
    return service.CHARTS[name]


def project_arg():
    project = page.project_or_first(number_arg("project"))
    if project is None:
        abort(404)
    return project


def svg_response(svg: str):
    """A chart's SVG as the app serves it (its own origin, so within the CSP), cached briefly."""
    return svg, 200, {"Content-Type": "image/svg+xml; charset=utf-8", "Cache-Control": "private, max-age=300"}


@bp.route("/charts")
def charts():
    project, days = page.project_or_first(number_arg("project")), period_arg()
    tables = {name: service.table(name, project, days) for name in service.CHARTS} if project else {}
    return render_template("insights/charts.html", project=project, days=days, charts=service.CHARTS,
                           tables=tables, periods=page.PERIODS, projects=page.all_projects())


@bp.route("/charts/<name>.svg")
def chart_svg(name: str):
    chart, project = chart_of(name), project_arg()
    return svg_response(service.render_svg(chart, service.table(name, project, period_arg())))


@bp.route("/charts/<name>.csv")
def chart_csv(name: str):
    chart, project = chart_of(name), project_arg()
    return csv_response(figures.safe_csv(service.table(name, project, period_arg())),
                        f"{chart.name}-{project.slug}-{period_arg()}d.csv")


@bp.route("/themes/<int:theme_id>/trend.svg")
def theme_trend_svg(theme_id: int):
    return svg_response(service.render_svg(service.THEME_TREND, service.theme_table(themes.get_theme(theme_id))))


@bp.route("/themes/<int:theme_id>/trend.csv")
def theme_trend_csv(theme_id: int):
    theme = themes.get_theme(theme_id)
    return csv_response(figures.safe_csv(service.theme_table(theme)), f"theme-{theme.id}-trend-{service.THEME_DAYS}d.csv")
