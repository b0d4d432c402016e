"""The moderators' queue pages (staff only). Same service functions as the API."""
from functools import wraps

from flask import Blueprint, flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, IntegerField, SelectField, SubmitField, TextAreaField
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from community.errors import ServiceError
from community.extensions import db
from community.members.models import Member
from community.paging import parse_page
from community.web import CsrfForm, refusal_flashed, role_required
from community.write_limits import write_limit
from moderation import care
from moderation.queue import bulk, canned, history, messages, response_times, services, stats, workspace
from moderation.queue.cards import card_fields
from moderation.resources import for_region

bp = Blueprint("queue", __name__, url_prefix="/moderation")

# What the flash after a decision says (the older names say themselves). Which text is collapsed behind one click:
# moderation/queue/workspace.py (`collapsed`), the same rule on every card and page.
DONE = {"reach_out": "reached out and kept private", "publish_with_support": "published with support",
        "lift_mask": "lifted the mask: the text is shown as written"}


class DecisionForm(FlaskForm):
    action = SelectField(choices=[(a, a) for a in services.ACTIONS])
    version = HiddenField()
    note = TextAreaField("Note to the author (optional; shown with the decision)", validators=[Optional(),
                                                                                                Length(max=2000)])
    days = IntegerField("Suspend for days", validators=[Optional(), NumberRange(1, 365)], default=7)
    submit = SubmitField("Apply")


class MessageForm(FlaskForm):
    body = TextAreaField("Private message to the author", validators=[Length(min=1, max=2000)])
    submit = SubmitField("Send message")


def _chosen_reply(into: str):
    """The canned reply a "Use" button asked for (`?reply=<id>&into=message|note`; it works without JavaScript),
    when it is meant for this box."""
    if request.method != "GET" or (request.args.get("into") or "message") != into:
        return None
    return canned.find(request.args.get("reply"))


def _message_form(form_class=None):
    """The staff message form, filled with the chosen canned reply's text for the moderator to edit first."""
    form = (form_class or MessageForm)()
    chosen = _chosen_reply("message")
    if chosen is not None and not form.body.data:
        form.body.data = chosen.body
    return form


def _decision_form(item):
    """The decision form; its note (the message a reach-out sends) can start from a canned reply too."""
    form = DecisionForm(version=item.version)
    chosen = _chosen_reply("note")
    if chosen is not None:
        form.note.data = chosen.body
    return form


class BulkForm(FlaskForm):
    """Several low-risk items decided at once (moderation/queue/bulk.py): first a confirmation page, then done."""
    action = SelectField(choices=[("approve", "approve (publish / restore)"), ("remove", "remove (or keep removed)")])
    confirm = HiddenField()


class ClaimForm(FlaskForm):
    submit = SubmitField("Claim")


class ReleaseForm(FlaskForm):
    body = TextAreaField("Hand-off note", validators=[Length(max=2000)])


class NoteForm(FlaskForm):
    body = TextAreaField("Note", validators=[Length(max=2000)])
    about = SelectField("About", choices=[("item", "this item"), ("member", "this member (on all their items)")])


class HandOffForm(FlaskForm):
    note = TextAreaField("Hand-off note for whoever picks them up (optional)", validators=[Length(max=2000)])


class PreferencesForm(FlaskForm):
    keep_collapsed = BooleanField("Always keep text collapsed, whatever its kind (I open each one myself)")
    alert_sound = BooleanField("Play a soft chime when a new crisis (intent) item arrives")
    alert_notification = BooleanField("Show a browser notification when a new crisis (intent) item arrives "
                                      "(it never contains the member's words)")


class WorkspaceSettingsForm(FlaskForm):
    break_reminder_minutes = IntegerField("Remind moderators to take a break after this many minutes of "
                                          "continuous queue work (0 = never)",
                                          validators=[InputRequired(), NumberRange(0, 24 * 60)])
    break_gap_minutes = IntegerField("A gap of more than this many minutes counts as a break",
                                     validators=[InputRequired(), NumberRange(1, 240)])


staff_required = role_required("staff")


@bp.app_template_filter("minutes_text")
def minutes_text(minutes):
    """7 -> "7 min", 135 -> "2 h 15 min" (the queue's "overdue by ..." and the admin's targets)."""
    return response_times.duration_text(minutes)


@bp.app_template_filter("seconds_text")
def seconds_text(seconds):
    """A duration in seconds, for the stats page: "45 s", "7 min", "2 h 15 min"; "–" for none."""
    if seconds is None:
        return "\u2013"
    return f"{int(seconds)} s" if seconds < 60 else response_times.duration_text(seconds / 60)


