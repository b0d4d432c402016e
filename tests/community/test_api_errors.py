"""Every API error has the shape {"error": {"code", "message"}}, with the right status, and bad input never
produces a 500."""
import json

import pytest

from tests.conftest import PASSWORD
from tests.support import assert_error, new_thread


def _world(app, make_member, token_for):
    me, other = make_member("me-member"), make_member("other-member")
    client = app.test_client()
    made = new_thread(client, token_for(other), body="other's post")
    return {"client": client, "me": me, "headers": token_for(me), "other_headers": token_for(other),
            "thread_id": made["thread"]["id"], "post_id": made["post"]["id"]}


@pytest.fixture
def world(any_app, make_member, token_for):
    """A member with a token, and a thread by someone else, on SQLite and on PostgreSQL: for the checks where
    the database itself could turn bad input into a 500."""
    return _world(any_app, make_member, token_for)


@pytest.fixture
def lite(app, make_member, token_for):
    """The same on SQLite only: for checks that are decided before the database is asked."""
    return _world(app, make_member, token_for)


def endpoints(w):
    """(method, url, needs_token, a valid body)."""
    return [
        ("POST", "/api/v1/members", False, {"handle": "new-person", "password": PASSWORD, "region": "GB"}),
        ("POST", "/api/v1/tokens", False, {"handle": "me-member", "password": PASSWORD}),
        ("PATCH", "/api/v1/me", True, {"handle": "me-member-2", "region": "US"}),
        ("POST", "/api/v1/boards/anxiety/threads", True, {"title": "A title", "body": "text",
                                                          "content_warning": "cw"}),
        ("POST", f"/api/v1/threads/{w['thread_id']}/posts", True, {"body": "text", "content_warning": "cw"}),
        ("POST", "/api/v1/reports", True, {"post_id": w["post_id"], "reason": "spam", "note": "n"}),
    ]


def _send(w, method, url, needs_token, **kwargs):
    headers = w["headers"] if needs_token else {}
    return w["client"].open(url, method=method, headers=headers, **kwargs)


BAD_BODIES = [
    (b"", "missing_body"),
    (b"{not json", "invalid_json"),
    (b"{\"a\": 1,}", "invalid_json"),
    (b"[1, 2]", "invalid_json"),
    (b"\"a string\"", "invalid_json"),
    (b"null", "invalid_json"),
    (b"42", "invalid_json"),
    (b"\xff\xfe\x00{", "invalid_json"),
    (b"[" * 50_000 + b"]" * 50_000, "invalid_json"),
]


@pytest.mark.parametrize("raw,code", BAD_BODIES, ids=[c + str(i) for i, (_b, c) in enumerate(BAD_BODIES)])
def test_bad_json_bodies_are_400_with_error_shape(app, make_member, token_for, raw, code):
    w = {"client": app.test_client(), "headers": token_for(make_member("me-member")), "thread_id": 1, "post_id": 1}
    new_thread(w["client"], w["headers"])
    for method, url, needs_token, _valid in endpoints(w):
        for content_type in ("application/json", "text/plain"):
            response = _send(w, method, url, needs_token, data=raw, content_type=content_type)
            assert_error(response, 400, code)


def test_missing_fields(lite):
    client, headers = lite["client"], lite["headers"]
    cases = [
        ("POST", "/api/v1/members", {}, False, "password"),
        ("POST", "/api/v1/tokens", {"handle": "me-member"}, False, "password"),
        ("POST", "/api/v1/tokens", {"password": PASSWORD}, False, "handle"),
        ("POST", "/api/v1/boards/anxiety/threads", {"body": "b"}, True, "title"),
        ("POST", "/api/v1/boards/anxiety/threads", {"title": "Title"}, True, "body"),
        ("POST", f"/api/v1/threads/{lite['thread_id']}/posts", {}, True, "body"),
        ("PATCH", f"/api/v1/posts/{lite['post_id']}", {}, True, "body"),
        ("POST", "/api/v1/reports", {"reason": "spam"}, True, "post_id"),
        ("POST", "/api/v1/reports", {"post_id": lite["post_id"]}, True, "reason"),
    ]
    for method, url, body, auth, field in cases:
        if method == "PATCH":
            auth_headers = lite["other_headers"]
        else:
            auth_headers = headers if auth else {}
        response = client.open(url, method=method, json=body, headers=auth_headers)
        error = assert_error(response, 400, "missing_field")["error"]
        assert field in error["message"], (url, error)


def test_blank_text_fields_are_400(lite):
    client, headers = lite["client"], lite["headers"]
    assert_error(client.post("/api/v1/boards/anxiety/threads", json={"title": "   ", "body": "b"}, headers=headers),
                 400, "missing_field")
    assert_error(client.post(f"/api/v1/threads/{lite['thread_id']}/posts", json={"body": "\x00 \n"},
                             headers=headers), 400, "missing_field")
    assert_error(client.post("/api/v1/boards/anxiety/threads", json={"title": "ab", "body": "b"}, headers=headers),
                 400, "too_short")


