from flask_wtf import FlaskForm
from wtforms import SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from community.forum.models import REPORT_REASONS

REASON_LABELS = {
    "harassment": "Harassment or abuse", "self_harm_risk": "I'm worried this person may be at risk",
    "spam": "Spam", "misinformation": "Harmful misinformation", "other": "Something else",
}


class ThreadForm(FlaskForm):
    title = StringField("Title", validators=[DataRequired(), Length(max=150)])
    body = TextAreaField("What's on your mind?", validators=[DataRequired(), Length(max=10_000)])
    content_warning = StringField("Content warning (optional, e.g. \"self-harm mention\")",
                                  validators=[Optional(), Length(max=100)])
    submit = SubmitField("Post")


class ReplyForm(FlaskForm):
    body = TextAreaField("Your reply", validators=[DataRequired(), Length(max=10_000)])
    content_warning = StringField("Content warning (optional)", validators=[Optional(), Length(max=100)])
    submit = SubmitField("Reply")


class EditForm(FlaskForm):
    body = TextAreaField("Your post", validators=[DataRequired(), Length(max=10_000)])
    content_warning = StringField("Content warning (optional)", validators=[Optional(), Length(max=100)])
    submit = SubmitField("Save changes")


class ReportForm(FlaskForm):
    reason = SelectField("Why are you reporting this?", choices=[(r, REASON_LABELS[r]) for r in REPORT_REASONS])
    note = TextAreaField("Anything a moderator should know? (optional)", validators=[Optional(), Length(max=1000)])
    submit = SubmitField("Send report")


class AppealForm(FlaskForm):
    text = TextAreaField("Why should this decision change?", validators=[DataRequired(), Length(max=2000)])
    submit = SubmitField("Send appeal")


class ConfirmForm(FlaskForm):
    submit = SubmitField("Yes, delete it")


class ReplyModeForm(FlaskForm):
    reply_mode = SelectField("Who can reply", choices=[("open", "Everyone"), ("trusted", "Trusted members only"),
                                                       ("closed", "No one (replies closed)")])
    submit = SubmitField("Save")
