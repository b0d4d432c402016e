from functools import wraps

from flask import Blueprint, abort, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required

from community.errors import ServiceError
from community.rendering import render_markdown
from community.extensions import db, limiter
from community.timeago import ago, exact
from community.web import AppealForm, CsrfForm, submitted
from community.web import role_required
from community.write_limits import write_limit
from community import page_cache
from community.forum import follows, forms, post_fragments, reaction_kinds, reactions, services
from community.forum.models import PUBLISHED
from moderation import outcomes
from moderation.resources import for_member, support_for_verdict
from moderation.resources.services import CONCERN_MESSAGE, MASKED_MESSAGE, safety_plan_link
from moderation.queue.services import appeal as make_appeal
from community.members.blocks import blocked_ids, is_filtered
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


def _sent_for_review(post, form, template: str, thanks: str, send):
    """A report or an appeal about `post`: thanks and back to the thread; when its words read as a crisis, help on
    this same page, as for a held post."""
    done = submitted(form, send)
    if not done:
        return render_template(template, post=post, form=form)
    _record, support = done
    if "support_message" in support:
        return render_template(template, post=post, form=form, crisis=support, found=for_member(current_user))
    flash(thanks, "info")
    return redirect(url_for("forum.thread", thread_id=post.thread_id))


def _post_page(action: str, limit: str, may=None):
    """A signed-in member's page on one post, /p/<id>/<action> (GET shows it, POST writes within the `limit`
    budget): the view is handed the post (404 when the member cannot see it; 403 when `may(member, post)` says no)."""
    def decorate(view):
        @wraps(view)
        def on_post(post_id):
            post = services.get_post(post_id, current_user)
            if may is not None and not may(current_user, post):
                abort(403)
            return view(post)
        return bp.route(f"/p/<int:post_id>/{action}", methods=["GET", "POST"])(
            login_required(write_limit(limit)(on_post)))
    return decorate


DRAFT_SENT = "haven_draft_sent"


def _after_write(post, verdict, drafted: bool = True):
    """Where the author lands after writing. A held post shows its state (and, for a crisis, help) right there."""
    # The next page tells static/js/drafts.js that this draft was sent, so the browser's copy is cleared.
    if drafted:
        session[DRAFT_SENT] = f"thread:{post.thread.board.slug}" if post.is_opening else f"reply:{post.thread_id}"
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
def _draft_sent():
    sent = session.pop(DRAFT_SENT) if current_user.is_authenticated and DRAFT_SENT in session else None
    return {"draft_sent": sent}


@bp.app_context_processor
def _member_view():
    def member_view(post):
        return outcomes.member_view("post", post)
    return {"member_view": member_view}


@bp.app_template_filter("ago")
def ago_filter(value) -> str:
    return ago(value)


@bp.app_template_filter("exact_time")
def exact_filter(value) -> str:
    return exact(value)


@bp.get("/boards")
def boards():
    return render_template("forum/boards.html", boards=services.list_boards(), activity=services.board_activity())


@bp.get("/b/<slug>")
def board(slug):
    viewer = _viewer()

    def render(found, pagination):
        blocked = blocked_ids(viewer)

        def listed_as(thread) -> str:
            """"blocked" (its starter is someone the viewer blocked; listed because they wrote in it), "muted" (a
            muted word in the title), or "" (shown as it is)."""
            if thread.author_id in blocked:
                return "blocked"
            return "muted" if is_filtered(viewer, thread.title) else ""
        return render_template("forum/board.html", board=found, pagination=pagination, listed_as=listed_as,
                               unread=follows.unread_on_lists(viewer, pagination.items))
    return services.board_page(slug, viewer, request.args.get("page"), "html", render)


@bp.route("/b/<slug>/new", methods=["GET", "POST"])
@login_required
@write_limit("thread")
@limiter.limit(_new_limit("thread"), methods=["POST"], key_func=_member_key, exempt_when=_trusted)
def new_thread(slug):
    found = services.get_board(slug)
    form = forms.ThreadForm()
    done = submitted(form, lambda: services.create_thread(current_user, found, form.title.data, form.body.data,
                                                           form.content_warning.data))
    if done:
        _thread, post, verdict = done
        return _after_write(post, verdict)
    return render_template("forum/new_thread.html", board=found, form=form)


