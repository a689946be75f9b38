from flask_wtf import FlaskForm
from wtforms import BooleanField, IntegerField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from triage.models import Category, Level, Status
from triage.services.items import MAX_COMMENT
from triage.services.items.macros import MAX_NAME as MAX_MACRO_NAME
from triage.services.insights.themes import MAX_NAME as MAX_THEME

STATUS_CHOICES = [SelectChoice(s.value, s.label) for s in Status]


class StatusForm(FlaskForm):
    status = SelectField("Status", choices=STATUS_CHOICES, validators=[DataRequired()])


class CommentForm(FlaskForm):
    body = TextAreaField("Comment", validators=[DataRequired(), Length(max=MAX_COMMENT)])
    public = BooleanField("Public reply (the submitter sees it on their status page)")


def level_choices() -> list[SelectChoice]:
    return [SelectChoice(v.value, v.capitalize()) for v in Level]


class ReclassifyForm(FlaskForm):
    """A triager's correction of the classifier; the priority follows from impact and urgency."""

    category = SelectField("Category", choices=[SelectChoice(c.value, c.capitalize()) for c in Category],
                           validators=[DataRequired()])
    impact = SelectField("Impact", choices=level_choices(), validators=[DataRequired()])
    urgency = SelectField("Urgency", choices=level_choices(), validators=[DataRequired()])


class AssignForm(FlaskForm):
    """Give the item to a team and/or a person (choices are filled by the view)."""

    team = SelectField("Team", validators=[Optional()])
    assignee = SelectField("Assignee", validators=[Optional()])


class ThemeForm(FlaskForm):
    """File the item under a theme of its project: an existing name or a new one; blank for none."""

    theme = StringField("Theme", validators=[Optional(), Length(max=MAX_THEME)])


class SaveViewForm(FlaskForm):
    """Save the inbox's current filters (sent as hidden fields) under a name; the view fills
    share_team's choices with the user's own teams."""

    name = StringField("Name", validators=[DataRequired(), Length(max=80)])
    share_team = SelectField("Share with", validators=[Optional()])


BULK_ACTIONS = [SelectChoice("assign", "Assign"), SelectChoice("status", "Set status"),
                SelectChoice("reclassify", "Set impact/urgency"), SelectChoice("tag", "Add tag"),
                SelectChoice("theme", "Set theme"), SelectChoice("macro", "Apply macro"),
                SelectChoice("merge", "Merge into the oldest")]


class BulkForm(FlaskForm):
    """One action on the items ticked in the inbox; the view fills the team/assignee choices."""

    ids = SelectMultipleField("Items", coerce=int, validate_choice=False, validators=[DataRequired()])
    action = SelectField("Action", choices=BULK_ACTIONS, validators=[DataRequired()])
    team = SelectField("Team", validators=[Optional()])
    assignee = SelectField("Assignee", validators=[Optional()])
    status = SelectField("Status", choices=STATUS_CHOICES, validators=[Optional()])
    impact = SelectField("Impact", choices=level_choices(), validators=[Optional()])
    urgency = SelectField("Urgency", choices=level_choices(), validators=[Optional()])
    tag = StringField("Tag", validators=[Optional(), Length(max=40)])
    theme = StringField("Theme", validators=[Optional(), Length(max=MAX_THEME)])
    macro = SelectField("Macro", validators=[Optional()])


class MacroForm(FlaskForm):
    """A saved reply: its text with placeholders, and optionally a status to set and tags to add."""

    name = StringField("Name", validators=[DataRequired(), Length(max=MAX_MACRO_NAME)])
    body = TextAreaField("Reply", validators=[DataRequired(), Length(max=MAX_COMMENT)])
    status = SelectField("Then set the status to", choices=[SelectChoice("", "— leave as is —"), *STATUS_CHOICES],
                         validators=[Optional()])
    tags = StringField("And add the tags (comma-separated)", validators=[Optional(), Length(max=1000)])
    shared = BooleanField("Shared with all staff (otherwise only you see it)")


class ApplyMacroForm(FlaskForm):
    """Apply a macro to the item: the reply as previewed and perhaps edited (blank: the macro as filled)."""

    macro = SelectField("Macro", validators=[DataRequired()])
    body = TextAreaField("Reply to send", validators=[Optional(), Length(max=MAX_COMMENT)])


class MergeForm(FlaskForm):
    """Merge this item and another (the older one survives); the other's id is in the button."""

    other = IntegerField("Other item", validators=[DataRequired(), NumberRange(min=1, max=2**31 - 1)])


class ActionForm(FlaskForm):
    """A button that needs only the CSRF token (unmerge)."""


class PublicForm(FlaskForm):
    public = BooleanField("Public: end users see it, vote on it and are offered it as a similar report")


class TriagePanelForm(ReclassifyForm):
    """Every triage field of the item page in one form (team and assignee choices filled by the view)."""

    team = SelectField("Team", validators=[Optional()])
    assignee = SelectField("Assignee", validators=[Optional()])
    theme = StringField("Theme", validators=[Optional(), Length(max=MAX_THEME)])
    tags = StringField("Tags (comma-separated)", validators=[Optional(), Length(max=1000)])
    status = SelectField("Status", choices=STATUS_CHOICES, validators=[DataRequired()])