@bp.app_context_processor
def workspace_context():
    """For every staff page: the moderator's own alert preferences (the header badge's JavaScript reads them)."""
    if not getattr(current_user, "is_authenticated", False) or not current_user.is_staff:
        return {}
    try:
        prefs = workspace.preferences_for(current_user)
    except Exception:  # noqa: BLE001 - the header must render even when the database is struggling
        db.session.rollback()
        prefs = None
    return {"workspace_prefs": workspace.preferences_dict(prefs)}


@bp.before_request
def count_queue_work():
    """Every moderation page a moderator opens or action they take is queue work (workspace.py explains the
    measure the break reminder uses)."""
    if getattr(current_user, "is_authenticated", False) and current_user.is_staff:
        workspace.touch_activity(current_user)


def _break_state():
    return workspace.stretch(workspace.preferences_for(current_user))


@bp.get("/queue")
@staff_required
def queue():
    args = request.args
    status = args.get("status", "open")
    status = status if status in ("open", "resolved", "all") else "open"
    try:
        wanted = services.parse_filter(args.get("kind"), args.get("priority"), args.get("claimed"), args.get("age"),
                                    args.get("board"), args.get("room"))
        per_page = services.parse_per_page(args.get("per_page"), services.QUEUE_PAGE)
    except ServiceError as err:
        flash(err.message, "error")  # said at the top; the whole queue is shown meanwhile
        wanted, per_page = services.QueueFilter(), services.QUEUE_PAGE
    found = services.filtered(status, wanted, current_user, page=parse_page(args.get("page")), per_page=per_page)
    items = list(found.items)
    template = "moderation/_queue_list.html" if args.get("partial") else "moderation/queue.html"
    prefs = workspace.preferences_for(current_user)
    targets = response_times.targets()
    return render_template(template, items=items, loaded=services.preload(items), counts=services.counts(),
                           status=status, wanted=wanted, pagination=found, kinds=services.KINDS,
                           priorities=services.PRIORITIES, prefs=prefs, targets=targets,
                           card_fields=lambda item, prefs=prefs: card_fields(item, prefs, targets),
                           my_claims=len(workspace.my_claims(current_user)), hand_off_form=HandOffForm(),
                           break_state=workspace.stretch(prefs), bulk_form=BulkForm(), ages=services.AGES,
                           places=services.filter_places() if not args.get("partial") else ({}, {}))


@bp.get("/items/<int:item_id>")
@staff_required
def item(item_id):
    found = services.get_item(item_id)
    response_times.mark_seen(found)  # the first moderator to open it: the time to a first human
    if found.kind == messages.KIND and found.author is not None:
        messages.mark_read_by_staff(found.author)
    content = services.content_of(found)
    appeal = services.appeal_of(found)
    decider_id = (appeal.original_decision or {}).get("decided_by") if appeal is not None else None
    prefs = workspace.preferences_for(current_user)
    return render_template("moderation/item.html", item=found, content=content,
                           care=services.is_care_item(found, content), appeal=appeal,
                           collapse=workspace.collapsed(found, prefs), why=workspace.why_line(found, content),
                           break_state=workspace.stretch(prefs),
                           original_decider=db.session.get(Member, decider_id) if decider_id else None,
                           claimant=services.active_claimant(found), history=services.author_history(found),
                           revisions=services.revisions(found),
                           found=for_region(found.author.region if found.author else None),
                           in_crisis=services.in_crisis,
                           follow_ups=care.for_item(found), care_text=care.text_of, note_csrf=CsrfForm,
                           decision_form=_decision_form(found),
                           message_form=_message_form(), claim_form=ClaimForm(), note_form=NoteForm(),
                           canned_replies=canned.replies(), case_history=history.case_history(found),
                           overdue=response_times.overdue_minutes(found, response_times.targets()),
                           notes=services.notes_for(found),
                           messages=services.conversation(found.author) if found.author else [])


@bp.post("/follow-ups/<int:followup_id>")
@staff_required
def follow_up(followup_id):
    """Personalise one caring check-in (an empty text goes back to the admin's template)."""
    row = care.get_followup(followup_id)
    item_id = request.form.get("item_id", "")
    if CsrfForm().validate_on_submit():
        with refusal_flashed():
            care.personalise(current_user, row, request.form.get("body", ""))
            flash("Check-in saved.", "info")
    target = url_for("queue.item", item_id=int(item_id)) if item_id.isdigit() else url_for("queue.queue")
    return redirect(target + "#follow-ups")


