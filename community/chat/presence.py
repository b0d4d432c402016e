"""Who is in which chat room: connection id -> handle, per room. In Redis when REDIS_URL is set (so every process
sees the same list), else in this process."""
from __future__ import annotations

import threading

from flask import current_app

_lock = threading.Lock()
_local: dict[str, dict[str, str]] = {}      # slug -> {sid: handle}
_joined: dict[str, set[str]] = {}           # sid -> slugs (the process serving a connection handles its leave)


def _redis():
    app = current_app._get_current_object()
    url = app.config.get("REDIS_URL")
    if not url:
        return None
    client = app.extensions.get("chat_presence_redis")
    if client is None:
        import redis
        client = redis.Redis.from_url(url, socket_timeout=2)
        app.extensions["chat_presence_redis"] = client
    return client


def _key(slug: str) -> str:
    return f"haven:chat:presence:{slug}"


def add(slug: str, sid: str, handle: str) -> None:
    r = _redis()
    if r is not None:
        r.hset(_key(slug), sid, handle)
        r.expire(_key(slug), 24 * 3600)
    else:
        with _lock:
            _local.setdefault(slug, {})[sid] = handle
    with _lock:  # only once recorded (Redis down: the join fails and the connection is not counted as in the room)
        _joined.setdefault(sid, set()).add(slug)


def remove(slug: str, sid: str) -> bool:
    with _lock:
        rooms = _joined.get(sid, set())
        was_in = slug in rooms
        rooms.discard(slug)
    r = _redis()
    if r is not None:
        r.hdel(_key(slug), sid)
    else:
        with _lock:
            _local.get(slug, {}).pop(sid, None)
    return was_in


def rooms_of(sid: str) -> list[str]:
    with _lock:
        return sorted(_joined.pop(sid, set()))


def is_in(slug: str, sid: str) -> bool:
    with _lock:
        return slug in _joined.get(sid, set())


def handles(slug: str) -> list[str]:
    r = _redis()
    if r is not None:
        values = [v.decode() if isinstance(v, bytes) else v for v in r.hvals(_key(slug))]
    else:
        with _lock:
            values = list(_local.get(slug, {}).values())
    return sorted(set(values), key=str.lower)

