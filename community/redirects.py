"""Where a `next` parameter may send a browser: only a path on this site.

Browsers drop tab, CR and LF from URLs and read a backslash as a slash, so `/\t/evil.example` or `/\\evil.example`
would become `//evil.example`, another site. A target with any control character or backslash is refused outright,
and what is left must parse with no scheme and no host and start with a single slash.
"""
from __future__ import annotations

from urllib.parse import urlsplit


def safe_target(target, default: str, prefix: str = "/") -> str:
    """`target` when it is a same-site path starting with `prefix`, else `default`."""
    if not isinstance(target, str) or not target or len(target) > 2000:
        return default
    if "\\" in target or any(ord(ch) < 0x20 or 0x7F <= ord(ch) <= 0x9F for ch in target):
        return default
    try:
        parts = urlsplit(target)
    except ValueError:
        return default
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return default
    if not target.startswith(prefix):
        return default
    return target
