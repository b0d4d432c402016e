"""Forum rules: who sees what, and how text becomes a post (always through moderation.screen).

Views and the API both call these functions, so every rule lives once.
"""
from __future__ import annotations


from flask import has_request_context, request
from markupsafe import Markup
from sqlalchemy import and_, bindparam, case, func, or_, select, true
from sqlalchemy.orm import defer, joinedload

from community import page_cache
from community.errors import Conflict, Forbidden, NotFound, ServiceError
from community.extensions import commit_keeping_loaded, db, get_row, in_batches, is_row_id, iso, utcnow
from community.forum.models import (PUBLISHED, REMOVED, REPLY_MODES, REPORT_REASONS, Board, Post, PostRevision,
                                    Report, Thread, store_html)
from community.members import trust
from community.members.models import Member
from community.paging import page_of, parse_page
from community.rendering import RENDERER_VERSION
from moderation import audit, screen as screening
from moderation.apply import apply, apply_edit
from moderation.queue import services as queue
from moderation.urgency import is_crisis, screen_for_urgency
from moderation.urgency import support as support_for
from community.members.trust import is_trusted
from community.members.blocks import blocked_by_id, blocked_subquery, is_blocked_by
from community.forum import follows
from community.notifications import services as notifications

TITLE_MIN, TITLE_MAX = 3, 150
# The only holds an edit screened clean lifts: the classifiers' own, for abuse or for text they could not screen.
# A self-harm hold waits for a moderator, whatever the edit says; so does any hold not named here.
BODY_MAX = 10_000
CW_MAX = 100
NOTE_MAX = 1_000
THREADS_PER_PAGE = 20
POSTS_PER_PAGE = 20


# --- validation --------------------------------------------------------------------------------------------------

def _text(value, field: str, *, min_len: int, max_len: int, label: str) -> str:
    if not isinstance(value, str):
        raise ServiceError("invalid_field", f"{label} must be text.", field=field)
    value = value.replace("\x00", "").strip()
    if len(value) < min_len:
        raise ServiceError("missing_field" if not value else "too_short",
                           f"{label} can't be empty." if not value else f"{label} needs at least {min_len} characters.",
                           field=field)
    if len(value) > max_len:
        raise ServiceError("too_long", f"{label} can be at most {max_len:,} characters (it has {len(value):,}).",
                           field=field)
    return value


def _content_warning(value) -> str | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    return _text(value, "content_warning", min_len=1, max_len=CW_MAX, label="A content warning")


def _is_text(value) -> bool:
    # PostgreSQL text cannot hold NUL, and psycopg raises on it even in a WHERE clause.
    return isinstance(value, str) and "\x00" not in value


def validate_page(page) -> int:
    return parse_page(page)


def _require_can_post(member: Member) -> None:
    if member.is_suspended:
        raise Forbidden("suspended", "Your account is suspended for now, so you can't post. You can still read, "
                                     "and help is always on the help page.")


# --- boards and threads ------------------------------------------------------------------------------------------

def list_boards() -> list[Board]:
    return list(db.session.scalars(select(Board).order_by(Board.position, Board.id)))


def get_board(slug: str) -> Board:
    board = db.session.scalar(select(Board).where(Board.slug == slug)) if _is_text(slug) else None
    if board is None:
        raise NotFound("board_not_found", "There is no board with that name.")
    return board


def _not_blocked(column, viewer: Member | None):
    """Leave out what members the viewer blocked wrote (community/members/blocks.py)."""
    return column.notin_(blocked_subquery(viewer))


def _replied_in(viewer: Member):
    """The viewer has a (not deleted) post in the thread: blocking its starter must not lose them that thread."""
    return (select(Post.id).where(Post.thread_id == Thread.id, Post.author_id == viewer.id,
                                  Post.deleted_at.is_(None)).exists())


def _thread_visibility(viewer: Member | None):
    """Threads a board lists for this viewer. A thread started by someone the viewer blocked is left out, unless the
    viewer has written in it: then it stays listed (its starter's title and posts hidden from them)."""
    if viewer is None:
        return Thread.status == PUBLISHED
    shown = or_(_not_blocked(Thread.author_id, viewer), _replied_in(viewer))
    if viewer.is_staff:
        return shown
    return and_(or_(Thread.status == PUBLISHED, Thread.author_id == viewer.id), shown)


