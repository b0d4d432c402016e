"""Abuse limits (Flask-Limiter): log-in and recovery per client, a per-handle slowdown that never locks the owner out, sign-ups, posting, reporting.
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


def test_login_budget_per_client_is_shared_by_page_and_api(app_factory, storage):
    app = limited_app(app_factory, storage)
    with app.app_context():
        client = app.test_client()
        for n in range(5):
            assert client.post("/login", data={"handle": f"someone-{n}", "password": "wrong"}).status_code == 200
            r = client.post("/api/v1/tokens", json={"handle": f"nobody-{n}", "password": "wrong-password"})
            assert r.status_code == 401, r.data[:200]
        assert_page_429(client.post("/login", data={"handle": "someone-else", "password": "wrong"}))
        assert_api_429(client.post("/api/v1/tokens", json={"handle": "nobody-x", "password": "wrong-password"}))


@pytest.fixture
def slept(monkeypatch):
    from community.members import limits
    waits: list[float] = []
    monkeypatch.setattr(limits.time, "sleep", waits.append)  # record the slowdown instead of waiting it out
    return waits


def test_failing_someones_password_never_locks_the_owner_out(app_factory, storage, slept):
    from community.members import limits
    app = limited_app(app_factory, storage)
    with app.app_context():
        _member("lim-target")
        client = app.test_client()
        # A guesser spread over many addresses: 60 failures, 3 per address.
        for n in range(60):
            r = client.post("/login", data={"handle": "lim-target", "password": "wrong"},
                            environ_base={"REMOTE_ADDR": f"198.51.100.{n // 3 + 1}"})
            assert r.status_code == 200, n
        # Attempts on the handle are slowed down now, never by more than the cap...
        assert slept and max(slept) == limits.SLOWDOWN_CAP_SECONDS and all(0 < w <= limits.SLOWDOWN_CAP_SECONDS
                                                                           for w in slept)
        assert slept == sorted(slept), "the slowdown grows with the failures"
        # ...but the owner, from a client that has not failed, still signs in, on the page and through the API.
        slept.clear()
        owner = client.post("/login", data={"handle": "LIM-TARGET", "password": PASSWORD},
                            environ_base={"REMOTE_ADDR": "203.0.113.50"})
        assert owner.status_code == 302, owner.data[:300]
        assert slept == [limits.SLOWDOWN_CAP_SECONDS]
        assert client.post("/api/v1/tokens", json={"handle": "lim-target", "password": PASSWORD},
                           environ_base={"REMOTE_ADDR": "203.0.113.51"}).status_code == 201
        # A client that failed this handle five times is refused for it, even with the right password.
        for _ in range(5):
            client.post("/login", data={"handle": "lim-target", "password": "wrong"},
                        environ_base={"REMOTE_ADDR": "192.0.2.77"})
        assert_page_429(client.post("/login", data={"handle": "lim-target", "password": PASSWORD},
                                    environ_base={"REMOTE_ADDR": "192.0.2.77"}))
        assert_api_429(client.post("/api/v1/tokens", json={"handle": "lim-target", "password": PASSWORD},
                                   environ_base={"REMOTE_ADDR": "192.0.2.77"}))
        # Another account is not slowed at all.
        _member("lim-other")
        slept.clear()
        assert client.post("/api/v1/tokens", json={"handle": "lim-other", "password": PASSWORD},
                           environ_base={"REMOTE_ADDR": "198.51.100.202"}).status_code == 201
        assert slept == []


def test_recovery_is_limited_per_client_and_never_locks_the_owner_out(app_factory, storage, slept):
    from community.members.services import create_member
    app = limited_app(app_factory, storage)
    with app.app_context():
        _m, code = create_member("lim-recover", PASSWORD)
        client = app.test_client()
        for n in range(5):
            r = client.post("/recover", data={"handle": "lim-recover", "recovery_code": "WRONG-CODE-0000",
                                              "password": "brand-new-secret"},
                            environ_base={"REMOTE_ADDR": "192.0.2.1"})
            assert r.status_code == 200
        assert_page_429(client.post("/recover", data={"handle": "lim-recover", "recovery_code": code,
                                                      "password": "brand-new-secret"},
                                    environ_base={"REMOTE_ADDR": "192.0.2.1"}))
        r = client.post("/recover", data={"handle": "lim-recover", "recovery_code": code,
                                          "password": "brand-new-secret"}, environ_base={"REMOTE_ADDR": "192.0.2.99"})
        assert r.status_code == 302, "the owner's recovery from another client was refused"


def test_signups_are_limited(app_factory, storage):
    app = limited_app(app_factory, storage)
    with app.app_context():
        client = app.test_client()
        for _ in range(10):
            assert client.post("/api/v1/members", json={"password": PASSWORD}).status_code == 201
        assert_api_429(client.post("/api/v1/members", json={"password": PASSWORD}))
        assert_page_429(client.post("/signup", data={"handle": "late-comer", "password": PASSWORD,
                                                     "confirm": PASSWORD, "accept_guidelines": "y"}))
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


def test_edits_renames_appeals_and_staff_messages_are_limited_per_member_across_page_and_api(app_factory, storage):
    from community.write_limits import PER_MEMBER
    from tests.conftest import login
    app = limited_app(app_factory, storage)
    with app.app_context():
        member, _c, headers = _member("lim-editor")
        client = app.test_client()
        post_id = client.post("/api/v1/boards/anxiety/threads", json={"title": "Edit me", "body": "first"},
                              headers=headers).get_json()["post"]["id"]
        per_minute = int(PER_MEMBER["edit"].split(" ")[0])
        for n in range(per_minute):
            r = client.patch(f"/api/v1/posts/{post_id}", json={"body": f"version {n}"}, headers=headers)
            assert r.status_code == 200, (n, r.get_json())
        assert_api_429(client.patch(f"/api/v1/posts/{post_id}", json={"body": "one too many"}, headers=headers))
        # The page shares the member's budget (another client, so it is not the per-client budget).
        page = app.test_client()
        login(page, "lim-editor")
        assert_page_429(page.post(f"/p/{post_id}/edit", data={"body": "from the page"},
                                  environ_base={"REMOTE_ADDR": "203.0.113.77"}))
        # Renames.
        renamer, _c2, rh = _member("lim-renamer")
        per_hour = int(PER_MEMBER["rename"].split(" ")[0])
        for n in range(per_hour):
            assert client.patch("/api/v1/me", json={"region": "GB" if n % 2 else "US"}, headers=rh).status_code == 200
        assert_api_429(client.patch("/api/v1/me", json={"handle": "lim-renamed"}, headers=rh))
        # Messages to the moderators.
        writer = app.test_client()
        _member("lim-writer")
        login(writer, "lim-writer")
        staff_per_minute = int(PER_MEMBER["staff_message"].split(" ")[0])
        for n in range(staff_per_minute):
            assert writer.post("/messages", data={"body": f"hello {n}"},
                               environ_base={"REMOTE_ADDR": "203.0.113.78"}).status_code in (200, 302)
        assert_page_429(writer.post("/messages", data={"body": "again"}, environ_base={"REMOTE_ADDR": "203.0.113.78"}))


# Last: a Redis that is down leaves Flask-Limiter's process-wide fallback state behind, which would spoil a later
# test's Redis storage.
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
        for n in range(10):
            assert client.post("/login", data={"handle": f"someone-{n}", "password": "wrong"}).status_code == 200
        assert client.post("/login", data={"handle": "someone", "password": "wrong"}).status_code == 429
