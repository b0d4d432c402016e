"""The permissions matrix: every route (pages and /api/v1, every method) and every Socket.IO event, as an anonymous
visitor, the owning member, another member, a suspended member, a moderator and an admin.

The tables below ARE the spec. `test_every_route_has_a_row` enumerates `app.url_map` and fails on any (rule,
method) without a row, so a new route cannot ship without someone deciding who may use it. Outcome words:

    ok         served or done (2xx, or a redirect that is not to the sign-in page)
    input      let in, but the (deliberately minimal) input was refused / the form shown again (400/409/422)
    suspended  let in, but the form says the account is suspended
    login      redirected to the sign-in page
    401/403/404 refused

"member" owns the fixture's thread, posts, held post and blocks; "other" is a second plain member.
"""
from __future__ import annotations

import pytest

from community.extensions import socketio
from tests.hardening.conftest import ROLES, build_world
from tests.hardening.matrix_support import call, classify, rows_in_order

ADMIN_PAGE = ("login", "403", "403", "403", "403", "ok")
ADMIN_FORM = ("login", "403", "403", "403", "403", "input")
ADMIN_API = ("401", "403", "403", "403", "403", "ok")
ADMIN_API_INPUT = ("401", "403", "403", "403", "403", "input")
STAFF_PAGE = ("login", "403", "403", "403", "ok", "ok")
STAFF_API = ("401", "403", "403", "403", "ok", "ok")
STAFF_API_INPUT = ("401", "403", "403", "403", "input", "input")
PUBLIC = ("ok",) * 6
PUBLIC_FORM = ("input",) * 6
SIGNED_IN = ("login", "ok", "ok", "ok", "ok", "ok")
SIGNED_IN_FORM = ("login", "input", "input", "input", "input", "input")
TOKEN = ("401", "ok", "ok", "ok", "ok", "ok")
TOKEN_INPUT = ("401", "input", "input", "input", "input", "input")

