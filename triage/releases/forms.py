"""Forms of the release pages: the gate's rules, a follower, a release made by hand, a fix."""
from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, DateTimeLocalField, EmailField, FloatField, IntegerField, StringField
from wtforms.validators import DataRequired, Email, InputRequired, Length, NumberRange, Optional, ValidationError

from triage.models import RuleKind
from triage.services.releases import gate, versions

THRESHOLD_HELP = {
    RuleKind.NO_OPEN_P1: "no threshold: any open P1 fails",
    RuleKind.MAX_OPEN_P2: "open P2 reports allowed",
    RuleKind.BUG_RATE: "% rise allowed; minimum: bug reports in both versions together",
    RuleKind.NPS_DROP: "points of NPS it may lose; minimum: answers on each version",
    RuleKind.NEW_THEME: "reports that make a new theme fail the release",
}


def valid_version(form, field) -> None:
    try:
        versions.optional(field.data)
    except versions.InvalidVersion as error:
        raise ValidationError(str(error)) from error


class RulesForm(FlaskForm):
    """One line per rule kind: on or off, its threshold and its minimum sample."""

    @classmethod
    def for_rules(cls, rules: list[gate.Rule]) -> RulesForm:
        current = {r.kind: r for r in rules}
        data = {}
        for kind in RuleKind:
            rule = current.get(kind) or next(r for r in gate.DEFAULT_RULES if r.kind == kind)
            data |= {f"{kind.value}_on": kind in current, f"{kind.value}_threshold": rule.threshold,
                     f"{kind.value}_min": rule.min_sample}
        return cls(data=data)  # a submitted form reads the request instead

    def rules(self) -> list[gate.Rule]:
        return [gate.Rule(kind, self[f"{kind.value}_threshold"].data or 0, self[f"{kind.value}_min"].data or 0)
                for kind in RuleKind if self[f"{kind.value}_on"].data]

    def lines(self):
        return [(kind, self[f"{kind.value}_on"], self[f"{kind.value}_threshold"], self[f"{kind.value}_min"],
                 THRESHOLD_HELP[kind]) for kind in RuleKind]


for _kind in RuleKind:
    setattr(RulesForm, f"{_kind.value}_on", BooleanField("On"))
    setattr(RulesForm, f"{_kind.value}_threshold", FloatField(
        "Threshold", validators=[InputRequired("Give a number."), NumberRange(0, 10**6, "A number from 0.")]))
    setattr(RulesForm, f"{_kind.value}_min", IntegerField(
        "Minimum sample", validators=[InputRequired("Give a number."), NumberRange(0, 10**6, "A number from 0.")]))


class ConfirmForm(FlaskForm):
    """A button that changes something: the CSRF token only."""


class FollowerForm(FlaskForm):
    email = EmailField("Email", validators=[DataRequired(), Email(check_deliverability=False), Length(max=254)])


class ReleaseForm(FlaskForm):
    """A release made by hand, or its release time corrected."""

    version = StringField("Version", validators=[DataRequired(), Length(max=versions.MAX_VERSION), valid_version])
    released_at = DateTimeLocalField("Released at (UTC)", validators=[Optional()])


class FixForm(FlaskForm):
    """An item (by number) or a theme (by name) marked fixed in a version."""

    item_id = IntegerField("Item #", validators=[Optional(), NumberRange(1, 2**31 - 1)])
    theme = StringField("or theme", validators=[Optional(), Length(max=120)])
    version = StringField("Fixed in", validators=[DataRequired(), Length(max=versions.MAX_VERSION), valid_version])
    threshold = IntegerField("Reopen after this many new reports", default=1,
                             validators=[InputRequired(), NumberRange(1, 10_000)])

    def validate_theme(self, field) -> None:
        if not self.item_id.data and not (field.data or "").strip():
            raise ValidationError("Give an item number or a theme name.")
