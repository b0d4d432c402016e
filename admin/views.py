"""The admin console (admins only): health, thresholds, audit log. More areas arrive with their issues."""
from __future__ import annotations

from dataclasses import fields
from functools import wraps

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from sqlalchemy import select, text

from community.extensions import db
from moderation import audit
from moderation.models import AuditEntry
from moderation.policy import Thresholds
from moderation.settings import load_thresholds, save_thresholds

bp = Blueprint("admin", __name__, url_prefix="/admin")


def admin_required(view):
    @wraps(view)
    @login_required
    def wrapper(*args, **kwargs):
        if not current_user.is_admin:
            abort(403)
        return view(*args, **kwargs)
    return wrapper


@bp.get("/")
@admin_required
def index():
    return redirect(url_for("admin.health"))


def health_report(app) -> dict:
    """Database, Redis, classifier backends and queue sizes, in plain words (page and `doctor` share it)."""
    from moderation.classifiers.registry import backends
    from moderation.queue.services import counts
    report = {}
    try:
        db.session.execute(text("SELECT 1"))
        report["database"] = ("ok", db.engine.dialect.name)
    except Exception as exc:  # noqa: BLE001
        db.session.rollback()
        report["database"] = ("error", f"{type(exc).__name__}: {exc}")
    if app.config.get("REDIS_URL"):
        try:
            import redis
            redis.Redis.from_url(app.config["REDIS_URL"], socket_connect_timeout=1).ping()
            report["redis"] = ("ok", app.config["REDIS_URL"].split("@")[-1])
        except Exception as exc:  # noqa: BLE001
            report["redis"] = ("error", f"{type(exc).__name__}: {exc}")
    else:
        report["redis"] = ("off", "not configured (single process; memory rate limits)")
    report["classifiers"] = backends(app).describe()
    report["queue"] = counts()
    return report


@bp.get("/health")
@admin_required
def health():
    return render_template("admin/health.html", report=health_report(current_app))


class ThresholdsForm(FlaskForm):
    pass


@bp.route("/thresholds", methods=["GET", "POST"])
@admin_required
def thresholds():
    form = ThresholdsForm()
    current = load_thresholds()
    if form.validate_on_submit():
        changes = {}
        try:
            for f in fields(Thresholds):
                raw = request.form.get(f.name, "").strip()
                if raw == "":
                    continue
                changes[f.name] = int(raw) if f.name == "reports_to_hold" else float(raw)
            before, after = save_thresholds(changes)
        except ValueError as exc:
            db.session.rollback()
            flash(f"Not saved: {exc}", "error")
        else:
            audit.record(current_user, "policy.thresholds", target="thresholds", before=before.as_dict(),
                         after=after.as_dict())
            db.session.commit()
            flash("Thresholds saved.", "info")
            return redirect(url_for("admin.thresholds"))
    return render_template("admin/thresholds.html", form=form, current=current.as_dict(),
                           defaults=Thresholds().as_dict())


@bp.get("/audit")
@admin_required
def audit_log():
    action = request.args.get("action") or None
    query = select(AuditEntry).order_by(AuditEntry.created_at.desc(), AuditEntry.id.desc()).limit(200)
    if action:
        query = query.where(AuditEntry.action.startswith(action))
    return render_template("admin/audit.html", entries=list(db.session.scalars(query)), action=action or "")