def board_activity() -> dict[int, dict]:
    """{board id: {"threads", "replies", "last_activity_at"}} over published threads, in one query (home, boards)."""
    rows = db.session.execute(select(Thread.board_id, func.count(Thread.id), func.sum(Thread.post_count),
                                     func.max(Thread.last_activity_at))
                              .where(Thread.status == PUBLISHED).group_by(Thread.board_id))
    return {board_id: {"threads": int(n or 0), "replies": max(int(posts or 0) - int(n or 0), 0),
                       "last_activity_at": last} for board_id, n, posts, last in rows}


RECENT_THREADS = 8


def recent_threads(viewer: Member | None, limit: int = RECENT_THREADS) -> list[Thread]:
    """The threads with the newest activity on every board, as this viewer may see them (home page)."""
    return list(db.session.scalars(select(Thread).where(_thread_visibility(viewer))
                                   .options(joinedload(Thread.author), joinedload(Thread.board))
                                   .order_by(Thread.last_activity_at.desc(), Thread.id.desc()).limit(limit)))


def list_threads(board: Board, viewer: Member | None, page=1):
    query = (select(Thread).where(Thread.board_id == board.id, _thread_visibility(viewer))
             .options(joinedload(Thread.author)))
    return page_of(query, order=(Thread.last_activity_at.desc(), Thread.id.desc()),
                   reverse=(Thread.last_activity_at.asc(), Thread.id.asc()), page=validate_page(page),
                   per_page=THREADS_PER_PAGE)


def board_page(slug, viewer: Member | None, raw_page, fmt: str, render):
    """One page of a board's thread list for this viewer, the page (HTML) and the API (JSON) alike:
    `render(board, pagination)`, kept as page_cache keeps board and thread pages."""
    board = get_board(slug)
    page = validate_page(raw_page)
    return page_cache.page_for(viewer, f"board:{board.id}", page, fmt,
                               lambda: render(board, list_threads(board, viewer, raw_page)))


def get_thread(thread_id, viewer: Member | None) -> Thread:
    thread = (db.session.get(Thread, thread_id, options=[joinedload(Thread.board)]) if is_row_id(thread_id)
              else None)
    if thread is None or not can_view_thread(viewer, thread):
        raise NotFound("thread_not_found", "That thread doesn't exist or isn't visible to you.")
    return thread


def can_view_thread(viewer: Member | None, thread: Thread) -> bool:
    if thread.status == PUBLISHED:
        return True
    return viewer is not None and (viewer.is_staff or viewer.id == thread.author_id)


def _post_visibility(viewer: Member | None, model=Post):
    """Published posts for everyone; held/removed ones only for their author and staff. Deleted rows stay
    listed (as a placeholder) only where they were public, so the thread keeps its shape."""
    if viewer is None:
        return model.status == PUBLISHED
    return _signed_in_visibility(bool(viewer.is_staff), viewer.id, model)


def _signed_in_visibility(staff: bool, viewer_id, model=Post):
    """_post_visibility for a signed-in viewer given by their id: a value, or a bound parameter (statements built
    once)."""
    not_blocked = model.author_id.notin_(blocked_by_id(viewer_id))
    if staff:
        return not_blocked
    return and_(or_(model.status == PUBLISHED, and_(model.author_id == viewer_id, model.deleted_at.is_(None))),
                not_blocked)


def list_posts(thread: Thread, viewer: Member | None, page=1):
    # The verdict (JSON, decoded per row) is never shown in a listing: not read.
    quoted = joinedload(Post.quote_of)
    query = (select(Post).where(Post.thread_id == thread.id, _post_visibility(viewer))
             .options(joinedload(Post.author), defer(Post.verdict), quoted.joinedload(Post.author),
                      quoted.defer(Post.verdict)))
    pagination = page_of(query, order=(Post.created_at.asc(), Post.id.asc()),
                         reverse=(Post.created_at.desc(), Post.id.desc()), page=validate_page(page),
                         per_page=POSTS_PER_PAGE)
    trust.prime(post.author for post in pagination.items)  # one query for the page's authors, not one each
    return pagination


def first_unread(thread: Thread, viewer: Member) -> Post | None:
    """The first post of the thread this member has not been shown yet (None when they are up to date)."""
    return follows.first_unread(viewer, thread, _post_visibility(viewer))


