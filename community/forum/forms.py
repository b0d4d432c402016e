from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from community.forum.models import REPORT_REASONS

REASON_LABELS = {
    "harassment": "Harassment or abuse", "self_harm_risk": "I'm worried this person may be at risk",
    "spam": "Spam", "misinformation": "Harmful misinformation", "other": "Something else",
}


def _body(label: str):
    """A post's text, as every form that writes one takes it."""
    return TextAreaField(label, validators=[DataRequired(), Length(max=10_000)])


def _content_warning(label: str = "Content warning (optional)"):
    return StringField(label, validators=[Optional(), Length(max=100)])


class ThreadForm(FlaskForm):
    title = StringField("Title", validators=[DataRequired(), Length(max=150)])
    body = _body("What's on your mind?")
    content_warning = _content_warning("Content warning (optional, e.g. \"self-harm mention\")")
    submit = SubmitField("Post")


class ReplyForm(FlaskForm):
    quote_post_id = HiddenField()
    body = _body("Your reply")
    content_warning = _content_warning()
    submit = SubmitField("Reply")


class EditForm(FlaskForm):
    body = _body("Your post")
    content_warning = _content_warning()
    submit = SubmitField("Save changes")


class ReportForm(FlaskForm):
    reason = SelectField("Why are you reporting this?", choices=[(r, REASON_LABELS[r]) for r in REPORT_REASONS])
    note = TextAreaField("Anything a moderator should know? (optional)", validators=[Optional(), Length(max=1000)])
    submit = SubmitField("Send report")


class ConfirmForm(FlaskForm):
    submit = SubmitField("Yes, delete it")


class ReplyModeForm(FlaskForm):
    reply_mode = SelectField("Who can reply", choices=[("open", "Everyone"), ("trusted", "Trusted members only"),
                                                       ("closed", "No one (replies closed)")])
    submit = SubmitField("Save")


class ContextNoteForm(FlaskForm):
    body = TextAreaField("Note from the moderators (shown under the post to everyone)",
                         validators=[DataRequired(), Length(max=500)])
    submit = SubmitField("Save the note")
