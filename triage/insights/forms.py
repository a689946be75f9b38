"""The PMs' forms on the themes pages; the choices of themes and items are filled by the views."""
from flask_wtf import FlaskForm
from wtforms import HiddenField, IntegerField, SelectField, SelectMultipleField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from triage.models import ThemeStatus
from triage.services.insights.themes import MAX_NAME

STATUS_CHOICES = [SelectChoice(s.value, s.label) for s in ThemeStatus]


class RunForm(FlaskForm):
    """Run the themes of one project now, as a background job."""

    project_id = IntegerField(validators=[InputRequired()])


class RenameForm(FlaskForm):
    name = StringField("Name", validators=[DataRequired(), Length(max=MAX_NAME)])


class ThemeStatusForm(FlaskForm):
    status = SelectField("Status", choices=STATUS_CHOICES, validators=[DataRequired()])


class PinForm(FlaskForm):
    pinned = HiddenField(validators=[DataRequired()])  # "1" pins, "0" unpins


class MergeForm(FlaskForm):
    target = SelectField("Merge into", coerce=int, validators=[InputRequired()])


class ItemsForm(FlaskForm):
    """Chosen items of a theme, split off into a new theme or moved to another (0: unthemed)."""

    items = SelectMultipleField("Items", coerce=int, validators=[DataRequired(message="Choose at least one item.")])
    name = StringField("New theme's name", validators=[Optional(), Length(max=MAX_NAME)])
    target = SelectField("Move to", coerce=int, validators=[Optional()])
