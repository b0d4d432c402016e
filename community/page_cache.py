"""Anonymous views of threads and boards, kept ready for the next anonymous reader.

A page is stored under a key that carries generation numbers: one for its thread or board and one for the whole
site. Every commit that changes a post (its moderators' note included), a thread, a board, a post's reactions or
what an author shows as (handle, deletion, trust level, role, verified label) bumps the generations it touches
(SQLAlchemy session events, so every write path is covered: posting, editing, deleting, moderation decisions, the
unscreened retry, account erasure, `forum rerender`), and the next view renders afresh. PAGE_CACHE_SECONDS (default
60; 0 turns the cache off) bounds what no row change announces: an author's automatic trust rising with age, which
turns their links from plain text into links.

Storage: in-process (a bounded LRU) by default; Redis when REDIS_URL is set, so that every web process and the
background worker see the same generations. A Redis failure never fails a page: it is rendered as if uncached.

Signed-in members' pages (`reader_page`) are personal (blocks, muted words, their own held posts, the header's
counts, the reply form's CSRF token), so each is kept for its reader alone, in the process that rendered it (a
bounded LRU, READER_PAGE_CACHE_SIZE; sticky sessions keep a reader on one process), under a key of:
- the member and a digest of their session's CSRF seed, so a page is only ever served to the browser session whose
  token it carries (another session of the same member has another seed: another key);
- the site's and the thread's (board's) generations, as for anonymous pages;
- the member's own generation, bumped by every commit that writes a row pointing at them through a foreign key to
  `members` (their blocks and muted words, notices, messages from the moderators, appeals, queue items about their
  posts...) or their own member row (role, suspension, handle, trust);
- the PERSONAL generation, bumped by every bulk statement (`session.execute(update(...))`, `query(...).delete()`)
  that no row event can attribute to one member: every reader's pages are then rendered afresh (bulk statements on
  posts, threads, boards or members also bump the site's generation, for the anonymous pages).
Staff pages (the queue counts in their header change with any item) and pages shown with a flash message are never
kept; the same PAGE_CACHE_SECONDS bounds the rest.
"""
from __future__ import annotations

import hashlib
import logging
import re
import threading
import time
from collections import OrderedDict

from flask import Response, current_app, g, has_app_context, has_request_context, request, session
from sqlalchemy import event, inspect
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import TextClause
from community.forum.models import Board, Post, Reaction, Thread
from community.members.models import Member

log = logging.getLogger(__name__)

MAX_ENTRIES = 2000
SITE = "site"
PERSONAL = "personal"  # every signed-in reader's pages: bumped by bulk statements
_MEMBER_FIELDS = ("handle", "deleted_at", "trust_level", "role", "verified_label")
# Tables whose rows change nothing a member's forum page shows: neither their row events nor their bulk statements
# bump a generation.
# thread_states (read positions and follows) bump explicitly instead (community/forum/follows.py, reads_changed):
# reading a thread must not make the page just rendered stale for its own reader.
_UNSHOWN_TABLES = frozenset({"thread_states", "audit_log", "api_tokens", "member_sessions", "staff_notes", "chat_messages",
                             "chat_mutes", "chat_rooms", "released_handles", "resources", "safety_plans"})
_SHARED_TABLES = frozenset({"posts", "threads", "boards", "members"})  # also on anonymous pages
_WRITE_TEXT = re.compile(r"\s*(insert|update|delete|truncate|replace|merge)\b", re.IGNORECASE)


class _Memory:
    def __init__(self, max_entries: int = MAX_ENTRIES):
        self.max_entries = max_entries
        self.lock = threading.Lock()
        self.pages: OrderedDict[str, tuple[float, bytes]] = OrderedDict()
        self.generations: dict[str, int] = {}

    def generations_of(self, names):
        with self.lock:
            return [self.generations.get(n, 0) for n in names]

    def bump(self, names):
        with self.lock:
            for name in names:
                self.generations[name] = self.generations.get(name, 0) + 1

    def get(self, key):
        with self.lock:
            found = self.pages.get(key)
            if found is None:
                return None
            if found[0] < time.monotonic():
                del self.pages[key]
                return None
            self.pages.move_to_end(key)
            return found[1]

    def set(self, key, body, seconds):
        with self.lock:
            self.pages[key] = (time.monotonic() + seconds, body)
            self.pages.move_to_end(key)
            while len(self.pages) > self.max_entries:
                self.pages.popitem(last=False)


