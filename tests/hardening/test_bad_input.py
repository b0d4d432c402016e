"""Hostile and broken input: nothing a client sends can make the app answer 500.

- oversize bodies: 413, in the API's error shape or as the friendly page on forms;
- invalid UTF-8 in bodies and query strings, NUL bytes in every text field (SQLite and PostgreSQL);
- deeply nested (10,000 levels) and huge JSON;
- wrong types everywhere in the API, generated per endpoint and field (int/float/bool/null/list/dict/long string in
  place of each field): 400 (422 where the endpoint validates a whole settings object) with {"error": {code, message}};
- absurd page numbers and ids (negative, 10**30, "1e9", unicode digits);
- path traversal in every file-ish parameter (board and room slugs, handles in URLs, static paths, export format);
- a short hypothesis fuzz over every JSON endpoint and the query strings of the GET endpoints (no 500).

`JSON_BODIES` is the table of the JSON endpoints: `test_every_json_endpoint_has_a_body` fails when a new one lands
without a row, so the wrong-type and fuzz tests cover it from day one.
"""
from __future__ import annotations

import pytest

from community.extensions import db
from tests.hardening.conftest import build_world
from tests.hardening.matrix_support import build_url

ADMIN_PREFIXES = ("/api/v1/admin", "/api/v1/moderation")
NO_BODY = {("/api/v1/moderation/items/<int:item_id>/claim", "POST"),
           ("/api/v1/moderation/items/<int:item_id>/release", "POST"),
           ("/api/v1/threads/<int:thread_id>/follow", "POST"),
           ("/api/v1/posts/<int:post_id>/reactions/<kind>", "POST"),
           # No body marks everything read; a body's "ids" are checked in tests/community/notifications.
           ("/api/v1/notifications/read", "POST"),
           ("/api/v1/moderation/me/claims/release", "POST")}


def _get(w, url, role="admin"):
    r = w.app.test_client().get(url, headers=w.headers(role))
    assert r.status_code == 200, (url, r.get_json())
    return r.get_json()


def _resource(w) -> dict:
    found = _get(w, f"/api/v1/admin/resources/{w.ids['resource_id']}")
    found = found.get("resource", found)
    from moderation.resources.services import EDITABLE
    return {k: v for k, v in found.items() if k in EDITABLE}  # the rest (id, last verified...) is read-only


def _room(w) -> dict:
    rooms = _get(w, "/api/v1/admin/rooms")["rooms"]
    room = next(r for r in rooms if r["slug"] == w.ids["room"])
    return {k: v for k, v in room.items() if k in ("name", "description", "archived")}


