"""Forms of the survey admin pages."""
from flask_wtf import FlaskForm
from wtforms import IntegerField, SelectField, StringField, SubmitField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from triage.models import SurveyKind

KIND_LABELS = {SurveyKind.NPS: "NPS (0-10 and why)", SurveyKind.CSAT: "CSAT (1-5 and a comment)",
               SurveyKind.SINGLE: "Single open question"}


# Made per form so each form lists them after its own fields.
def sample_percent_field() -> IntegerField:
    return IntegerField(
        "Sample (% of visitors)", default=100,
        validators=[InputRequired("Give a percentage."), NumberRange(1, 100, "A percentage from 1 to 100.")],
        description="The widget shows the survey to this share of visitors (the same ones on every visit).")


def frequency_days_field() -> IntegerField:
    return IntegerField(
        "Ask again after (days)", default=90,
        validators=[InputRequired("Give a number of days."), NumberRange(1, 3650, "From 1 to 3650 days.")],
        description="A visitor who answered, or was shown the survey, is not asked again for this long.")


class SurveyForm(FlaskForm):
    """A new survey; the project choices are filled by the view."""

    project = SelectField("Project", validators=[DataRequired()])
    kind = SelectField("Kind", choices=[SelectChoice(k.value, label) for k, label in KIND_LABELS.items()],
                       validators=[DataRequired()])
    question = StringField("Question", validators=[Optional(), Length(max=300)],
                           description="Leave empty for the standard NPS or CSAT question.")
    sample_percent = sample_percent_field()
    frequency_days = frequency_days_field()
    submit = SubmitField("Create survey")


class TargetingForm(FlaskForm):
    """Change who the widget asks an existing survey: a share of visitors, and how often."""

    sample_percent = sample_percent_field()
    frequency_days = frequency_days_field()
    submit = SubmitField("Save targeting")