class _Redis:
    def __init__(self, url, prefix):
        import redis
        self.client = redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=1)
        self.prefix = prefix

    def generations_of(self, names):
        return [int(v or 0) for v in self.client.mget([f"{self.prefix}gen:{n}" for n in names])]

    def bump(self, names):
        pipe = self.client.pipeline(transaction=False)
        for name in names:
            pipe.incr(f"{self.prefix}gen:{name}")
        pipe.execute()

    def get(self, key):
        return self.client.get(f"{self.prefix}page:{key}")

    def set(self, key, body, seconds):
        self.client.set(f"{self.prefix}page:{key}", body, ex=seconds)


def _store(app):
    store = app.extensions.get("page_cache")
    if store is None:
        url = app.config.get("REDIS_URL")
        # One namespace per database: two deployments (or test runs) on one Redis never share pages.
        prefix = "haven:pages:" + hashlib.sha256(app.config["SQLALCHEMY_DATABASE_URI"].encode()).hexdigest()[:12] + ":"
        store = _Redis(url, prefix) if url else _Memory()
        app.extensions["page_cache"] = store
    return store


def _seconds(app) -> int:
    return int(app.config.get("PAGE_CACHE_SECONDS") or 0)


def page_for(viewer, scope: str, page: int, fmt: str, render):
    """A thread or board page (`fmt` "html" or "json"): kept for this signed-in viewer alone (their page is
    personal: blocks, mutes, their own held posts), shared by everyone else. A signed-in JSON view (an API token,
    no session) is rendered every time."""
    if viewer is not None:
        return reader_page(viewer, scope, f"{page}:{fmt}", render) if fmt == "html" else render()
    return anonymous_page(scope, f"{page}:{fmt}", render)


def _reader_pages(app) -> _Memory:
    pages = app.extensions.get("reader_pages")
    if pages is None:
        pages = _Memory(int(app.config.get("READER_PAGE_CACHE_SIZE") or 0))
        app.extensions["reader_pages"] = pages
    return pages


