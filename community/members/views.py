from flask import Blueprint, abort, flash, make_response, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from community.errors import ServiceError
from community.extensions import db, limiter, login_manager
from community.members import account, forms, profiles, services, sessions, trust
from community.members.limits import LOGIN_PER_CLIENT, RECOVER_PER_CLIENT, SIGNUPS_PER_CLIENT
from community.members.models import Member
from community.notifications.services import mark_moderation_read
from moderation import care, notices
from moderation.settings import load_guidelines
from community.rendering import render_markdown
from moderation.queue import messages as staff_messages
from moderation.queue.services import mark_read
from moderation.resources import for_member
from moderation.urgency import is_crisis
from community.redirects import safe_target
from community.web import CsrfForm, refusal_flashed, show_refusal, submitted
from community.write_limits import write_limit

bp = Blueprint("members", __name__)

login_manager.login_view = "members.login"
login_manager.login_message = "Please sign in to continue."


@login_manager.user_loader
def load_member(session_id: str):
    member_id, _, epoch = session_id.partition(":")
    if not member_id.isdigit() or not epoch.isdigit():
        return None
    # None when signed out (this cookie may be a copy): the server-side session is gone.
    member = sessions.live_member(int(member_id))
    # An older epoch means "signed out everywhere", a password change or a role change since this cookie was set.
    if member is None or member.session_epoch != int(epoch) or member.deleted_at is not None:
        return None
    return member


def _region_choices():
    return [("", "Not set")] + services.countries()


def _safe_next(target: str | None) -> str:
    return safe_target(target, url_for("pages.index"))


@bp.route("/signup", methods=["GET", "POST"])
@limiter.shared_limit(SIGNUPS_PER_CLIENT, scope="signup", methods=["POST"])
def signup():
    form = forms.SignupForm()
    form.region.choices = _region_choices()
    if request.method == "GET":
        form.handle.data = services.suggest_handle()
        form.region.data = services.region_from_accept_language(request.accept_languages) or ""
    created = submitted(form, lambda: services.create_member(form.handle.data, form.password.data,
                                                             region=form.region.data, accepted_guidelines=True))
    if created:
        member, code = created
        sessions.start(member, recovery_code=code)  # shown once on the next page, kept server-side until then
        return redirect(url_for("members.welcome"))
    return render_template("members/signup.html", form=form)


@bp.get("/welcome")
@login_required
def welcome():
    code = sessions.take_recovery_code()
    return render_template("members/welcome.html", recovery_code=code)


@bp.route("/login", methods=["GET", "POST"])
@limiter.shared_limit(LOGIN_PER_CLIENT, scope="login-client", methods=["POST"])
def login():
    form = forms.LoginForm()
    member = submitted(form, lambda: services.authenticate(form.handle.data, form.password.data))
    if member:
        sessions.start(member)
        return redirect(_safe_next(request.args.get("next")))
    return render_template("members/login.html", form=form)


@bp.post("/logout")
def logout():
    if forms.SignOutForm().validate_on_submit():
        sessions.end_current()
        flash("You're signed out. Take care.", "info")
    return redirect(url_for("pages.index"))


@bp.route("/recover", methods=["GET", "POST"])
@limiter.shared_limit(RECOVER_PER_CLIENT, scope="recover-client", methods=["POST"])
def recover():
    form = forms.RecoverForm()
    code = submitted(form, lambda: services.recover(form.handle.data, form.recovery_code.data, form.password.data))
    if code:
        sessions.start(services.find_by_handle(form.handle.data), recovery_code=code)
        flash("Your password is changed. Here is your NEW recovery code; the old one no longer works.", "info")
        return redirect(url_for("members.welcome"))
    return render_template("members/recover.html", form=form)


