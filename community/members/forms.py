from flask_wtf import FlaskForm
from wtforms import BooleanField, PasswordField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, EqualTo, Length, Optional


class SignupForm(FlaskForm):
    handle = StringField("Handle", validators=[DataRequired(), Length(max=24)])
    password = PasswordField("Password", validators=[DataRequired(), Length(min=8, max=256)])
    confirm = PasswordField("Password again", validators=[DataRequired(), EqualTo("password", "The passwords differ.")])
    region = SelectField("Region (for crisis helplines near you)", validators=[Optional()], validate_choice=False)
    accept_guidelines = BooleanField("I have read the community guidelines and will follow them", validators=[
        DataRequired("Please read the community guidelines and tick the box to join: they keep Haven safe for "
                     "everyone.")])
    submit = SubmitField("Create my account")


class LoginForm(FlaskForm):
    handle = StringField("Handle", validators=[DataRequired(), Length(max=24)])
    password = PasswordField("Password", validators=[DataRequired(), Length(max=256)])
    submit = SubmitField("Sign in")


class RecoverForm(FlaskForm):
    handle = StringField("Handle", validators=[DataRequired(), Length(max=24)])
    recovery_code = StringField("Recovery code", validators=[DataRequired(), Length(max=40)])
    password = PasswordField("New password", validators=[DataRequired(), Length(min=8, max=256)])
    submit = SubmitField("Reset my password")


class SettingsForm(FlaskForm):
    handle = StringField("Handle", validators=[DataRequired(), Length(max=24)])
    region = SelectField("Region (picks the helplines you see)", validators=[Optional()], validate_choice=False)
    break_nudge = BooleanField("Late at night, after a long stretch here, gently suggest a break")
    submit = SubmitField("Save settings")


class PasswordForm(FlaskForm):
    current_password = PasswordField("Current password", validators=[DataRequired(), Length(max=256)])
    password = PasswordField("New password", validators=[DataRequired(), Length(min=8, max=256)])
    submit = SubmitField("Change password")


class SignOutForm(FlaskForm):
    submit = SubmitField("Sign out")


class MessageForm(FlaskForm):
    body = StringField("Message", validators=[DataRequired(), Length(max=2000)])
    submit = SubmitField("Send")


class SafetyPlanForm(FlaskForm):
    """One text box per section of the safety plan, one entry per line (limits: community/members/safety_plan.py)."""
    warning_signs = TextAreaField("Warning signs")
    coping_strategies = TextAreaField("My own coping strategies")
    distractions = TextAreaField("People and places that distract me")
    people_to_ask = TextAreaField("People I can ask for help")
    professionals = TextAreaField("Professionals and services I can contact")
    safe_surroundings = TextAreaField("Making my surroundings safe")
    reasons_for_living = TextAreaField("My reasons for living")
    submit = SubmitField("Save my safety plan")


class BlockForm(FlaskForm):
    handle = StringField("Handle", validators=[DataRequired(), Length(max=24)])
    submit = SubmitField("Block")


class MutedWordsForm(FlaskForm):
    words = TextAreaField("Muted words and phrases (one per line; content-warning topics work too)")
    submit = SubmitField("Save muted words")