#            (rule, method): (anon, member/owner, other, suspended, moderator, admin)
TABLE = {
    ("/", "GET"): PUBLIC,
    ("/admin/", "GET"): ADMIN_PAGE,
    ("/admin/audit", "GET"): ADMIN_PAGE,
    ("/admin/canned-replies", "GET"): ADMIN_PAGE,
    ("/admin/canned-replies", "POST"): ADMIN_FORM,
    ("/admin/canned-replies/<int:reply_id>", "POST"): ADMIN_PAGE,
    ("/admin/canned-replies/<int:reply_id>/delete", "POST"): ADMIN_PAGE,
    ("/admin/health", "GET"): ADMIN_PAGE,
    ("/admin/guidelines", "GET"): ADMIN_PAGE,
    ("/admin/guidelines", "POST"): ADMIN_FORM,
    ("/api/v1/admin/guidelines", "PUT"): ADMIN_API_INPUT,
    ("/api/v1/admin/care-templates", "GET"): ADMIN_API,
    ("/api/v1/admin/care-templates", "PUT"): ADMIN_API,
    ("/api/v1/guidelines", "GET"): PUBLIC,
    ("/api/v1/me/guidelines", "POST"): TOKEN,
    ("/api/v1/me/follow-ups", "GET"): TOKEN,
    ("/api/v1/me/follow-ups", "POST"): TOKEN_INPUT,
    ("/api/v1/me/follow-ups", "DELETE"): TOKEN,
    ("/api/v1/moderation/follow-ups/<int:followup_id>", "PATCH"): STAFF_API,
    ("/moderation/follow-ups/<int:followup_id>", "POST"): STAFF_PAGE,
    ("/guidelines", "GET"): PUBLIC,
    ("/guidelines/accept", "POST"): SIGNED_IN,
    ("/follow-ups", "POST"): SIGNED_IN,
    ("/follow-ups/stop", "POST"): SIGNED_IN,
    ("/admin/people", "GET"): ADMIN_PAGE,
    ("/admin/people/<int:member_id>/role", "POST"): ADMIN_PAGE,
    ("/admin/people/<int:member_id>/unsuspend", "POST"): ADMIN_PAGE,
    ("/admin/people/<int:member_id>/verification", "POST"): ADMIN_PAGE,
    ("/admin/people/<int:member_id>/verification/delete", "POST"): ADMIN_PAGE,
    ("/admin/resources", "GET"): ADMIN_PAGE,
    ("/admin/resources/<int:resource_id>/active", "POST"): ADMIN_PAGE,
    ("/admin/resources/<int:resource_id>/edit", "GET"): ADMIN_PAGE,
    ("/admin/resources/<int:resource_id>/edit", "POST"): ADMIN_PAGE,
    ("/admin/resources/<int:resource_id>/verify", "POST"): ADMIN_PAGE,
    ("/admin/resources/export.<fmt>", "GET"): ADMIN_PAGE,
    ("/admin/resources/import", "GET"): ADMIN_PAGE,
    ("/admin/resources/import", "POST"): ADMIN_FORM,
    ("/admin/resources/new", "GET"): ADMIN_PAGE,
    ("/admin/resources/new", "POST"): ADMIN_FORM,
    ("/admin/rooms", "GET"): ADMIN_PAGE,
    ("/admin/rooms", "POST"): ADMIN_FORM,
    ("/admin/rooms/<slug>", "POST"): ADMIN_PAGE,
    ("/admin/response-targets", "POST"): ADMIN_PAGE,
    ("/admin/safety-settings", "POST"): ADMIN_PAGE,
    ("/admin/thresholds", "GET"): ADMIN_PAGE,
    ("/admin/thresholds", "POST"): ADMIN_PAGE,
    ("/admin/watched-words", "GET"): ADMIN_PAGE,
    ("/admin/watched-words", "POST"): ADMIN_FORM,
    ("/admin/watched-words/<int:entry_id>/delete", "POST"): ADMIN_PAGE,
    ("/api/v1/admin/resources", "GET"): ADMIN_API,
    ("/api/v1/admin/resources", "POST"): ADMIN_API_INPUT,
    ("/api/v1/admin/resources/<int:resource_id>", "DELETE"): ADMIN_API,
    ("/api/v1/admin/resources/<int:resource_id>", "GET"): ADMIN_API,
    ("/api/v1/admin/resources/<int:resource_id>", "PATCH"): ADMIN_API,
    ("/api/v1/admin/rooms", "GET"): ADMIN_API,
    ("/api/v1/admin/rooms", "POST"): ADMIN_API_INPUT,
    ("/api/v1/admin/rooms/<slug>", "PATCH"): ADMIN_API,
    ("/api/v1/admin/canned-replies", "POST"): ADMIN_API,
    ("/api/v1/admin/canned-replies/<int:reply_id>", "PUT"): ADMIN_API,
    ("/api/v1/admin/canned-replies/<int:reply_id>", "DELETE"): ADMIN_API,
    ("/api/v1/admin/response-targets", "GET"): ADMIN_API,
    ("/api/v1/admin/response-targets", "PATCH"): ADMIN_API,
    ("/api/v1/admin/safety-settings", "GET"): ADMIN_API,
    ("/api/v1/admin/safety-settings", "PATCH"): ADMIN_API,
    ("/api/v1/admin/watched-words", "GET"): ADMIN_API,
    ("/api/v1/admin/watched-words", "POST"): ADMIN_API_INPUT,
    ("/api/v1/admin/watched-words/<int:entry_id>", "DELETE"): ADMIN_API,
    ("/api/v1/admin/members/<handle>/verification", "POST"): ADMIN_API,
    ("/api/v1/admin/members/<handle>/verification", "DELETE"): ADMIN_API,
    ("/api/v1/boards", "GET"): PUBLIC,
    ("/api/v1/boards/<slug>/threads", "GET"): PUBLIC,
    ("/api/v1/boards/<slug>/threads", "POST"): ("401", "ok", "ok", "403", "ok", "ok"),
    ("/api/v1/me", "GET"): TOKEN,
    ("/api/v1/me", "PATCH"): TOKEN,
    ("/api/v1/me/blocks", "GET"): TOKEN,
    ("/api/v1/me/blocks", "POST"): TOKEN_INPUT,
    ("/api/v1/me/blocks/<handle>", "DELETE"): ("401", "ok", "404", "404", "404", "404"),
    ("/api/v1/me/muted-words", "GET"): TOKEN,
    ("/api/v1/me/export", "GET"): TOKEN,
    ("/api/v1/me", "DELETE"): TOKEN_INPUT,
    ("/api/v1/me/muted-words", "PUT"): TOKEN_INPUT,
    ("/api/v1/me/notices", "GET"): TOKEN,
    # A suspended member can still write to the moderators (and reach help): never cut off from staff.
    ("/api/v1/me/messages", "GET"): TOKEN,
    ("/api/v1/me/messages", "POST"): TOKEN,
    ("/api/v1/me/safety-plan", "GET"): TOKEN,
    ("/api/v1/me/safety-plan", "PUT"): TOKEN,
    ("/api/v1/me/strikes", "GET"): TOKEN,
    ("/api/v1/members", "POST"): PUBLIC_FORM,
    ("/api/v1/members/suggest-handle", "GET"): PUBLIC,
    ("/api/v1/moderation/bulk", "POST"): STAFF_API,
    ("/api/v1/moderation/canned-replies", "GET"): STAFF_API,
    ("/api/v1/moderation/stats", "GET"): STAFF_API,
    ("/api/v1/moderation/inbox", "GET"): STAFF_API,
    ("/api/v1/moderation/inbox/<int:member_id>", "GET"): STAFF_API,
    ("/api/v1/moderation/inbox/<int:member_id>/messages", "POST"): STAFF_API,
    ("/api/v1/moderation/items/<int:item_id>", "GET"): STAFF_API,
    ("/api/v1/moderation/items/<int:item_id>/claim", "POST"): STAFF_API,
    ("/api/v1/moderation/items/<int:item_id>/decision", "POST"): STAFF_API_INPUT,
    ("/api/v1/moderation/items/<int:item_id>/messages", "POST"): STAFF_API,
    ("/api/v1/moderation/items/<int:item_id>/release", "POST"): STAFF_API,
    ("/api/v1/moderation/items/<int:item_id>/notes", "GET"): STAFF_API,
    ("/api/v1/moderation/items/<int:item_id>/notes", "POST"): STAFF_API,
    ("/api/v1/moderation/members/<handle>", "GET"): STAFF_API,
    ("/api/v1/moderation/members/<handle>/trust", "POST"): STAFF_API_INPUT,
    ("/api/v1/moderation/posts/<int:post_id>/context-note", "PUT"): STAFF_API,
    ("/api/v1/moderation/posts/<int:post_id>/context-note", "DELETE"): STAFF_API,
    ("/api/v1/moderation/queue", "GET"): STAFF_API,
    ("/api/v1/moderation/thresholds", "GET"): ADMIN_API,
    ("/api/v1/moderation/thresholds", "PATCH"): ADMIN_API,
    ("/api/v1/moderation/me/workspace", "GET"): STAFF_API,
    ("/api/v1/moderation/me/preferences", "PATCH"): STAFF_API,
    ("/api/v1/moderation/me/claims/release", "POST"): STAFF_API,
    ("/api/v1/moderation/workspace-settings", "GET"): ADMIN_API,
    ("/api/v1/moderation/workspace-settings", "PATCH"): ADMIN_API,
    ("/api/v1/posts/<int:post_id>", "DELETE"): ("401", "ok", "403", "403", "ok", "ok"),
    ("/api/v1/posts/<int:post_id>", "GET"): PUBLIC,
    ("/api/v1/posts/<int:post_id>", "PATCH"): ("401", "ok", "403", "403", "403", "403"),
    ("/api/v1/posts/<int:post_id>/appeal", "POST"): ("401", "input", "404", "404", "404", "404"),
    # The member's own published chat message: nothing to appeal (input); anyone else's: as if it did not exist.
    ("/api/v1/messages/<int:message_id>/appeal", "POST"): ("401", "input", "404", "404", "404", "404"),
    ("/chat/messages/<int:message_id>/appeal", "GET"): ("login", "ok", "404", "404", "404", "404"),
    ("/chat/messages/<int:message_id>/appeal", "POST"): ("login", "input", "404", "404", "404", "404"),
    # Profiles: "member" blocked the target, so to them it does not exist (a block either way).
    ("/api/v1/members/<handle>", "GET"): ("ok", "404", "ok", "ok", "ok", "ok"),
    ("/u/<handle>", "GET"): ("ok", "404", "ok", "ok", "ok", "ok"),
    ("/api/v1/search", "GET"): PUBLIC_FORM,  # no q: 400 missing_query for everyone
    ("/search", "GET"): PUBLIC,
    ("/favicon.ico", "GET"): PUBLIC,
    ("/settings/profile", "POST"): SIGNED_IN,
    ("/settings/theme", "POST"): SIGNED_IN,
    ("/api/v1/reports", "POST"): ("401", "input", "ok", "ok", "ok", "ok"),
    ("/api/v1/resources", "GET"): PUBLIC,
    ("/api/v1/rooms", "GET"): PUBLIC,
    # Follows, notifications, reactions (a suspended member may still follow, read and take a reaction back).
    ("/admin/reactions", "GET"): ADMIN_PAGE,
    ("/admin/reactions", "POST"): ADMIN_FORM,
    ("/api/v1/admin/reaction-kinds", "GET"): ADMIN_API,
    ("/api/v1/admin/reaction-kinds", "PATCH"): ADMIN_API_INPUT,
    ("/api/v1/notifications", "GET"): TOKEN,
    ("/api/v1/notifications/read", "POST"): TOKEN,
    ("/api/v1/notifications/settings", "GET"): TOKEN,
    ("/api/v1/notifications/settings", "PATCH"): TOKEN,
    ("/api/v1/posts/<int:post_id>/reactions", "GET"): PUBLIC,
    ("/api/v1/posts/<int:post_id>/reactions/<kind>", "POST"): ("401", "ok", "ok", "403", "ok", "ok"),
    ("/api/v1/posts/<int:post_id>/reactions/<kind>", "DELETE"): TOKEN,
    ("/api/v1/reaction-kinds", "GET"): PUBLIC,
    ("/api/v1/threads/<int:thread_id>/follow", "GET"): TOKEN,
    ("/api/v1/threads/<int:thread_id>/follow", "POST"): TOKEN,
    ("/api/v1/threads/<int:thread_id>/follow", "DELETE"): TOKEN,
    ("/notifications", "GET"): SIGNED_IN,
    ("/notifications/read", "POST"): SIGNED_IN,
    ("/notifications/settings", "POST"): SIGNED_IN,
    ("/p/<int:post_id>", "GET"): PUBLIC,
    ("/p/<int:post_id>/react/<kind>", "POST"): ("login", "ok", "ok", "suspended", "ok", "ok"),
    ("/t/<int:thread_id>/follow", "POST"): SIGNED_IN,
    ("/t/<int:thread_id>/unread", "GET"): SIGNED_IN,
    ("/api/v1/rooms/<slug>/messages", "GET"): TOKEN,
    ("/api/v1/threads/<int:thread_id>", "GET"): PUBLIC,
    ("/api/v1/threads/<int:thread_id>/posts", "POST"): ("401", "ok", "ok", "403", "ok", "ok"),
    # Who may reply: the thread's author or staff.
    ("/api/v1/threads/<int:thread_id>", "PATCH"): ("401", "ok", "403", "403", "ok", "ok"),
    ("/api/v1/tokens", "POST"): PUBLIC_FORM,
    ("/api/v1/tokens/current", "DELETE"): TOKEN,
    ("/b/<slug>", "GET"): PUBLIC,
    ("/b/<slug>/new", "GET"): SIGNED_IN,
    ("/b/<slug>/new", "POST"): ("login", "ok", "ok", "suspended", "ok", "ok"),
    ("/block/<handle>", "GET"): SIGNED_IN,
    ("/boards", "GET"): PUBLIC,
    ("/chat", "GET"): PUBLIC,
    ("/chat/", "GET"): PUBLIC,
    ("/chat/<slug>", "GET"): SIGNED_IN,
    ("/chat/<slug>/history", "GET"): SIGNED_IN,
    ("/healthz", "GET"): PUBLIC,
    ("/help", "GET"): PUBLIC,
    ("/login", "GET"): PUBLIC,
    ("/login", "POST"): PUBLIC_FORM,
    ("/logout", "POST"): PUBLIC,
    ("/messages", "GET"): SIGNED_IN,
    ("/messages", "POST"): SIGNED_IN,
    ("/moderation/bulk", "POST"): STAFF_PAGE,
    ("/moderation/stats", "GET"): STAFF_PAGE,
    ("/moderation/inbox", "GET"): STAFF_PAGE,
    ("/moderation/inbox/<int:member_id>", "GET"): STAFF_PAGE,
    ("/moderation/inbox/<int:member_id>", "POST"): STAFF_PAGE,
    ("/moderation/items/<int:item_id>", "GET"): STAFF_PAGE,
    ("/moderation/items/<int:item_id>/claim", "POST"): STAFF_PAGE,
    ("/moderation/items/<int:item_id>/notes", "POST"): STAFF_PAGE,
    ("/moderation/items/<int:item_id>/release", "POST"): STAFF_PAGE,
    ("/moderation/workspace", "GET"): STAFF_PAGE,
    ("/moderation/workspace", "POST"): STAFF_PAGE,
    ("/moderation/workspace/settings", "POST"): ADMIN_FORM,
    ("/moderation/claims/release", "POST"): STAFF_PAGE,
    ("/moderation/break", "POST"): STAFF_PAGE,
    ("/moderation/activity", "POST"): STAFF_PAGE,
    ("/moderation/items/<int:item_id>/decision", "POST"): STAFF_PAGE,
    ("/moderation/items/<int:item_id>/message", "POST"): STAFF_PAGE,
    ("/moderation/members/<handle>/trust", "POST"): STAFF_PAGE,
    ("/moderation/queue", "GET"): STAFF_PAGE,
    ("/notices", "GET"): SIGNED_IN,
    ("/p/<int:post_id>/appeal", "GET"): ("login", "ok", "404", "404", "ok", "ok"),
    ("/p/<int:post_id>/appeal", "POST"): ("login", "input", "404", "404", "input", "input"),
    ("/p/<int:post_id>/delete", "GET"): ("login", "ok", "403", "403", "ok", "ok"),
    ("/p/<int:post_id>/delete", "POST"): ("login", "ok", "403", "403", "ok", "ok"),
    ("/p/<int:post_id>/edit", "GET"): ("login", "ok", "403", "403", "403", "403"),
    ("/p/<int:post_id>/edit", "POST"): ("login", "ok", "403", "403", "403", "403"),
    ("/p/<int:post_id>/held", "GET"): ("login", "ok", "404", "404", "404", "404"),
    ("/p/<int:post_id>/helping-someone", "GET"): ("login", "ok", "404", "404", "404", "404"),
    ("/p/<int:post_id>/report", "GET"): SIGNED_IN,
    ("/p/<int:post_id>/report", "POST"): SIGNED_IN_FORM,
    ("/p/<int:post_id>/context-note", "GET"): STAFF_PAGE,
    ("/p/<int:post_id>/context-note", "POST"): STAFF_PAGE,
    ("/p/<int:post_id>/context-note/delete", "POST"): STAFF_PAGE,
    ("/recover", "GET"): PUBLIC,
    ("/recover", "POST"): PUBLIC_FORM,
    ("/safety-plan", "GET"): SIGNED_IN,
    ("/safety-plan/edit", "GET"): SIGNED_IN,
    ("/safety-plan/edit", "POST"): SIGNED_IN,
    ("/safety-plan/print", "GET"): SIGNED_IN,
    ("/settings", "GET"): SIGNED_IN,
    ("/settings", "POST"): SIGNED_IN_FORM,
    ("/settings/blocks", "GET"): SIGNED_IN,
    ("/settings/blocks", "POST"): SIGNED_IN_FORM,
    ("/settings/blocks/<handle>/delete", "POST"): SIGNED_IN,
    ("/settings/muted-words", "GET"): SIGNED_IN,
    ("/settings/muted-words", "POST"): SIGNED_IN,
    ("/settings/password", "POST"): SIGNED_IN,
    ("/settings/tokens/<int:token_id>/revoke", "POST"): SIGNED_IN,
    ("/settings/export", "GET"): SIGNED_IN,
    ("/settings/delete", "GET"): SIGNED_IN,
    ("/settings/delete", "POST"): SIGNED_IN_FORM,
    ("/settings/sign-out-everywhere", "POST"): SIGNED_IN,
    ("/signup", "GET"): PUBLIC,
    ("/signup", "POST"): PUBLIC_FORM,
    ("/static/<path:filename>", "GET"): PUBLIC,
    ("/t/<int:thread_id>", "GET"): PUBLIC,
    ("/t/<int:thread_id>/reply", "POST"): ("login", "ok", "ok", "suspended", "ok", "ok"),
    ("/t/<int:thread_id>/reply-mode", "POST"): ("login", "ok", "403", "403", "ok", "ok"),
    # The public transparency report: aggregate figures only, for everyone.
    ("/transparency", "GET"): PUBLIC,
    ("/api/v1/transparency", "GET"): PUBLIC,
    ("/welcome", "GET"): SIGNED_IN,
}

