"""The admin console (admins only): health, thresholds, audit log, the crisis directory and people.

Views stay thin: the directory's rules live in moderation/resources/services.py and io.py."""
from __future__ import annotations

from dataclasses import fields

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from sqlalchemy import select, text
from wtforms import BooleanField, SelectField, StringField, TextAreaField

from community.errors import ServiceError
from community.extensions import db
from community.members.models import Member, ROLES
from community.redirects import safe_target
from community.web import CsrfForm, role_required
from moderation import audit, watched
from moderation.models import WATCH_ACTIONS, AuditEntry
from moderation.policy import Thresholds
from moderation.resources.io import (DirectoryChanged, ImportRejected, confirm_import, guess_format, one_line_ending,
                                     preview_text, preview_token)
from moderation.resources.models import KINDS
from moderation.resources.services import (create_resource, EDITABLE, get_resource, is_stale, list_resources,
    needing_verification, set_active, STALE_AFTER_DAYS, update_resource, verify_resource)
from moderation.settings import (RESPONSE_TARGET_DEFAULTS, SAFETY_DEFAULTS, load_care_templates, load_guidelines,
                                 load_response_targets, load_safety, load_thresholds, save_care_templates,
                                 save_guidelines, save_response_targets, save_safety, save_thresholds)
from moderation.queue import canned
from community.members.services import get_member
from community.admin.services import change_role, lift_suspension, search_members, suspended_members, suspension_history
from community.chat.services import create_room, room_by_slug, rooms as all_rooms, update_room
from moderation.resources.io import export_csv, export_json
from moderation.queue.services import counts
from moderation.classifiers.registry import backends

bp = Blueprint("admin", __name__, url_prefix="/admin")


admin_required = role_required("admin")


@bp.get("/")
@admin_required
def index():
    return redirect(url_for("admin.health"))


def database_status() -> tuple[str, str]:
    """("ok", dialect) when the database answers, else ("error", why)."""
    try:
        db.session.execute(text("SELECT 1"))
        return ("ok", db.engine.dialect.name)
    except Exception as exc:  # noqa: BLE001
        db.session.rollback()
        return ("error", f"{type(exc).__name__}: {exc}")


def redis_status(app) -> tuple[str, str]:
    """("ok", host) when REDIS_URL answers a PING, ("off", why) when unset, else ("error", why)."""
    if not app.config.get("REDIS_URL"):
        return ("off", "not configured (single process; memory rate limits)")
    try:
        import redis
        redis.Redis.from_url(app.config["REDIS_URL"], socket_connect_timeout=1, socket_timeout=2).ping()
        return ("ok", app.config["REDIS_URL"].split("@")[-1])
    except Exception as exc:  # noqa: BLE001
        return ("error", f"{type(exc).__name__}: {exc}")


def health_report(app) -> dict:
    """Database, Redis, classifier backends and queue sizes, in plain words (page and `doctor` share it)."""
    report = {"database": database_status(), "redis": redis_status(app)}
    report["classifiers"] = backends(app).describe()
    report["queue"] = counts()
    return report


@bp.get("/health")
@admin_required
def health():
    return render_template("admin/health.html", report=health_report(current_app))


@bp.route("/thresholds", methods=["GET", "POST"])
@admin_required
def thresholds():
    form = CsrfForm()
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
                           defaults=Thresholds().as_dict(), targets=load_response_targets(),
                           target_defaults=RESPONSE_TARGET_DEFAULTS)


@bp.post("/response-targets")
@admin_required
def response_targets():
    """Per-priority response-time targets in minutes; an empty box means no target for that priority."""
    if CsrfForm().validate_on_submit():
        try:
            changes = {}
            for priority in RESPONSE_TARGET_DEFAULTS:
                raw = request.form.get(priority, "").strip()
                try:
                    changes[priority] = int(raw) if raw else None
                except ValueError:
                    raise ValueError(f"{priority} must be a whole number of minutes (or empty for no target)") \
                        from None
            before, after = save_response_targets(changes)
        except ValueError as exc:
            db.session.rollback()
            flash(f"Not saved: {exc}", "error")
        else:
            audit.record(current_user, "policy.response_targets", target="response_targets", before=before,
                         after=after)
            db.session.commit()
            flash("Response-time targets saved.", "info")
    return redirect(url_for("admin.thresholds") + "#response-targets")