@bp.route("/t/<int:thread_id>", methods=["GET"])
def thread(thread_id):
    viewer = _viewer()
    if viewer is not None and request.args.get("quote"):
        # "Quote" fills the reply form for this reader: rendered afresh, never kept.
        form = forms.ReplyForm()
        found = services.get_thread(thread_id, viewer)
        if not form.quote_post_id.data:
            try:
                form.quote_post_id.data = str(services.quotable(viewer, found, request.args.get("quote")).id)
            except ServiceError as err:
                flash(err.message, "error")
        return _render_thread(found, viewer, form)
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
    # A thread started by someone the viewer blocked (they can reach it because they wrote in it): its title, the
    # blocked member's words, is not shown to them, as their posts are not.
    title_hidden = found.author_id in blocked_ids(viewer)
    state = follows.state(viewer, found)
    read_up_to = state.last_read_at if state is not None else None
    # Signed in: posts by others after the read position are "new since your last visit" (one marker before the
    # first of them); the position moves on to the newest post shown here once the page is rendered.
    new_ids = ({p.id for p in pagination.items if p.author_id != viewer.id and p.deleted_at is None
                and (read_up_to is None or p.created_at > read_up_to)} if viewer is not None and state is not None
               and read_up_to is not None else set())
    later_unread = (viewer is not None and read_up_to is not None and not new_ids
                    and found.last_activity_at > read_up_to and pagination.page < pagination.pages)
    quoting = None
    if reply_form is not None and reply_form.quote_post_id.data:
        try:
            quoting = services.quotable(viewer, found, reply_form.quote_post_id.data)
        except ServiceError:
            reply_form.quote_post_id.data = ""
    page = render_template("forum/thread.html", thread=found, pagination=pagination, reply_form=reply_form,
                           render_post=render_post, following=bool(state and state.following), new_ids=new_ids,
                           later_unread=later_unread, reactions=reactions.summary(pagination.items, viewer),
                           reaction_kinds=reaction_kinds.load(), action_form=CsrfForm() if viewer else None,
                           quoting=quoting, mode_form=mode_form, can_reply=can_reply, title_hidden=title_hidden)
    if viewer is not None:
        follows.mark_read(viewer, found, pagination.items)
    return page, status


def _may_reply(viewer, found) -> bool:
    try:
        services.require_can_reply(viewer, found)
    except ServiceError:
        return False
    return True


@bp.get("/t/<int:thread_id>/unread")
@login_required
def first_unread(thread_id):
    """Jump to the first post this member has not seen yet (the thread's last page when they are up to date)."""
    found = services.get_thread(thread_id, current_user)
    post = services.first_unread(found, current_user)
    if post is None:
        last = services.list_posts(found, current_user, 1).pages
        return redirect(url_for("forum.thread", thread_id=found.id, page=last if last > 1 else None))
    return redirect(url_for("forum.thread", thread_id=found.id, page=services.page_of_post(post, current_user))
                    + f"#post-{post.id}")


@bp.get("/p/<int:post_id>")
def post_link(post_id):
    """A lasting link to one post (quotes and notifications use it): its thread page, at the post."""
    viewer = _viewer()
    post = services.get_post(post_id, viewer)
    return redirect(url_for("forum.thread", thread_id=post.thread_id, page=services.page_of_post(post, viewer))
                    + f"#post-{post.id}")


@bp.post("/t/<int:thread_id>/follow")
@login_required
@write_limit("follow")
def follow(thread_id):
    found = services.get_thread(thread_id, current_user)
    if CsrfForm().validate_on_submit():
        following = request.form.get("follow") != "0"
        follows.set_following(current_user, found, following)
        flash("You're following this thread: replies will show in your notifications." if following else
              "You've stopped following this thread.", "info")
    return redirect(url_for("forum.thread", thread_id=found.id))


