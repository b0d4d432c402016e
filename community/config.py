"""Settings, read from the environment once at start-up (README has the table).

Anything secret that is not given is generated once into the instance folder, never a constant in the code.
"""
from __future__ import annotations

import os
import secrets
from pathlib import Path


def _bool(value: str | None, default: bool) -> bool:
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


class SettingError(ValueError):
    """A setting from the environment that is not what it must be: the message names it and what it must be."""


def _number(env, name: str, default, kind=int):
    """The setting `name` as an int (or float); unset or empty: `default`. A value that is not a number stops the
    start-up with a message that names the setting, instead of a bare conversion error."""
    value = env.get(name)
    if value is None or not str(value).strip():
        return kind(default)
    try:
        return kind(str(value).strip())
    except ValueError:
        wanted = "a whole number" if kind is int else "a number"
        raise SettingError(f"{name} must be {wanted}, got {value!r}") from None


def _instance_secret(instance_path: str, name: str, make) -> str:
    """Read a secret from instance/<name>, creating it (mode 600) on first use."""
    path = Path(instance_path) / name
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    value = make()
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(value)
    return value


def normalise_database_url(url: str) -> str:
    """Accept the usual postgres:// spellings and use the psycopg 3 driver we install."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def from_environment(instance_path: str) -> dict:
    env = os.environ
    secret_key = env.get("SECRET_KEY") or _instance_secret(instance_path, "secret_key", lambda: secrets.token_hex(32))
    database_url = env.get("DATABASE_URL") or "sqlite:///" + str(Path(instance_path) / "haven.sqlite3")
    redis_url = env.get("REDIS_URL") or None
    return {
        "SECRET_KEY": secret_key,
        # Where it came from, for `flask --app wsgi doctor` (an environment value is checked for length).
        "SECRET_KEY_FROM_ENVIRONMENT": bool(env.get("SECRET_KEY")),
        # The safety-plan key (community/members/safety_plan.py): given, or generated once into the key file.
        "SAFETY_PLAN_KEY": env.get("SAFETY_PLAN_KEY") or None,
        "SAFETY_PLAN_KEY_FILE": env.get("SAFETY_PLAN_KEY_FILE") or None,
        "SQLALCHEMY_DATABASE_URI": normalise_database_url(database_url),
        "REDIS_URL": redis_url,
        # Redis pub/sub channel Socket.IO processes share (pub/sub ignores the database number, so two deployments
        # or test runs on one Redis need different channels).
        "SOCKETIO_CHANNEL": env.get("SOCKETIO_CHANNEL") or "flask-socketio",
        # Keyed hashing of client addresses for abuse control (community/privacy.py).
        "PRIVACY_HMAC_KEY": env.get("PRIVACY_HMAC_KEY") or secret_key + ":client-hmac",
        "MAX_CONTENT_LENGTH": _number(env, "MAX_REQUEST_BYTES", 256 * 1024),
        "SITE_URL": env.get("SITE_URL") or None,
        # Sockets that have not signed in yet (community/socket_limits.py): per client address and per process, and
        # how long one may stay open before it is accepted as a member.
        "SOCKET_UNAUTHENTICATED_PER_CLIENT": _number(env, "SOCKET_UNAUTHENTICATED_PER_CLIENT", 20),
        "SOCKET_UNAUTHENTICATED_MAX": _number(env, "SOCKET_UNAUTHENTICATED_MAX", 500),
        "SOCKET_AUTH_TIMEOUT": _number(env, "SOCKET_AUTH_TIMEOUT", 10, float),
        "TRUST_PROXY": _number(env, "TRUST_PROXY", 0),
        # Rate limits (Flask-Limiter). Redis storage when REDIS_URL is set, memory otherwise.
        "RATELIMIT_ENABLED": _bool(env.get("RATELIMIT_ENABLED"), True),
        "RATELIMIT_STORAGE_URI": env.get("RATELIMIT_STORAGE_URI") or redis_url or "memory://",
        "RATELIMIT_HEADERS_ENABLED": True,
        # Redis down: count in memory instead (per process) and never fail a request because of the limiter.
        "RATELIMIT_IN_MEMORY_FALLBACK_ENABLED": True,
        "RATELIMIT_SWALLOW_ERRORS": True,
        "RATELIMIT_STORAGE_OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        # Screening backends (moderation/classifiers/registry.py).
        "MODERATION_TOXICITY_BACKEND": env.get("MODERATION_TOXICITY_BACKEND", "embedded"),
        "MODERATION_SELF_HARM_BACKEND": env.get("MODERATION_SELF_HARM_BACKEND", "embedded"),
        "DETOXIFY_MODEL": env.get("DETOXIFY_MODEL", "original"),
        "DETOXIFY_CHECKPOINT": env.get("DETOXIFY_CHECKPOINT") or None,
        "DETOXIFY_CONFIG_DIR": env.get("DETOXIFY_CONFIG_DIR") or None,
        "MODERATION_TIMEOUT": _number(env, "MODERATION_TIMEOUT", 2.0, float),
        # Screening calls waiting at the same moment are merged into one classifier call of at most this many texts
        # (moderation/batching.py); 1 scores every call on its own.
        "MODERATION_BATCH_TEXTS": _number(env, "MODERATION_BATCH_TEXTS", 4),
        # Screening keeps the thresholds, safety settings and watched words between changes (every commit that writes
        # one is seen at once, moderation/config_cache.py); this bounds a change no commit event announces. 0 = off.
        "MODERATION_CONFIG_CACHE_SECONDS": _number(env, "MODERATION_CONFIG_CACHE_SECONDS", 5, float),
        # API tokens end this many days after they were made, or after this many days unused.
        "API_TOKEN_LIFETIME_DAYS": _number(env, "API_TOKEN_LIFETIME_DAYS", 90, float),
        "API_TOKEN_IDLE_DAYS": _number(env, "API_TOKEN_IDLE_DAYS", 14, float),
        "MODELS_DIR": env.get("MODELS_DIR") or str(Path(instance_path) / "models"),
        # Anonymous thread and board views (community/page_cache.py): seconds a page may be reused at most (0 turns
        # the cache off); every write that changes a page invalidates it at once. Redis when REDIS_URL is set.
        "PAGE_CACHE_SECONDS": _number(env, "PAGE_CACHE_SECONDS", 60),
        # Rendered posts kept in-process for signed-in thread pages (community/forum/post_fragments.py); 0 = off.
        "POST_FRAGMENT_CACHE_SIZE": _number(env, "POST_FRAGMENT_CACHE_SIZE", 2000),
        # Signed-in members' thread and board pages, each kept for its reader and browser session alone, in-process
        # (community/page_cache.py reader_page): how many pages at most (0 = off); PAGE_CACHE_SECONDS bounds their age.
        "READER_PAGE_CACHE_SIZE": _number(env, "READER_PAGE_CACHE_SIZE", 500),
        # Signed-in thread pages take a process-wide lane for their member check and kept-page look-up, so kept pages
        # are served one at a time (community/page_cache.py install_hit_lane): "1" on, "0" off, unset = SQLite only.
        "READER_HIT_LANE": {"1": True, "0": False}.get(env.get("READER_HIT_LANE", "").strip()),
        # Periodic work (moderation/jobs.py): "thread" runs it in each serving process (the embedded default);
        # "rq" leaves it to one `flask --app wsgi jobs worker` process on Redis (the scaled-out deployment).
        "JOBS_BACKEND": env.get("JOBS_BACKEND", "thread"),
        "JOBS_QUEUE": env.get("JOBS_QUEUE") or "haven",
        # Trust for new accounts (community/members/trust.py) and their stricter limits (Flask-Limiter strings).
        "TRUST_MIN_AGE_HOURS": _number(env, "TRUST_MIN_AGE_HOURS", 24),
        "TRUST_MIN_POSTS": _number(env, "TRUST_MIN_POSTS", 3),
        "NEW_ACCOUNT_THREAD_LIMIT": env.get("NEW_ACCOUNT_THREAD_LIMIT") or "3 per hour",
        "NEW_ACCOUNT_REPLY_LIMIT": env.get("NEW_ACCOUNT_REPLY_LIMIT") or "10 per hour",
        "NEW_ACCOUNT_REPORT_LIMIT": env.get("NEW_ACCOUNT_REPORT_LIMIT") or "10 per hour",
        # Chat messages per member ("off" turns it off), and how long a moderator's claim on a queue item lasts.
        "CHAT_RATE_LIMIT": env.get("CHAT_RATE_LIMIT") or "5/10 seconds",
        "QUEUE_CLAIM_MINUTES": _number(env, "QUEUE_CLAIM_MINUTES", 10),
        "UNSCREENED_RETRY_SECONDS": _number(env, "UNSCREENED_RETRY_SECONDS", 60, float),
        "EXPIRE_CLAIMS_SECONDS": _number(env, "EXPIRE_CLAIMS_SECONDS", 60, float),
        # How often a serving process gives its free malloc pages back to the kernel (community/allocator.py; 0: never).
        "MEMORY_TRIM_SECONDS": _number(env, "MEMORY_TRIM_SECONDS", 30, float),
        # How often due caring check-ins are sent (moderation/care.py), by the periodic jobs.
        "CARE_FOLLOWUP_SECONDS": _number(env, "CARE_FOLLOWUP_SECONDS", 300, float),
        # The late-night break nudge for members: minutes of continuous reading or chat (0 turns it off), and the
        # night hours in the member's own time zone (the browser's clock), "start-end" on a 24-hour clock.
        "BREAK_NUDGE_MINUTES": _number(env, "BREAK_NUDGE_MINUTES", 45),
        "BREAK_NUDGE_HOURS": env.get("BREAK_NUDGE_HOURS") or "23-5",
    }