def quote_state(post: Post, viewer: Member | None) -> str | None:
    """How a reply's quote shows to this viewer, decided when the page is shown (quotes are references, never
    copies): "shown", "removed" (the quoted post is held, removed or deleted) or "hidden" (the viewer blocked its
    author). None when the post quotes nothing."""
    if post.quote_of_id is None:
        return None
    quoted = post.quote_of
    if quoted is None or quoted.deleted_at is not None or quoted.status != PUBLISHED:
        return "removed"
    if is_blocked_by(viewer, quoted.author_id):
        return "hidden"
    return "shown"


def post_html(post: Post) -> Markup:
    """The post's stored HTML (rendered when written): with links for trusted authors, links as plain text for new
    accounts. Nothing is rendered here; a row the renderer has not reached yet shows its text escaped."""
    if post.deleted_at is not None:
        return Markup("")
    html = post.html if trust.is_trusted(post.author) else post.html_plain
    return Markup(html) if html is not None else Markup("<p>{}</p>").format(post.body)


def get_post(post_id, viewer: Member | None) -> Post:
    post = get_row(Post, post_id)
    if post is None or not can_view_post(viewer, post):
        raise NotFound("post_not_found", "That post doesn't exist or isn't visible to you.")
    return post


def can_view_post(viewer: Member | None, post: Post) -> bool:
    if not can_view_thread(viewer, post.thread):
        return False
    if is_blocked_by(viewer, post.author_id):
        return False
    if post.status == PUBLISHED:
        return True
    return viewer is not None and (viewer.is_staff or (viewer.id == post.author_id and post.deleted_at is None))


def can_edit(viewer: Member | None, post: Post) -> bool:
    """Own posts, not deleted, not removed by a moderator (a removed post can be appealed instead)."""
    return viewer is not None and post.deleted_at is None and viewer.id == post.author_id and post.status != REMOVED


def can_delete(viewer: Member | None, post: Post) -> bool:
    return viewer is not None and post.deleted_at is None and (viewer.id == post.author_id or viewer.is_staff)


def _pages_cache(viewer: Member | None) -> dict | None:
    if not has_request_context():
        return None
    return request.environ.setdefault("haven.post_pages", {}).setdefault(viewer.id if viewer else None, {})


def prime_pages(posts, viewer: Member | None) -> None:
    """Which page each of many posts is on (a list of posts from many threads, e.g. the queue), in one query that
    reads each involved thread once: a running count of the posts this viewer sees, in thread order."""
    cache = _pages_cache(viewer)
    wanted = {p.id: p.thread_id for p in posts if cache is not None and p.id not in cache}
    if not wanted:
        return
    seen = case((_post_visibility(viewer), 1), else_=0)
    running = func.sum(seen).over(partition_by=Post.thread_id, order_by=(Post.created_at, Post.id))
    numbered = (select(Post.id.label("id"), (running - seen).label("before"))
                .where(Post.thread_id.in_(set(wanted.values()))).subquery())
    for post_id, before in db.session.execute(select(numbered.c.id, numbered.c.before)
                                              .where(numbered.c.id.in_(list(wanted)))):
        cache[post_id] = int(before or 0) // POSTS_PER_PAGE + 1


def page_of_post(post: Post, viewer: Member | None) -> int:
    """Which page of its thread a post is on for this viewer (for links with an anchor)."""
    cache = _pages_cache(viewer)
    if cache is not None and post.id in cache:
        return cache[post.id]
    kind = None if viewer is None else "staff" if viewer.is_staff else "member"
    before = db.session.scalar(_POSTS_BEFORE[kind], {"thread_id": post.thread_id, "created_at": post.created_at,
                                                     "post_id": post.id, "viewer_id": getattr(viewer, "id", None)})
    return before // POSTS_PER_PAGE + 1


def _posts_before(kind: str | None):
    """How many posts of a thread come before a given one for a viewer of this kind (None: signed out), built
    once: building the statement for every answer cost about as much as running it."""
    created_at = bindparam("created_at", type_=Post.created_at.type)
    shown = (Post.status == PUBLISHED if kind is None
             else _signed_in_visibility(kind == "staff", bindparam("viewer_id", type_=Post.author_id.type)))
    return select(func.count(Post.id)).where(
        Post.thread_id == bindparam("thread_id"), shown,
        or_(Post.created_at < created_at, and_(Post.created_at == created_at, Post.id < bindparam("post_id"))))


_POSTS_BEFORE = {kind: _posts_before(kind) for kind in (None, "staff", "member")}


# --- writing -----------------------------------------------------------------------------------------------------

