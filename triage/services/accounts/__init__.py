"""Users, teams and projects."""
from __future__ import annotations

import re

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from triage.extensions import db
from triage.models import ItemAccess, Project, Role, Team, TeamMember, TeamRole, User, new_token, parse_id
from triage.services import DomainError, find

SLUG_RE = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,58}[a-z0-9])?$")
MIN_PASSWORD = 8


def find_user(email: str) -> User | None:
    """The user with this email, compared case-insensitively."""
    return db.session.scalar(select(User).where(func.lower(User.email) == email.strip().lower()))


def session_user(user_id: str) -> User | None:
    """The user behind Flask-Login's "id:session_token"; None once the token rotated (logout,
    password change) or for anything malformed."""
    uid, _, token = user_id.partition(":")
    user = find(User, parse_id(uid))
    return user if user is not None and token and user.session_token == token else None


def all_users(active_only: bool = False) -> list[User]:
    """Users by email (only the active ones if asked)."""
    query = select(User).order_by(User.email)
    return list(db.session.scalars(query.where(User.active) if active_only else query))


def all_teams(with_members: bool = False) -> list[Team]:
    """Teams by name; with_members loads each team's memberships and their users too."""
    query = select(Team).order_by(Team.name)
    if with_members:
        query = query.options(selectinload(Team.memberships).joinedload(TeamMember.user))
    return list(db.session.scalars(query))


def all_projects() -> list[Project]:
    return list(db.session.scalars(select(Project).order_by(Project.name)))


def find_team(name: str) -> Team | None:
    return db.session.scalar(select(Team).where(Team.name == name))


def create_team(name: str) -> Team:
    """Add a team; names are unique."""
    name = name.strip()
    if not name:
        raise DomainError("A team needs a name.")
    if find_team(name):
        raise DomainError(f"A team named {name!r} already exists.")
    team = Team(name=name)
    db.session.add(team)
    db.session.flush()
    return team


def set_team_membership(user: User, team: Team | None, role: TeamRole = TeamRole.MEMBER) -> None:
    """Make the user belong to exactly this team (or none) with the given role."""
    user.memberships.clear()
    db.session.flush()
    if team is not None:
        user.memberships.append(TeamMember(team=team, role=role))
    db.session.flush()


def create_user(email: str, password: str, role: Role, name: str = "", team: Team | None = None) -> User:
    """Add a staff account with a hashed password; emails are unique."""
    email = email.strip().lower()
    if "@" not in email:
        raise DomainError("Enter a valid email address.")
    if find_user(email):
        raise DomainError(f"A user with email {email} already exists.")
    check_password_strength(password)
    user = User(email=email, name=name.strip(), role=role)
    user.set_password(password)
    db.session.add(user)
    db.session.flush()
    if team is not None:
        set_team_membership(user, team)
    return user


def check_password_strength(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise DomainError(f"A password needs at least {MIN_PASSWORD} characters.")


def set_password(user: User, password: str) -> None:
    """Change the password and end every session the user had."""
    check_password_strength(password)
    user.set_password(password)
    end_sessions(user)


def end_sessions(user: User) -> None:
    """Invalidate every login cookie issued to this user so far."""
    user.session_token = new_token()


def update_user(user: User, *, name: str, role: Role, active: bool, team: Team | None,
                totp_required: bool | None = None, item_access: ItemAccess | None = None) -> None:
    """Edit a user; deactivating one ends their sessions at once. A user required to use
    two-factor sign-in without it is held on its setup page from their next request. item_access (None: kept) is
    which items an agent sees (services/access.py)."""
    user.name = name.strip()
    user.role = role
    if item_access is not None:
        user.item_access = item_access
    if user.active and not active:
        end_sessions(user)
    user.active = active
    if totp_required is not None:
        user.totp_required = totp_required
    if team not in user.teams or len(user.teams) > 1:
        set_team_membership(user, team)
    db.session.flush()


def validate_slug(slug: str) -> str:
    slug = slug.strip().lower()
    if not SLUG_RE.match(slug):
        raise DomainError("A slug is 1-60 lowercase letters, digits and dashes, not starting or ending with a dash.")
    return slug


def create_project(slug: str, name: str, default_team: Team | None = None) -> Project:
    """Add a project with a fresh public key for its widget."""
    slug = validate_slug(slug)
    if db.session.scalar(select(Project).where(Project.slug == slug)):
        raise DomainError(f"A project with slug {slug!r} already exists.")
    if not name.strip():
        raise DomainError("A project needs a name.")
    project = Project(slug=slug, name=name.strip(), default_team=default_team, allowed_origins=[])
    db.session.add(project)
    db.session.flush()
    return project


def set_submitter_emails(project: Project, on_resolve: bool) -> None:
    """Whether submitters are emailed when their item is resolved or closed (flushes)."""
    project.notify_submitter_on_resolve = on_resolve
    db.session.flush()


def update_project(project: Project, *, slug: str, name: str, default_team: Team | None) -> None:
    """Rename a project or change its slug (which moves its public form's address)."""
    slug = validate_slug(slug)
    clash = db.session.scalar(select(Project).where(Project.slug == slug, Project.id != project.id))
    if clash:
        raise DomainError(f"A project with slug {slug!r} already exists.")
    project.slug, project.name, project.default_team = slug, name.strip(), default_team
    db.session.flush()
