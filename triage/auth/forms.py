from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, HiddenField, PasswordField, StringField, SubmitField
from wtforms.validators import DataRequired, EqualTo, Length

from triage.services.accounts import MIN_PASSWORD


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


class ForgotPasswordForm(FlaskForm):
    email = EmailField("Email", validators=[DataRequired(), Length(max=254)])
    submit = SubmitField("Email me a link")


class NewPasswordForm(FlaskForm):
    password = PasswordField(f"New password (at least {MIN_PASSWORD} characters)",
                             validators=[DataRequired(), Length(min=MIN_PASSWORD, max=200)])
    confirm = PasswordField("The same password again",
                            validators=[DataRequired(), EqualTo("password", "The two passwords differ.")])
    submit = SubmitField("Set password")


class CodeForm(FlaskForm):
    """A current code from the authenticator app, or one of the recovery codes."""

    code = StringField("Code", validators=[DataRequired(), Length(max=40)],
                       render_kw={"autocomplete": "one-time-code", "inputmode": "text", "autofocus": True},
                       description="The 6 digits the authenticator app shows, or a recovery code.")
    submit = SubmitField("Continue")


class EnableTwoFactorForm(FlaskForm):
    ticket = HiddenField(validators=[DataRequired(), Length(max=500)])
    code = StringField("Code the app shows now", validators=[DataRequired(), Length(max=40)],
                       render_kw={"autocomplete": "one-time-code", "inputmode": "numeric"})
    submit = SubmitField("Turn on two-factor sign-in")