def text_to_screen(body: str, *, title: str | None = None, content_warning: str | None = None,
                   quote: str | None = None) -> str:
    """Everything of a post that others can read, as one text for the screen: the thread title of an opening post,
    the body, then the content warning, so that a crisis or abuse written only in the warning is still a crisis or
    abuse. The warning goes last: a warning that names a topic ("TW: self-harm, suicide") read first, before a short
    ordinary body, made the embedded model hold the post; at the end it does not. The rules (the first pass, and the
    embedded model's own) read the whole text, however long the body. A reply that quotes a post is screened with
    the quoted text before its own (the quote shows beside it, so together they are what readers see)."""
    return "\n\n".join(part for part in (title, quote, body, content_warning) if part)


def screened_text(post: Post) -> str:
    """What is screened again for a stored post (retry, re-screening)."""
    quoted = post.quote_of if post.quote_of_id is not None else None
    return text_to_screen(post.body, title=post.thread.title if post.is_opening else None,
                          content_warning=post.content_warning,
                          quote=quoted.body if quoted is not None and quoted.deleted_at is None else None)


def recount(thread: Thread, *, opening_changed: bool = True) -> None:
    """The thread's published-post count, and its status from its opening post's (unless only a reply changed:
    then the opening post, and so the thread's status, are as they were)."""
    if thread.id is not None:
        # Lock the thread row first (PostgreSQL; SQLite's writer already holds the database), so two replies
        # committing at once cannot both count without the other, and re-read the count: when the new value equals
        # a stale loaded one, SQLAlchemy would otherwise skip the UPDATE and leave another request's count behind.
        db.session.flush()
        db.session.refresh(thread, ["post_count", "status"], with_for_update={"key_share": True})
    thread.post_count = db.session.scalar(
        select(func.count(Post.id)).where(Post.thread_id == thread.id, Post.status == PUBLISHED,
                                          Post.deleted_at.is_(None))) or 0
    if not opening_changed:
        return
    opening = db.session.scalar(select(Post).where(Post.thread_id == thread.id, Post.is_opening.is_(True)))
    if opening is not None:
        thread.status = PUBLISHED if opening.status == PUBLISHED and opening.deleted_at is None else opening.status


def create_thread(author: Member, board: Board, title, body, content_warning=None):
    """Start a thread. Returns (thread, opening_post, verdict); the title is screened with the body."""
    _require_can_post(author)
    title = _text(title, "title", min_len=TITLE_MIN, max_len=TITLE_MAX, label="A title")
    body = _text(body, "body", min_len=1, max_len=BODY_MAX, label="Your post")
    cw = _content_warning(content_warning)
    verdict = screening.screen(text_to_screen(body, title=title, content_warning=cw), author=author,
                               context="forum_thread")
    title, body = verdict.apply_censor(title), verdict.apply_censor(body)  # censor watched words: stored censored
    cw = verdict.apply_censor(cw) if cw else cw
    title, cw = verdict.apply_mask(title), verdict.apply_mask(cw)
    now = utcnow()
    thread = Thread(board_id=board.id, author_id=author.id, title=title, created_at=now, last_activity_at=now)
    post = Post(thread=thread, author_id=author.id, is_opening=True, content_warning=cw, created_at=now)
    _set_body(post, body, verdict)
    store_html(post)
    db.session.add_all([thread, post])
    db.session.flush()
    apply(verdict, "post", post)  # status, hold, queue item (and the thread's counts, through the adapter)
    protect_if_at_risk(post, verdict)
    follows.auto_follow(author, thread)
    notifications.post_published(post)  # only when published: a held post tells nobody until it is approved
    db.session.commit()
    return thread, post, verdict


def _set_body(post: Post, body: str, verdict) -> None:
    """What others read (`body`, method details masked when the verdict says so) and, when masked, the text as
    written (`original_body`, for moderators)."""
    shown = verdict.apply_mask(body)
    post.body = shown
    post.original_body = body if shown != body else None


def protect_if_at_risk(post: Post, verdict=None) -> None:
    """A post about a person at risk (their own crisis, or worry for someone else) that is published: its thread's
    replies are screened in the stricter protected mode from now on."""
    if post.status != PUBLISHED:
        return
    record = post.verdict or {}
    tier = getattr(verdict, "tier", None) or record.get("tier")
    someone_else = getattr(verdict, "someone_else", None) or record.get("someone_else")
    if tier in ("ideation", "intent") or someone_else or record.get("hold_reason") == "self_harm":
        post.thread.protected = True