@bp.route("/settings", methods=["GET", "POST"])
@login_required
@write_limit("rename")
def settings():
    form = forms.SettingsForm(prefix="s")
    form.region.choices = _region_choices()
    password_form = forms.PasswordForm(prefix="p")
    if request.method == "GET":
        form.handle.data = current_user.handle
        form.region.data = current_user.region or ""
        form.break_nudge.data = current_user.break_nudge
    if form.submit.data and form.validate_on_submit():
        try:
            services.update_settings(current_user, handle=form.handle.data, region=form.region.data or None)
            services.set_break_nudge(current_user, bool(form.break_nudge.data))
        except ServiceError as err:
            show_refusal(form, err)
        else:
            flash("Settings saved.", "info")
            return redirect(url_for("members.settings"))
    return _settings_page(form, password_form)


def _settings_page(form, password_form, profile_form=None, crisis=None, status=200):
    if profile_form is None:
        profile_form = forms.ProfileForm(prefix="pr")
        profile_form.about.data = current_user.about or ""
        profile_form.show_posts.data = current_user.show_posts
        profile_form.theme.data = current_user.theme or "system"
    return render_template("members/settings.html", form=form, password_form=password_form,
                           profile_form=profile_form, about_max=profiles.ABOUT_MAX,
                           about=profiles.about_for(current_user, current_user), crisis=crisis,
                           found=for_member(current_user) if crisis else None,
                           signout_form=forms.SignOutForm(), tokens=services.list_tokens(current_user),
                           care_scheduled=sum(1 for r in care.for_member(current_user) if r.status == care.SCHEDULED)), status


@bp.post("/settings/profile")
@login_required
@write_limit("rename")
def save_profile():
    """About text (screened like a post), whether the post list shows, and the colour theme. A crisis in the about
    text answers on this page with the crisis panel first; an error keeps what was typed."""
    profile_form = forms.ProfileForm(prefix="pr")
    form = forms.SettingsForm(prefix="s")
    form.region.choices = _region_choices()
    form.handle.data = current_user.handle
    form.region.data = current_user.region or ""
    if not profile_form.validate_on_submit():
        return _settings_page(form, forms.PasswordForm(prefix="p"), profile_form, status=400)
    try:
        profiles.set_preferences(current_user, show_posts=bool(profile_form.show_posts.data),
                                 theme=profile_form.theme.data or None)
        _member, verdict, support = profiles.set_about(current_user, profile_form.about.data)
    except ServiceError as err:
        show_refusal(profile_form, err)
        return _settings_page(form, forms.PasswordForm(prefix="p"), profile_form, status=err.status)
    if support.get("resources") is not None:
        return _settings_page(form, forms.PasswordForm(prefix="p"), crisis=support)
    if verdict is not None and not verdict.published:
        flash("Profile saved. Your about text waits for a moderator before others can see it.", "info")
    else:
        flash("Profile saved.", "info")
    return redirect(url_for("members.settings"))


@bp.post("/settings/theme")
@login_required
def save_theme():
    """The header's light/dark switch (static/js/theme.js) remembers the choice in the member's settings."""
    if not CsrfForm().validate_on_submit():
        abort(400)
    try:
        profiles.set_preferences(current_user, theme=request.form.get("theme"))
    except ServiceError as err:
        db.session.rollback()
        abort(400, err.message)
    return "", 204


@bp.get("/u/<handle>")
def profile(handle):
    viewer = current_user._get_current_object() if current_user.is_authenticated else None
    member = profiles.get_profile(handle, viewer)
    return render_template("members/profile.html", member=member, about=profiles.about_for(member, viewer),
                           joined=profiles.joined_month(member), posts_visible=profiles.posts_visible(member, viewer),
                           pagination=profiles.list_posts(member, viewer, request.args.get("page")),
                           post_filtered=lambda post: profiles.post_is_filtered(viewer, post),
                           thread_title=lambda post: profiles.thread_title(post, viewer))


@bp.post("/settings/tokens/<int:token_id>/revoke")
@login_required
def revoke_token(token_id):
    if forms.SignOutForm().validate_on_submit():
        revoked = services.revoke_token_id(current_user, token_id)
        flash("That app or device is signed out." if revoked else "That sign-in was already gone.", "info")
    return redirect(url_for("members.settings"))