# (rule, method) -> base body (a dict, or a function of the world for bodies read from the app itself)
JSON_BODIES = {
    ("/api/v1/boards/<slug>/threads", "POST"): {"title": "A fresh title", "body": "a quiet new thread",
                                                "content_warning": "a gentle note"},
    ("/api/v1/threads/<int:thread_id>/posts", "POST"): {"body": "a quiet reply", "content_warning": "a note"},
    ("/api/v1/posts/<int:post_id>", "PATCH"): {"body": "an edited quiet body", "content_warning": "a note"},
    ("/api/v1/threads/<int:thread_id>", "PATCH"): {"reply_mode": "open"},
    ("/api/v1/posts/<int:post_id>/appeal", "POST"): {"text": "please look again"},
    ("/api/v1/messages/<int:message_id>/appeal", "POST"): {"text": "please look again"},
    ("/api/v1/reports", "POST"): lambda w: {"post_id": w.ids["post_id"], "reason": "harassment", "note": "a note"},
    ("/api/v1/members", "POST"): {"handle": "fresh-otter-11", "password": "a-good-password", "region": "GB"},
    ("/api/v1/tokens", "POST"): {"handle": "hw-member", "password": "a-good-password"},
    ("/api/v1/me", "PATCH"): {"handle": "hw-member", "region": "GB"},
    ("/api/v1/me", "DELETE"): {"password": "not-the-password"},
    ("/api/v1/me/blocks", "POST"): {"handle": "hw-other"},
    ("/api/v1/me/muted-words", "PUT"): {"words": ["spiders", "heights"]},
    ("/api/v1/me/safety-plan", "PUT"): lambda w: {k: v for k, v in _get(w, "/api/v1/me/safety-plan", "member")
                                                  ["safety_plan"].items() if k != "updated_at"},
    ("/api/v1/moderation/items/<int:item_id>/decision", "POST"): {"action": "approve", "version": 99,
                                                                  "note": "a note", "days": 3},
    ("/api/v1/moderation/items/<int:item_id>/messages", "POST"): {"body": "a note to the author"},
    ("/api/v1/moderation/items/<int:item_id>/notes", "POST"): {"body": "an internal note", "about": "item"},
    ("/api/v1/me/messages", "POST"): {"body": "hello staff"},
    ("/api/v1/me/guidelines", "POST"): {"version": 1},
    ("/api/v1/me/follow-ups", "POST"): lambda w: {"item_id": w.ids["item_id"]},
    ("/api/v1/moderation/follow-ups/<int:followup_id>", "PATCH"): {"body": "thinking of you"},
    ("/api/v1/admin/guidelines", "PUT"): {"text": "## Be kind"},
    ("/api/v1/admin/care-templates", "PUT"): {"day_1": "hello from the team", "day_7": "still thinking of you"},
    ("/api/v1/moderation/inbox/<int:member_id>/messages", "POST"): {"body": "a reply to the member"},
    ("/api/v1/moderation/members/<handle>/trust", "POST"): {"level": "trusted"},
    ("/api/v1/moderation/thresholds", "PATCH"): lambda w: _get(w, "/api/v1/moderation/thresholds")["thresholds"],
    ("/api/v1/admin/safety-settings", "PATCH"):
        lambda w: _get(w, "/api/v1/admin/safety-settings")["safety_settings"],
    ("/api/v1/admin/watched-words", "POST"): {"pattern": "otter-crossing", "action": "flag", "regex": False},
    ("/api/v1/admin/response-targets", "PATCH"): {"urgent": 5, "high": 15, "normal": 1440, "low": 4320},
    ("/api/v1/admin/canned-replies", "POST"): {"title": "A reply", "body": "Thank you for writing.", "position": 3},
    ("/api/v1/admin/canned-replies/<int:reply_id>", "PUT"): {"title": "A reply", "body": "Thanks.", "position": 2},
    ("/api/v1/moderation/me/preferences", "PATCH"): {"keep_collapsed": False, "alert_sound": False,
                                                      "alert_notification": False},
    ("/api/v1/moderation/workspace-settings", "PATCH"): {"break_reminder_minutes": 60, "break_gap_minutes": 10},
    ("/api/v1/moderation/bulk", "POST"): lambda w: {"item_ids": [w.ids["bulk_item_id"]], "action": "remove",
                                                    "note": "checked"},
    ("/api/v1/admin/rooms", "POST"): {"slug": "a-new-room", "name": "A new room", "description": "for tests"},
    ("/api/v1/admin/rooms/<slug>", "PATCH"): _room,
    ("/api/v1/admin/resources", "POST"): _resource,
    ("/api/v1/admin/members/<handle>/verification", "POST"): {"label": "Registered nurse (UK)"},
    ("/api/v1/moderation/posts/<int:post_id>/context-note", "PUT"): {"body": "A note from the moderators"},
    ("/api/v1/admin/resources/<int:resource_id>", "PATCH"): _resource,
    ("/api/v1/admin/reaction-kinds", "PATCH"): {"hug": {"label": "Hug", "enabled": True}},
    ("/api/v1/notifications/settings", "PATCH"): {"kinds": {"reply": True},
                                                  "quiet_hours": {"start": "22:00", "end": "07:00"},
                                                  "time_zone": "Europe/London"},
}

# (rule, kind) an endpoint deliberately accepts in place of text: the crisis directory takes numbers (phone numbers
# typed as numbers) and lists (languages, audiences), because admins paste it from spreadsheets (CSV/JSON import).
LENIENT = {("/api/v1/admin/resources", "int"), ("/api/v1/admin/resources", "list"),
           ("/api/v1/admin/resources/<int:resource_id>", "int"), ("/api/v1/admin/resources/<int:resource_id>", "list")}

WRONG = {"int": 7, "float": 1.5, "bool": True, "null": None, "list": ["x"], "dict": {"x": 1},
         "long": "x" * 100_000}


def _kind(value) -> str:
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int):
        return "int"
    if isinstance(value, float):
        return "float"
    if value is None:
        return "null"
    if isinstance(value, list):
        return "list"
    if isinstance(value, dict):
        return "dict"
    return "str"