def _csrf_seed(app) -> str | None:
    """A digest of the session's CSRF seed, the secret every CSRF token in this session's pages is signed from
    (Flask-WTF keeps it in the session), or None while the session has none yet. "off" when CSRF is disabled."""
    if not app.config.get("WTF_CSRF_ENABLED", True):
        return "off"
    raw = session.get(app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token"))
    if not isinstance(raw, str) or not raw:
        return None
    return hashlib.sha256(raw.encode()).hexdigest()[:32]


def reader_page(viewer, scope: str, variant: str, render):
    """A signed-in member's HTML page of `scope` ("thread:<id>", "board:<id>"), kept for them and this browser
    session alone; rendered (render() -> response) when anything it may show has changed (see the module's text).
    Staff pages and pages with a flash message are never kept."""
    app = current_app._get_current_object()
    seconds = _seconds(app)
    pages = _reader_pages(app)
    if seconds <= 0 or pages.max_entries <= 0 or viewer.is_staff or session.get("_flashes"):
        leave_hit_lane()
        return render()
    try:
        names = [SITE, PERSONAL, scope, f"member:{viewer.id}"]
        if scope.startswith("board:"):
            names.append(f"reads:{viewer.id}")  # a board's "new" tags follow every thread the member reads
        stamp = ".".join(str(n) for n in _store(app).generations_of(names))
    except Exception:  # noqa: BLE001 - a cache outage is a slower page, never a failed one
        log.warning("page cache unavailable; rendering %s", request.path, exc_info=True)
        leave_hit_lane()
        return render()
    # Generations are read before rendering: a write committed meanwhile bumps them, so what is stored under this
    # stamp is never older than the stamp says.
    prefix = f"{viewer.id}:{request.script_root}:{scope}:{stamp}:{variant}:"
    seed = _csrf_seed(app)
    if seed is not None:
        body = pages.get(prefix + seed)
        if body is not None:
            response = Response(body, mimetype="text/html")
            response.headers["X-Page-Cache"] = "hit"
            return response
    leave_hit_lane()
    response = app.make_response(render())
    seed = _csrf_seed(app)  # the render may have given the session its seed
    if response.status_code == 200 and seed is not None and not session.get("_flashes"):
        pages.set(prefix + seed, response.get_data(), seconds)
    response.headers["X-Page-Cache"] = "miss"
    return response


def anonymous_page(scope: str, variant: str, render):
    """Serve an anonymous GET from the cache, or render it (render() -> response) and keep it when it is a plain
    200. `scope` is "thread:<id>" or "board:<id>"; `variant` tells pages of one scope apart (page number, format)."""
    app = current_app._get_current_object()
    seconds = _seconds(app)
    if seconds <= 0 or session.get("_flashes"):
        leave_hit_lane()
        return render()
    store = _store(app)
    try:
        site, own = store.generations_of([SITE, scope])
        key = f"{scope}:{site}.{own}:{variant}"
        body = store.get(key)
    except Exception:  # noqa: BLE001 - a cache outage is a slower page, never a failed one
        log.warning("page cache unavailable; rendering %s", request.path, exc_info=True)
        leave_hit_lane()
        return render()
    mimetype = "application/json" if variant.endswith(":json") else "text/html"
    if body is not None:
        response = Response(body, mimetype=mimetype)
        response.headers["X-Page-Cache"] = "hit"
        return response
    leave_hit_lane()
    response = app.make_response(render())
    if response.status_code == 200 and not response.headers.getlist("Set-Cookie"):
        try:
            store.set(key, response.get_data(), seconds)
        except Exception:  # noqa: BLE001
            log.warning("page cache unavailable; not storing %s", request.path, exc_info=True)
    response.headers["X-Page-Cache"] = "miss"
    return response


# --- the hit lane: signed-in thread pages served from the reader's cache, one thread at a time -------------------

HIT_LANE_WAIT = 0.1  # seconds a request waits for the lane before it goes on without it (as every request did)
_HIT_LANE_ENDPOINTS = frozenset({"forum.thread"})
_LANE = "haven_hit_lane"


def install_hit_lane(app) -> None:
    """A signed-in reader's kept thread page is mostly Python (the cookie, the member check, the lookup) with one
    short SQLite query in the middle, during which sqlite3 lets go of the GIL. With many such requests in flight at
    once (gunicorn's threads), every one of those moments hands the GIL to another request, and back: a signed-in
    kept page cost ~2.5 times the CPU of the same page served one at a time (16 threads in-process: 1.14 against
    0.46 ms, ~38 context switches a request against ~2). So a signed-in GET of a thread page takes a process-wide
    lane (a lock) before its member check and leaves it as soon as it knows the page is not a kept one (before any
    rendering, any write, any other query), or at the end of the request: kept pages go through one at a time and
    the GIL stays with the one that has it. A request waits at most HIT_LANE_WAIT for the lane, then goes on
    without it. Nothing served changes; on for SQLite (READER_HIT_LANE, default on for SQLite only: a PostgreSQL
    query is a network round trip, during which others should run)."""
    setting = app.config.get("READER_HIT_LANE")
    if setting is None:
        setting = app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite")
    if not setting:
        return
    lane = app.extensions["hit_lane"] = threading.Lock()
    cookie = app.config.get("SESSION_COOKIE_NAME", "session")

    @app.before_request
    def enter_hit_lane():
        if (request.method == "GET" and request.endpoint in _HIT_LANE_ENDPOINTS and cookie in request.cookies
                and not request.args.get("quote")):
            if lane.acquire(timeout=HIT_LANE_WAIT):
                g.setdefault(_LANE, lane)

    @app.teardown_request
    def leave_at_the_end(exc=None):
        leave_hit_lane()


def leave_hit_lane() -> None:
    """Leave the hit lane if this request holds it (before rendering: a render runs alongside the others)."""
    if has_request_context():
        held = g.pop(_LANE, None)
        if held is not None:
            held.release()


def reads_changed(member_id: int, *, page_changes: bool) -> None:
    """After a commit that moved a member's read position or follow (community/forum/follows.py): their board pages
    (the "new" tags) render afresh; their thread pages only when what the thread page shows changed too
    (`page_changes`: the "new since your last visit" markers it showed, or the follow button). A first visit, which
    showed no markers, keeps the page it just rendered."""
    if not has_app_context():
        return
    names = {f"reads:{member_id}"}
    if page_changes:
        names.add(f"member:{member_id}")
    bump(current_app._get_current_object(), names)


def bump(app, names) -> None:
    if not names or _seconds(app) <= 0:
        return
    try:
        _store(app).bump(sorted(names))
    except Exception:  # noqa: BLE001 - pages then expire within PAGE_CACHE_SECONDS
        log.warning("page cache: could not invalidate %s", sorted(names), exc_info=True)


# --- invalidation: every commit that changes what an anonymous page shows ----------------------------------------

def _touched(session: Session) -> set[str]:
    names = session.info.setdefault("page_cache_touched", set())
    for obj in list(session.new) + list(session.dirty) + list(session.deleted):
        if isinstance(obj, Post):
            if obj.thread_id is not None:
                names.add(f"thread:{obj.thread_id}")
            elif obj.thread is not None and obj.thread.id is not None:
                names.add(f"thread:{obj.thread.id}")
            if obj.thread is not None and obj.thread.board_id is not None and obj.is_opening:
                names.add(f"board:{obj.thread.board_id}")
        elif isinstance(obj, Thread):
            if obj.id is not None:
                names.add(f"thread:{obj.id}")
            if obj.board_id is not None:
                names.add(f"board:{obj.board_id}")
        elif isinstance(obj, Reaction):
            # Reaction counts show on the thread page (the post is usually in the session already).
            post = session.get(Post, obj.post_id) if obj.post_id is not None else None
            if post is not None and post.thread_id is not None:
                names.add(f"thread:{post.thread_id}")
        elif isinstance(obj, Board):
            names.add(SITE)
        elif isinstance(obj, Member) and obj in session.dirty:
            state = inspect(obj)
            if any(state.attrs[f].history.has_changes() for f in _MEMBER_FIELDS):
                names.add(SITE)
    return names


@event.listens_for(Session, "before_flush")
def _before_flush(session, flush_context, instances):
    with session.no_autoflush:
        _touched(session)


_member_columns: dict = {}


def _member_keys(mapper) -> tuple[str, ...]:
    """The attributes of a mapped class that hold a member's id (a foreign key to members.id)."""
    keys = _member_columns.get(mapper)
    if keys is None:
        keys = tuple(prop.key for prop in mapper.column_attrs
                     if any(fk.target_fullname == "members.id" for column in prop.columns
                            for fk in getattr(column, "foreign_keys", ())))
        _member_columns[mapper] = keys
    return keys


def _members_touched(session: Session, names: set[str]) -> None:
    """member:<id> for every member a written row points at (old and new values), and for written member rows."""
    for objs, deleted in ((session.new, False), (session.dirty, False), (session.deleted, True)):
        for obj in objs:
            state = inspect(obj)
            if isinstance(obj, Member):
                if obj.id is not None:
                    names.add(f"member:{obj.id}")
                continue
            if state.mapper.local_table.name in _UNSHOWN_TABLES:
                continue  # chat messages, audit rows, tokens...: nothing a forum page shows (no bump, no Redis trip)
            keys = _member_keys(state.mapper)
            unknown = False
            for key in keys:
                if key in state.expired_attributes or key not in state.dict:
                    unknown = True  # not loaded (a row deleted after a commit expired it): whose it was is unknown
                    continue
                history = state.attrs[key].history
                for value in (*history.added, *history.unchanged, *history.deleted):
                    if isinstance(value, int):
                        names.add(f"member:{value}")
            if unknown and (deleted or obj in session.dirty):
                names.add(PERSONAL)


@event.listens_for(Session, "after_flush")
def _after_flush(session, flush_context):
    # New rows have their ids (and the foreign keys set through relationships) now; the lists are still the flush's.
    names = session.info.setdefault("page_cache_touched", set())
    for obj in session.new:
        if isinstance(obj, Post) and obj.thread_id is not None:
            names.add(f"thread:{obj.thread_id}")
        elif isinstance(obj, Thread) and obj.id is not None:
            names.update({f"thread:{obj.id}", f"board:{obj.board_id}"})
    _members_touched(session, names)


def members_written(session: Session, member_ids) -> None:
    """Rows pointing at these members were written in this transaction without ORM objects (so no flush event saw
    them, and no bulk statement event either): their pages render afresh after the commit, as for a flushed row."""
    session.info.setdefault("page_cache_touched", set()).update(f"member:{m}" for m in member_ids if m is not None)


@event.listens_for(Session, "do_orm_execute")
def _bulk_statement(state):
    """A bulk INSERT/UPDATE/DELETE (or a written text statement) changes rows no flush event sees: every reader's
    pages, and for posts, threads, boards and members the anonymous pages too, are rendered afresh."""
    statement = state.statement
    if getattr(statement, "is_dml", False):
        table = getattr(getattr(statement, "table", None), "name", None)
    elif isinstance(statement, TextClause) and _WRITE_TEXT.match(statement.text):
        table = None
    else:
        return
    if table in _UNSHOWN_TABLES:
        return
    names = state.session.info.setdefault("page_cache_touched", set())
    names.add(PERSONAL)
    if table is None or table in _SHARED_TABLES:
        names.add(SITE)


# Names gathered in a transaction that rolls back stay for the next commit: an extra invalidation is only a miss.
@event.listens_for(Session, "after_commit")
def _after_commit(session):
    names = session.info.pop("page_cache_touched", None)
    if names and has_app_context():
        bump(current_app._get_current_object(), names)
