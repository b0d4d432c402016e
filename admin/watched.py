"""Admin console: watched words and the safety settings (issue 11). Routes live on the "admin" blueprint."""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm

from admin.views import admin_required, bp
from community.errors import ServiceError
from community.extensions import db
from moderation import audit, watched
from moderation.safety_models import WATCH_ACTIONS
from moderation.safety_settings import DEFAULTS, load, save


class PlainForm(FlaskForm):
    pass


@bp.route("/watched-words", methods=["GET", "POST"])
@admin_required
def watched_words():
    form = PlainForm()
    typed = {"pattern": "", "action": "flag", "regex": False}
    if form.validate_on_submit():
        typed = {"pattern": request.form.get("pattern", ""), "action": request.form.get("action", ""),
                 "regex": request.form.get("regex") == "y"}
        try:
            entry = watched.add(current_user, typed["pattern"], typed["action"], typed["regex"])
        except ServiceError as err:
            db.session.rollback()
            flash(err.message, "error")
        else:
            flash(f"Added \u201c{entry.pattern}\u201d ({entry.action}).", "info")
            return redirect(url_for("admin.watched_words"))
    return render_template("admin/watched_words.html", form=form, entries=watched.words(), actions=WATCH_ACTIONS,
                           typed=typed, settings=load(), defaults=DEFAULTS)


@bp.post("/watched-words/<int:entry_id>/delete")
@admin_required
def watched_word_delete(entry_id):
    if PlainForm().validate_on_submit():
        entry = watched.get(entry_id)
        watched.remove(current_user, entry)
        flash("Removed.", "info")
    return redirect(url_for("admin.watched_words"))


@bp.post("/safety-settings")
@admin_required
def safety_settings():
    if PlainForm().validate_on_submit():
        try:
            changes = {"new_account_first_post_approval": request.form.get("new_account_first_post_approval") == "y",
                       "strike_threshold": int(request.form.get("strike_threshold", "")),
                       "strike_window_days": int(request.form.get("strike_window_days", ""))}
            before, after = save(changes)
        except ValueError as exc:
            db.session.rollback()
            flash(f"Not saved: {exc}", "error")
        else:
            audit.record(current_user, "policy.safety", target="safety", before=before, after=after)
            db.session.commit()
            flash("Safety settings saved.", "info")
    return redirect(url_for("admin.watched_words"))
