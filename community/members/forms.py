from flask_wtf import FlaskForm
from wtforms import PasswordField, SelectField, StringField, SubmitField
from wtforms.validators import DataRequired, EqualTo, Length, Optional


class SignupForm(FlaskForm):
    handle = StringField("Handle", validators=[DataRequired(), Length(max=24)])
    password = PasswordField("Password", validators=[DataRequired(), Length(min=8, max=256)])
    confirm = PasswordField("Password again", validators=[DataRequired(), EqualTo("password", "The passwords differ.")])
    region = SelectField("Region (for crisis helplines near you)", validators=[Optional()], validate_choice=False)
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
