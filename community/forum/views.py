from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from community.errors import ServiceError
from community.extensions import db, limiter
from community.write_limits import write_limit
from community import page_cache
from community.forum import forms, post_fragments, services
from community.forum.models import PUBLISHED
from moderation import outcomes
from moderation.resources import for_member, support_for_verdict
from moderation.resources.services import CONCERN_MESSAGE, MASKED_MESSAGE, safety_plan_link
from moderation.queue.services import appeal as make_appeal
from community.members.trust import is_trusted, new_account_limit

bp = Blueprint("forum", __name__)


def _viewer():
    return current_user._get_current_object() if current_user.is_authenticated else None


def _member_key():
    return f"member:{current_user.id}" if current_user.is_authenticated else "anon"


def _trusted() -> bool:
    """New accounts get the stricter NEW_ACCOUNT_* limits (community/members/trust.py); trusted ones are exempt."""
    return current_user.is_authenticated and is_trusted(current_user._get_current_object())


def _new_limit(kind):
    return lambda: new_account_limit(kind)


def _show_error(form, err: ServiceError):
    db.session.rollback()
    field = getattr(form, err.field, None) if err.field else None
    if field is not None:
        field.errors = [*field.errors, err.message]
    else:
        flash(err.message, "error")


def _after_write(post, verdict):
    """Where the author lands after writing. A held post shows its state (and, for a crisis, help) right there."""
    if post.status != PUBLISHED or verdict.tier == "concern" or verdict.someone_else:
        support = support_for_verdict(verdict, current_user)
        if support.get("about") == "someone_else":  # worried about another person: how to help, with the numbers
            return redirect(url_for("forum.helping_someone", post_id=post.id))
        if support.get("resources") is not None:
            return redirect(url_for("forum.held", post_id=post.id))
    if post.status == PUBLISHED and verdict.masked:
        flash(MASKED_MESSAGE, "support")
    elif post.status == PUBLISHED and verdict.tier == "concern":
        flash(f"Posted. {CONCERN_MESSAGE}", "support")  # rendered with a link to the help page
    elif post.status == PUBLISHED:
        flash("Posted.", "info")
    else:
        flash("Thanks - your post is waiting for a moderator to look at it before others can see it.", "info")
    return redirect(url_for("forum.thread", thread_id=post.thread_id, page=services.page_of_post(post, current_user))
                    + f"#post-{post.id}")


@bp.app_context_processor
def _member_view():
    def member_view(post):
        return outcomes.member_view("post", post)
    return {"member_view": member_view}


@bp.get("/boards")
def boards():
    return render_template("forum/boards.html", boards=services.list_boards())


@bp.get("/b/<slug>")
def board(slug):
    found = services.get_board(slug)
    viewer = _viewer()

    def render():
        pagination = services.list_threads(found, viewer, request.args.get("page"))
        return render_template("forum/board.html", board=found, pagination=pagination)
    page = services.validate_page(request.args.get("page"))
    return page_cache.page_for(viewer, f"board:{found.id}", page, "html", render)


@bp.route("/b/<slug>/new", methods=["GET", "POST"])
@login_required
@write_limit("thread")
@limiter.limit(_new_limit("thread"), methods=["POST"], key_func=_member_key, exempt_when=_trusted)
def new_thread(slug):
    found = services.get_board(slug)
    form = forms.ThreadForm()
    if form.validate_on_submit():
        try:
            thread, post, verdict = services.create_thread(current_user, found, form.title.data, form.body.data,
                                                           form.content_warning.data)
        except ServiceError as err:
            _show_error(form, err)
        else:
            return _after_write(post, verdict)
    return render_template("forum/new_thread.html", board=found, form=form)


@bp.route("/t/<int:thread_id>", methods=["GET"])
def thread(thread_id):
    viewer = _viewer()
    page = services.validate_page(request.args.get("page"))
    if viewer is not None:
        # Kept for this reader and browser session alone (their blocks, mutes, own held posts, CSRF token).
        return page_cache.reader_page(viewer, f"thread:{thread_id}", f"{page}:html",
                                      lambda: _render_thread(services.get_thread(thread_id, viewer), viewer,
                                                             forms.ReplyForm()))
    # Anonymous readers share one rendering (no reply form, so no CSRF token in the page or the session).
    return page_cache.anonymous_page(f"thread:{thread_id}", f"{page}:html",
                                     lambda: _render_thread(services.get_thread(thread_id, None), None, None))


def _render_thread(found, viewer, reply_form, status: int = 200):
    pagination = services.list_posts(found, viewer, request.args.get("page"))

    def can_edit(post):
        return services.can_edit(viewer, post)

    def can_delete(post):
        return services.can_delete(viewer, post)

    def render_post(post):
        return post_fragments.render_post(post, viewer, can_edit, can_delete)
    mode_form = None
    if viewer is not None and (viewer.id == found.author_id or viewer.is_staff):
        mode_form = forms.ReplyModeForm(reply_mode=found.reply_mode)
    can_reply = viewer is not None and _may_reply(viewer, found)
    return render_template("forum/thread.html", thread=found, pagination=pagination, reply_form=reply_form,
                           render_post=render_post, mode_form=mode_form, can_reply=can_reply), status


