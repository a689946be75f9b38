from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length

from triage.models import Status
from triage.services.items import MAX_COMMENT

STATUS_CHOICES = [SelectChoice(s.value, s.label) for s in Status]


class StatusForm(FlaskForm):
    status = SelectField("Status", choices=STATUS_CHOICES, validators=[DataRequired()])


class CommentForm(FlaskForm):
    body = TextAreaField("Comment", validators=[DataRequired(), Length(max=MAX_COMMENT)])
    public = BooleanField("Public reply (the submitter sees it on their status page)")