# --- canned replies for staff messages ----------------------------------------------------------------------------

@bp.route("/canned-replies", methods=["GET", "POST"])
@admin_required
def canned_replies():
    form = CsrfForm()
    typed = {"title": "", "body": ""}
    status = 200
    if form.validate_on_submit():
        typed = {"title": request.form.get("title", ""), "body": request.form.get("body", "")}
        try:
            reply = canned.create(current_user, typed["title"], typed["body"])
        except ServiceError as err:
            db.session.rollback()
            flash(err.message, "error")
            status = 400
        else:
            flash(f"Added \u201c{reply.title}\u201d.", "info")
            return redirect(url_for("admin.canned_replies"))
    return render_template("admin/canned_replies.html", form=form, replies=canned.replies(), typed=typed,
                           title_max=canned.TITLE_MAX, body_max=canned.BODY_MAX), status


@bp.post("/canned-replies/<int:reply_id>")
@admin_required
def canned_reply_update(reply_id):
    if CsrfForm().validate_on_submit():
        reply = canned.get(reply_id)
        try:
            canned.update(current_user, reply, request.form.get("title", ""), request.form.get("body", ""))
        except ServiceError as err:
            db.session.rollback()
            flash(f"Not saved: {err.message}", "error")
        else:
            flash("Saved.", "info")
    return redirect(url_for("admin.canned_replies") + f"#reply-{reply_id}")


@bp.post("/canned-replies/<int:reply_id>/delete")
@admin_required
def canned_reply_delete(reply_id):
    if CsrfForm().validate_on_submit():
        canned.delete(current_user, canned.get(reply_id))
        flash("Removed.", "info")
    return redirect(url_for("admin.canned_replies"))


@bp.get("/audit")
@admin_required
def audit_log():
    action = (request.args.get("action") or "").strip()
    actor = (request.args.get("actor") or "").strip()
    target = (request.args.get("target") or "").strip()
    query = select(AuditEntry).order_by(AuditEntry.created_at.desc(), AuditEntry.id.desc()).limit(200)
    if action:
        query = query.where(AuditEntry.action.startswith(action, autoescape=True))
    if actor:
        if actor.lower() == "system":
            query = query.where(AuditEntry.actor_id.is_(None))
        else:
            query = query.join(Member, AuditEntry.actor_id == Member.id).where(Member.handle_key == actor.lower())
    if target:
        query = query.where(AuditEntry.target.startswith(target, autoescape=True))
    return render_template("admin/audit.html", entries=list(db.session.scalars(query)), action=action,
                           actor=actor, target=target)


# --- banner: shown on every admin page while the crisis directory needs checking ----------------------------------

@bp.context_processor
def directory_banner():
    try:
        stale = needing_verification()
    except Exception:  # noqa: BLE001 - a banner never breaks a page
        db.session.rollback()
        stale = []
    return {"stale_resources": stale, "stale_after_days": STALE_AFTER_DAYS}


# --- crisis resources ---------------------------------------------------------------------------------------------

class ResourceForm(FlaskForm):
    name = StringField("Name")
    kind = SelectField("Kind", choices=list(KINDS))
    country = StringField("Country", description="ISO 3166 code such as GB or US, or * for international")
    phone = StringField("Phone")
    alt_phone = StringField("Other phone (e.g. 112 beside 999)")
    sms = StringField("SMS number or short code")
    sms_keyword = StringField("SMS keyword")
    url = StringField("Web address")
    languages = StringField("Languages (comma-separated codes)", default="en")
    hours = StringField("Hours")
    always_open = BooleanField("Open 24/7")
    audiences = StringField("Audiences (comma-separated)", default="everyone")
    description = TextAreaField("Description")
    active = BooleanField("Active (shown to people)", default=True)


