from flask_wtf import FlaskForm
from flask_wtf.file import MultipleFileField
from wtforms import EmailField, RadioField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, Length, Optional, ValidationError

from triage.models import Kind, Severity
from triage.services.intake import MAX_BODY, MAX_TITLE, compose_bug_body
from triage.services.releases import versions

KIND_CHOICES = [
    SelectChoice(Kind.BUG.value, "Report a bug"),
    SelectChoice(Kind.IDEA.value, "Suggest an idea or feature"),
    SelectChoice(Kind.FEEDBACK.value, "General feedback or a question"),
]
BUG_FIELDS = ("steps", "expected", "actual", "severity")
SEVERITY_CHOICES = [SelectChoice("", "—")] + [SelectChoice(s.value, s.value.capitalize()) for s in Severity]


class FeedbackForm(FlaskForm):
    """The hosted form: one form for every kind; the bug fields are used for bugs only."""

    kind = RadioField("What would you like to send?", choices=KIND_CHOICES,
                      default=Kind.BUG.value, validators=[DataRequired()])
    title = StringField("Summary", validators=[DataRequired("A summary is required."), Length(max=MAX_TITLE)],
                        render_kw={"maxlength": MAX_TITLE})
    description = TextAreaField("Details", validators=[Length(max=MAX_BODY)], render_kw={"maxlength": MAX_BODY})
    steps = TextAreaField("Steps to reproduce", validators=[Length(max=MAX_BODY)], render_kw={"maxlength": MAX_BODY})
    expected = TextAreaField("What did you expect?", validators=[Length(max=MAX_BODY)],
                             render_kw={"maxlength": MAX_BODY})
    actual = TextAreaField("What happened instead?", validators=[Length(max=MAX_BODY)],
                           render_kw={"maxlength": MAX_BODY})
    severity = SelectField("How bad is it for you?", choices=SEVERITY_CHOICES,
                           validators=[Optional()])
    email = EmailField("Your email (optional, for replies)",
                       validators=[Optional(), Email(check_deliverability=False), Length(max=254)])
    name = StringField("Your name (optional)", validators=[Optional(), Length(max=120)])
    app_version = StringField("App version (optional, e.g. 4.2.1)",
                              validators=[Optional(), Length(max=versions.MAX_VERSION)])
    # Checked by services.intake.attachments like the widget's upload (type, size, pixels, count).
    screenshots = MultipleFileField("Screenshots (optional: PNG, JPEG or WebP)",
                                    render_kw={"accept": "image/png,image/jpeg,image/webp"})

    def validate(self, extra_validators=None) -> bool:
        """Validate by kind: an idea or a question drops the bug fields, so they are neither
        stored nor refused for what they hold (a hidden field the submitter cannot see)."""
        if self.kind.data != Kind.BUG.value:
            for name in BUG_FIELDS:
                self[name].data, self[name].raw_data = "", []
        return super().validate(extra_validators)

    def files(self) -> list:
        """The chosen files (a browser sends one empty part when none is chosen)."""
        return [f for f in self.screenshots.data or [] if getattr(f, "filename", "")]

    def body(self) -> str:
        """The item's text: bug parts joined under headings, or just the details."""
        if self.kind.data == Kind.BUG.value:
            return compose_bug_body(self.description.data or "", self.steps.data or "",
                                    self.expected.data or "", self.actual.data or "")
        return (self.description.data or "").strip()

    def validate_app_version(self, field) -> None:
        try:
            versions.optional(field.data)
        except versions.InvalidVersion as error:
            raise ValidationError(str(error)) from error

    def validate_description(self, field) -> None:
        if len(self.body()) > MAX_BODY:
            raise ValidationError(f"All text together is limited to {MAX_BODY:,} characters.")


class SurveyAnswerForm(FlaskForm):
    """A hosted survey's answer; the view sets the score choices from the survey's scale
    (and drops the score for a single open question)."""

    score = RadioField("Your score", validators=[DataRequired("Choose a score.")])
    comment = TextAreaField("Anything you would like to add?", validators=[Length(max=5000)])

    @classmethod
    def for_survey(cls, survey, scale: range) -> "SurveyAnswerForm":
        form = cls()
        if len(scale) > 1:
            form.score.choices = [SelectChoice(str(n), str(n)) for n in scale]
            form.comment.label.text = "Why?" if survey.kind.value == "nps" else form.comment.label.text
        else:
            del form.score
            form.comment.label.text = "Your answer"
        return form


class VoteForm(FlaskForm):
    """An end user's +1 on a public item; with an email they also hear of its progress."""

    email = EmailField("Your email (optional: we tell you when it moves)",
                       validators=[Optional(), Email(check_deliverability=False), Length(max=254)])
    name = StringField("Your name (optional)", validators=[Optional(), Length(max=120)])