@bp.post("/p/<int:post_id>/react/<kind>")
@login_required
@write_limit("reaction")
def react(post_id, kind):
    """The no-JavaScript reaction button: sends the reaction, or takes it back when already sent."""
    post = services.get_post(post_id, current_user)
    if CsrfForm().validate_on_submit():
        try:
            if request.form.get("undo") == "1":
                reactions.remove(current_user, post, kind)
            else:
                reactions.add(current_user, post, kind)
        except ServiceError as err:
            db.session.rollback()
            if err.status == 403:  # suspended, or blocked: say so on its own page
                raise
            flash(err.message, "error")
    return redirect(url_for("forum.thread", thread_id=post.thread_id, page=services.page_of_post(post, current_user))
                    + f"#post-{post.id}")


@bp.post("/t/<int:thread_id>/reply")
@login_required
@write_limit("reply")
@limiter.limit(_new_limit("reply"), key_func=_member_key, exempt_when=_trusted)
def reply(thread_id):
    found = services.get_thread(thread_id, current_user)
    form = forms.ReplyForm()
    done = submitted(form, lambda: services.create_reply(current_user, found, form.body.data,
                                                          form.content_warning.data, form.quote_post_id.data or None))
    if done:
        return _after_write(*done)
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
    # The author reads their own words as written, even where others would read them masked: nothing they wrote is
    # lost from their sight while it waits (moderators read the same text).
    own_words = render_markdown(post.original_body, links=False) if post.original_body else None
    return render_template("forum/held.html", post=post, found=for_member(current_user),
                           safety_plan=safety_plan_link(current_user), own_words=own_words)


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


@_post_page("edit", "edit", may=services.can_edit)
def edit(post):
    form = forms.EditForm(obj=post)
    done = submitted(form, lambda: services.edit_post(current_user, post, form.body.data, form.content_warning.data))
    if done:
        return _after_write(*done, drafted=False)
    return render_template("forum/edit.html", post=post, form=form)


@_post_page("delete", "delete", may=services.can_delete)
def delete(post):
    form = forms.ConfirmForm()
    if form.validate_on_submit():
        services.delete_post(current_user, post)
        flash("The post is deleted.", "info")
        return redirect(url_for("forum.thread", thread_id=post.thread_id))
    return render_template("forum/delete.html", post=post, form=form)


@_post_page("report", "report")
def report(post):
    form = forms.ReportForm()
    return _sent_for_review(post, form, "forum/report.html", "Thank you. A moderator will look at this post.",
                            lambda: services.report_post(current_user, post, form.reason.data, form.note.data))


@_post_page("appeal", "appeal")
def appeal(post):
    form = AppealForm()
    return _sent_for_review(post, form, "forum/appeal.html", "Your appeal is in. A moderator will review the decision.",
                            lambda: make_appeal(current_user, "post", post.id, form.text.data))


@bp.route("/p/<int:post_id>/context-note", methods=["GET", "POST"])
@role_required("staff")
def context_note(post_id):
    """Staff add, change or remove the note from the moderators shown under a post."""
    post = services.get_post(post_id, current_user)
    form = forms.ContextNoteForm(data={"body": post.context_note} if request.method == "GET" else None)
    remove_form = forms.ConfirmForm()
    if submitted(form, lambda: services.set_context_note(current_user, post, form.body.data)):
        flash("The note shows under the post now.", "info")
        return redirect(_post_url(post))
    return render_template("forum/context_note.html", post=post, form=form, remove_form=remove_form,
                           limit=services.CONTEXT_NOTE_MAX), 400 if form.errors else 200


@bp.post("/p/<int:post_id>/context-note/delete")
@role_required("staff")
def context_note_delete(post_id):
    post = services.get_post(post_id, current_user)
    if forms.ConfirmForm().validate_on_submit() and services.remove_context_note(current_user, post):
        flash("The note is removed.", "info")
    return redirect(_post_url(post))


def _post_url(post):
    return url_for("forum.thread", thread_id=post.thread_id,
                   page=services.page_of_post(post, current_user)) + f"#post-{post.id}"
