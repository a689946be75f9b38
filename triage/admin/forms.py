from email_validator import EmailNotValidError, validate_email
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, EmailField, PasswordField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from triage.models import Category, ItemAccess, Level, Role
from triage.services import DomainError
from triage.services.accounts import MIN_PASSWORD
from triage.services.intake import branding
from triage.services.intake.attachments import UnacceptableImage
from triage.services.intake.widget import parse_origins

ROLE_CHOICES = [SelectChoice(r.value, r.value) for r in Role]
ACCESS_CHOICES = [SelectChoice(ItemAccess.ALL.value, "All items"),
                  SelectChoice(ItemAccess.TEAMS.value, "Only their teams' items and those assigned to them")]


def team_choices(teams) -> list[SelectChoice]:
    return [SelectChoice("", "— none —")] + [SelectChoice(str(t.id), t.name) for t in teams]


class OriginsField(TextAreaField):
    """Allowed origins as text, one per line; a stored list is shown line by line."""

    def process_data(self, value) -> None:
        self.data = "\n".join(value) if isinstance(value, (list, tuple)) else value


class ProjectForm(FlaskForm):
    name = StringField("Name", validators=[DataRequired(), Length(max=120)])
    slug = StringField("Slug (address of the public form: /p/<slug>)",
                       validators=[DataRequired(), Length(max=60)])
    default_team = SelectField("Default team", validators=[Optional()])
    allowed_origins = OriginsField(
        "Sites that may embed the widget (one origin per line, e.g. https://app.example.com, "
        "http://localhost:8080 or https://*.example.com)", validators=[Optional(), Length(max=5000)])
    notify_submitter_on_resolve = BooleanField(
        "Email submitters and followers when their item moves on (in progress, waiting, resolved, closed)",
        default=True)
    brand_color = StringField("Brand colour of the hosted pages and the widget (#rrggbb, e.g. #1f5fd1; "
                              "empty: the default look)", validators=[Optional(), Length(max=20)],
                              render_kw={"placeholder": "#1f5fd1", "autocomplete": "off"})
    logo = FileField(f"Logo (PNG, JPEG, WebP or GIF, up to {branding.LOGO_MAX_BYTES // (1024 * 1024)} MB; "
                     f"shown at most {branding.LOGO_MAX_HEIGHT} px high)",
                     render_kw={"accept": "image/png,image/jpeg,image/webp,image/gif"})
    remove_logo = BooleanField("Remove the logo")
    submit = SubmitField("Save project")
    cleaned_logo: bytes | None = None  # the upload re-encoded by validate_logo

    def validate_allowed_origins(self, field) -> None:
        try:
            parse_origins(field.data or "")
        except DomainError as error:
            raise ValidationError(str(error)) from None

    def validate_brand_color(self, field) -> None:
        try:
            field.data = branding.parse_color(field.data)
        except DomainError as error:
            raise ValidationError(str(error)) from None

    def validate_logo(self, field) -> None:
        if not getattr(field.data, "filename", ""):
            return  # no file chosen (the browser sends an empty part)
        try:
            self.cleaned_logo = branding.clean_logo(field.data.read(branding.LOGO_MAX_BYTES + 1))
        except UnacceptableImage as error:
            raise ValidationError(str(error)) from None


class StaffEmail:
    """An email address as email_validator reads it, without DNS, and allowing the reserved
    `.test` domain that the demo's accounts use (admin@demo.test)."""

    def __call__(self, form, field) -> None:
        try:
            validate_email(field.data or "", check_deliverability=False, test_environment=True)
        except EmailNotValidError as error:
            raise ValidationError(f"Not a valid email address: {error}") from None


class UserForm(FlaskForm):
    email = EmailField("Email", validators=[DataRequired(), StaffEmail(), Length(max=254)])
    name = StringField("Name", validators=[Optional(), Length(max=120)])
    role = SelectField("Role", choices=ROLE_CHOICES, validators=[DataRequired()])
    team = SelectField("Team", validators=[Optional()])
    item_access = SelectField("Item access (agents; product managers and admins see all)", choices=ACCESS_CHOICES,
                              default=ItemAccess.ALL.value, coerce=lambda v: getattr(v, "value", v),
                              validators=[DataRequired()])  # not sent (older scripts): the user's own stays
    active = BooleanField("Active", default=True)
    totp_required = BooleanField("Require two-factor sign-in (asked to set it up at the next sign-in)")
    remove_two_factor = BooleanField("Remove this user's two-factor sign-in (lost phone: they set it up again)")
    password = PasswordField(f"Password (at least {MIN_PASSWORD} characters; leave empty to keep)",
                             validators=[Optional(), Length(min=MIN_PASSWORD, max=200)])
    submit = SubmitField("Save user")


class TeamForm(FlaskForm):
    name = StringField("Team name", validators=[DataRequired(), Length(max=80)])


def optional_choices(values) -> list[SelectChoice]:
    return [SelectChoice("", "—")] + [SelectChoice(v, v) for v in values]


class KeywordRuleForm(FlaskForm):
    pattern = StringField("Regular expression (searched in title and body, case-insensitive)",
                          validators=[DataRequired(), Length(max=300)])
    category = SelectField("Category", choices=optional_choices(c.value for c in Category),
                           validators=[Optional()])
    impact = SelectField("Impact", choices=optional_choices(v.value for v in Level), validators=[Optional()])
    urgency = SelectField("Urgency", choices=optional_choices(v.value for v in Level), validators=[Optional()])
    submit = SubmitField("Add rule")