@bp.post("/settings/password")
@login_required
def change_password():
    password_form = forms.PasswordForm(prefix="p")
    if password_form.validate_on_submit():
        try:
            services.change_password(current_user, password_form.current_password.data, password_form.password.data)
        except ServiceError as err:
            flash(err.message, "error")
        else:
            sessions.start(current_user._get_current_object())  # this device stays signed in, under the new epoch
            flash("Password changed. Every other device and app (API tokens too) is signed out.", "info")
    else:
        for errors in password_form.errors.values():
            for message in errors:
                flash(message, "error")
    return redirect(url_for("members.settings"))


@bp.post("/settings/sign-out-everywhere")
@login_required
def sign_out_everywhere():
    if forms.SignOutForm().validate_on_submit():
        services.sign_out_everywhere(current_user)
        sessions.end_current()
        flash("Signed out on every device.", "info")
    return redirect(url_for("pages.index"))


@bp.route("/messages", methods=["GET", "POST"])
@login_required
@write_limit("staff_message")
def messages():
    """The member's private conversation with the moderators. A message that sounds like a crisis is answered on
    this same page with the crisis panel (emergency number first), as a held forum post is."""
    form = forms.MessageForm()
    crisis = None
    status = 200
    if request.method == "POST":
        if form.validate_on_submit():
            try:
                _msg, verdict, support = staff_messages.send_to_staff(current_user, form.body.data)
            except ServiceError as err:
                show_refusal(form, err)
                status = err.status
            else:
                if not is_crisis(verdict):
                    flash("Sent. A moderator will read it soon.", "info")
                    return redirect(url_for("members.messages"))
                crisis = support
                form.body.data = ""
        else:
            status = 400
    mark_read(current_user)
    mark_moderation_read(current_user._get_current_object(), messages=True)
    found = for_member(current_user) if crisis else None
    return render_template("members/messages.html", form=form, messages=staff_messages.thread(current_user),
                           crisis=crisis, found=found), status


# --- safety tools: the member's own safety plan, blocks and muted words (README "Safety plan, blocking and muting")
# Every route here works on current_user only: there is no id or handle in a safety plan URL, so no one else's
# plan can be asked for.

from community.members import blocks as blocks_service  # noqa: E402
from community.members import safety_plan  # noqa: E402
import json


@bp.app_context_processor
def _safety_context():
    def post_filtered(post) -> bool:
        if not current_user.is_authenticated:
            return False
        return blocks_service.post_is_filtered(current_user._get_current_object(), post)

    def safety_plan_exists() -> bool:
        return current_user.is_authenticated and safety_plan.has_plan(current_user)

    return {"post_filtered": post_filtered, "safety_plan_exists": safety_plan_exists}


def _private(response):
    response = make_response(response)
    response.headers["Cache-Control"] = "no-store"  # never kept by a shared or back-button cache
    return response


@bp.get("/safety-plan")
@login_required
def safety_plan_page():
    plan = safety_plan.get_plan(current_user)
    return _private(render_template("members/safety_plan.html", plan=plan, sections=safety_plan.SECTIONS,
                                    exists=safety_plan.has_plan(current_user)))


@bp.get("/safety-plan/print")
@login_required
def safety_plan_print():
    plan = safety_plan.get_plan(current_user)
    return _private(render_template("members/safety_plan_print.html", plan=plan, sections=safety_plan.SECTIONS))


def _lines_editor(form, fill, save, saved: str, back: str, render):
    """A page where members edit their own lists, one entry a line (safety plan, muted words): GET shows `form` as
    `fill()` fills it; a valid POST is saved (`save()`), said (`saved`) and goes to the `back` endpoint; a refused
    or invalid one shows the form again, `render(400)`."""
    if request.method == "GET":
        fill()
        return render(200)
    if form.validate_on_submit():
        try:
            save()
        except ServiceError as err:
            show_refusal(form, err)
        else:
            flash(saved, "info")
            return redirect(url_for(back))
    return render(400)


