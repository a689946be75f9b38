"""The insights pages' forms: the PMs' theme edits (choices filled by the views), impact weights,
and buttons (follow, unfollow)."""
from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, FloatField, HiddenField, IntegerField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from triage.models import ThemeStatus
from triage.services.insights.importer import FIELDS
from triage.services.insights.page import MAX_WEIGHT
from triage.services.insights.themes import MAX_NAME, MAX_NOTE

STATUS_CHOICES = [SelectChoice(s.value, s.label) for s in ThemeStatus]


class RunForm(FlaskForm):
    """Run the themes of one project now, as a background job."""

    project_id = IntegerField(validators=[InputRequired()])


class RenameForm(FlaskForm):
    name = StringField("Name", validators=[DataRequired(), Length(max=MAX_NAME)])


class ThemeStatusForm(FlaskForm):
    status = SelectField("Status", choices=STATUS_CHOICES, validators=[DataRequired()])


class NoteForm(FlaskForm):
    body = TextAreaField("Internal note", validators=[DataRequired(), Length(max=MAX_NOTE)],
                         description="Staff see it; end users never do.")


class PinForm(FlaskForm):
    pinned = HiddenField(validators=[DataRequired()])  # "1" pins, "0" unpins


class MergeForm(FlaskForm):
    target = SelectField("Merge into", coerce=int, validators=[InputRequired()])


class DeleteThemeForm(FlaskForm):
    confirm = BooleanField("Yes, delete this theme; its items become unthemed",
                           validators=[DataRequired(message="Tick the box to delete the theme.")])


class ItemsForm(FlaskForm):
    """Chosen items of a theme, split off into a new theme or moved to another (0: unthemed)."""

    items = SelectMultipleField("Items", coerce=int, validators=[DataRequired(message="Choose at least one item.")])
    name = StringField("New theme's name", validators=[Optional(), Length(max=MAX_NAME)])
    target = SelectField("Move to", coerce=int, validators=[Optional()])


class ActionForm(FlaskForm):
    """Only the CSRF token: for the follow and unfollow buttons."""


class WeightsForm(FlaskForm):
    vote_weight = FloatField("Weight of one vote", validators=[InputRequired(), NumberRange(0, MAX_WEIGHT)])
    tiers = StringField("Weight per customer tier", validators=[Optional(), Length(max=500)],
                        description="e.g. enterprise=3, pro=2 (from the signed identity's tier or plan; others 1)")
    severity = StringField("Severity points per priority", validators=[Optional(), Length(max=200)],
                           description="e.g. P1=5, P2=4, P3=3, P4=2, P5=1")


class ImportForm(FlaskForm):
    """Upload a CSV file of feedback, imported by a background job (services/insights/import_jobs.py)."""

    project_id = SelectField("Project", coerce=int, validators=[InputRequired()])
    file = FileField("CSV file (UTF-8, a header row)", validators=[FileRequired()], render_kw={"accept": ".csv,text/csv"})
    mapping = StringField("Column mapping (optional)", validators=[Optional(), Length(max=500)],
                          description="field=Column pairs, comma separated, e.g. title=Summary,body=Description,"
                                      "created_at=Created,email=Reporter. Unmapped fields read a column of their own "
                                      f"name. Fields: {', '.join(FIELDS)}.")
