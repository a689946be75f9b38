"""Forms of the workflow admin pages: routing rules, SLA policies and tiers, webhooks, calendars."""
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
    TimeField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import URL, DataRequired, InputRequired, Length, NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from triage.models import Category, Channel, Deadline, DeliveryChannel, EscalationTarget, Kind, Priority, Strategy, TeamRole
from triage.services import DomainError
from triage.services.delivery.notify import PRESETS
from triage.services.triage import sla
from triage.services.delivery.subscriptions import EVENTS


def choices(values, blank: str | None = None) -> list[SelectChoice]:
    found = [SelectChoice("", blank)] if blank is not None else []
    return found + [SelectChoice(v, v.replace("_", " ")) for v in values]


class ActionForm(FlaskForm):
    """Only the CSRF token: for buttons that retry, delete or move a row."""


class MoveForm(FlaskForm):
    direction = SelectField("Direction", choices=choices(["up", "down"]), validators=[DataRequired()])


class RuleForm(FlaskForm):
    name = StringField("Name", validators=[DataRequired(), Length(max=120)])
    project = SelectField("Project is", validators=[Optional()])
    channel = SelectField("Channel is", choices=choices([c.value for c in Channel], "any"), validators=[Optional()])
    kind = SelectField("Kind is", choices=choices([k.value for k in Kind], "any"), validators=[Optional()])
    category = SelectField("Category is", choices=choices([c.value for c in Category], "any"), validators=[Optional()])
    priority = SelectField("Priority is", choices=choices([p.value for p in Priority], "any"), validators=[Optional()])
    tag = StringField("Has tag", validators=[Optional(), Length(max=50)])
    keyword = StringField("Title or text contains (any case)", validators=[Optional(), Length(max=200)])
    pattern = StringField("Title or text matches the regular expression (any case)",
                          validators=[Optional(), Length(max=300)])
    team = SelectField("Send to team", validators=[DataRequired()])
    strategy = SelectField("Assign", choices=[SelectChoice(s.value, label) for s, label in (
        (Strategy.NONE, "nobody (the team's queue)"), (Strategy.FIXED, "a fixed person"),
        (Strategy.ROUND_ROBIN, "round robin in the team"), (Strategy.LEAST_LOADED, "fewest open items"))],
        validators=[DataRequired()])
    assignee = SelectField("Fixed person", validators=[Optional()])
    active = BooleanField("Active", default=True)
    submit = SubmitField("Save rule")

    CONDITIONS = ("project", "channel", "kind", "category", "priority", "tag", "keyword", "pattern")

    def conditions(self) -> dict:
        found = {name: getattr(self, name).data for name in self.CONDITIONS}
        found["project_id"] = int(found.pop("project")) if found["project"] else None
        return found


class DurationField(StringField):
    """A duration typed in words ("4 h", "3 days", "2 h 30 min"; a bare number is minutes),
    held as minutes and shown back in the largest whole unit."""

    def process_formdata(self, valuelist):
        self.data = None
        if valuelist and valuelist[0].strip():
            try:
                self.data = sla.parse_duration(valuelist[0])
            except DomainError as error:
                raise ValueError(str(error)) from None

    def _value(self) -> str:
        return sla.duration_text(self.data) if isinstance(self.data, int) else ""


class PolicyForm(FlaskForm):
    priority = SelectField("Priority", choices=choices([p.value for p in Priority]), validators=[DataRequired()])
    first_response_minutes = DurationField("First response within (e.g. 4 h, 2 days, 45 min)",
                                           validators=[InputRequired(), NumberRange(min=1, max=10**6)])
    resolution_minutes = DurationField("Resolution within (e.g. 3 days)",
                                       validators=[InputRequired(), NumberRange(min=1, max=10**6)])
    business_hours = BooleanField("Count in the team's business hours")
    submit = SubmitField("Save policy")


class TierForm(FlaskForm):
    deadline = SelectField("Deadline", choices=choices([d.value for d in Deadline]), validators=[DataRequired()])
    threshold_percent = IntegerField("At % of the target", validators=[DataRequired(), NumberRange(min=1, max=1000)])
    target = SelectField("Notify", choices=choices([t.value for t in EscalationTarget]), validators=[DataRequired()])
    channel = SelectField("By", choices=choices([c.value for c in DeliveryChannel]), validators=[DataRequired()])
    webhook = SelectField("Webhook (for the webhook channel)", validators=[Optional()])
    include_backlog = BooleanField("Also escalate the existing backlog (items already past this share)")


class WebhookForm(FlaskForm):
    name = StringField("Name", validators=[DataRequired(), Length(max=80)])
    url = StringField("URL", validators=[DataRequired(), URL(require_tld=False), Length(max=500)])
    preset = SelectField("Format", choices=choices(PRESETS), validators=[DataRequired()])
    events = SelectMultipleField("Send these events of every item", choices=choices(EVENTS),
                                 widget=ListWidget(prefix_label=False), option_widget=CheckboxInput(),
                                 render_kw={"class": "list-unstyled"})
    active = BooleanField("Active", default=True)
    submit = SubmitField("Save webhook")


class CalendarForm(FlaskForm):
    timezone = StringField("Time zone (e.g. Europe/Berlin; empty: around the clock)",
                           validators=[Optional(), Length(max=60)])
    days = SelectMultipleField("Working days (none ticked: Monday to Friday)",
                               choices=[SelectChoice(str(n), name) for n, name in enumerate(sla.WEEKDAYS)],
                               widget=ListWidget(prefix_label=False), option_widget=CheckboxInput(),
                               render_kw={"class": "list-unstyled"}, validators=[Optional()])
    start = TimeField("From", validators=[Optional()])
    end = TimeField("To", validators=[Optional()])
    holidays = TextAreaField("Holidays (YYYY-MM-DD, one per line)", validators=[Optional(), Length(max=4000)])
    submit = SubmitField("Save business hours")


class MemberRoleForm(FlaskForm):
    user_id = IntegerField("User", validators=[DataRequired()])
    role = SelectField("Role in the team", choices=choices([r.value for r in TeamRole]), validators=[DataRequired()])