@bp.route("/safety-plan/edit", methods=["GET", "POST"])
@login_required
def safety_plan_edit():
    form = forms.SafetyPlanForm()

    def fill():
        plan = safety_plan.get_plan(current_user)
        if plan["updated_at"] is None:
            plan["professionals"] = safety_plan.suggested_professionals(current_user)
        for key in safety_plan.SECTION_KEYS:
            getattr(form, key).data = "\n".join(plan[key])

    def save():
        safety_plan.save_plan(current_user, {key: (getattr(form, key).data or "").splitlines()
                                             for key in safety_plan.SECTION_KEYS})

    def render(status):
        return _private((render_template("members/safety_plan_edit.html", form=form, sections=safety_plan.SECTIONS,
                                         entry_max=safety_plan.ENTRY_MAX, entries_max=safety_plan.ENTRIES_MAX),
                         status))
    return _lines_editor(form, fill, save, "Your safety plan is saved. Only you can see it.",
                         "members.safety_plan_page", render)


@bp.route("/settings/blocks", methods=["GET", "POST"])
@login_required
def blocks_page():
    form = forms.BlockForm()
    entry = submitted(form, lambda: blocks_service.block(current_user, form.handle.data))
    if entry:
        flash(f"You've blocked {entry.blocked.handle}. You won't see their posts or messages; they aren't told.",
              "info")
        return redirect(url_for("members.blocks_page"))
    return render_template("members/blocks.html", form=form, blocks=blocks_service.list_blocks(current_user),
                           unblock_form=forms.SignOutForm())


@bp.get("/block/<handle>")
@login_required
def block_page(handle):
    """Block from a post: a confirmation page (the form posts to the settings page's handler)."""
    target = services.find_by_handle(handle)
    if target is None or target.deleted_at is not None:
        abort(404)
    form = forms.BlockForm(handle=target.handle)
    already = target.id in blocks_service.blocked_ids(current_user)
    return render_template("members/block_confirm.html", form=form, target=target, already=already,
                           unblock_form=forms.SignOutForm())


@bp.post("/settings/blocks/<handle>/delete")
@login_required
def unblock(handle):
    if forms.SignOutForm().validate_on_submit():
        try:
            blocks_service.unblock(current_user, handle)
        except ServiceError as err:
            flash(err.message, "error")
        else:
            flash(f"You've unblocked {handle}.", "info")
    return redirect(url_for("members.blocks_page"))


@bp.route("/settings/muted-words", methods=["GET", "POST"])
@login_required
def muted_words_page():
    form = forms.MutedWordsForm()

    def fill():
        form.words.data = "\n".join(blocks_service.muted_words(current_user))
    return _lines_editor(
        form, fill, lambda: blocks_service.set_muted_words(current_user, (form.words.data or "").splitlines()),
        "Muted words saved. Posts and messages with them are folded away for you; nothing is deleted.",
        "members.muted_words_page",
        lambda status: (render_template("members/muted_words.html", form=form, word_max=blocks_service.MUTED_WORD_MAX,
                                        words_max=blocks_service.MUTED_WORDS_MAX), status))


# --- privacy rights (community/members/account.py)

@bp.get("/settings/export")
@login_required
def export_data():

    response = make_response(json.dumps(account.export(current_user), ensure_ascii=False, indent=2))
    response.mimetype = "application/json"
    response.headers["Content-Disposition"] = 'attachment; filename="haven-export.json"'
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/settings/delete", methods=["GET", "POST"])
@login_required
def delete_account():
    form = forms.SignOutForm()
    error = None
    if request.method == "POST" and form.validate_on_submit():
        try:
            account.delete_account(current_user._get_current_object(), request.form.get("password", ""))
        except ServiceError as err:
            db.session.rollback()
            error = err.message
        else:
            sessions.end_current()
            flash("Your account is deleted. Thank you for being here; take care of yourself.", "info")
            return redirect(url_for("pages.index"))
    return render_template("members/delete.html", form=form, error=error)