def require_can_reply(member: Member, thread: Thread) -> None:
    """The thread's reply mode: `trusted` lets only trusted members (and staff, and the thread's author) reply,
    `closed` only staff and the author."""
    mode = thread.reply_mode or "open"
    if mode == "open" or member.is_staff or member.id == thread.author_id:
        return
    if mode == "closed":
        raise Forbidden("replies_closed", "Replies to this thread are closed. You can still read it, and help is "
                                          "always on the help page.")
    if not is_trusted(member):
        raise Forbidden("trusted_only", "Only trusted members can reply to this thread for now, to keep the person "
                                        "who wrote it safe. You can still read it.")


def set_reply_mode(actor: Member, thread: Thread, mode) -> Thread:
    """The author or a moderator chooses who may reply (open | trusted | closed); a moderator's change is
    audited."""
    if mode not in REPLY_MODES:
        raise ServiceError("invalid_reply_mode", f"reply_mode must be one of: {', '.join(REPLY_MODES)}.",
                           field="reply_mode")
    if actor.id != thread.author_id and not actor.is_staff:
        raise Forbidden("forbidden", "Only the thread's author or a moderator can change who may reply.")
    before = thread.reply_mode
    thread.reply_mode = mode
    if actor.id != thread.author_id:
        audit.record(actor, "thread.reply_mode", target=f"thread:{thread.id}", before={"reply_mode": before},
                     after={"reply_mode": mode})
    db.session.commit()
    return thread


def quotable(author: Member, thread: Thread, quote_post_id) -> Post | None:
    """The post a reply quotes: a published post of the same thread the author can see (400 `invalid_quote`)."""
    if quote_post_id is None or quote_post_id == "":
        return None
    if isinstance(quote_post_id, str) and quote_post_id.strip().isdigit():
        quote_post_id = int(quote_post_id.strip())
    quoted = get_row(Post, quote_post_id) if not isinstance(quote_post_id, bool) else None
    if (quoted is None or quoted.thread_id != thread.id or not can_view_post(author, quoted)
            or quoted.status != PUBLISHED or quoted.deleted_at is not None):
        raise ServiceError("invalid_quote", "You can quote a published post of this thread only; that one can't be "
                                            "quoted (it may have been removed).", field="quote_post_id")
    return quoted


def create_reply(author: Member, thread: Thread, body, content_warning=None, quote_post_id=None):
    """Reply in a thread, optionally quoting one of its posts. Returns (post, verdict)."""
    _require_can_post(author)
    if not can_view_thread(author, thread):
        raise NotFound("thread_not_found", "That thread doesn't exist or isn't visible to you.")
    require_can_reply(author, thread)
    body = _text(body, "body", min_len=1, max_len=BODY_MAX, label="Your reply")
    cw = _content_warning(content_warning)
    quoted = quotable(author, thread, quote_post_id)
    verdict = screening.screen(text_to_screen(body, content_warning=cw, quote=quoted.body if quoted else None),
                               author=author, context="forum_reply", protected=bool(thread.protected))
    body = verdict.apply_censor(body)
    cw = verdict.apply_mask(verdict.apply_censor(cw) if cw else cw)
    confirmed = follows.follow_to_confirm(author, thread)  # read before the write lock (SQLite)
    post = Post(thread=thread, thread_id=thread.id, author_id=author.id, content_warning=cw, created_at=utcnow(),
                quote_of_id=quoted.id if quoted else None)
    _set_body(post, body, verdict)
    store_html(post)
    db.session.add(post)
    # Not flushed yet: the verdict is stored on the row before its INSERT (one statement, not an INSERT and an
    # UPDATE); the thread's recount flushes it.
    apply(verdict, "post", post)  # a published reply lifts its thread to the top
    if verdict.pact and thread.author_id != author.id:
        # A pact proposed to the person who started the thread: they are at risk too.
        opening = db.session.scalar(select(Post).where(Post.thread_id == thread.id, Post.is_opening.is_(True)))
        if opening is not None:
            queue.raise_pact_partner("post", opening.id, thread.author_id, verdict, f"post:{post.id}")
    protect_if_at_risk(post, verdict)
    if confirmed is not None:
        follows.confirm_follow(confirmed)  # written after the thread's row lock, as auto_follow's
    else:
        follows.auto_follow(author, thread)
    notifications.post_published(post)  # only when published: a held reply tells nobody until it is approved
    commit_keeping_loaded()
    return post, verdict


