"""The admin console (admins only): health, thresholds, audit log, the crisis directory and people.

Views stay thin: the directory's rules live in moderation/resources/services.py and io.py."""
from __future__ import annotations

from dataclasses import fields
from datetime import datetime, timezone

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from sqlalchemy import select, text
from wtforms import BooleanField, SelectField, StringField, TextAreaField

from community import countries as iso_countries
from community.errors import ServiceError
from community.extensions import db
from community.members.models import Member, ROLES, verified_text
from community.redirects import safe_target
from community.web import CsrfForm, role_required, submitted
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
from community.admin.services import (change_role, lift_suspension, remove_verification, search_members,
                                      set_verification, suspended_members, suspension_history)
from community.chat.services import create_room, relative_time, room_by_slug, rooms as all_rooms, update_room
from community.forum import reaction_kinds
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
    report = health_report(current_app)
    return render_template("admin/health.html", report=report,
                           oldest_urgent=readable_time(report["queue"].get("oldest_urgent_at")))


def readable_time(value) -> str | None:
    """An ISO time (as the report and `doctor` carry it) as people read it: "1 Dec 2026, 14:05 UTC (3 hours ago)"."""
    if not value:
        return None
    try:
        when = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return str(value)
    if when.tzinfo is not None:
        when = when.astimezone(timezone.utc).replace(tzinfo=None)
    return f"{when.strftime('%-d %b %Y, %H:%M')} UTC ({relative_time(when)})"


def _in_words(name: str) -> str:
    return name.replace("_", " ")


def _message_in_words(message: str) -> str:
    """The policy's message with setting names as words ("toxicity remove", not "toxicity_remove")."""
    for f in fields(Thresholds):
        message = message.replace(f.name, _in_words(f.name))
    return message[:1].upper() + message[1:]


@bp.route("/thresholds", methods=["GET", "POST"])
@admin_required
def thresholds():
    """An error says what is wrong in words, beside the field, and the form keeps every value as typed."""
    form = CsrfForm()
    current = load_thresholds().as_dict()
    shown = {name: str(value) for name, value in current.items()}
    errors: dict[str, str] = {}
    status = 200
    if form.validate_on_submit():
        changes = {}
        for f in fields(Thresholds):
            raw = request.form.get(f.name, "").strip()
            if raw == "":
                continue
            shown[f.name] = raw
            whole = f.name == "reports_to_hold"
            try:
                value = int(raw) if whole else float(raw)
            except ValueError:
                errors[f.name] = (f"{_in_words(f.name).capitalize()} must be a whole number from 1 to 100 "
                                  f"(you typed \u201c{raw}\u201d)." if whole else
                                  f"{_in_words(f.name).capitalize()} must be a number from 0 to 1, such as 0.8 "
                                  f"(you typed \u201c{raw}\u201d).")
                continue
            changes[f.name] = value
        if not errors:
            try:
                before, after = save_thresholds(changes)
            except ValueError as exc:
                db.session.rollback()
                message = _message_in_words(str(exc))
                named = next((f.name for f in fields(Thresholds) if str(exc).startswith(f.name)), None)
                if named:
                    errors[named] = message + "."
                else:
                    flash(f"Not saved: {message}.", "error")
            else:
                audit.record(current_user, "policy.thresholds", target="thresholds", before=before.as_dict(),
                             after=after.as_dict())
                db.session.commit()
                flash("Thresholds saved.", "info")
                return redirect(url_for("admin.thresholds"))
        if errors:
            flash("Not saved: " + " ".join(errors.values()), "error")
        status = 400
    return render_template("admin/thresholds.html", form=form, current=shown, errors=errors,
                           defaults=Thresholds().as_dict(), targets=load_response_targets(),
                           target_defaults=RESPONSE_TARGET_DEFAULTS), status


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
    country = SelectField("Country", description="Where this line answers, or International for everyone",
                          validate_choice=False)
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


def _country_choices(current: str | None = None) -> list[tuple[str, str]]:
    """International first, then every country by name (community/countries.py); an unknown stored code stays
    choosable so editing never silently changes it."""
    choices = [("*", "International (everyone)")] + [(code, f"{name} ({code})") for code, name in
                                                     iso_countries.all_countries()]
    if current and current not in {code for code, _ in choices}:
        choices.append((current, current))
    return choices


def _resource_form(obj=None) -> ResourceForm:
    form = ResourceForm(obj=obj)
    form.country.choices = _country_choices(getattr(obj, "country", None) or form.country.data)
    return form