def json_rows(app):
    rows = []
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/"):
            continue
        for method in sorted(rule.methods & {"POST", "PATCH", "PUT", "DELETE"}):
            if (rule.rule, method) in NO_BODY or (method == "DELETE" and (rule.rule, method) not in JSON_BODIES):
                continue
            rows.append((rule, method))
    return sorted(rows, key=lambda rm: (rm[0].rule, rm[1]))


def _role_for(rule) -> str:
    return "admin" if rule.rule.startswith(ADMIN_PREFIXES) else "member"


def _base(w, rule, method) -> dict:
    body = JSON_BODIES[(rule.rule, method)]
    return dict(body(w) if callable(body) else body)


def _send(w, rule, method, **kwargs):
    return w.app.test_client().open(build_url(w, rule), method=method, headers=w.headers(_role_for(rule)), **kwargs)


def assert_error_shape(response, context):
    body = response.get_json(silent=True)
    assert isinstance(body, dict) and isinstance(body.get("error"), dict), (context, response.status_code,
                                                                            response.data[:300])
    assert isinstance(body["error"].get("code"), str) and isinstance(body["error"].get("message"), str), context


def assert_no_500(response, context):
    assert response.status_code < 500, (context, response.status_code, response.data[:500])
    if response.status_code >= 400 and context and str(context[0]).startswith("/api/"):
        assert_error_shape(response, context)


# --- the table covers the API -------------------------------------------------------------------------------------

def test_every_json_endpoint_has_a_body(app):
    missing = [(r.rule, m) for r, m in json_rows(app) if (r.rule, m) not in JSON_BODIES]
    assert not missing, f"add a base body to JSON_BODIES for {missing}"
    stale = set(JSON_BODIES) - {(r.rule, m) for r, m in json_rows(app)}
    assert not stale, stale


# --- wrong types, systematically -----------------------------------------------------------------------------------

@pytest.mark.slow
def test_wrong_types_in_every_field_of_every_json_endpoint(app):
    w = build_world(app)
    tried, accepted = 0, []
    for rule, method in json_rows(app):
        base = _base(w, rule, method)
        assert base, (rule.rule, method)
        for field, good in base.items():
            for kind, bad in WRONG.items():
                if kind == _kind(good) or (kind == "long" and _kind(good) == "str"):
                    continue
                body = {**base, field: bad}
                r = _send(w, rule, method, json=body)
                context = (rule.rule, method, field, kind)
                tried += 1
                assert_no_500(r, context)
                if kind == "null" or (kind == "int" and _kind(good) == "float") or context[:1] + context[3:] in LENIENT:
                    continue  # null clears an optional field; a whole number is a fine float
                if r.status_code not in (400, 422):
                    accepted.append((context, r.status_code))
                    continue
                assert_error_shape(r, context)
            # A very long text where text is expected: refused or stored, never a crash.
            if _kind(good) == "str":
                r = _send(w, rule, method, json={**base, field: "x" * 100_000})
                assert_no_500(r, (rule.rule, method, field, "long"))
        db.session.rollback()
    assert not accepted, accepted
    assert tried > 200


@pytest.mark.parametrize("body", [b"[]", b'"text"', b"42", b"null", b"true", b"", b"{", b"{'a': 1}",
                                  b'{"a": NaN}', b'{"a": -Infinity}', b"\xef\xbb\xbf[]", b"\xff\xfe{}"])
def test_non_object_bodies_are_refused_with_the_error_shape(app, body):
    w = build_world(app)
    for rule, method in json_rows(app):
        r = _send(w, rule, method, data=body, content_type="application/json")
        assert_no_500(r, (rule.rule, method, body))
        assert r.status_code in (400, 415, 422), (rule.rule, method, body, r.status_code)


# --- size, encoding, NUL, nesting ----------------------------------------------------------------------------------

def test_oversize_bodies_get_413(app):
    w = build_world(app)
    limit = app.config["MAX_CONTENT_LENGTH"]
    big = "x" * (limit + 1024)
    r = w.app.test_client().post("/api/v1/boards/anxiety/threads", headers=w.headers("member"),
                                 json={"title": "Big", "body": big})
    assert r.status_code == 413
    assert_error_shape(r, "api")
    assert r.get_json()["error"]["code"] == "payload_too_large"
    # Forms: the friendly page, not a stack trace or a bare werkzeug page.
    client = w.client("member")
    for url, data in ((f"/t/{w.ids['thread_id']}/reply", {"body": big}), ("/login", {"handle": "x", "password": big}),
                      ("/signup", {"handle": big, "password": "a-good-password"})):
        r = client.post(url, data=data)
        assert r.status_code == 413, url
        assert r.mimetype == "text/html" and "too large" in r.get_data(as_text=True).lower(), url
        assert "Traceback" not in r.get_data(as_text=True)
    # A multipart upload over the limit (the resource import form) too.
    import io
    admin = w.client("admin")
    r = admin.post("/admin/resources/import", data={"file": (io.BytesIO(big.encode()), "r.csv")},
                   content_type="multipart/form-data")
    assert r.status_code == 413


