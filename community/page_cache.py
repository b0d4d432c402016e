"""Anonymous views of threads and boards, kept ready for the next anonymous reader.

A page is stored under a key that carries generation numbers: one for its thread or board and one for the whole
site. Every commit that changes a post (its moderators' note included), a thread, a board or what an author shows
as (handle, deletion, trust level, role, verified label) bumps the generations it touches (SQLAlchemy session
events, so every write path is covered: posting, editing, deleting, moderation decisions, the unscreened retry,
account erasure, `forum rerender`), and the next view renders afresh. PAGE_CACHE_SECONDS (default 60; 0 turns the
cache off) bounds what no row change announces: an author's automatic trust rising with age, which turns their
links from plain text into links.

Storage: in-process (a bounded LRU) by default; Redis when REDIS_URL is set, so that every web process and the
background worker see the same generations. A Redis failure never fails a page: it is rendered as if uncached.
Signed-in views are never cached (blocks, mutes, the viewer's own held posts).
"""
from __future__ import annotations

import hashlib
import logging
import threading
import time
from collections import OrderedDict

from flask import Response, current_app, has_app_context, request, session
from sqlalchemy import event, inspect
from sqlalchemy.orm import Session
from community.forum.models import Board, Post, Thread
from community.members.models import Member

log = logging.getLogger(__name__)

MAX_ENTRIES = 2000
SITE = "site"
_MEMBER_FIELDS = ("handle", "deleted_at", "trust_level", "role", "verified_label")


class _Memory:
    def __init__(self):
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
            while len(self.pages) > MAX_ENTRIES:
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
    """A thread or board page (`fmt` "html" or "json"): rendered for a signed-in viewer (their page is personal:
    blocks, mutes, their own held posts), from the cache for everyone else."""
    if viewer is not None:
        return render()
    return anonymous_page(scope, f"{page}:{fmt}", render)


def anonymous_page(scope: str, variant: str, render):
    """Serve an anonymous GET from the cache, or render it (render() -> response) and keep it when it is a plain
    200. `scope` is "thread:<id>" or "board:<id>"; `variant` tells pages of one scope apart (page number, format)."""
    app = current_app._get_current_object()
    seconds = _seconds(app)
    if seconds <= 0 or session.get("_flashes"):
        return render()
    store = _store(app)
    try:
        site, own = store.generations_of([SITE, scope])
        key = f"{scope}:{site}.{own}:{variant}"
        body = store.get(key)
    except Exception:  # noqa: BLE001 - a cache outage is a slower page, never a failed one
        log.warning("page cache unavailable; rendering %s", request.path, exc_info=True)
        return render()
    mimetype = "application/json" if variant.endswith(":json") else "text/html"
    if body is not None:
        response = Response(body, mimetype=mimetype)
        response.headers["X-Page-Cache"] = "hit"
        return response
    response = app.make_response(render())
    if response.status_code == 200 and not response.headers.getlist("Set-Cookie"):
        try:
            store.set(key, response.get_data(), seconds)
        except Exception:  # noqa: BLE001
            log.warning("page cache unavailable; not storing %s", request.path, exc_info=True)
    response.headers["X-Page-Cache"] = "miss"
    return response


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


@event.listens_for(Session, "after_flush")
def _after_flush(session, flush_context):
    # New rows have their ids now.
    names = session.info.setdefault("page_cache_touched", set())
    for obj in session.new:
        if isinstance(obj, Post) and obj.thread_id is not None:
            names.add(f"thread:{obj.thread_id}")
        elif isinstance(obj, Thread) and obj.id is not None:
            names.update({f"thread:{obj.id}", f"board:{obj.board_id}"})


# Names gathered in a transaction that rolls back stay for the next commit: an extra invalidation is only a miss.
@event.listens_for(Session, "after_commit")
def _after_commit(session):
    names = session.info.pop("page_cache_touched", None)
    if names and has_app_context():
        bump(current_app._get_current_object(), names)