class ImportForm(FlaskForm):
    file = FileField("CSV or JSON file")


def _resource_form_data(form: ResourceForm) -> dict:
    return {name: form[name].data for name in EDITABLE}


def _show_problems(form: ResourceForm, exc) -> None:
    for field_name, why in getattr(exc, "problems", [(None, exc.message)]):
        if field_name and field_name in form:
            form[field_name].errors = [*form[field_name].errors, why]
        else:
            flash(why, "error")


@bp.get("/resources")
@admin_required
def resources():
    country = (request.args.get("country") or "").strip().upper() or None
    items = list_resources(country)
    return render_template("admin/resources.html", items=items, country=country or "", is_stale=is_stale,
                           action_form=CsrfForm())


@bp.route("/resources/new", methods=["GET", "POST"])
@admin_required
def resource_new():
    form = ResourceForm()
    if form.validate_on_submit():
        try:
            r = create_resource(current_user, _resource_form_data(form))
        except ServiceError as exc:
            db.session.rollback()
            _show_problems(form, exc)
        else:
            flash(f"Added {r.name}. It is unverified until someone checks it and marks it verified.", "info")
            return redirect(url_for("admin.resources"))
    return render_template("admin/resource_form.html", form=form, resource=None)


@bp.route("/resources/<int:resource_id>/edit", methods=["GET", "POST"])
@admin_required
def resource_edit(resource_id):
    r = get_resource(resource_id)
    form = ResourceForm(obj=r)
    if form.validate_on_submit():
        try:
            update_resource(current_user, r, _resource_form_data(form))
        except ServiceError as exc:
            db.session.rollback()
            _show_problems(form, exc)
        else:
            flash(f"Saved {r.name}.", "info")
            return redirect(url_for("admin.resources"))
    return render_template("admin/resource_form.html", form=form, resource=r, action_form=CsrfForm())


@bp.post("/resources/<int:resource_id>/verify")
@admin_required
def resource_verify(resource_id):
    if CsrfForm().validate_on_submit():
        r = verify_resource(current_user, get_resource(resource_id))
        flash(f"Marked {r.name} verified today.", "info")
    target = request.form.get("next") or ""
    return redirect(safe_target(target, url_for("admin.resources"), prefix="/admin/"))


@bp.post("/resources/<int:resource_id>/active")
@admin_required
def resource_active(resource_id):
    if CsrfForm().validate_on_submit():
        active = request.form.get("active") == "1"
        try:
            r = set_active(current_user, get_resource(resource_id), active)
        except ServiceError as exc:
            db.session.rollback()
            flash(exc.message, "error")
        else:
            flash(f"{r.name} is now {'shown' if active else 'hidden (deactivated)'}.", "info")
    return redirect(url_for("admin.resources"))


@bp.get("/resources/export.<fmt>")
@admin_required
def resources_export(fmt):
    if fmt not in ("csv", "json"):
        abort(404)
    body = export_csv() if fmt == "csv" else export_json()
    mimetype = "text/csv" if fmt == "csv" else "application/json"
    response = current_app.response_class(body, mimetype=f"{mimetype}; charset=utf-8")
    response.headers["Content-Disposition"] = f'attachment; filename="crisis-resources.{fmt}"'
    return response