def edit_post(editor: Member, post: Post, body, content_warning=...):
    """Edit your own post: the old text is kept as a revision (with what the screen said about it) and the new text
    is screened again. Returns (post, verdict): the verdict is what the author is shown, so a hold the edit keeps
    (a crisis, or one the classifiers did not make) still comes with its support."""
    if not can_edit(editor, post):
        raise Forbidden("forbidden", "You can only edit your own posts.")
    _require_can_post(editor)
    body = _text(body, "body", min_len=1, max_len=BODY_MAX, label="Your post")
    cw = post.content_warning if content_warning is ... else _content_warning(content_warning)
    if post.status == REMOVED:
        raise Conflict("post_removed", "A removed post can't be edited; you can appeal the decision instead.")
    quoted = post.quote_of if post.quote_of_id is not None and post.quote_of.deleted_at is None else None
    text = text_to_screen(body, title=post.thread.title if post.is_opening else None, content_warning=cw,
                          quote=quoted.body if quoted else None)
    verdict = screening.screen(text, author=editor, context="forum_edit",
                               protected=bool(post.thread.protected and not post.is_opening))
    body = verdict.apply_censor(body)
    cw = verdict.apply_mask(verdict.apply_censor(cw) if cw else cw)
    now = utcnow()  # the old text was replaced when the new one was written
    earlier = [post.verdict, *db.session.scalars(select(PostRevision.verdict).where(PostRevision.post_id == post.id))]
    # Moderators read every version as it was written (the original of a masked text).
    db.session.add(PostRevision(post_id=post.id, body=post.original_body or post.body,
                                content_warning=post.content_warning, verdict=post.verdict, created_at=now))
    _set_body(post, body, verdict)
    post.content_warning, post.edited_at = cw, now
    store_html(post)
    was = post.status
    shown = apply_edit(verdict, "post", post, status=post.status, hold_reason=post.hold_reason, earlier=earlier)
    if was != PUBLISHED:
        notifications.post_published(post)  # an edit that lifts a hold publishes it (once per post: no repeats)
    db.session.commit()
    return post, shown


def revisions_of(post: Post) -> list[dict]:
    """Every version of a post, original first, as moderators see it: its text, its content warning, when it was
    written and when it was replaced (None for the current text), and what the screen said about it."""
    rows = list(db.session.scalars(select(PostRevision).where(PostRevision.post_id == post.id)
                                   .order_by(PostRevision.created_at, PostRevision.id)))
    versions, written = [], post.created_at
    for number, row in enumerate(rows, start=1):
        versions.append(_version(number, row.body, row.content_warning, written, row.created_at, row.verdict))
        written = row.created_at
    versions.append(_version(len(rows) + 1, post.original_body or post.body, post.content_warning, written, None,
                             post.verdict))
    return versions


def _version(number, body, content_warning, written_at, replaced_at, verdict) -> dict:
    verdict = verdict or {}
    return {"number": number, "body": body, "content_warning": content_warning, "written_at": written_at,
            "replaced_at": replaced_at, "current": replaced_at is None,
            "screened": {"status": verdict.get("status"), "hold_reason": verdict.get("hold_reason"),
                         "tier": verdict.get("tier"), "reasons": verdict.get("reasons") or []} if verdict else None}


def delete_post(actor: Member, post: Post) -> None:
    """Soft delete: gone from every public view, row kept for audit."""
    if not can_delete(actor, post):
        raise Forbidden("forbidden", "You can only delete your own posts.")
    post.deleted_at = utcnow()
    post.deleted_by_id = actor.id
    recount(post.thread)
    if actor.id != post.author_id:
        audit.record(actor, "post.delete", target=f"post:{post.id}", before={"status": post.status}, after={"deleted": True})
    db.session.commit()