# --- notices, and moderators' trust action --------------------------------------------------------------------------

@bp.get("/notices")
@login_required
def notices_page():
    found = notices.notices(current_user)
    unread = {n.id for n in found if n.read_at is None}
    page = render_template("safety/notices.html", notices=found, unread=unread,
                           strikes=notices.strikes(current_user), safety_plan_url=notices.safety_plan_url(),
                           care_offers=care.offers_by_notice(current_user), care_form=CsrfForm())
    notices.mark_read(current_user)
    mark_moderation_read(current_user._get_current_object(), notices=True)
    return page


@bp.post("/follow-ups")
@login_required
def follow_ups_accept():
    """Yes to the team's check-ins offered with a notice."""
    if CsrfForm().validate_on_submit():
        raw = request.form.get("item_id", "")
        with refusal_flashed():
            care.accept(current_user, int(raw) if raw.isdigit() else raw)
            flash("Thank you. Someone from the team will check in with you tomorrow and in a week. You can stop "
                  "this any time.", "info")
    return redirect(url_for("members.notices_page"))


@bp.post("/follow-ups/stop")
@login_required
def follow_ups_stop():
    if CsrfForm().validate_on_submit():
        stopped = care.stop(current_user)
        flash("Done: no more check-ins will be sent." if stopped else "There were no check-ins to stop.", "info")
    return redirect(request.form.get("back") == "settings" and url_for("members.settings")
                    or url_for("members.notices_page"))


@bp.get("/guidelines")
def guidelines_page():
    found = load_guidelines()
    return render_template("guidelines.html", guidelines=found, html=render_markdown(found["text"]),
                           needs=current_user.is_authenticated and services.needs_guidelines(current_user),
                           accept_form=CsrfForm())


@bp.post("/guidelines/accept")
@login_required
def guidelines_accept():
    if CsrfForm().validate_on_submit():
        raw = request.form.get("version", "")
        try:
            services.accept_guidelines(current_user, int(raw) if raw.isdigit() else None)
        except ServiceError as err:
            db.session.rollback()
            flash(err.message, "error")
            return redirect(url_for("members.guidelines_page"))
        flash("Thank you for reading the guidelines.", "info")
    return redirect(_safe_next(request.form.get("next")))


@bp.post("/moderation/members/<handle>/trust")
@login_required
def trust_page(handle):
    if not current_user.is_staff:
        abort(403)
    member = services.existing_member(handle)
    if CsrfForm().validate_on_submit():
        with refusal_flashed():
            trust.set_level(current_user, member, request.form.get("level"))
            flash(f"{member.handle}'s trust is now: {member.trust_level}.", "info")
    back = request.form.get("next") or ""
    return redirect(safe_target(back, url_for("queue.queue"), prefix="/moderation/"))


# --- template helpers and the header's notice count -----------------------------------------------------------------

@bp.app_template_filter("trusted")
def trusted_filter(member) -> bool:
    """Whether links in this author's text render as links (new accounts: plain text)."""
    return trust.is_trusted(member) if isinstance(member, Member) else False


@bp.app_template_filter("how_new")
def how_new_filter(member) -> str:
    return trust.describe(member) if isinstance(member, Member) else ""


@bp.app_context_processor
def notice_count():
    count = 0
    if current_user.is_authenticated:
        try:
            count = notices.unread_count(current_user)
        except Exception:  # noqa: BLE001 - the header must render even when the database is struggling
            db.session.rollback()
    needs = False
    if current_user.is_authenticated:
        try:
            needs = services.needs_guidelines(current_user)
        except Exception:  # noqa: BLE001 - the header must render even when the database is struggling
            db.session.rollback()
    return {"unread_notices": count, "guidelines_needed": needs}
