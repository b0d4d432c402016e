"""Abuse limits for signing in and recovery, keyed by client first and by the account being tried second.

- Per client (Flask-Limiter, shared by the page and the API): `LOGIN_PER_CLIENT`, `RECOVER_PER_CLIENT`.
- Per handle, a slowdown, never a lockout: once a handle has had `HANDLE_FAILURES_BEFORE_SLOWDOWN` failures in the
  hour (a guesser spread over many addresses), every attempt on it waits a little longer, up to
  `SLOWDOWN_CAP_SECONDS`. A client that itself failed `CLIENT_FAILURES_PER_HANDLE` times on that handle is refused
  (429) for it; a client that has not failed, such as the owner with the right password, still gets in. So nobody can
  lock a chosen person out by failing their password.

Keys are keyed hashes (of the normalised handle, of the client address), so the limiter's storage (Redis) never holds
handles or addresses.
"""
from __future__ import annotations

import hashlib
import hmac
import logging
import time

from flask import current_app
from limits import parse
from werkzeug.exceptions import TooManyRequests

from community.extensions import limiter
from community.privacy import client_fingerprint

log = logging.getLogger(__name__)

LOGIN_PER_CLIENT = "10 per minute"  # pages and API share it (scope "login-client")
RECOVER_PER_CLIENT = "5 per minute"  # scope "recover-client"
SIGNUPS_PER_CLIENT = "10 per hour"  # pages and API share it (scope "signup")
HANDLE_FAILURES_BEFORE_SLOWDOWN = 20  # per handle per hour, from any number of clients
CLIENT_FAILURES_PER_HANDLE = 5  # per client per handle per hour: then this client is refused for this handle
SLOWDOWN_STEP_SECONDS = 0.25
SLOWDOWN_CAP_SECONDS = 2.0
_HOUR = parse("1000000 per hour")  # a window to count failures in (never "exceeded" itself)


def _handle_hash(handle) -> str:
    handle = handle.strip().lower() if isinstance(handle, str) else ""
    secret = str(current_app.config.get("PRIVACY_HMAC_KEY") or current_app.config["SECRET_KEY"]).encode()
    return hmac.new(secret, handle.encode("utf-8", "replace"), hashlib.sha256).hexdigest()[:32]


def _failures(*key) -> int:
    stats = limiter.limiter.get_window_stats(_HOUR, "haven-sign-in-failures", *key)
    return _HOUR.amount - stats.remaining


def slowdown_seconds(handle_failures: int) -> float:
    """How long an attempt on a handle waits, given its failures this hour: nothing up to the threshold, then a
    step more every five failures, never more than the cap."""
    over = handle_failures - HANDLE_FAILURES_BEFORE_SLOWDOWN
    if over < 0:
        return 0.0
    return min(SLOWDOWN_CAP_SECONDS, SLOWDOWN_STEP_SECONDS * (1 + over // 5))


def before_attempt(kind: str, handle) -> None:
    """Call before checking a password (kind "login") or recovery code ("recover") for `handle`."""
    if not current_app.config.get("RATELIMIT_ENABLED", True):
        return
    h = _handle_hash(handle)
    try:
        mine = _failures(kind, h, client_fingerprint())
        everyone = _failures(kind, h)
    except Exception:  # noqa: BLE001 - limiter storage down: the per-client limits (with their fallback) still hold
        log.warning("sign-in failure counters unavailable", exc_info=True)
        return
    if mine >= CLIENT_FAILURES_PER_HANDLE:
        raise TooManyRequests("Too many tries for this account from here. Please wait a while and try again.")
    delay = slowdown_seconds(everyone)
    if delay:
        time.sleep(delay)


def record_failure(kind: str, handle) -> None:
    if not current_app.config.get("RATELIMIT_ENABLED", True):
        return
    h = _handle_hash(handle)
    try:
        limiter.limiter.hit(_HOUR, "haven-sign-in-failures", kind, h, client_fingerprint())
        limiter.limiter.hit(_HOUR, "haven-sign-in-failures", kind, h)
    except Exception:  # noqa: BLE001
        log.warning("could not count a sign-in failure", exc_info=True)