@pytest.mark.parametrize("field,value", [
    ("title", 5), ("title", ["t"]), ("body", {"a": 1}), ("body", True), ("content_warning", 3),
])
def test_wrong_types_in_thread(app, make_member, token_for, field, value):
    client = app.test_client()
    body = {"title": "A title", "body": "text", field: value}
    response = client.post("/api/v1/boards/anxiety/threads", json=body, headers=token_for(make_member()))
    assert_error(response, 400, "invalid_type")


@pytest.mark.parametrize("body", [
    {"handle": 5, "password": PASSWORD}, {"password": 12345678}, {"password": PASSWORD, "region": 44},
    {"password": [PASSWORD]},
])
def test_wrong_types_in_signup(app, body):
    assert_error(app.test_client().post("/api/v1/members", json=body), 400, "invalid_type")


@pytest.mark.parametrize("post_id", ["1", 1.0, True, None, [1], {"id": 1}])
def test_wrong_types_in_report(app, make_member, token_for, post_id):
    response = app.test_client().post("/api/v1/reports", json={"post_id": post_id, "reason": "spam"},
                                      headers=token_for(make_member()))
    assert_error(response, 400, "missing_field" if post_id is None else "invalid_type")


def test_oversized_fields(lite):
    client, headers = lite["client"], lite["headers"]
    cases = [
        ("/api/v1/boards/anxiety/threads", {"title": "t" * 151, "body": "b"}, "too_long"),
        ("/api/v1/boards/anxiety/threads", {"title": "Title", "body": "b" * 10_001}, "too_long"),
        (f"/api/v1/threads/{lite['thread_id']}/posts", {"body": "b" * 10_001}, "too_long"),
        ("/api/v1/reports", {"post_id": lite["post_id"], "reason": "spam", "note": "n" * 1001}, "too_long"),
    ]
    for url, body, code in cases:
        assert_error(client.post(url, json=body, headers=headers), 400, code)
    assert_error(client.post("/api/v1/members", json={"handle": "h" * 25, "password": PASSWORD}), 400,
                 "invalid_handle")
    assert_error(client.post("/api/v1/members", json={"password": "p" * 257}), 400, "invalid_password")
    assert_error(client.patch("/api/v1/me", json={"region": "GBR"}, headers=headers), 400, "invalid_region")
    # The limits are inclusive.
    assert client.post("/api/v1/boards/anxiety/threads", json={"title": "t" * 150, "body": "b" * 10_000},
                       headers=headers).status_code == 201


def test_unknown_ids_are_404(lite):
    client, headers = lite["client"], lite["headers"]
    missing = lite["post_id"] + 1000
    for method, url in [("GET", f"/api/v1/threads/{missing}"), ("GET", f"/api/v1/posts/{missing}"),
                        ("PATCH", f"/api/v1/posts/{missing}"), ("DELETE", f"/api/v1/posts/{missing}"),
                        ("POST", f"/api/v1/threads/{missing}/posts"), ("GET", "/api/v1/boards/no-such/threads"),
                        ("POST", "/api/v1/boards/no-such/threads"), ("GET", "/api/v1/no-such-endpoint")]:
        response = client.open(url, method=method, json={"body": "b", "title": "Title"}, headers=headers)
        assert_error(response, 404)
    assert_error(client.post("/api/v1/reports", json={"post_id": missing, "reason": "spam"}, headers=headers), 404,
                 "post_not_found")


def test_ids_too_big_for_the_database_are_404_not_500(world):
    client, headers = world["client"], world["headers"]
    huge = 10 ** 20
    for method, url in [("GET", f"/api/v1/threads/{huge}"), ("GET", f"/api/v1/posts/{huge}"),
                        ("PATCH", f"/api/v1/posts/{huge}"), ("DELETE", f"/api/v1/posts/{huge}"),
                        ("POST", f"/api/v1/threads/{huge}/posts")]:
        response = client.open(url, method=method, json={"body": "b"}, headers=headers)
        assert_error(response, 404)
    assert_error(client.post("/api/v1/reports", json={"post_id": huge, "reason": "spam"}, headers=headers), 404)
    assert_error(client.post("/api/v1/reports", json={"post_id": -huge, "reason": "spam"}, headers=headers), 404)
    assert client.get(f"/t/{huge}").status_code == 404
    # Just past PostgreSQL's INTEGER range, and a post id through the appeal door.
    assert_error(client.get(f"/api/v1/posts/{2 ** 31}"), 404)
    assert_error(client.post(f"/api/v1/posts/{huge}/appeal", json={"text": "please"}, headers=headers), 404)


def test_nul_in_path_or_handle_is_not_a_500(world):
    client = world["client"]
    assert_error(client.get("/api/v1/boards/any%00thing/threads"), 404, "board_not_found")
    assert client.get("/b/any%00thing").status_code == 404
    assert_error(client.post("/api/v1/tokens", json={"handle": "me-member\x00", "password": PASSWORD}), 401)


