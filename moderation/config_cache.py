"""What screening reads from the database for every text, kept ready between changes: the thresholds, the safety
settings and the watched words.

Every screened text (a post, a chat message) read them again: two or three queries, about a fifth of a chat
message's database time. Here each is read once and kept under a generation number that every commit writing a
moderation setting or a watched word bumps (SQLAlchemy session events, so every write path is covered; bulk
statements on those tables and written text statements too). The generation lives in this process, or in Redis
when REDIS_URL is set, so that every process sees an admin's change at its next screening. A Redis failure never
fails a screening: the values are read from the database as before. MODERATION_CONFIG_CACHE_SECONDS (default 5; 0
reads the database every time) bounds what no commit event can announce: a change made outside this app's
sessions, or by another process when several share no Redis.

Only screening reads through here; the admin pages and the code that saves a change read the database directly.
One screening reads the generation once (`one_reading()`, around screen_many): its thresholds, safety settings and
watched words are then one Redis round trip, not three, and all of the same generation.
"""
from __future__ import annotations

import contextlib
import contextvars
import hashlib
import logging
import threading
import time
from collections import namedtuple

from flask import current_app, has_app_context
from sqlalchemy import event
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import TextClause

from moderation.models import ModerationSetting, WatchedWord

log = logging.getLogger(__name__)

TABLES = frozenset({ModerationSetting.__tablename__, WatchedWord.__tablename__})
_CHANGED = "haven.moderation_config.changed"  # session.info: this transaction wrote one of TABLES
Entry = namedtuple("Entry", "id pattern action regex")  # a watched word as screening reads it


class _Generations:
    """The generation number: this process's own, or Redis's (shared by every process)."""

    def __init__(self, app):
        self.lock = threading.Lock()
        self.local = 0
        self.redis = None
        url = app.config.get("REDIS_URL")
        if url:
            import redis
            self.redis = redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=1)
            self.key = ("haven:moderation-config:"
                        + hashlib.sha256(app.config["SQLALCHEMY_DATABASE_URI"].encode()).hexdigest()[:12])

    def current(self):
        # This process's own count too: its own change shows here at once, even if telling Redis failed.
        return (self.local, None if self.redis is None else int(self.redis.get(self.key) or 0))

    def bump(self) -> None:
        with self.lock:
            self.local += 1
        if self.redis is not None:
            self.redis.incr(self.key)


# Inside one_reading(): the generation read by its first cached() (None until then), for the rest of it. A context
# variable: each thread and each greenlet has its own.
_reading: contextvars.ContextVar = contextvars.ContextVar("moderation_config_reading", default=None)
_UNREAD = object()


@contextlib.contextmanager
def one_reading():
    """Within this block (one screening), the generation is read at most once: every cached() in it sees the values
    of that one generation. A change committed meanwhile shows at the next block, as it would at the next
    screening. Nested blocks share the outer one's reading."""
    if _reading.get() is not None:
        yield
        return
    token = _reading.set([_UNREAD])
    try:
        yield
    finally:
        _reading.reset(token)


def _generation(state):
    reading = _reading.get()
    if reading is None:
        return state["generations"].current()
    if reading[0] is _UNREAD:
        reading[0] = state["generations"].current()
    return reading[0]


_last_warning = [0.0]
WARN_EVERY_SECONDS = 60.0


def _warn(message: str) -> None:
    """Redis trouble is said once a minute, not for every text (a server's log is not a place to flood)."""
    now = time.monotonic()
    if now - _last_warning[0] >= WARN_EVERY_SECONDS:
        _last_warning[0] = now
        log.warning(message, exc_info=True)


def _state(app) -> dict:
    found = app.extensions.get("moderation_config")
    if found is None:
        found = app.extensions["moderation_config"] = {"generations": _Generations(app), "values": {}}
    return found


def cached(name: str, load):
    """`load()`'s value, read again only after a change (or MODERATION_CONFIG_CACHE_SECONDS)."""
    if not has_app_context():
        return load()
    app = current_app._get_current_object()
    seconds = float(app.config.get("MODERATION_CONFIG_CACHE_SECONDS", 5) or 0)
    if seconds <= 0:
        return load()
    state = _state(app)
    try:
        generation = _generation(state)
    except Exception:  # noqa: BLE001 - Redis down: read the database, as without the cache
        _warn("moderation settings cache unavailable (Redis); reading the database")
        return load()
    now = time.monotonic()
    found = state["values"].get(name)
    if found is not None and found[0] == generation and now - found[1] < seconds:
        return found[2]
    # The generation is read before the value: a change committed meanwhile bumps it, so nothing older than its
    # generation is ever kept under it.
    value = load()
    state["values"][name] = (generation, now, value)
    return value


# --- invalidation: every commit that writes a moderation setting or a watched word --------------------------------

@event.listens_for(Session, "before_flush")
def _before_flush(session, flush_context, instances):
    for obj in (*session.new, *session.dirty, *session.deleted):
        if isinstance(obj, (ModerationSetting, WatchedWord)):
            session.info[_CHANGED] = True
            return


@event.listens_for(Session, "do_orm_execute")
def _bulk_statement(state):
    statement = state.statement
    if getattr(statement, "is_dml", False):
        if getattr(getattr(statement, "table", None), "name", None) in TABLES:
            state.session.info[_CHANGED] = True
    elif isinstance(statement, TextClause) and not statement.text.lstrip()[:6].lower() == "select":
        state.session.info[_CHANGED] = True  # a written statement no one can read the tables of


@event.listens_for(Session, "after_commit")
def _after_commit(session):
    if session.info.pop(_CHANGED, False) and has_app_context():
        try:
            _state(current_app._get_current_object())["generations"].bump()
        except Exception:  # noqa: BLE001 - Redis down: the others see it within MODERATION_CONFIG_CACHE_SECONDS
            _warn("could not announce a moderation settings change through Redis; other processes see it within "
                  "MODERATION_CONFIG_CACHE_SECONDS")
