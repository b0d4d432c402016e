"""Helpers for the permissions matrix: how to call each (rule, method) and how to classify the answer."""
from __future__ import annotations

from community.extensions import socketio

# Route variables -> which fixture object fills them, per rule where it matters.
ARG_FOR_RULE = {
    "/p/<int:post_id>/held": {"post_id": "held_post_id"},
    "/p/<int:post_id>/appeal": {"post_id": "held_post_id"},
    "/api/v1/posts/<int:post_id>/appeal": {"post_id": "held_post_id"},
    # The page and the API each delete their own copy, so the second does not find the first one's work done.
    "/api/v1/posts/<int:post_id>": {"post_id": "post2_id"},
    "/api/v1/admin/watched-words/<int:entry_id>": {"entry_id": "entry2_id"},
    # The page and the API each delete their own canned reply.
    "/api/v1/admin/canned-replies/<int:reply_id>": {"reply_id": "reply2_id"},
    "/api/v1/me/blocks/<handle>": {"handle": "target2_handle"},
}
DEFAULT_ARGS = {"post_id": "post_id", "thread_id": "thread_id", "item_id": "item_id", "resource_id": "resource_id",
                "entry_id": "entry_id", "member_id": "target_id", "handle": "target_handle",
                "followup_id": "followup_id", "reply_id": "reply_id"}
LITERAL_ARGS = {"fmt": "json", "filename": "css/site.css", "token_id": 999999}  # no such token: revoking it is a no-op

# Calls that end or change the caller's own session (or remove a fixture object) go last, in this order, so
# they cannot spoil the rows before them.
LAST = ("/role", "/unsuspend", "delete", "DELETE", "/password", "tokens/current", "sign-out-everywhere", "logout")

# A valid body for the calls where an empty one would be refused before the permission check shows.
BODIES = {
    ("/api/v1/boards/<slug>/threads", "POST"): lambda w: {"title": "A fresh title", "body": "a quiet new thread"},
    ("/api/v1/threads/<int:thread_id>/posts", "POST"): lambda w: {"body": "a quiet reply"},
    ("/api/v1/posts/<int:post_id>", "PATCH"): lambda w: {"body": "an edited quiet body"},
    ("/api/v1/threads/<int:thread_id>", "PATCH"): lambda w: {"reply_mode": "open"},
    ("/t/<int:thread_id>/reply-mode", "POST"): lambda w: {"reply_mode": "open"},
    ("/api/v1/posts/<int:post_id>/appeal", "POST"): lambda w: {"text": "please look again"},
    ("/api/v1/reports", "POST"): lambda w: {"post_id": w.ids["post_id"], "reason": "harassment"},
    ("/api/v1/moderation/items/<int:item_id>/messages", "POST"): lambda w: {"body": "a note"},
    ("/api/v1/moderation/items/<int:item_id>/notes", "POST"): lambda w: {"body": "an internal note"},
    ("/moderation/items/<int:item_id>/notes", "POST"): lambda w: {"body": "an internal note", "about": "item"},
    ("/api/v1/moderation/items/<int:item_id>/decision", "POST"): lambda w: {"action": "approve", "version": 99},
    # A low-risk item (a spot-check of an automatic removal): moderators may decide it in bulk.
    ("/api/v1/moderation/bulk", "POST"): lambda w: {"item_ids": [w.ids["bulk_item_id"]], "action": "remove"},
    ("/moderation/bulk", "POST"): lambda w: {"item_ids": [str(w.ids["bulk_item_id"])], "action": "remove"},
    ("/api/v1/admin/canned-replies", "POST"): lambda w: {"title": "A reply", "body": "Thank you for writing."},
    ("/api/v1/admin/canned-replies/<int:reply_id>", "PUT"): lambda w: {"title": "A reply", "body": "Thanks."},
    ("/admin/canned-replies", "POST"): lambda w: {"title": "", "body": "kept"},
    ("/admin/canned-replies/<int:reply_id>", "POST"): lambda w: {"title": "A reply", "body": "Thanks."},
    ("/api/v1/admin/response-targets", "PATCH"): lambda w: {"urgent": 5},
    ("/admin/response-targets", "POST"): lambda w: {"urgent": "5", "high": "15", "normal": "1440", "low": "4320"},
    ("/b/<slug>/new", "POST"): lambda w: {"title": "A fresh title", "body": "a quiet new thread"},
    ("/t/<int:thread_id>/reply", "POST"): lambda w: {"body": "a quiet reply"},
    ("/p/<int:post_id>/edit", "POST"): lambda w: {"body": "an edited quiet body"},
    ("/p/<int:post_id>/appeal", "POST"): lambda w: {"text": "please look again"},
    ("/p/<int:post_id>/report", "POST"): lambda w: {"reason": "harassment", "note": "n"},
    ("/p/<int:post_id>/delete", "POST"): lambda w: {"submit": "Delete"},
    ("/messages", "POST"): lambda w: {"body": "hello staff"},
    ("/api/v1/moderation/follow-ups/<int:followup_id>", "PATCH"): lambda w: {"body": "thinking of you"},
    ("/moderation/follow-ups/<int:followup_id>", "POST"): lambda w: {"body": "thinking of you"},
    ("/api/v1/me/messages", "POST"): lambda w: {"body": "hello staff"},
    ("/api/v1/moderation/inbox/<int:member_id>/messages", "POST"): lambda w: {"body": "a reply"},
    ("/moderation/inbox/<int:member_id>", "POST"): lambda w: {"body": "a reply"},
}