# Socket.IO: connect with an API token (none for anon), then each event once. "ok" = accepted with no `error`
# event; "refused" = connection refused; otherwise the `error` event's code.
SOCKET_TABLE = {
    "connect": ("refused", "ok", "ok", "refused", "ok", "ok"),
    "join": ("refused", "ok", "ok", "refused", "ok", "ok"),
    "send": ("refused", "ok", "ok", "refused", "ok", "ok"),
    "remove": ("refused", "forbidden", "forbidden", "refused", "ok", "ok"),
    "mute": ("refused", "forbidden", "forbidden", "refused", "ok", "ok"),
    "leave": ("refused", "ok", "ok", "refused", "ok", "ok"),
    "disconnect": ("refused", "ok", "ok", "refused", "ok", "ok"),
}
SOCKET_ORDER = ("connect", "join", "send", "remove", "mute", "leave", "disconnect")


def test_every_route_has_a_row(app):
    routes = {(rule.rule, method) for rule, method in rows_in_order(app)}
    missing = sorted(routes - set(TABLE))
    assert not missing, f"routes without a row in the permissions matrix: {missing}"
    stale = sorted(set(TABLE) - routes)
    assert not stale, f"rows for routes that no longer exist: {stale}"


def test_every_socket_event_has_a_row(app):
    handlers = set(socketio.server.handlers.get("/", {}))
    assert handlers == set(SOCKET_TABLE), (sorted(handlers - set(SOCKET_TABLE)), sorted(set(SOCKET_TABLE) - handlers))
    assert set(socketio.server.handlers) == {"/"}, "a new Socket.IO namespace needs its own rows"