@bp.route("/resources/import", methods=["GET", "POST"])
@admin_required
def resources_import():
    """Upload a file: the page shows what it would change (a preview; nothing is written). Confirm: the preview's
    form sends the same file back with its signed token, and exactly the previewed changes apply."""
    form = ImportForm()
    errors, label, plan, content, status = [], "line", None, "", 200
    if form.validate_on_submit():
        if request.form.get("confirm_token"):
            content = request.form.get("content", "")
            try:
                summary = confirm_import(current_user, content, request.form["confirm_token"])
            except DirectoryChanged as exc:
                db.session.rollback()
                plan, status = exc.plan, 409
                flash(exc.message, "error")
            except ImportRejected as exc:
                db.session.rollback()
                errors, status = exc.errors, 422
                flash("Nothing was imported: fix the problems below and try again.", "error")
            except ServiceError as exc:
                db.session.rollback()
                status = exc.status
                flash(exc.message, "error")
            else:
                flash(f"Imported: {summary['created']} added, {summary['updated']} updated, "
                      f"{summary['unchanged']} unchanged.", "info")
                return redirect(url_for("admin.resources"))
        else:
            upload = request.files.get("file")
            if upload is None or not upload.filename:
                flash("Choose a CSV or JSON file to import.", "error")
            else:
                try:
                    content = upload.read().decode("utf-8-sig")
                except UnicodeDecodeError:
                    content = None
                    flash("That file is not UTF-8 text. Save it as CSV (UTF-8) or JSON and try again.", "error")
                if content is not None:
                    fmt = guess_format(upload.filename, content)
                    label = "record" if fmt == "json" else "line"
                    try:
                        plan = preview_text(content, fmt)
                    except ImportRejected as exc:
                        errors, status = exc.errors, 422
                        flash("Nothing was imported: fix the problems below and try again.", "error")
                    except ServiceError as exc:
                        status = exc.status
                        flash(exc.message, "error")
    token = preview_token(current_user, plan) if plan is not None else None
    return render_template("admin/resource_import.html", form=form, errors=errors, label=label, plan=plan,
                           content=one_line_ending(content) if plan is not None else "", token=token), status


# --- chat rooms ---------------------------------------------------------------------------------------------------

class RoomForm(FlaskForm):
    slug = StringField("Short name (in the address)", description="2 to 40 characters: a-z, 0-9 and hyphens")
    name = StringField("Name")
    description = StringField("Description")


class RoomEditForm(FlaskForm):
    name = StringField("Name")
    description = StringField("Description")


@bp.route("/rooms", methods=["GET", "POST"])
@admin_required
def rooms():
    """The room list, and the form that adds a room (POST)."""
    form = RoomForm()
    status = 200
    if request.method == "POST":
        if form.validate_on_submit():
            try:
                r = create_room(current_user, form.slug.data, form.name.data, form.description.data)
            except ServiceError as exc:
                db.session.rollback()
                flash(f"Not added: {exc.message}", "error")
                status = 422
            else:
                flash(f"Added the room {r.name} (/chat/{r.slug}).", "info")
                return redirect(url_for("admin.rooms"))
        else:
            flash("The form expired: please try again.", "error")
            status = 400
    return render_template("admin/rooms.html", rooms=all_rooms(), form=form, edit_form=RoomEditForm(),
                           action_form=CsrfForm()), status


@bp.post("/rooms/<slug>")
@admin_required
def room_update(slug):
    """Rename / describe (the edit form) or archive / unarchive (a button with archived=1|0)."""
    form = RoomEditForm()
    if form.validate_on_submit():
        room = room_by_slug(slug)
        changes = {}
        if "archived" in request.form:
            changes["archived"] = request.form.get("archived") == "1"
        else:
            changes["name"] = form.name.data
            changes["description"] = form.description.data or ""
        try:
            update_room(current_user, room, changes)
        except ServiceError as exc:
            db.session.rollback()
            flash(f"Not saved: {exc.message}", "error")
        else:
            if "archived" in changes:
                flash(f"{room.name} is {'archived' if room.archived else 'open again'}.", "info")
            else:
                flash(f"Saved {room.name}.", "info")
    return redirect(url_for("admin.rooms"))


# --- people -------------------------------------------------------------------------------------------------------

