from flask_wtf import FlaskForm
from wtforms import BooleanField, PasswordField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, EqualTo, Length, Optional

from community.members import safety_plan


def _handle():
    return StringField("Handle", validators=[DataRequired(), Length(max=24)])


def _password(label: str, *, new: bool = False):
    """A password typed to sign in (or to confirm it is you), or a `new` one being chosen (8 characters at least)."""
    return PasswordField(label, validators=[DataRequired(), Length(min=8 if new else -1, max=256)])


class SignupForm(FlaskForm):
    handle = _handle()
    password = _password("Password", new=True)
    confirm = PasswordField("Password again", validators=[DataRequired(), EqualTo("password", "The passwords differ.")])
    region = SelectField("Region (for crisis helplines near you)", validators=[Optional()], validate_choice=False)
    accept_guidelines = BooleanField("I have read the community guidelines and will follow them", validators=[
        DataRequired("Please read the community guidelines and tick the box to join: they keep Haven safe for "
                     "everyone.")])
    submit = SubmitField("Create my account")


class LoginForm(FlaskForm):
    handle = _handle()
    password = _password("Password")
    submit = SubmitField("Sign in")


class RecoverForm(FlaskForm):
    handle = _handle()
    recovery_code = StringField("Recovery code", validators=[DataRequired(), Length(max=40)])
    password = _password("New password", new=True)
    submit = SubmitField("Reset my password")


class SettingsForm(FlaskForm):
    handle = _handle()
    region = SelectField("Region (picks the helplines you see)", validators=[Optional()], validate_choice=False)
    break_nudge = BooleanField("Late at night, after a long stretch here, gently suggest a break")
    submit = SubmitField("Save settings")


class ProfileForm(FlaskForm):
    about = TextAreaField("About you (optional, shown on your profile)", validators=[Optional()])
    show_posts = BooleanField("Show my threads and posts on my profile")
    theme = SelectField("Colours", choices=[("system", "Follow my device"), ("light", "Light"), ("dark", "Dark")],
                        validate_choice=False)
    submit = SubmitField("Save profile")


class PasswordForm(FlaskForm):
    current_password = _password("Current password")
    password = _password("New password", new=True)
    submit = SubmitField("Change password")


class SignOutForm(FlaskForm):
    submit = SubmitField("Sign out")


class MessageForm(FlaskForm):
    body = StringField("Message", validators=[DataRequired(), Length(max=2000)])
    submit = SubmitField("Send")


class SafetyPlanForm(FlaskForm):
    """One text box per section of the safety plan, named and labelled as safety_plan.SECTIONS says, one entry per
    line (limits: community/members/safety_plan.py)."""


for _key, _label, _hint in safety_plan.SECTIONS:
    setattr(SafetyPlanForm, _key, TextAreaField(_label))
SafetyPlanForm.submit = SubmitField("Save my safety plan")


class BlockForm(FlaskForm):
    handle = _handle()
    submit = SubmitField("Block")


class MutedWordsForm(FlaskForm):
    words = TextAreaField("Muted words and phrases (one per line; content-warning topics work too)")
    submit = SubmitField("Save muted words")