def _resource_form_data(form: ResourceForm) -> dict:
    return {name: form[name].data for name in EDITABLE}


@bp.get("/resources")
@admin_required
def resources():
    country = (request.args.get("country") or "").strip().upper() or None
    items = list_resources(country)
    return render_template("admin/resources.html", items=items, country=country or "", is_stale=is_stale,
                           action_form=CsrfForm(), countries=_country_choices(country),
                           country_name=iso_countries.name(country) if country and country != "*" else None,
                           here=url_for("admin.resources", country=country) if country else url_for("admin.resources"))


@bp.route("/resources/new", methods=["GET", "POST"])
@admin_required
def resource_new():
    return _resource_page(None)


@bp.route("/resources/<int:resource_id>/edit", methods=["GET", "POST"])
@admin_required
def resource_edit(resource_id):
    return _resource_page(get_resource(resource_id))


def _resource_page(r):
    """Adding (`r` None) or editing a resource: one form; once saved, back to the list."""
    form = _resource_form(r)
    saved = submitted(form, lambda: update_resource(current_user, r, _resource_form_data(form)) if r is not None
                      else create_resource(current_user, _resource_form_data(form)))
    if not saved:
        return render_template("admin/resource_form.html", form=form, resource=r,
                               action_form=CsrfForm() if r is not None else None)
    flash(f"Saved {r.name}." if r is not None else
          f"Added {saved.name}. It is unverified until someone checks it and marks it verified.", "info")
    return redirect(url_for("admin.resources"))


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
    return redirect(safe_target(request.form.get("next") or "", url_for("admin.resources"), prefix="/admin/"))


@bp.get("/resources/export.<fmt>")
@admin_required
def resources_export(fmt):
    if fmt not in ("csv", "json"):
        abort(404)
    body = export_csv() if fmt == "csv" else export_json()
    mimetype = "text/csv" if fmt == "csv" else "application/json"
    response = current_app.response_class(body, mimetype=mimetype)  # Flask adds "; charset=utf-8" once
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
    return _people_page((request.args.get("q") or "").strip())


def _people_page(q: str, *, typed: dict | None = None, errors: dict | None = None, status: int = 200):
    """`typed`/`errors`: a verification label an admin typed that was refused, kept in its box beside the reason."""
    found, suspended = search_members(q), suspended_members()
    return render_template("admin/people.html", q=q, found=found, suspended=suspended, roles=ROLES,
                           action_form=CsrfForm(), suspensions=suspension_history({*found, *suspended}),
                           typed=typed or {}, errors=errors or {}), status


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


@bp.post("/people/<int:member_id>/verification")
@admin_required
def person_verify(member_id):
    q = request.form.get("q") or ""
    if CsrfForm().validate_on_submit():
        member = get_member(member_id)
        label = request.form.get("label", "")
        try:
            set_verification(current_user, member, label)
        except ServiceError as exc:
            db.session.rollback()
            return _people_page(q, typed={member.id: label}, errors={member.id: exc.message}, status=exc.status)
        flash(f"{member.handle} now shows: {verified_text(member.verified_label)}.", "info")
    return redirect(url_for("admin.people", q=q or None))


@bp.post("/people/<int:member_id>/verification/delete")
@admin_required
def person_unverify(member_id):
    if CsrfForm().validate_on_submit():
        member = get_member(member_id)
        if remove_verification(current_user, member):
            flash(f"Removed {member.handle}'s verified badge.", "info")
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


# --- supportive reactions: names and switches -------------------------------------------------------------------------

@bp.route("/reactions", methods=["GET", "POST"])
@admin_required
def reactions():
    form = CsrfForm()
    current = reaction_kinds.load()
    if form.validate_on_submit():
        changes = {kind: {"label": request.form.get(f"label_{kind}", ""),
                          "enabled": request.form.get(f"enabled_{kind}") == "y"} for kind in reaction_kinds.KINDS}
        try:
            before, after = reaction_kinds.save(changes)
        except ServiceError as err:
            db.session.rollback()
            flash(err.message, "error")
            typed = {k: {**current[k], **{"label": v["label"], "enabled": v["enabled"]}} for k, v in changes.items()}
            return render_template("admin/reactions.html", form=form, kinds=typed), 400
        audit.record(current_user, "policy.reactions", target="reactions", before=before, after=after)
        db.session.commit()
        flash("Reactions saved.", "info")
        return redirect(url_for("admin.reactions"))
    return render_template("admin/reactions.html", form=form, kinds=current)


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