@bp.get("/people")
@admin_required
def people():
    q = (request.args.get("q") or "").strip()
    found, suspended = search_members(q), suspended_members()
    return render_template("admin/people.html", q=q, found=found, suspended=suspended, roles=ROLES,
                           action_form=CsrfForm(), suspensions=suspension_history({*found, *suspended}))


@bp.post("/people/<int:member_id>/role")
@admin_required
def person_role(member_id):
    if CsrfForm().validate_on_submit():
        member = get_member(member_id)
        try:
            changed = change_role(current_user, member, request.form.get("role", ""))
        except ServiceError as exc:
            db.session.rollback()
            flash(exc.message, "error")
        else:
            if changed:
                flash(f"{member.handle} is now {member.role}.", "info")
    return redirect(url_for("admin.people", q=request.form.get("q") or None))


@bp.post("/people/<int:member_id>/unsuspend")
@admin_required
def person_unsuspend(member_id):
    if CsrfForm().validate_on_submit():
        member = get_member(member_id)
        if lift_suspension(current_user, member, request.form.get("note")):
            flash(f"Lifted {member.handle}'s suspension.", "info")
    return redirect(url_for("admin.people", q=request.form.get("q") or None))


# --- watched words and the safety settings ---------------------------------------------------------------------------

@bp.route("/watched-words", methods=["GET", "POST"])
@admin_required
def watched_words():
    form = CsrfForm()
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
                           typed=typed, settings=load_safety(), defaults=SAFETY_DEFAULTS)


@bp.post("/watched-words/<int:entry_id>/delete")
@admin_required
def watched_word_delete(entry_id):
    if CsrfForm().validate_on_submit():
        entry = watched.get(entry_id)
        watched.remove(current_user, entry)
        flash("Removed.", "info")
    return redirect(url_for("admin.watched_words"))


@bp.post("/safety-settings")
@admin_required
def safety_settings():
    if CsrfForm().validate_on_submit():
        try:
            changes = {"new_account_first_post_approval": request.form.get("new_account_first_post_approval") == "y",
                       "strike_threshold": int(request.form.get("strike_threshold", "")),
                       "strike_window_days": int(request.form.get("strike_window_days", ""))}
            before, after = save_safety(changes)
        except ValueError as exc:
            db.session.rollback()
            flash(f"Not saved: {exc}", "error")
        else:
            audit.record(current_user, "policy.safety", target="safety", before=before, after=after)
            db.session.commit()
            flash("Safety settings saved.", "info")
    return redirect(url_for("admin.watched_words"))


# --- the community guidelines and the caring check-in templates ------------------------------------------------

@bp.route("/guidelines", methods=["GET", "POST"])
@admin_required
def guidelines():
    """Edit the guidelines (Markdown; each save is a new version members are asked to read) and the words of the
    team's caring check-ins. What was typed stays in the form when it cannot be saved."""
    form = CsrfForm()
    typed = {"text": load_guidelines()["text"], **load_care_templates()}
    if request.method == "POST" and form.validate_on_submit():
        which = request.form.get("which")
        try:
            if which == "guidelines":
                typed["text"] = request.form.get("text", "")
                before, after = save_guidelines(typed["text"])
                audit.record(current_user, "guidelines.update", target="guidelines",
                             before={"version": before["version"]}, after={"version": after["version"]})
                message = f"Guidelines saved as version {after['version']}: members will be asked to read them."
            else:
                typed.update({k: request.form.get(k, "") for k in ("day_1", "day_7")})
                before, after = save_care_templates({k: typed[k] for k in ("day_1", "day_7")})
                audit.record(current_user, "care.templates", target="care_templates", before=before, after=after)
                message = "Check-in messages saved."
        except ValueError as exc:
            db.session.rollback()
            flash(f"Not saved: {exc}", "error")
        else:
            db.session.commit()
            flash(message, "info")
            return redirect(url_for("admin.guidelines"))
    return render_template("admin/guidelines.html", form=form, typed=typed, current=load_guidelines())
