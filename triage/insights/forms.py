"""The insights pages' forms: impact weights, and buttons (follow, unfollow)."""
from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import FloatField, StringField
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from triage.services.insights.page import MAX_WEIGHT


class ActionForm(FlaskForm):
    """Only the CSRF token: for the follow and unfollow buttons."""


class WeightsForm(FlaskForm):
    vote_weight = FloatField("Weight of one vote", validators=[InputRequired(), NumberRange(0, MAX_WEIGHT)])
    tiers = StringField("Weight per customer tier", validators=[Optional(), Length(max=500)],
                        description="e.g. enterprise=3, pro=2 (from the signed identity's tier or plan; others 1)")
    severity = StringField("Severity points per priority", validators=[Optional(), Length(max=200)],
                           description="e.g. P1=5, P2=4, P3=3, P4=2, P5=1")
