from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, SelectField, StringField, SubmitField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, Length, Optional

from triage.models import Role
from triage.services.accounts import MIN_PASSWORD

ROLE_CHOICES = [SelectChoice(r.value, r.value) for r in Role]


def team_choices(teams) -> list[SelectChoice]:
    return [SelectChoice("", "— none —")] + [SelectChoice(str(t.id), t.name) for t in teams]


class ProjectForm(FlaskForm):
    name = StringField("Name", validators=[DataRequired(), Length(max=120)])
    slug = StringField("Slug (address of the public form: /p/<slug>)",
                       validators=[DataRequired(), Length(max=60)])
    default_team = SelectField("Default team", validators=[Optional()])
    submit = SubmitField("Save project")


class UserForm(FlaskForm):
    email = EmailField("Email", validators=[DataRequired(), Email(check_deliverability=False), Length(max=254)])
    name = StringField("Name", validators=[Optional(), Length(max=120)])
    role = SelectField("Role", choices=ROLE_CHOICES, validators=[DataRequired()])
    team = SelectField("Team", validators=[Optional()])
    active = BooleanField("Active", default=True)
    password = PasswordField(f"Password (at least {MIN_PASSWORD} characters; leave empty to keep)",
                             validators=[Optional(), Length(min=MIN_PASSWORD, max=200)])
    submit = SubmitField("Save user")


class TeamForm(FlaskForm):
    name = StringField("Team name", validators=[DataRequired(), Length(max=80)])