def _item_action(action: str, limit: str | None = None):
    """POST /items/<id>/<action>, staff only (within the `limit` write budget when given): the view is handed the
    item and answers where to go next, or None for back to the item's page."""
    def decorate(view):
        @wraps(view)
        def on_item(item_id):
            return view(services.get_item(item_id)) or redirect(url_for("queue.item", item_id=item_id))
        limited = write_limit(limit)(on_item) if limit else on_item
        return bp.post(f"/items/<int:item_id>/{action}")(staff_required(limited))
    return decorate


@_item_action("claim")
def claim(found):
    if ClaimForm().validate_on_submit():
        with refusal_flashed():
            services.claim(found, current_user)


@_item_action("release")
def release(found):
    """Give up the claim, optionally with a hand-off note for the next moderator."""
    form = ReleaseForm()
    if form.validate_on_submit():
        with refusal_flashed():
            services.release(found, current_user, form.body.data or None)
            flash("Released." + (" Your hand-off note is the first thing the next moderator sees." if form.body.data
                                 else ""), "info")


@_item_action("notes", limit="staff_note")
def add_note(found):
    form = NoteForm()
    if form.validate_on_submit():
        with refusal_flashed():
            services.add_note(found, current_user, form.body.data, about=form.about.data)
            flash("Note added (staff only).", "info")
    return redirect(url_for("queue.item", item_id=found.id) + "#notes")


@_item_action("decision")
def decision(found):
    form = DecisionForm()
    if not form.validate_on_submit():
        flash("That decision was not complete: " + "; ".join(m for ms in form.errors.values() for m in ms), "error")
        return None
    try:
        version = int(form.version.data)
    except (TypeError, ValueError):
        version = -1
    with refusal_flashed():
        services.decide(found, current_user, form.action.data, version=version, note=form.note.data,
                        days=form.days.data)
        flash(f"Done: {DONE.get(form.action.data, form.action.data)}.", "info")
        return redirect(url_for("queue.queue"))
    return None


@_item_action("message", limit="staff_message")
def message(found):
    form = MessageForm()
    if not form.validate_on_submit():
        flash("A message needs 1 to 2000 characters.", "error")
        return None
    with refusal_flashed():
        services.message_author(found, current_user, form.body.data)
        flash("Message sent.", "info")
    return None


# --- the staff inbox: every member's conversation with the moderators (moderation/queue/messages.py)

class ReplyForm(FlaskForm):
    body = TextAreaField("Reply", validators=[Length(min=1, max=2000)])
    submit = SubmitField("Send reply")


@bp.get("/inbox")
@staff_required
def inbox():
    template = "moderation/_inbox_list.html" if request.args.get("partial") else "moderation/inbox.html"
    return render_template(template, conversations=messages.conversations())


@bp.route("/inbox/<int:member_id>", methods=["GET", "POST"])
@staff_required
def inbox_thread(member_id):
    member = messages.get_member(member_id)
    form = _message_form(ReplyForm)
    status = 200
    if request.method == "POST":
        if form.validate_on_submit():
            try:
                messages.staff_reply(current_user, member, form.body.data)
            except ServiceError as err:
                db.session.rollback()
                form.body.errors = [*form.body.errors, err.message]
                status = 400
            else:
                flash("Reply sent.", "info")
                return redirect(url_for("queue.inbox_thread", member_id=member.id))
        else:
            status = 400
    summary = messages.conversation_summary(member)
    found = messages.thread(member)
    messages.mark_read_by_staff(member)
    template = "moderation/_inbox_thread.html" if request.args.get("partial") else "moderation/inbox_thread.html"
    return render_template(template, member=member, summary=summary, messages=found, form=form,
                           found=for_region(member.region), canned_replies=canned.replies()), status


# --- bulk decisions, the stats dashboard ------------------------------------------------------------------------

@bp.post("/bulk")
@staff_required
def bulk_decision():
    """Ticked items and an action -> a page to confirm them (nothing done yet); confirmed -> each item decided
    (and audited) on its own. Refused whole, with the reason, when any item is not for bulk decisions."""
    form = BulkForm()
    if not form.validate_on_submit():
        flash("Choose an action for the ticked items.", "error")
        return redirect(url_for("queue.queue"))
    try:
        ids = [int(v) for v in request.form.getlist("item_ids")]
    except ValueError:
        ids = []
    if not ids:
        flash("Tick the items to decide together first.", "error")
        return redirect(url_for("queue.queue"))
    try:
        if form.confirm.data != "yes":
            items = bulk.check(current_user, ids, form.action.data)
            return render_template("moderation/bulk_confirm.html", items=items, form=form,
                                   loaded=services.preload(items), content_of=services.content_of,
                                   action=form.action.data)
        results = bulk.decide(current_user, ids, form.action.data)
    except ServiceError as err:
        db.session.rollback()
        flash(err.message, "error")
        return redirect(url_for("queue.queue"))
    done = sum(1 for r in results if r["done"])
    flash(f"Done: {form.action.data} on {done} item{'' if done == 1 else 's'}.", "info")
    for r in results:
        if not r["done"]:
            flash(f"Item {r['id']} was not changed: {r['error']['message']}", "error")
    return redirect(url_for("queue.queue"))


