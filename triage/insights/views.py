"""The insights page: a project's themes ranked by impact, with the formula, each factor and
links to the board; the project's impact weights; following themes."""
from __future__ import annotations

from urllib.parse import urlencode

from flask import abort, g, render_template, request, url_for
from flask_login import current_user

from triage.auth import roles_required
from triage.extensions import db
from triage.insights import bp
from triage.insights.forms import ActionForm, WeightsForm
from triage.models import Role
from triage.services.insights import export_jobs, exports, figures, page
from triage.services.items.inbox import InboxFilter
from triage.web import back_to, commit_form


def number_arg(name: str) -> int | None:
    value = request.args.get(name, "")
    return int(value) if value.isascii() and value.isdigit() and len(value) < 10 else None


def period_arg() -> int:
    days = number_arg("days")
    return days if days in page.PERIODS else 30


def theme_url(theme_id: int) -> str:
    """The theme's page (insights.theme_detail), built from the blueprint's address once per request."""
    if "insights_base" not in g:
        g.insights_base = url_for("insights.index")
    return f"{g.insights_base}themes/{int(theme_id)}"


def board_url(project_id: int, theme_id: int | None = None, **filters: str) -> str:
    """The board filtered to the items a number counts (any status: the counts include closed
    ones). Built by hand from the board's address: a page holds hundreds of these links."""
    link = f"{board_base()}?project={int(project_id)}" + ("" if theme_id is None else f"&theme={int(theme_id)}")
    extra = {k: v for k, v in filters.items() if v is not None}
    return f"{link}&status=any&{urlencode(extra)}" if extra else f"{link}&status=any"


def board_base() -> str:
    if "board_base" not in g:
        g.board_base = url_for("board.inbox")
    return g.board_base


def weights_form(found: page.Weights, formdata=None) -> WeightsForm:
    form = WeightsForm(formdata=formdata)
    if formdata is None:
        form.vote_weight.data = found.vote_weight
        form.tiers.data = page.pairs_text(found.tier_weights)
        form.severity.data = page.pairs_text({p: found.points(p) for p in figures.PRIORITIES})
    return form


def render_index(project, days: int, form: WeightsForm | None = None, status: int = 200):
    if project is None:
        return render_template("insights/index.html", overview=None, projects=[]), status
    overview = page.overview(project, days)
    quoted = page.visible_quotes(current_user, overview.rows)
    return render_template(
        "insights/index.html", overview=overview, projects=page.all_projects(), periods=page.PERIODS,
        weights_form=form or weights_form(overview.weights), action_form=ActionForm(),
        followed=page.followed_ids(current_user), theme_url=theme_url, board_url=board_url,
        sparkline=figures.sparkline_points, can_see=lambda quote: quote.id in quoted,
        can_edit=current_user.has_role(Role.PM)), status


@bp.route("/")
def index():
    return render_index(page.project_or_first(number_arg("project")), period_arg())


@bp.route("/projects/<int:project_id>/weights", methods=["POST"])
@roles_required(Role.PM)
def set_weights(project_id: int):
    project = page.project_or_first(project_id)
    if project is None or project.id != project_id:
        abort(404)
    form = weights_form(page.weights_of(project.id), request.form)
    return commit_form(
        form, form.tiers,
        lambda: page.set_weights(project, form.vote_weight.data, form.tiers.data or "", form.severity.data or ""),
        lambda _: back_to("Impact weights saved.", "insights.index", project=project.id),
        lambda: render_index(project, period_arg(), form, 422))


@bp.route("/themes/<int:theme_id>/follow", methods=["POST"])
@roles_required(Role.PM)
def follow_theme(theme_id: int):
    return set_follow(theme_id, True)


@bp.route("/themes/<int:theme_id>/unfollow", methods=["POST"])
@roles_required(Role.PM)
def unfollow_theme(theme_id: int):
    return set_follow(theme_id, False)


def set_follow(theme_id: int, on: bool):
    theme = page.get_theme(theme_id)
    form = ActionForm()
    if not form.validate_on_submit():
        abort(400)
    page.follow(theme, current_user, on)
    db.session.commit()
    message = f"Following {theme.name}: its spikes reach you." if on else f"No longer following {theme.name}."
    if request.args.get("back") == "theme":  # the theme's own page (a fixed choice, never a URL)
        return back_to(message, "insights.theme_detail", theme_id=theme.id)
    return back_to(message, "insights.index", project=theme.project_id, days=period_arg())


def csv_response(text: str, name: str):
    return text, 200, {"Content-Type": "text/csv; charset=utf-8",
                       "Content-Disposition": f'attachment; filename="{name}"'}


@bp.route("/export/items.csv")
def export_items():
    """The items the board's filters (same query arguments as /board/) select, as CSV; above
    EXPORT_INLINE_ROWS items, a page offering to write it in the background instead."""
    flt = InboxFilter.from_args(request.args)
    if export_jobs.too_large_inline(flt):
        return render_template("insights/export.html", form=ActionForm(), job=None, args=request.args.to_dict())
    return csv_response(exports.items_csv(flt, current_user), "items.csv")


@bp.route("/export/themes.csv")
def export_themes():
    project = page.project_or_first(number_arg("project"))
    if project is None:
        abort(404)
    overview = page.overview(project, period_arg(), top=None)  # every theme, not the page's first 25
    return csv_response(exports.themes_csv(overview, current_user), f"themes-{project.slug}-{overview.days}d.csv")