def _may_reply(viewer, found) -> bool:
    try:
        services.require_can_reply(viewer, found)
    except ServiceError:
        return False
    return True


@bp.post("/t/<int:thread_id>/reply")
@login_required
@write_limit("reply")
@limiter.limit(_new_limit("reply"), key_func=_member_key, exempt_when=_trusted)
def reply(thread_id):
    found = services.get_thread(thread_id, current_user)
    form = forms.ReplyForm()
    if form.validate_on_submit():
        try:
            post, verdict = services.create_reply(current_user, found, form.body.data, form.content_warning.data)
        except ServiceError as err:
            _show_error(form, err)
        else:
            return _after_write(post, verdict)
    # Re-show the thread with the reply form still holding what was typed, and the reason it wasn't sent.
    return _render_thread(found, _viewer(), form, status=400)


@bp.post("/t/<int:thread_id>/reply-mode")
@login_required
@write_limit("edit")
def reply_mode(thread_id):
    """The thread's author or a moderator chooses who may reply: everyone, trusted members only, or no one."""
    found = services.get_thread(thread_id, current_user)
    if current_user.id != found.author_id and not current_user.is_staff:
        abort(403)
    form = forms.ReplyModeForm()
    if form.validate_on_submit():
        try:
            services.set_reply_mode(current_user, found, form.reply_mode.data)
        except ServiceError as err:
            db.session.rollback()
            flash(err.message, "error")
        else:
            flash({"open": "Everyone can reply again.", "trusted": "Only trusted members can reply now.",
                   "closed": "Replies are closed."}[found.reply_mode], "info")
    return redirect(url_for("forum.thread", thread_id=found.id))


@bp.get("/p/<int:post_id>/held")
@login_required
def held(post_id):
    """The screen an author sees when their post is held for self-harm risk: calm words and help, at once."""
    post = _own_post(post_id)
    return render_template("forum/held.html", post=post, found=for_member(current_user),
                           safety_plan=safety_plan_link(current_user))


@bp.get("/p/<int:post_id>/helping-someone")
@login_required
def helping_someone(post_id):
    """After a post worried about another person: how to help them, with the numbers of the author's region."""
    return render_template("forum/helping_someone.html", post=_own_post(post_id), found=for_member(current_user))


def _own_post(post_id: int):
    """The signed-in member's own post (404 for anyone else's, as if it did not exist)."""
    post = services.get_post(post_id, current_user)
    if post.author_id != current_user.id:
        abort(404)
    return post


@bp.route("/p/<int:post_id>/edit", methods=["GET", "POST"])
@login_required
@write_limit("edit")
def edit(post_id):
    post = services.get_post(post_id, current_user)
    if not services.can_edit(current_user, post):
        abort(403)
    form = forms.EditForm(obj=post)
    if form.validate_on_submit():
        try:
            post, verdict = services.edit_post(current_user, post, form.body.data, form.content_warning.data)
        except ServiceError as err:
            _show_error(form, err)
        else:
            return _after_write(post, verdict)
    return render_template("forum/edit.html", post=post, form=form)


@bp.route("/p/<int:post_id>/delete", methods=["GET", "POST"])
@login_required
@write_limit("delete")
def delete(post_id):
    post = services.get_post(post_id, current_user)
    if not services.can_delete(current_user, post):
        abort(403)
    form = forms.ConfirmForm()
    if form.validate_on_submit():
        services.delete_post(current_user, post)
        flash("The post is deleted.", "info")
        return redirect(url_for("forum.thread", thread_id=post.thread_id))
    return render_template("forum/delete.html", post=post, form=form)


@bp.route("/p/<int:post_id>/report", methods=["GET", "POST"])
@login_required
@write_limit("report")
def report(post_id):
    post = services.get_post(post_id, current_user)
    form = forms.ReportForm()
    if form.validate_on_submit():
        try:
            _report, support = services.report_post(current_user, post, form.reason.data, form.note.data)
        except ServiceError as err:
            _show_error(form, err)
        else:
            if "support_message" not in support:
                flash("Thank you. A moderator will look at this post.", "info")
                return redirect(url_for("forum.thread", thread_id=post.thread_id))
            # A note that reads as a crisis: help on this same page, as for a held post.
            return render_template("forum/report.html", post=post, form=form, crisis=support,
                                   found=for_member(current_user))
    return render_template("forum/report.html", post=post, form=form)


@bp.route("/p/<int:post_id>/appeal", methods=["GET", "POST"])
@login_required
@write_limit("appeal")
def appeal(post_id):
    post = services.get_post(post_id, current_user)
    form = forms.AppealForm()
    if form.validate_on_submit():
        try:
            _record, support = make_appeal(current_user, "post", post.id, form.text.data)
        except ServiceError as err:
            _show_error(form, err)
        else:
            if "support_message" not in support:
                flash("Your appeal is in. A moderator will review the decision.", "info")
                return redirect(url_for("forum.thread", thread_id=post.thread_id))
            return render_template("forum/appeal.html", post=post, form=form, crisis=support,
                                   found=for_member(current_user))
    return render_template("forum/appeal.html", post=post, form=form)