def test_invalid_utf8_bodies_and_query_strings(app):
    w = build_world(app)
    api = w.app.test_client()
    r = api.post("/api/v1/boards/anxiety/threads", headers=w.headers("member"),
                 data=b'{"title": "\xff\xfe bad", "body": "\xc3\x28"}', content_type="application/json")
    assert r.status_code == 400
    assert_error_shape(r, "api")
    for url in ("/api/v1/boards/anxiety/threads?page=%FF%FE", "/api/v1/rooms/open-lounge/messages?before=%C3%28",
                "/api/v1/moderation/queue?status=%FF", "/api/v1/resources?region=%FF%FF&q=%C0%AF"):
        r = api.get(url, headers=w.headers("admin"))
        assert_no_500(r, (url,))
    client = w.client("member")
    for url in ("/?q=%FF", "/b/anxiety?page=%FF%FE", f"/t/{w.ids['thread_id']}?page=%C3%28", "/help?region=%FF",
                "/resources?region=%FF%FE", "/login?next=%FF%2F%2Fevil"):
        r = client.get(url)
        assert r.status_code < 500, (url, r.status_code)
    for url, raw in (("/login", b"handle=%FF%FE&password=%C3%28"),
                     (f"/t/{w.ids['thread_id']}/reply", b"body=\xff\xfe raw bytes %FF"),
                     ("/b/anxiety/new", b"title=\xc3\x28&body=%ED%A0%80 surrogate")):
        r = client.post(url, data=raw, content_type="application/x-www-form-urlencoded")
        assert r.status_code < 500, (url, r.status_code, r.data[:300])


def test_nul_bytes_in_every_text_field(any_app):
    """PostgreSQL refuses NUL in text columns (even to compare), so this matters most there."""
    w = build_world(any_app)
    for rule, method in json_rows(any_app):
        base = _base(w, rule, method)
        for field, good in base.items():
            if _kind(good) != "str":
                continue
            r = _send(w, rule, method, json={**base, field: f"before\x00after{field}"})
            assert_no_500(r, (rule.rule, method, field))
        db.session.rollback()
    client = w.client("member")
    nul = "a\x00b"
    for url, data in (("/login", {"handle": nul, "password": nul}), ("/signup", {"handle": nul, "password": nul}),
                      ("/recover", {"handle": nul, "code": nul, "password": nul}),
                      ("/b/anxiety/new", {"title": nul, "body": nul, "content_warning": nul}),
                      (f"/t/{w.ids['thread_id']}/reply", {"body": nul}),
                      (f"/p/{w.ids['post_id']}/report", {"reason": nul, "note": nul}),
                      ("/messages", {"body": nul}), ("/settings", {"handle": nul, "region": nul})):
        r = client.post(url, data=data)
        assert r.status_code < 500, (url, r.status_code)
    for url in (f"/api/v1/moderation/members/a%00b", "/api/v1/rooms/a%00b/messages", "/b/a%00b",
                "/api/v1/boards/a%00b/threads", "/api/v1/resources?region=G%00B", "/?q=%00"):
        r = any_app.test_client().get(url, headers=w.headers("admin"))
        assert r.status_code < 500, (url, r.status_code)
    r = any_app.test_client().delete("/api/v1/me/blocks/a%00b", headers=w.headers("member"))
    assert r.status_code < 500
    # Socket.IO events too: an `error` event with a code, never the handler's "internal_error".
    from community.extensions import socketio
    sock = socketio.test_client(any_app, auth={"token": w.tokens["member"]})
    assert sock.is_connected()
    sock.emit("join", {"room": "open\x00lounge"})
    sock.emit("join", {"room": "open-lounge"})
    sock.emit("send", {"room": "open-lounge", "body": "hello\x00there"})
    sock.emit("mute", {"room": "open-lounge", "handle": "a\x00b", "minutes": 5})
    codes = [e["args"][0]["code"] for e in sock.get_received() if e["name"] == "error"]
    assert "unknown_room" in codes and "internal_error" not in codes, codes
    sock.disconnect()