def report_post(reporter: Member, post: Post, reason, note=None) -> tuple[Report, dict]:
    """A member reports a post. The note is screened for urgency only (never refused): a crisis in it raises a
    self-harm item about the reporter (or, for a `self_harm_risk` report, raises the post's item), and the reporter
    is shown the crisis panel. Returns (report, support)."""
    if reason not in REPORT_REASONS:
        raise ServiceError("invalid_reason", f"Reason must be one of: {', '.join(REPORT_REASONS)}.", field="reason")
    if note is not None and not isinstance(note, str):
        raise ServiceError("invalid_field", "The note must be text.", field="note")
    note = (note or "").replace("\x00", "").strip() or None
    if note and len(note) > NOTE_MAX:
        raise ServiceError("too_long", f"The note can be at most {NOTE_MAX} characters.", field="note")
    if post.deleted_at is not None:
        raise NotFound("post_not_found", "That post doesn't exist or isn't visible to you.")
    if post.author_id == reporter.id:
        raise ServiceError("own_post", "You can't report your own post. You can edit or delete it instead.")
    exists = db.session.scalar(select(Report).where(Report.post_id == post.id, Report.reporter_id == reporter.id))
    if exists is not None:
        raise Conflict("already_reported", "You've already reported this post. Thank you: a moderator will look.")
    verdict = screen_for_urgency(note, reporter, "report_note") if note else None
    report = Report(post_id=post.id, reporter_id=reporter.id, reason=reason, note=note)
    db.session.add(report)
    try:
        db.session.flush()
    except Exception:  # a double-click raced us to the unique constraint
        db.session.rollback()
        raise Conflict("already_reported", "You've already reported this post. Thank you: a moderator will look.")
    item = queue.add_report(post, report, hold_votes=_hold_votes(post),
                            author_is_staff=bool(post.author and post.author.is_staff))
    if verdict is not None and is_crisis(verdict):
        queue.raise_report_note_crisis(item, report, verdict)
    db.session.commit()
    return report, support_for(verdict, reporter, "report") if verdict is not None else {}


def _hold_votes(post: Post) -> int:
    """Reports that count toward holding a published post: every report still reaches the moderators, but only
    reporters who are trusted (an account old enough with published posts, or marked trusted) and neither suspended
    nor deleted can take a post down together. Three minute-old accounts cannot hide anyone's words."""
    reporters = db.session.scalars(select(Member).join(Report, Report.reporter_id == Member.id)
                                   .where(Report.post_id == post.id))
    return sum(1 for m in reporters if m.deleted_at is None and not m.is_suspended and is_trusted(m))


# --- the moderators' context notes ----------------------------------------------------------------------------------

CONTEXT_NOTE_MAX = 500


def set_context_note(moderator: Member, post: Post, body) -> Post:
    """Add or change the short note from the moderators shown under a post to everyone (a misleading medication
    claim, say). Staff only; audited (who wrote it is in the audit log, never on the page); commits. The post row
    changes, so the thread's anonymous page and the post's fragment key change with it: it shows at once."""
    if moderator is None or not moderator.is_staff:
        raise Forbidden("forbidden", "Only moderators can add a note to a post.")
    if post.deleted_at is not None:
        raise NotFound("post_not_found", "That post doesn't exist or isn't visible to you.")
    audit.set_stamped(moderator, "post.context_note", f"post:{post.id}", post, "context_note", "context_note_at",
                      _text(body, "body", min_len=1, max_len=CONTEXT_NOTE_MAX, label="The note"))
    return post


def remove_context_note(moderator: Member, post: Post) -> bool:
    """Take the moderators' note off a post (audited). Returns False when it had none."""
    if moderator is None or not moderator.is_staff:
        raise Forbidden("forbidden", "Only moderators can remove a note from a post.")
    if post.context_note is None:
        return False
    audit.set_stamped(moderator, "post.context_note_removed", f"post:{post.id}", post, "context_note",
                      "context_note_at", None)
    return True


def context_note_to_dict(post: Post) -> dict | None:
    if post.context_note is None or post.deleted_at is not None:
        return None
    return {"body": post.context_note, "updated_at": iso(post.context_note_at)}


# --- stored HTML -------------------------------------------------------------------------------------------------

RERENDER_BATCH = 500


def rerender(*, everything: bool = False) -> dict:
    """Render the stored HTML of posts again with the current renderer: the rows whose renderer version differs, or
    every row with `everything`. Committed in batches, so a long run can be stopped and started again."""
    stale = or_(Post.html_version.is_(None), Post.html_version != RENDERER_VERSION)
    total = db.session.scalar(select(func.count(Post.id)).where(true() if everything else stale)) or 0
    done = 0
    for batch in in_batches(select(Post) if everything else select(Post).where(stale), Post, size=RERENDER_BATCH):
        for post in batch:
            store_html(post)
        done += len(batch)
    return {"rerendered": done, "matched": total, "version": RENDERER_VERSION}
