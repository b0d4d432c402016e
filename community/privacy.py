"""Privacy helpers: we never store a raw IP address or user agent.

Where abuse control needs to recognise "the same client again" (rate limits), we use a keyed HMAC of the address
with `PRIVACY_HMAC_KEY`: stable for the life of the key, useless to anyone who copies the database or Redis without it.
"""
import hashlib
import hmac

from flask import current_app, request


def keyed_hash(value: str) -> str:
    key = current_app.config["PRIVACY_HMAC_KEY"].encode()
    return hmac.new(key, value.encode("utf-8", "replace"), hashlib.sha256).hexdigest()[:32]


def client_fingerprint() -> str:
    return keyed_hash(request.remote_addr or "unknown")