@pytest.mark.parametrize("depth", [100, 10_000])
def test_deeply_nested_json(app, depth):
    w = build_world(app)
    api = w.app.test_client()
    for raw in ("[" * depth + "]" * depth, '{"a":' * depth + "1" + "}" * depth,
                '{"title": "t", "body": ' + "[" * depth + "]" * depth + "}"):
        r = api.post("/api/v1/boards/anxiety/threads", headers=w.headers("member"), data=raw,
                     content_type="application/json")
        assert r.status_code == 400, (depth, r.status_code)
        assert_error_shape(r, "nested")
    r = api.put("/api/v1/me/safety-plan", headers=w.headers("member"),
                data='{"warning_signs": ' + "[" * depth + "]" * depth + "}", content_type="application/json")
    assert_no_500(r, ("/api/v1/me/safety-plan",))


def test_huge_json_within_the_size_limit(app):
    w = build_world(app)
    api = w.app.test_client()
    limit = app.config["MAX_CONTENT_LENGTH"]
    many_keys = "{" + ",".join(f'"k{i}": {i}' for i in range(limit // 16)) + "}"
    assert len(many_keys) < limit
    long_list = "[" + ",".join("0" for _ in range(limit // 3)) + "]"
    for rule, method in json_rows(app):
        for raw in (many_keys, long_list):
            r = _send(w, rule, method, data=raw, content_type="application/json")
            assert_no_500(r, (rule.rule, method))
        db.session.rollback()
    r = api.put("/api/v1/me/muted-words", headers=w.headers("member"),
                json={"words": [f"w{i}" for i in range(20_000)]})
    assert r.status_code in (400, 422)
    assert_error_shape(r, "muted")


# --- absurd numbers and ids ----------------------------------------------------------------------------------------

ABSURD = ["-1", "0", "-0", str(10 ** 30), "1e9", "1.5", "NaN", "inf", "٣", "²", "１２", "0x10", " 1", "", "99999999999"]


def test_absurd_page_numbers_and_ids(app):
    w = build_world(app)
    api = w.app.test_client()
    client = w.client("admin")
    for value in ABSURD:
        for url in (f"/api/v1/boards/anxiety/threads?page={value}", f"/api/v1/threads/{w.ids['thread_id']}?page={value}",
                    f"/api/v1/rooms/open-lounge/messages?before={value}", f"/api/v1/moderation/queue?page={value}"):
            assert_no_500(api.get(url, headers=w.headers("admin")), (url,))
        for url in (f"/b/anxiety?page={value}", f"/t/{w.ids['thread_id']}?page={value}", f"/?page={value}",
                    f"/admin/audit?page={value}", f"/moderation/queue?page={value}", f"/chat/open-lounge?before={value}"):
            r = client.get(url)
            assert r.status_code < 500, (url, r.status_code)
    for ident in ("-1", "0", str(10 ** 30), str(2 ** 63), str(2 ** 31), "1e9", "٣", "１２"):
        for url in (f"/api/v1/posts/{ident}", f"/api/v1/threads/{ident}", f"/api/v1/moderation/items/{ident}",
                    f"/api/v1/admin/resources/{ident}"):
            r = api.get(url, headers=w.headers("admin"))
            if not ident.isascii():
                assert_no_500(r, (url,))  # "٣" is read as the digit 3, like any other digits
                continue
            assert r.status_code in (404, 400), (url, r.status_code)
            assert_error_shape(r, url)
        for url in (f"/t/{ident}", f"/p/{ident}/held", f"/moderation/items/{ident}", f"/admin/resources/{ident}/edit"):
            r = client.get(url)
            assert r.status_code < 500, (url, r.status_code)
        r = api.post("/api/v1/reports", headers=w.headers("member"),
                     json={"post_id": int(ident) if ident.lstrip("-").isascii() and ident.lstrip("-").isdigit()
                           else ident, "reason": "harassment"})
        assert r.status_code in (400, 404), (ident, r.status_code)
        assert_error_shape(r, ident)
    r = api.post(f"/api/v1/moderation/items/{w.ids['item_id']}/decision", headers=w.headers("admin"),
                 json={"action": "suspend", "version": 10 ** 30, "days": 10 ** 30})
    assert r.status_code in (400, 409, 422), r.status_code


# --- path traversal ------------------------------------------------------------------------------------------------

TRAVERSALS = ["..", "../wsgi.py", "..%2Fwsgi.py", "..%2F..%2Fetc%2Fpasswd", "%2e%2e%2fwsgi.py", "..\\wsgi.py",
              "....//wsgi.py", "%252e%252e%252fwsgi.py", "..%00.css", "%c0%ae%c0%ae/wsgi.py"]


def _leaks(response) -> bool:
    text = response.get_data(as_text=True)
    return "create_app" in text or "root:x:0:0" in text or "SECRET_KEY" in text


def test_path_traversal_in_file_ish_parameters(app):
    w = build_world(app)
    api = w.app.test_client()
    client = w.client("admin")
    for bad in TRAVERSALS:
        for url in (f"/static/{bad}", f"/static/css/{bad}", f"/b/{bad}", f"/chat/{bad}",
                    f"/admin/resources/export.{bad}", f"/moderation/members/{bad}"):
            r = client.get(url)
            assert r.status_code in (301, 302, 308, 400, 403, 404, 405), (url, r.status_code)
            assert not _leaks(r), url
        for method, url in (("GET", f"/api/v1/boards/{bad}/threads"), ("GET", f"/api/v1/rooms/{bad}/messages"),
                            ("DELETE", f"/api/v1/me/blocks/{bad}"), ("GET", f"/api/v1/moderation/members/{bad}"),
                            ("PATCH", f"/api/v1/admin/rooms/{bad}"), ("POST", f"/api/v1/boards/{bad}/threads")):
            r = api.open(url, method=method, headers=w.headers("admin"),
                         json={"title": "t", "body": "b"} if method in ("POST", "PATCH") else None)
            assert r.status_code in (400, 404, 405, 308), (method, url, r.status_code)
            assert not _leaks(r), url
            if r.status_code != 308:
                assert_error_shape(r, url)
        r = api.post("/api/v1/me/blocks", headers=w.headers("member"), json={"handle": bad})
        assert r.status_code in (400, 404), (bad, r.status_code)
        r = api.post("/api/v1/admin/rooms", headers=w.headers("admin"), json={"slug": bad, "name": "Traversal"})
        assert r.status_code in (400, 422), (bad, r.status_code)
    # The static route serves files from static/ only.
    assert client.get("/static/css/site.css").status_code == 200
    for url in ("/static/../wsgi.py", "/static/..%2fwsgi.py", "/static/%2e%2e/wsgi.py", "/static//etc/passwd",
                "/static/%2fetc%2fpasswd", "/static/css/../../wsgi.py"):
        r = client.get(url)
        assert r.status_code in (301, 302, 308, 400, 404), (url, r.status_code)
        assert not _leaks(r), url


# --- fuzz ----------------------------------------------------------------------------------------------------------

@pytest.mark.slow
def test_fuzz_json_endpoints_never_500(app):
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    w = build_world(app)
    text = st.text(max_size=60)
    scalars = st.none() | st.booleans() | st.integers(min_value=-(2 ** 70), max_value=2 ** 70) | \
        st.floats(allow_nan=False) | text
    values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(text, inner, max_size=4),
                          max_leaves=12)

    for rule, method in json_rows(app):
        base = _base(w, rule, method)
        bodies = st.fixed_dictionaries({}, optional={k: values | st.just(v) for k, v in base.items()}) | \
            st.dictionaries(st.sampled_from(sorted(base)) | text, values, max_size=6)

        @settings(max_examples=30, deadline=None, database=None,
                  suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture,
                                         HealthCheck.data_too_large])
        @given(body=bodies)
        def fuzz(body):
            r = _send(w, rule, method, json=body)
            assert_no_500(r, (rule.rule, method, body))
            db.session.rollback()

        fuzz()


@pytest.mark.slow
def test_fuzz_query_strings_never_500(app):
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    w = build_world(app)
    urls = sorted(build_url(w, r) for r in app.url_map.iter_rules()
                  if r.rule.startswith("/api/") and "GET" in r.methods and "export" not in r.rule)
    names = st.sampled_from(["page", "before", "status", "region", "q", "per_page", "id"]) | st.text(max_size=8)

    @settings(max_examples=30, deadline=None, database=None,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
    @given(url=st.sampled_from(urls), params=st.dictionaries(names, st.text(max_size=30), max_size=4))
    def fuzz(url, params):
        r = w.app.test_client().get(url, query_string=params, headers=w.headers("admin"))
        assert_no_500(r, (url, params))
        db.session.rollback()

    fuzz()


# --- JSON escapes and NUL in staff query strings -------------------------------------------------------------------

@pytest.mark.slow
def test_lone_surrogates_in_every_text_field_get_a_clear_400(any_app):
    """`"\\ud800"` is valid JSON but not storable text: every JSON endpoint (the unauthenticated token endpoint too)
    answers 400 `invalid_text` in the error shape, on SQLite and PostgreSQL."""
    import json as jsonlib
    w = build_world(any_app)
    tried = 0
    for rule, method in json_rows(any_app):
        base = _base(w, rule, method)
        for field, good in base.items():
            if not isinstance(good, str):
                continue
            raw = jsonlib.dumps({**base, field: good[:3] + "\ud800" + good[3:]})  # ensure_ascii: a "\ud800" escape
            assert "\\ud800" in raw
            r = _send(w, rule, method, data=raw, content_type="application/json")
            context = (rule.rule, method, field)
            assert r.status_code == 400, (context, r.status_code, r.data[:300])
            assert_error_shape(r, context)
            assert r.get_json()["error"]["code"] == "invalid_text", context
            tried += 1
        db.session.rollback()
    assert tried > 20


@pytest.mark.slow
def test_nul_in_the_query_string_of_every_page_gets_a_clear_400(any_app):
    """%00 in any query parameter of any GET page or endpoint, staff and admin pages included, is a 400 (PostgreSQL
    would refuse it in a comparison), as a page or in the API error shape; the help page and the resources API answer
    200 whatever the input."""
    w = build_world(any_app)
    admin = w.client("admin")
    urls = sorted({build_url(w, r) for r in any_app.url_map.iter_rules()
                   if "GET" in r.methods and not r.rule.startswith("/static") and "export" not in r.rule})
    assert any(u.startswith("/admin") for u in urls) and any(u.startswith("/moderation") for u in urls)
    for url in urls:
        for params in ({"q": "a\x00b"}, {"page": "\x00"}, {"\x00": "x"}):
            client_kwargs = {"headers": w.headers("admin")} if url.startswith("/api/") else {}
            r = (w.app.test_client() if url.startswith("/api/") else admin).get(url, query_string=params,
                                                                                **client_kwargs)
            if url in ("/help", "/api/v1/resources"):
                # A person looking for help never meets an error: the unusable input is ignored.
                assert r.status_code == 200, (url, params, r.status_code, r.data[:300])
                continue
            assert r.status_code == 400, (url, params, r.status_code, r.data[:300])
            if url.startswith("/api/"):
                assert_error_shape(r, (url, params))
        db.session.rollback()


SQL_INJECTIONS = ["' OR '1'='1", "x'; DROP TABLE members; --", "\" OR 1=1 --", "%' UNION SELECT password_hash FROM "
                  "members --", "1; SELECT pg_sleep(5)", "admin'--"]


def test_sql_injection_in_searches_sign_in_and_ids_is_only_text(any_app):
    """Every query binds its parameters: injection strings in staff searches, the audit filters, the directory's
    country filter, sign-in and ids find nothing, never 500, and the tables are all still there (SQLite and
    PostgreSQL)."""
    from urllib.parse import quote

    from community.members.models import Member
    w = build_world(any_app)
    members = Member.query.count()
    admin = w.client("admin")
    api = any_app.test_client()
    for evil in SQL_INJECTIONS:
        q = quote(evil)
        for url in (f"/admin/people?q={q}", f"/admin/audit?action={q}&actor={q}&target={q}",
                    f"/admin/resources?country={q}"):
            r = admin.get(url)
            assert r.status_code in (200, 400), (url, r.status_code)
            assert w.people["member"].handle not in r.get_data(as_text=True) or "people" not in url, url
        r = api.post("/api/v1/tokens", json={"handle": evil, "password": evil})
        assert r.status_code in (401, 422, 429), (evil, r.status_code)
        for url in (f"/api/v1/posts/{q}", f"/api/v1/threads/{q}", f"/api/v1/boards/{q}/threads"):
            assert api.get(url, headers=w.headers("member")).status_code in (400, 404), url
    db.session.rollback()
    assert Member.query.count() == members, "no row came or went"
