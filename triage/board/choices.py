"""What the board's forms and filter bar offer, and how a refused form reads."""
from __future__ import annotations

from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from triage.board.forms import ApplyMacroForm
from triage.models import Category, Channel, Kind, Priority, Status
from triage.services import DomainError, accounts
from triage.services.insights import themes
from triage.services.items import macros


def team_and_people_choices() -> tuple[list, list]:
    """(team, person) select choices: every team, and every active member of a team."""
    teams = accounts.all_teams(with_members=True)
    people = sorted({m.user for t in teams for m in t.memberships if m.user.active}, key=lambda u: u.display_name)
    return ([SelectChoice("", "— no team —")] + [SelectChoice(str(t.id), t.name) for t in teams],
            [SelectChoice("", "— nobody —")] + [SelectChoice(str(u.id), u.display_name) for u in people])


def macro_choices() -> list[SelectChoice]:
    """The macros the signed-in person can apply (shared ones and their own)."""
    return [SelectChoice("", "— choose a macro —")] + [SelectChoice(str(m.id), m.name)
                                                       for m in macros.usable_macros(current_user)]


def apply_form(formdata=None) -> ApplyMacroForm:
    """The item page's macro form (choices: macro_choices)."""
    form = ApplyMacroForm(formdata=formdata)
    form.macro.choices = macro_choices()
    return form


def share_choices() -> list[SelectChoice]:
    return [SelectChoice("", "Only me")] + [SelectChoice(str(t.id), t.name) for t in current_user.teams]


def filter_choices(teams: list | None = None, people: list | None = None) -> dict:
    """What the filter bar offers, shared by the inbox and the kanban."""
    if teams is None or people is None:
        teams, people = team_and_people_choices()
    return {"projects": accounts.all_projects(), "teams": teams[1:], "people": people[1:], "statuses": list(Status),
            "kinds": list(Kind), "channels": list(Channel), "categories": list(Category),
            "priorities": list(Priority), "themes": themes.all_themes()}


def form_problem(form) -> DomainError:
    """A refused form as a DomainError (a 422 page, or JSON for JSON clients)."""
    return DomainError("; ".join(f"{name}: {', '.join(errs)}" for name, errs in form.errors.items()))
