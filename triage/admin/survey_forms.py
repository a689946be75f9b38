"""Forms of the survey admin pages."""
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField, SubmitField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

from triage.models import SurveyKind

KIND_LABELS = {SurveyKind.NPS: "NPS (0-10 and why)", SurveyKind.CSAT: "CSAT (1-5 and a comment)",
               SurveyKind.SINGLE: "Single open question"}


class SurveyForm(FlaskForm):
    """A new survey; the project choices are filled by the view."""

    project = SelectField("Project", validators=[DataRequired()])
    kind = SelectField("Kind", choices=[SelectChoice(k.value, label) for k, label in KIND_LABELS.items()],
                       validators=[DataRequired()])
    question = StringField("Question", validators=[Optional(), Length(max=300)],
                           description="Leave empty for the standard NPS or CSAT question.")
    submit = SubmitField("Create survey")