def test_permission_denied_is_403(lite):
    client = lite["client"]
    assert_error(client.patch(f"/api/v1/posts/{lite['post_id']}", json={"body": "mine now"},
                              headers=lite["headers"]), 403, "forbidden")


def test_no_or_bad_token_is_401(lite):
    client = lite["client"]
    protected = [("GET", "/api/v1/me"), ("PATCH", "/api/v1/me"), ("DELETE", "/api/v1/tokens/current"),
                 ("POST", "/api/v1/boards/anxiety/threads"), ("POST", f"/api/v1/threads/{lite['thread_id']}/posts"),
                 ("PATCH", f"/api/v1/posts/{lite['post_id']}"), ("DELETE", f"/api/v1/posts/{lite['post_id']}"),
                 ("POST", "/api/v1/reports")]
    bad_headers = [{}, {"Authorization": "Bearer "}, {"Authorization": "Bearer not-a-token"},
                   {"Authorization": "Basic bWU6cGFzcw=="}, {"Authorization": "Bearer " + "x" * 5000},
                   {"Authorization": "Bearer a\x00b"}]
    for method, url in protected:
        for headers in bad_headers:
            response = client.open(url, method=method, json={"body": "b"}, headers=headers)
            assert_error(response, 401, "unauthorized")


def test_session_cookie_does_not_authenticate_the_api(app, make_member):
    from tests.conftest import login
    make_member("cookie-member")
    client = app.test_client()
    login(client, "cookie-member")
    assert_error(client.get("/api/v1/me"), 401, "unauthorized")


def test_duplicates_are_409(world):
    client = world["client"]
    assert_error(client.post("/api/v1/members", json={"handle": "ME-MEMBER", "password": PASSWORD}), 409,
                 "handle_taken")
    assert client.post("/api/v1/reports", json={"post_id": world["post_id"], "reason": "spam"},
                       headers=world["headers"]).status_code == 201
    assert_error(client.post("/api/v1/reports", json={"post_id": world["post_id"], "reason": "other"},
                             headers=world["headers"]), 409, "already_reported")


def test_body_over_max_content_length_is_413(app, make_member, token_for):
    limit = app.config["MAX_CONTENT_LENGTH"]
    big = json.dumps({"password": PASSWORD, "handle": "big-body", "pad": "x" * (limit + 10)})
    client = app.test_client()
    assert_error(client.post("/api/v1/members", data=big, content_type="application/json"), 413,
                 "payload_too_large")
    assert_error(client.post("/api/v1/boards/anxiety/threads", data=big, content_type="application/json",
                             headers=token_for(make_member())), 413)
    # Pages answer with the friendly HTML page instead.
    page = client.post("/login", data={"handle": "x", "password": "y" * (limit + 10)})
    assert page.status_code == 413 and page.mimetype == "text/html" and b"too large" in page.data


def test_method_not_allowed_is_json_405(app):
    assert_error(app.test_client().put("/api/v1/members", json={}), 405, "method_not_allowed")


FUZZ_VALUES = [None, 0, -1, 10 ** 20, 1.5, float("1e308"), True, "", " ", "\x00", "a\x00b", "x" * 20_000, [],
               {}, ["x"], {"x": "y"}, "😀" * 30, "ünïcödé", "<script>", "' OR 1=1 --"]


def test_never_a_500_for_any_field_value(world):
    """Each field of each endpoint gets every odd value; the answer is a success or an error in the one shape."""
    for method, url, needs_token, valid in endpoints(world):
        for field in valid:
            for value in FUZZ_VALUES:
                body = {**valid, field: value}
                response = _send(world, method, url, needs_token, json=body)
                assert response.status_code < 500, (url, field, repr(value)[:40], response.data[:300])
                if response.status_code >= 400:
                    assert_error(response, response.status_code)


def test_never_a_500_for_odd_query_strings(lite):
    client = lite["client"]
    for query in ("page=%00", "page=1&page=2", "page=" + "9" * 400, "page=%F0%9F%98%80", "country=%00",
                  "country=" + "x" * 5000, "country[]=GB"):
        for url in ("/api/v1/boards/anxiety/threads", f"/api/v1/threads/{lite['thread_id']}", "/api/v1/resources"):
            response = client.get(f"{url}?{query}")
            assert response.status_code < 500, (url, query, response.data[:300])
            if response.status_code >= 400:
                assert_error(response, response.status_code)


def test_never_a_500_for_odd_page_form_input(any_app, make_member):
    make_member("page-member")
    client = any_app.test_client()
    for data in ({"handle": "a\x00b", "password": "x"}, {"handle": "page-member", "password": "\x00" * 9},
                 {"handle": "x" * 5000, "password": "y"}):
        assert client.post("/login", data=data).status_code < 500
        assert client.post("/recover", data={**data, "recovery_code": "a\x00"}).status_code < 500
        assert client.post("/signup", data={**data, "confirm": data["password"]}).status_code < 500