def _socket_outcomes(w, role) -> dict:
    from community.chat.models import ChatMessage
    from community.extensions import db
    from flask import g
    g.pop("_login_user", None)  # the test's shared app context must not lend a signed-in member to the socket
    outcomes = {}
    auth = {"token": w.tokens[role]} if role in w.tokens else None
    client = socketio.test_client(w.app, auth=auth)
    if not client.is_connected():
        return {name: "refused" for name in SOCKET_ORDER}
    outcomes["connect"] = "ok"
    client.get_received()
    room = w.ids["room"]
    message_id = db.session.scalar(db.select(ChatMessage.id).order_by(ChatMessage.id.desc()))
    payloads = {
        "join": {"room": room}, "send": {"room": room, "body": "hello everyone"},
        "remove": {"id": message_id, "reason": "test"},
        "mute": {"room": room, "handle": w.people["target"].handle, "minutes": 5},
        "leave": {"room": room},
    }
    for name in SOCKET_ORDER[1:-1]:
        client.emit(name, payloads[name])
        errors = [e["args"][0] if isinstance(e["args"], list) else e["args"]
                  for e in client.get_received() if e["name"] == "error"]
        outcomes[name] = errors[0]["code"] if errors else "ok"
    client.disconnect()
    outcomes["disconnect"] = "ok" if not client.is_connected() else "still connected"
    return outcomes


@pytest.mark.parametrize("role", ROLES)
def test_permissions_matrix(app, role):
    """Walk every (rule, method) and every socket event as `role`; compare with the tables."""
    from community.chat import services as chat
    w = build_world(app)
    chat.send(w.ids["room"], w.people["other"], "a message staff may remove")
    w.clients = {r: w.client(r) for r in ROLES}
    column = ROLES.index(role)
    wrong = []
    got = _socket_outcomes(w, role)  # first: the HTTP rows end with signing out and revoking tokens
    for name in SOCKET_ORDER:
        if got[name] != SOCKET_TABLE[name][column]:
            wrong.append(f"socket {name} as {role}: expected {SOCKET_TABLE[name][column]}, got {got[name]}")
    for rule, method in rows_in_order(app):
        expected = TABLE[(rule.rule, method)][column]
        response = call(w, role, rule, method)
        got = classify(response, method)
        if got != expected:
            wrong.append(f"{method} {rule.rule} as {role}: expected {expected}, got {got} ({response.status_code})")
        assert response.status_code != 500, (rule.rule, method, role)
    assert not wrong, "\n".join(wrong)
