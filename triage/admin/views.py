from __future__ import annotations

from flask import render_template, request

from triage.admin import bp
from triage.admin.forms import ProjectForm, TeamForm, UserForm, team_choices
from triage.extensions import db
from triage.models import ItemAccess, Project, Role, Team, User, parse_id
from triage.services import DomainError, accounts, find, get
from triage.services.accounts import two_factor
from triage.services.intake import branding, widget
from triage.web import back_to, commit_form

FORM_OVERHEAD = 64 * 1024  # the project form's text fields around its logo


def chosen_team(value: str | None) -> Team | None:
    return find(Team, parse_id(value))


def render_index(team_form: TeamForm, status: int = 200):
    return render_template(
        "admin/index.html",
        projects=accounts.all_projects(), users=accounts.all_users(), teams=accounts.all_teams(),
        team_form=team_form,
    ), status


@bp.route("/")
def index():
    return render_index(TeamForm())


def save_project(form: ProjectForm, project: Project | None) -> Project:
    """Create or update from a validated form (DomainError when refused)."""
    team = chosen_team(form.default_team.data)
    if project is None:
        project = accounts.create_project(form.slug.data, form.name.data, team)
    else:
        accounts.update_project(project, slug=form.slug.data, name=form.name.data, default_team=team)
    widget.set_allowed_origins(project, form.allowed_origins.data or "")
    accounts.set_submitter_emails(project, form.notify_submitter_on_resolve.data)
    branding.set_brand(project, form.brand_color.data)
    if form.remove_logo.data or form.cleaned_logo:
        branding.set_logo(project, None if form.remove_logo.data else form.cleaned_logo)
    return project


@bp.url_value_preprocessor
def allow_logo(endpoint: str | None, _values: dict | None) -> None:
    """Let the project form carry a logo (before CSRF protection reads, and size-checks, the form)."""
    if endpoint == "admin.project" and request.method == "POST":
        request.max_content_length = branding.LOGO_MAX_BYTES + FORM_OVERHEAD


@bp.route("/projects/new", methods=["GET", "POST"])
@bp.route("/projects/<int:project_id>", methods=["GET", "POST"])
def project(project_id: int | None = None):
    existing = get(Project, project_id) if project_id else None
    form = ProjectForm(obj=existing)
    form.default_team.choices = team_choices(accounts.all_teams())
    if existing and not form.is_submitted():
        form.default_team.data = str(existing.default_team_id or "")
    return commit_form(form, form.slug, lambda: save_project(form, existing),
                       lambda saved: back_to(f"Project {saved.name} saved.", "admin.index"),
                       lambda: (render_template("admin/project.html", form=form, project=existing,
                                                refused=widget.refused_attempts(existing) if existing else []),
                                422 if form.errors else 200))


def save_user(form: UserForm, user: User | None) -> User:
    """Create or update from a validated form (DomainError when refused)."""
    team, role, access = chosen_team(form.team.data), Role(form.role.data), ItemAccess(form.item_access.data)
    if user is None:
        if not form.password.data:
            raise DomainError("A new user needs a password.")
        user = accounts.create_user(form.email.data, form.password.data, role, form.name.data or "", team)
        user.active, user.totp_required, user.item_access = form.active.data, form.totp_required.data, access
        return user
    accounts.update_user(user, name=form.name.data or "", role=role, active=form.active.data, team=team,
                         totp_required=form.totp_required.data, item_access=access)
    if form.remove_two_factor.data:
        two_factor.remove(user)
    if form.password.data:
        accounts.set_password(user, form.password.data)
    return user


@bp.route("/users/new", methods=["GET", "POST"])
@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
def user(user_id: int | None = None):
    existing = get(User, user_id) if user_id else None
    form = UserForm(obj=existing)
    form.team.choices = team_choices(accounts.all_teams())
    if existing and not form.is_submitted():
        form.role.data = existing.role.value
        form.team.data = str(existing.teams[0].id) if existing.teams else ""
    if existing:
        form.email.render_kw = {"readonly": True}
        form.email.data = existing.email
    return commit_form(form, form.email, lambda: save_user(form, existing),
                       lambda saved: back_to(f"User {saved.email} saved.", "admin.index"),
                       lambda: (render_template("admin/user.html", form=form, user=existing),
                                422 if form.errors else 200))


@bp.route("/users/require-two-factor", methods=["POST"])
def require_two_factor():
    """Every active account must use two-factor sign-in (each is asked to set it up at its next
    page); CSRFProtect has checked the token."""
    changed = two_factor.require_of_everyone()
    db.session.commit()
    return back_to(f"Two-factor sign-in is now required of {changed} more accounts.", "admin.index")


@bp.route("/teams", methods=["POST"])
def create_team():
    form = TeamForm()
    return commit_form(form, form.name, lambda: accounts.create_team(form.name.data),
                       lambda _: back_to(f"Team {form.name.data} created.", "admin.index"),
                       lambda: render_index(form, 422))