@bp.get("/stats")
@staff_required
def stats_page():
    try:
        days = stats.parse_days(request.args.get("days"))
        status = 200
    except ServiceError as err:
        flash(err.message + f" Showing the last {stats.DEFAULT_DAYS} days.", "error")
        days, status = stats.DEFAULT_DAYS, 400
    return render_template("moderation/stats.html", stats=stats.dashboard(days), days=days,
                           priorities=stats.PRIORITIES), status


# --- the moderator's workspace: preferences, hand-off of every claim, breaks (moderation/queue/workspace.py) -------

@bp.route("/workspace", methods=["GET", "POST"])
@staff_required
def workspace_page():
    """Each moderator's own preferences (all off by default); for admins also the break reminder's settings."""
    prefs = workspace.preferences_for(current_user)
    form = PreferencesForm(data=workspace.preferences_dict(prefs))
    status = 200
    if request.method == "POST":
        form = PreferencesForm()
        if form.validate_on_submit():
            workspace.save_preferences(current_user, {name: bool(getattr(form, name).data)
                                                      for name in workspace.PREFERENCES})
            flash("Your workspace preferences are saved.", "info")
            return redirect(url_for("queue.workspace_page"))
        status = 400
    settings = workspace.load_workspace()
    return render_template("moderation/workspace.html", form=form, settings=settings,
                           settings_form=WorkspaceSettingsForm(data=settings), defaults=workspace.WORKSPACE_DEFAULTS,
                           break_state=workspace.stretch(prefs, settings=settings),
                           my_claims=workspace.my_claims(current_user), hand_off_form=HandOffForm()), status


@bp.post("/workspace/settings")
@role_required("admin")
def workspace_settings():
    form = WorkspaceSettingsForm()
    if form.validate_on_submit():
        with refusal_flashed():
            workspace.save_workspace(current_user, {"break_reminder_minutes": form.break_reminder_minutes.data,
                                                    "break_gap_minutes": form.break_gap_minutes.data})
            flash("Break reminder settings saved.", "info")
        return redirect(url_for("queue.workspace_page"))
    flash("Not saved: " + "; ".join(m for ms in form.errors.values() for m in ms), "error")
    return render_template("moderation/workspace.html", form=PreferencesForm(
        data=workspace.preferences_dict(workspace.preferences_for(current_user))), settings=workspace.load_workspace(),
        settings_form=form, defaults=workspace.WORKSPACE_DEFAULTS, break_state=_break_state(),
        my_claims=workspace.my_claims(current_user), hand_off_form=HandOffForm()), 400


@bp.post("/claims/release")
@staff_required
def hand_off_claims():
    """Release every claim I hold, with one optional hand-off note (shown first on each item)."""
    form = HandOffForm()
    if form.validate_on_submit():
        with refusal_flashed():
            released = workspace.hand_off_claims(current_user, form.note.data or None)
            if not released:
                flash("You held no claims.", "info")
            else:
                flash(f"Released {len(released)} claim{'' if len(released) == 1 else 's'}."
                      + (" Your hand-off note is the first thing the next moderator sees on each."
                         if form.note.data else ""), "info")
    else:
        flash("A hand-off note can be at most 2000 characters.", "error")
    return _back()


@bp.post("/break")
@staff_required
def snooze_break():
    """"Remind me later": the break reminder waits SNOOZE_MINUTES (a real break resets the stretch anyway)."""
    if ClaimForm().validate_on_submit():
        workspace.snooze_break(current_user)
        flash(f"I'll remind you again in {workspace.SNOOZE_MINUTES} minutes. Thank you for what you do.", "info")
    return _back()


def _back():
    """To the moderation page the form was sent from (its `next`), else the queue."""
    back = request.form.get("next") or ""
    return redirect(back if back.startswith("/moderation/") and not back.startswith("//") else url_for("queue.queue"))


@bp.post("/activity")
@staff_required
def activity():
    """The moderation pages' heartbeat while their tab is visible and in use (counted by count_queue_work above):
    answers the break reminder's state so the page can show it without a reload."""
    return jsonify({"stretch": _break_state()})  # CSRFProtect checked the X-CSRFToken header
