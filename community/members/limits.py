"""Abuse limits keyed by the account being tried, not only by the client (community/extensions.py keys by client).

A password guesser spreading attempts over many addresses still hits the per-handle limit; the key is a keyed hash
of the normalised handle, so the limiter's storage (Redis) never holds handles either.
"""
from __future__ import annotations

import hashlib
import hmac

from flask import current_app, request

LOGIN_PER_HANDLE = "20 per hour"
RECOVER_PER_HANDLE = "5 per hour"
SIGNUPS_PER_CLIENT = "10 per hour"  # pages and API share it (scope "signup")


def attempted_handle_key() -> str:
    handle = None
    if request.is_json:
        data = request.get_json(silent=True)
        if isinstance(data, dict):
            handle = data.get("handle")
    else:
        handle = request.form.get("handle")
    handle = handle.strip().lower() if isinstance(handle, str) else ""
    secret = str(current_app.config.get("PRIVACY_HMAC_KEY") or current_app.config["SECRET_KEY"]).encode()
    return "handle:" + hmac.new(secret, handle.encode("utf-8", "replace"), hashlib.sha256).hexdigest()[:32]