def build_url(w, rule) -> str:
    values = {}
    for arg in rule.arguments:
        if arg in LITERAL_ARGS:
            values[arg] = LITERAL_ARGS[arg]
        elif arg == "slug":
            values[arg] = "anxiety" if rule.rule.startswith(("/b/", "/api/v1/boards")) else w.ids["room"]
        elif arg == "member_id":
            values[arg] = w.people["target"].id
        else:
            values[arg] = w.ids[ARG_FOR_RULE.get(rule.rule, {}).get(arg, DEFAULT_ARGS[arg])]
    url = rule.rule
    for arg in rule.arguments:
        url = url.replace(f"<{_conv(rule, arg)}{arg}>", str(values[arg]))
    return url


def _conv(rule, arg) -> str:
    import re
    m = re.search(r"<([a-z]+:)?" + arg + ">", rule.rule)
    return m.group(1) or "" if m else ""


def rows_in_order(app):
    rows = []
    for rule in app.url_map.iter_rules():
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            rows.append((rule, method))
    def rank(rm):
        found = [i for i, k in enumerate(LAST) if k in rm[0].rule or k == rm[1]]
        return max(found) + 1 if found else 0
    rows.sort(key=lambda rm: (rank(rm), rm[0].rule, rm[1]))
    return rows


def classify(response, method="GET") -> str:
    """ok (served or done), input (let in, but the input was refused or the form shown again), suspended (the form
    shown again because the account is suspended), login (redirect to sign in), or the denial status."""
    status = response.status_code
    if status in (301, 302, 303, 307, 308):
        return "login" if "/login" in response.headers.get("Location", "") else "ok"
    if response.mimetype == "text/html" and b"suspended for now" in response.data and status in (200, 400, 403):
        return "suspended"
    if status in (400, 409, 422) or (method == "POST" and status == 200 and response.mimetype == "text/html"):
        return "input"
    if status < 400:
        return "ok"
    return str(status)


def call(w, role, rule, method):
    url = build_url(w, rule)
    if url.startswith("/api/"):
        client = w.app.test_client()
        kwargs = {"headers": w.headers(role)}
        if method in ("POST", "PATCH", "PUT"):
            kwargs["json"] = BODIES.get((rule.rule, method), lambda w: {})(w)
    else:
        client = w.clients[role]
        kwargs = {"data": BODIES.get((rule.rule, method), lambda w: {})(w)} if method == "POST" else {}
    return client.open(url, method=method, **kwargs)


def socket_events():
    return sorted(socketio.server.handlers.get("/", {}))
