from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, StringField, SubmitField
from wtforms.validators import DataRequired, Length


class LoginForm(FlaskForm):
    email = EmailField("Email", validators=[DataRequired(), Length(max=254)])
    password = PasswordField("Password", validators=[DataRequired(), Length(max=200)])
    submit = SubmitField("Sign in")


class TokenForm(FlaskForm):
    """A new personal API token: only its name is chosen, the value is random."""

    name = StringField("Token name", validators=[DataRequired(), Length(max=80)],
                       description="What uses it, e.g. \"nightly export script\".")
    submit = SubmitField("Create token")


class NotificationsForm(FlaskForm):
    """The emails a staff member chooses to get."""

    email_on_assign = BooleanField("Email me when an item is assigned to me (not when I take it myself)")
    email_escalations = BooleanField("Email me escalation digests (items past their SLA that a tier sends me)")
    submit = SubmitField("Save")
