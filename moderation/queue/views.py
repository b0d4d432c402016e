"""The moderators' queue pages (staff only). Same service functions as the API."""

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import HiddenField, IntegerField, SelectField, SubmitField, TextAreaField
from wtforms.validators import Length, NumberRange, Optional

from community.errors import ServiceError
from community.extensions import db
from community.members.models import Member
from community.paging import parse_page
from community.web import role_required
from community.write_limits import write_limit
from moderation import care
from moderation.queue import messages, services
from moderation.resources import for_region

bp = Blueprint("queue", __name__, url_prefix="/moderation")

# Categories whose text is blurred behind one click by default: moderators read distressing content by choice.
# What the flash after a decision says (the older names say themselves).
DONE = {"reach_out": "reached out and kept private", "publish_with_support": "published with support"}
DISTRESSING = {"self_harm", "someone_else", "toxicity", "unscreened", "auto_removed"}


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


class ClaimForm(FlaskForm):
    submit = SubmitField("Claim")


class ReleaseForm(FlaskForm):
    body = TextAreaField("Hand-off note", validators=[Length(max=2000)])


class NoteForm(FlaskForm):
    body = TextAreaField("Note", validators=[Length(max=2000)])
    about = SelectField("About", choices=[("item", "this item"), ("member", "this member (on all their items)")])


staff_required = role_required("staff")


@bp.get("/queue")
@staff_required
def queue():
    args = request.args
    status = args.get("status", "open")
    status = status if status in ("open", "resolved", "all") else "open"
    try:
        wanted = services.parse_filter(args.get("kind"), args.get("priority"), args.get("claimed"))
        per_page = services.parse_per_page(args.get("per_page"), services.QUEUE_PAGE)
    except ServiceError as err:
        flash(err.message, "error")  # said at the top; the whole queue is shown meanwhile
        wanted, per_page = services.QueueFilter(), services.QUEUE_PAGE
    found = services.filtered(status, wanted, current_user, page=parse_page(args.get("page")), per_page=per_page)
    items = list(found.items)
    template = "moderation/_queue_list.html" if args.get("partial") else "moderation/queue.html"
    return render_template(template, items=items, loaded=services.preload(items), counts=services.counts(),
                           status=status, wanted=wanted, pagination=found, kinds=services.KINDS,
                           priorities=services.PRIORITIES,
                           distressing=DISTRESSING, content_of=services.content_of,
                           claimant=services.active_claimant)


@bp.get("/items/<int:item_id>")
@staff_required
def item(item_id):
    found = services.get_item(item_id)
    if found.kind == messages.KIND and found.author is not None:
        messages.mark_read_by_staff(found.author)
    content = services.content_of(found)
    appeal = services.appeal_of(found)
    decider_id = (appeal.original_decision or {}).get("decided_by") if appeal is not None else None
    return render_template("moderation/item.html", item=found, content=content,
                           care=services.is_care_item(found, content), appeal=appeal,
                           original_decider=db.session.get(Member, decider_id) if decider_id else None,
                           claimant=services.active_claimant(found), history=services.author_history(found),
                           revisions=services.revisions(found),
                           found=for_region(found.author.region if found.author else None),
                           distressing=DISTRESSING, in_crisis=services.in_crisis,
                           decision_form=DecisionForm(version=found.version),
                           message_form=MessageForm(), claim_form=ClaimForm(), note_form=NoteForm(),
                           notes=services.notes_for(found), follow_ups=care.for_item(found),
                           care_text=care.text_of, note_csrf=NoteForm,
                           messages=services.conversation(found.author) if found.author else [])


@bp.post("/follow-ups/<int:followup_id>")
@staff_required
def follow_up(followup_id):
    """Personalise one caring check-in (an empty text goes back to the admin's template)."""
    row = care.get_followup(followup_id)
    item_id = request.form.get("item_id", "")
    if NoteForm().validate_on_submit():
        try:
            care.personalise(current_user, row, request.form.get("body", ""))
        except ServiceError as err:
            db.session.rollback()
            flash(err.message, "error")
        else:
            flash("Check-in saved.", "info")
    target = url_for("queue.item", item_id=int(item_id)) if item_id.isdigit() else url_for("queue.queue")
    return redirect(target + "#follow-ups")


@bp.post("/items/<int:item_id>/claim")
@staff_required
def claim(item_id):
    found = services.get_item(item_id)
    if ClaimForm().validate_on_submit():
        try:
            services.claim(found, current_user)
        except ServiceError as err:
            db.session.rollback()
            flash(err.message, "error")
    return redirect(url_for("queue.item", item_id=item_id))


@bp.post("/items/<int:item_id>/release")
@staff_required
def release(item_id):
    """Give up the claim, optionally with a hand-off note for the next moderator."""
    found = services.get_item(item_id)
    form = ReleaseForm()
    if form.validate_on_submit():
        try:
            services.release(found, current_user, form.body.data or None)
            flash("Released." + (" Your hand-off note is the first thing the next moderator sees." if form.body.data
                                 else ""), "info")
        except ServiceError as err:
            db.session.rollback()
            flash(err.message, "error")
    return redirect(url_for("queue.item", item_id=item_id))


@bp.post("/items/<int:item_id>/notes")
@staff_required
@write_limit("staff_note")
def add_note(item_id):
    found = services.get_item(item_id)
    form = NoteForm()
    if form.validate_on_submit():
        try:
            services.add_note(found, current_user, form.body.data, about=form.about.data)
            flash("Note added (staff only).", "info")
        except ServiceError as err:
            db.session.rollback()
            flash(err.message, "error")
    return redirect(url_for("queue.item", item_id=item_id) + "#notes")


@bp.post("/items/<int:item_id>/decision")
@staff_required
def decision(item_id):
    found = services.get_item(item_id)
    form = DecisionForm()
    if form.validate_on_submit():
        try:
            version = int(form.version.data)
        except (TypeError, ValueError):
            version = -1
        try:
            services.decide(found, current_user, form.action.data, version=version, note=form.note.data,
                            days=form.days.data)
        except ServiceError as err:
            db.session.rollback()
            flash(err.message, "error")
            return redirect(url_for("queue.item", item_id=item_id))
        flash(f"Done: {DONE.get(form.action.data, form.action.data)}.", "info")
        return redirect(url_for("queue.queue"))
    flash("That decision was not complete: " + "; ".join(m for ms in form.errors.values() for m in ms), "error")
    return redirect(url_for("queue.item", item_id=item_id))


@bp.post("/items/<int:item_id>/message")
@staff_required
@write_limit("staff_message")
def message(item_id):
    found = services.get_item(item_id)
    form = MessageForm()
    if form.validate_on_submit():
        try:
            services.message_author(found, current_user, form.body.data)
            flash("Message sent.", "info")
        except ServiceError as err:
            db.session.rollback()
            flash(err.message, "error")
    else:
        flash("A message needs 1 to 2000 characters.", "error")
    return redirect(url_for("queue.item", item_id=item_id))


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
    form = ReplyForm()
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
                           found=for_region(member.region)), status
