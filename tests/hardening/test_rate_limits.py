"""Abuse limits (Flask-Limiter): log-in and recovery per client AND per handle, sign-ups, posting, reporting.
Each answers 429 in the API error shape or as a human page. Run on memory storage and on real Redis; with Redis
down the limiter falls back to memory and the app keeps serving."""
from __future__ import annotations

import os

import pytest

from community.extensions import db
from tests.conftest import PASSWORD, unavailable

REDIS_DB = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0").rsplit("/", 1)[0] + "/11"
DOWN = "redis://127.0.0.1:1/0"  # nothing listens on port 1


@pytest.fixture(params=["memory", "redis"])
def storage(request):
    if request.param == "memory":
        yield "memory://"
        return
    try:
        import redis
        client = redis.Redis.from_url(REDIS_DB, socket_timeout=2)
        client.flushdb()
    except Exception as exc:  # noqa: BLE001
        unavailable("Redis", f"cannot reach {REDIS_DB}: {exc}")
    yield REDIS_DB
    client.flushdb()


def limited_app(app_factory, storage):
    app = app_factory(RATELIMIT_ENABLED=True, RATELIMIT_STORAGE_URI=storage)
    return app


def _member(handle):
    from community.members.services import create_member, issue_token
    member, code = create_member(handle, PASSWORD, allow_reserved=True)
    return member, code, {"Authorization": f"Bearer {issue_token(member)}"}


def assert_api_429(response):
    assert response.status_code == 429, (response.status_code, response.data[:300])
    body = response.get_json()
    assert body["error"]["code"] == "rate_limited" and body["error"]["message"]


def assert_page_429(response):
    assert response.status_code == 429, (response.status_code, response.data[:300])
    assert response.mimetype == "text/html"
    page = response.get_data(as_text=True)
    assert "Slow down a little" in page and "Need help now?" in page  # a human page, help still one tap away


def test_login_is_limited_per_client_and_per_handle(app_factory, storage):
    app = limited_app(app_factory, storage)
    with app.app_context():
        _member("lim-target")
        client = app.test_client()
        for _ in range(10):
            assert client.post("/login", data={"handle": "someone", "password": "wrong"}).status_code == 200
        assert_page_429(client.post("/login", data={"handle": "someone-else", "password": "wrong"}))
        # Per handle: the same account tried from many addresses still stops (a spread-out guesser).
        for n in range(20):
            r = client.post("/login", data={"handle": "lim-target", "password": "wrong"},
                            environ_base={"REMOTE_ADDR": f"198.51.100.{n + 1}"})
            assert r.status_code == 200, n
        assert_page_429(client.post("/login", data={"handle": "LIM-TARGET", "password": PASSWORD},
                                    environ_base={"REMOTE_ADDR": "198.51.100.200"}))
        # The API token endpoint shares the per-handle budget and answers in the error shape.
        assert_api_429(client.post("/api/v1/tokens", json={"handle": "lim-target", "password": PASSWORD},
                                   environ_base={"REMOTE_ADDR": "198.51.100.201"}))
        # Another account from a fresh address is unaffected.
        _member("lim-other")
        assert client.post("/api/v1/tokens", json={"handle": "lim-other", "password": PASSWORD},
                           environ_base={"REMOTE_ADDR": "198.51.100.202"}).status_code == 201


def test_api_login_per_client(app_factory, storage):
    app = limited_app(app_factory, storage)
    with app.app_context():
        client = app.test_client()
        for n in range(10):
            r = client.post("/api/v1/tokens", json={"handle": f"nobody-{n}", "password": "wrong-password"})
            assert r.status_code == 401, r.data[:200]
        assert_api_429(client.post("/api/v1/tokens", json={"handle": "nobody-x", "password": "wrong-password"}))


def test_recovery_is_limited_per_handle(app_factory, storage):
    app = limited_app(app_factory, storage)
    with app.app_context():
        _member("lim-recover")
        client = app.test_client()
        for n in range(5):
            r = client.post("/recover", data={"handle": "lim-recover", "recovery_code": "WRONG-CODE-0000",
                                              "password": "brand-new-secret"},
                            environ_base={"REMOTE_ADDR": f"192.0.2.{n + 1}"})
            assert r.status_code == 200
        assert_page_429(client.post("/recover", data={"handle": "lim-recover", "recovery_code": "x",
                                                      "password": "brand-new-secret"},
                                    environ_base={"REMOTE_ADDR": "192.0.2.99"}))


def test_signups_are_limited(app_factory, storage):
    app = limited_app(app_factory, storage)
    with app.app_context():
        client = app.test_client()
        for _ in range(10):
            assert client.post("/api/v1/members", json={"password": PASSWORD}).status_code == 201
        assert_api_429(client.post("/api/v1/members", json={"password": PASSWORD}))
        assert_page_429(client.post("/signup", data={"handle": "late-comer", "password": PASSWORD,
                                                     "confirm": PASSWORD}))
        # A different client can still join.
        assert client.post("/api/v1/members", json={"password": PASSWORD},
                           environ_base={"REMOTE_ADDR": "203.0.113.9"}).status_code == 201


def test_posting_and_reporting_are_limited(app_factory, storage):
    app = limited_app(app_factory, storage)
    with app.app_context():
        from community.forum.models import Board
        from community.forum.services import create_thread
        author, _c, headers = _member("lim-author")
        _r, _c2, reporter = _member("lim-reporter")
        client = app.test_client()
        # A new account: 3 threads an hour (NEW_ACCOUNT_THREAD_LIMIT), then 429.
        for n in range(3):
            assert client.post("/api/v1/boards/anxiety/threads", json={"title": f"Thread {n} here", "body": "hi"},
                               headers=headers).status_code == 201
        assert_api_429(client.post("/api/v1/boards/anxiety/threads", json={"title": "One too many", "body": "hi"},
                                   headers=headers))
        # Reporting: 30 an hour per member.
        board = db.session.scalar(db.select(Board).where(Board.slug == "anxiety"))
        other, _c3, _h = _member("lim-poster")
        posts = [create_thread(other, board, f"Something {n} here", "words")[1].id for n in range(31)]
        for post_id in posts[:30]:
            assert client.post("/api/v1/reports", json={"post_id": post_id, "reason": "spam"},
                               headers=reporter).status_code == 201
        assert_api_429(client.post("/api/v1/reports", json={"post_id": posts[30], "reason": "spam"},
                                   headers=reporter))


def test_limits_off_when_disabled(app_factory):
    app = app_factory(RATELIMIT_ENABLED=False)
    with app.app_context():
        client = app.test_client()
        for _ in range(15):
            assert client.post("/login", data={"handle": "someone", "password": "wrong"}).status_code == 200


def test_redis_down_limiter_falls_back_and_app_serves(app_factory):
    app = app_factory(RATELIMIT_ENABLED=True, RATELIMIT_STORAGE_URI=DOWN)
    with app.app_context():
        _a, _c, headers = _member("lim-fallback")
        client = app.test_client()
        made = client.post("/api/v1/boards/anxiety/threads", json={"title": "Still here", "body": "works"},
                           headers=headers)
        assert made.status_code == 201, made.data[:300]
        assert client.get(f"/t/{made.get_json()['thread']['id']}").status_code == 200
        assert client.get("/").status_code == 200
        # Limits still hold, counted in this process's memory.
        for _ in range(10):
            assert client.post("/login", data={"handle": "someone", "password": "wrong"}).status_code == 200
        assert client.post("/login", data={"handle": "someone", "password": "wrong"}).status_code == 429
