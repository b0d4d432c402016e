"""One set of limits for every write, shared by the pages and the API (the same budget, whichever door is used).

Each kind of write has a per-member budget (scope "write-<kind>"), and every write from one client, of any kind,
also counts toward one per-client budget (scope "write-client"), so neither many accounts on one client nor one
account on many clients can flood the site. New accounts' stricter thread/reply limits (NEW_ACCOUNT_*_LIMIT) stay
on top of these. Over a limit: 429 with the API error shape, or the calm "slow down" page.
"""
from __future__ import annotations

from flask import g
from flask_login import current_user

from community.extensions import limiter

PER_MEMBER = {
    "thread": "20 per hour",
    "reply": "60 per hour",
    "edit": "10 per minute;60 per hour",
    "delete": "30 per hour",
    "report": "30 per hour",
    "appeal": "10 per hour",
    "staff_message": "10 per minute;60 per hour",
    "staff_note": "30 per minute;300 per hour",
    "rename": "5 per hour",
    "settings": "30 per hour",
    "reaction": "60 per minute;600 per hour",
    "follow": "60 per minute;600 per hour",
}
PER_CLIENT = "60 per minute;600 per hour"  # all writes of one client together
WRITE_METHODS = ["POST", "PUT", "PATCH", "DELETE"]


def _member_key() -> str:
    member = g.get("api_member")
    if member is None and current_user.is_authenticated:
        member = current_user
    return f"member:{member.id}" if member is not None else "anonymous"


def write_limit(kind: str):
    """Decorator for a view that writes `kind` (place it under the auth decorator; an API endpoint names it in
    `token_required(write=kind)`)."""
    per_member = limiter.shared_limit(PER_MEMBER[kind], scope=f"write-{kind}", key_func=_member_key,
                                      methods=WRITE_METHODS)
    per_client = limiter.shared_limit(PER_CLIENT, scope="write-client", methods=WRITE_METHODS)

    def decorate(view):
        return per_client(per_member(view))
    return decorate
