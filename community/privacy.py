"""Privacy helpers: we never store a raw IP address or user agent.

Where abuse control needs to recognise "the same client again" (rate limits), we use a keyed HMAC of the address
with `PRIVACY_HMAC_KEY`: stable for the life of the key, useless to anyone who copies the database or Redis without it.
"""
import hashlib
import hmac
import logging
import re

from flask import current_app, request


def keyed_hash(value: str) -> str:
    key = current_app.config["PRIVACY_HMAC_KEY"].encode()
    return hmac.new(key, value.encode("utf-8", "replace"), hashlib.sha256).hexdigest()[:32]


def client_fingerprint() -> str:
    return keyed_hash(request.remote_addr or "unknown")


class DropClientAddress(logging.Filter):
    """The development server (werkzeug) starts each request line with the client's address: replace it with "-",
    so `flask run` never writes a raw IP address to its log."""

    _LEADING_ADDRESS = re.compile(r"^\S+ - - \[")

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str) and self._LEADING_ADDRESS.match(record.msg):
            record.msg = self._LEADING_ADDRESS.sub("- - - [", record.msg, count=1)
        return True
