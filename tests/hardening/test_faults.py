"""Faults: the database briefly unavailable, a server process killed mid-write, Redis down.

Classifier faults (raising, hanging, garbage) are covered in tests/moderation/test_fail_closed.py and not repeated.

- Database unavailable: a friendly 503 page (with the help links) for pages, the JSON error shape for the API, and
  nothing half-written - on PostgreSQL (connections terminated and refused in the middle of a write) and on SQLite
  (the database file made unreachable).
- SIGKILL: a real server process killed while posts stream in loses none that it acknowledged with 201.
- Redis down: a real server still creates and serves posts, live chat answers with a clear "unavailable" message,
  and rate limits fall back to counting in memory.
Real server processes reuse tests/community/chat/test_scale_out.py's helpers.
"""
from __future__ import annotations

import os
import re
import signal
import sqlite3
import subprocess
import sys
import threading
import time
import uuid

import pytest
from sqlalchemy import event

from community.extensions import db
from tests.support import ROOT, SERVER, free_port, wait_ready
from tests.conftest import PASSWORD, PG_ADMIN_URL, ScoreControl, _make_app, _migrate, unavailable

DOWN = "redis://127.0.0.1:1/0"  # nothing listens on port 1


def _assert_api_503(response):
    assert response.status_code == 503, response.data[:300]
    body = response.get_json()
    assert set(body) == {"error"} and body["error"]["code"] == "unavailable", body
    assert body["error"]["message"], body


def _assert_page_503(response):
    assert response.status_code == 503, response.data[:300]
    assert response.mimetype == "text/html"
    html = response.get_data(as_text=True)
    assert "having trouble right now" in html  # the friendly title, not a stack trace
    assert 'href="/help"' in html  # the way to crisis help is always there
    assert "Traceback" not in html


# --- database unavailable: PostgreSQL ------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def fault_pg(tmp_path_factory):
    """A PostgreSQL database of this module's own (we make it unreachable), migrated once, dropped at the end."""
    try:
        import psycopg
        admin = psycopg.connect(PG_ADMIN_URL, autocommit=True, connect_timeout=3)
    except Exception as exc:  # noqa: BLE001
        unavailable("PostgreSQL", f"cannot connect to {PG_ADMIN_URL}: {exc}")
    name = f"haven_fault_{uuid.uuid4().hex[:10]}"
    admin.execute(f'CREATE DATABASE "{name}"')
    url = PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + name
    app = _make_app({"DATABASE_URL": url}, str(tmp_path_factory.mktemp("fault-pg-instance")))
    _migrate(app)
    with app.app_context():
        db.engine.dispose()
    try:
        yield admin, name, url
    finally:
        admin.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true')
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


def _cut_off(admin, name):
    """The database goes away: new connections refused, existing ones terminated."""
    admin.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false')
    killed = admin.execute("SELECT pid, pg_terminate_backend(pid, 5000) FROM pg_stat_activity "
                           "WHERE datname = %s AND pid <> pg_backend_pid()", (name,)).fetchall()
    return killed


def _restore(admin, name):
    admin.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true')


def _counts(thread_id, body):
    from community.forum.models import Post, Thread
    from moderation.models import QueueItem
    db.session.remove()
    post_ids = db.session.scalars(db.select(Post.id).where(Post.body == body)).all()
    items = db.session.scalars(db.select(QueueItem).where(QueueItem.content_type == "post",
                                                          QueueItem.content_id.in_(post_ids or [-1]))).all()
    thread = db.session.get(Thread, thread_id)
    published = db.session.scalar(db.select(db.func.count(Post.id)).where(
        Post.thread_id == thread_id, Post.status == "published", Post.deleted_at.is_(None)))
    return post_ids, items, thread.post_count, published


@pytest.mark.slow
@pytest.mark.parametrize("when", ["insert posts", "insert queue_items", "commit"])
def test_postgres_unavailable_mid_write_503_and_nothing_half_written(fault_pg, tmp_path, make_member, token_for,
                                                                     when):
    admin, name, url = fault_pg
    app = _make_app({"DATABASE_URL": url}, str(tmp_path / "instance"))
    with app.app_context():
        scores = ScoreControl(app)
        scores.toxic("rudeword", 0.85)  # a held reply: post + queue item in one transaction
        member = make_member()
        db.session.commit()
        headers = token_for(member)
        client = app.test_client()
        made = client.post("/api/v1/boards/anxiety/threads", json={"title": "A calm title", "body": "an opening post"},
                           headers=headers)
        assert made.status_code == 201, made.data[:300]
        thread_id = made.get_json()["thread"]["id"]
        body = f"rudeword reply while the database goes away ({when})"

        fired = []

        def on_statement(conn, cursor, statement, parameters, context, executemany):
            if not fired and statement.lstrip().startswith(f"INSERT INTO {when.split()[1]} "):
                fired.append((statement, _cut_off(admin, name)))

        def on_commit(conn):
            if not fired:
                fired.append(("COMMIT", _cut_off(admin, name)))

        engine = db.engine
        if when == "commit":
            event.listen(engine, "commit", on_commit)
        else:
            event.listen(engine, "after_cursor_execute", on_statement)
        try:
            response = client.post(f"/api/v1/threads/{thread_id}/posts", json={"body": body}, headers=headers)
            assert fired and fired[0][1], f"the write never reached {when!r} or nothing was cut off: {fired}"
            _assert_api_503(response)
        finally:
            if when == "commit":
                event.remove(engine, "commit", on_commit)
            else:
                event.remove(engine, "after_cursor_execute", on_statement)
        try:
            # Still unreachable: pages, the API and the health check answer 503, in their own shapes.
            _assert_page_503(app.test_client().get("/"))
            _assert_page_503(app.test_client().get(f"/t/{thread_id}"))
            _assert_api_503(client.get(f"/api/v1/threads/{thread_id}"))
            _assert_api_503(client.post(f"/api/v1/threads/{thread_id}/posts", json={"body": body}, headers=headers))
            health = client.get("/healthz")
            assert health.status_code == 503 and health.get_json()["status"] == "error"
        finally:
            _restore(admin, name)

        # Back: the health check recovers and nothing of the failed write exists (nor its queue item, nor a count).
        assert client.get("/healthz").status_code == 200
        post_ids, items, post_count, published = _counts(thread_id, body)
        assert post_ids == [] and items == []
        assert post_count == published == 1

        # And the same write now goes through completely.
        again = client.post(f"/api/v1/threads/{thread_id}/posts", json={"body": body}, headers=headers)
        assert again.status_code == 201, again.data[:300]
        assert again.get_json()["post"]["status"] == "held"
        post_ids, items, post_count, published = _counts(thread_id, body)
        assert post_ids == [again.get_json()["post"]["id"]]
        assert [(i.kind, i.status) for i in items] == [("toxicity", "open")]
        assert post_count == published == 1  # a held reply is not counted
        db.session.remove()
        db.engine.dispose()


# --- database unavailable: SQLite ------------------------------------------------------------------------------------

def test_sqlite_file_unreachable_503_then_recovers(app, make_member, token_for):
    member = make_member()
    db.session.commit()
    headers = token_for(member)
    client = app.test_client()
    made = client.post("/api/v1/boards/anxiety/threads", json={"title": "A calm title", "body": "an opening post"},
                       headers=headers)
    assert made.status_code == 201, made.data[:300]
    thread_id = made.get_json()["thread"]["id"]

    path = app.config["SQLALCHEMY_DATABASE_URI"].removeprefix("sqlite:///")
    db.session.remove()
    db.engine.dispose()
    moved = []
    for suffix in ("", "-wal", "-shm"):
        if os.path.exists(path + suffix):
            os.rename(path + suffix, path + suffix + ".away")
            moved.append(suffix)
    os.mkdir(path)  # a directory where the database file was: it cannot be opened (even by root)
    try:
        _assert_page_503(app.test_client().get("/"))
        _assert_api_503(client.get("/api/v1/boards"))
        _assert_api_503(client.post(f"/api/v1/threads/{thread_id}/posts", json={"body": "lost in the gap"},
                                    headers=headers))
        assert client.get("/healthz").status_code == 503
    finally:
        db.session.remove()
        db.engine.dispose()
        os.rmdir(path)
        for suffix in moved:
            os.rename(path + suffix + ".away", path + suffix)

    assert client.get("/healthz").status_code == 200
    post_ids, items, post_count, published = _counts(thread_id, "lost in the gap")
    assert post_ids == [] and items == [] and post_count == published == 1
    reply = client.post(f"/api/v1/threads/{thread_id}/posts", json={"body": "here after all"}, headers=headers)
    assert reply.status_code == 201, reply.data[:300]


# --- SIGKILL mid-write -----------------------------------------------------------------------------------------------

def _server_env(database_url: str, **extra) -> dict:
    return {**os.environ, "DATABASE_URL": database_url, "REDIS_URL": "", "RATELIMIT_STORAGE_URI": "memory://",
            "SECRET_KEY": "fault-test", "PRIVACY_HMAC_KEY": "test-hmac", "RATELIMIT_ENABLED": "false",
            "MODERATION_TOXICITY_BACKEND": "lexicon", "MODERATION_SELF_HARM_BACKEND": "lexicon",
            "SITE_URL": "", "PYTHONPATH": str(ROOT), **extra}


def _start(env: dict, instance: str):
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-c", SERVER, str(port), instance], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    return port, proc


def _stop(proc):
    if proc.poll() is None:
        proc.kill()
    try:
        proc.communicate(timeout=10)
    except subprocess.TimeoutExpired:
        pass


@pytest.mark.slow
def test_sigkill_mid_write_loses_no_acknowledged_post(app, make_member, token_for, tmp_path):
    import requests

    from community.forum.models import Post, Thread
    member = make_member()
    db.session.commit()
    headers = token_for(member)
    made = app.test_client().post("/api/v1/boards/anxiety/threads",
                                  json={"title": "Kill test", "body": "an opening post"}, headers=headers)
    assert made.status_code == 201, made.data[:300]
    thread_id = made.get_json()["thread"]["id"]
    database_url = app.config["SQLALCHEMY_DATABASE_URI"]
    assert db.session.execute(db.text("PRAGMA journal_mode")).scalar() == "wal"
    # synchronous=NORMAL (1): a commit is not synced to the disk, yet a killed server loses none of them (below).
    assert db.session.execute(db.text("PRAGMA synchronous")).scalar() == 1
    db.session.remove()
    db.engine.dispose()

    env = _server_env(database_url)
    acked: dict[int, str] = {}   # post id -> body, for every 201
    sent: list[str] = []
    stop = threading.Event()
    procs = []

    def writer(port):
        with requests.Session() as http:
            for i in range(2000):
                if stop.is_set():
                    return
                text = f"acknowledged post number {i}"
                sent.append(text)
                try:
                    r = http.post(f"http://127.0.0.1:{port}/api/v1/threads/{thread_id}/posts", json={"body": text},
                                  headers=headers, timeout=10)
                except requests.RequestException:
                    return  # the server is gone
                if r.status_code == 201:
                    acked[r.json()["post"]["id"]] = text

    try:
        port, proc = _start(env, str(tmp_path / "inst1"))
        procs.append(proc)
        wait_ready(port, proc, time.monotonic() + 60)
        worker = threading.Thread(target=writer, args=(port,), daemon=True)
        worker.start()
        deadline = time.monotonic() + 60
        while len(acked) < 25 and worker.is_alive() and time.monotonic() < deadline:
            time.sleep(0.02)
        assert len(acked) >= 5, f"only {len(acked)} posts acknowledged before the kill"
        proc.send_signal(signal.SIGKILL)  # mid-stream: the writer is still sending
        proc.wait(10)
        stop.set()
        worker.join(15)
        assert not worker.is_alive()

        # The file is intact and every acknowledged post is there, whole.
        with sqlite3.connect(database_url.removeprefix("sqlite:///")) as raw:
            assert raw.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        posts = {p.id: p for p in db.session.scalars(db.select(Post).where(Post.thread_id == thread_id))}
        missing = sorted(set(acked) - set(posts))
        assert not missing, f"acknowledged posts lost: {missing}"
        for post_id, text in acked.items():
            post = posts[post_id]
            assert (post.body, post.status, post.author_id) == (text, "published", member.id)
        extra = [p for p in posts.values() if not p.is_opening and p.id not in acked]
        assert len(extra) <= 1 and all(p.body in sent for p in extra)  # at most the one in flight
        thread = db.session.get(Thread, thread_id)
        assert thread.post_count == sum(1 for p in posts.values() if p.status == "published" and not p.deleted_at)
        db.session.remove()
        db.engine.dispose()

        # A restarted server on the same file serves them and keeps writing.
        port, proc = _start(env, str(tmp_path / "inst2"))
        procs.append(proc)
        wait_ready(port, proc, time.monotonic() + 60)
        for post_id in list(acked)[:5] + list(acked)[-5:]:
            assert requests.get(f"http://127.0.0.1:{port}/api/v1/posts/{post_id}", timeout=10).status_code == 200
        after = requests.post(f"http://127.0.0.1:{port}/api/v1/threads/{thread_id}/posts",
                              json={"body": "after the restart"}, headers=headers, timeout=10)
        assert after.status_code == 201, after.text[:300]
        listed = requests.get(f"http://127.0.0.1:{port}/api/v1/threads/{thread_id}", timeout=10).json()
        assert listed["thread"]["post_count"] == thread.post_count + 1
    finally:
        stop.set()
        for proc in procs:
            _stop(proc)


def _csrf(browser, url: str) -> str:
    found = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', browser.get(url, timeout=30).text)
    assert found, f"no CSRF token on {url}"
    return found.group(1)


# --- Redis down ------------------------------------------------------------------------------------------------------

@pytest.mark.slow
def test_redis_down_posts_served_chat_degrades_limits_fall_back(app, make_member, token_for, tmp_path):
    import requests
    import socketio as sio

    member = make_member()
    db.session.commit()
    token = token_for(member)["Authorization"].split(" ", 1)[1]
    headers = {"Authorization": f"Bearer {token}"}
    handle = member.handle
    db.session.remove()
    db.engine.dispose()
    # Rate limits on, stored in the (unreachable) Redis; Socket.IO's message queue and chat presence there too.
    env = _server_env(app.config["SQLALCHEMY_DATABASE_URI"], REDIS_URL=DOWN, RATELIMIT_STORAGE_URI="",
                      RATELIMIT_ENABLED="true")
    port, proc = _start(env, str(tmp_path / "inst"))
    base = f"http://127.0.0.1:{port}"
    chat = sio.Client(reconnection=False)
    try:
        wait_ready(port, proc, time.monotonic() + 60)
        # Posts: created and read through the API and the pages.
        made = requests.post(f"{base}/api/v1/boards/anxiety/threads",
                             json={"title": "Redis is down", "body": "but posts still work"}, headers=headers,
                             timeout=30)
        assert made.status_code == 201, made.text[:300]
        thread_id = made.json()["thread"]["id"]
        reply = requests.post(f"{base}/api/v1/threads/{thread_id}/posts", json={"body": "a reply too"},
                              headers=headers, timeout=30)
        assert reply.status_code == 201, reply.text[:300]
        read = requests.get(f"{base}/api/v1/threads/{thread_id}", timeout=30).json()
        assert [p["body"] for p in read["posts"]] == ["but posts still work", "a reply too"]
        page = requests.get(f"{base}/t/{thread_id}", timeout=30)
        assert page.status_code == 200 and "a reply too" in page.text
        with requests.Session() as browser:
            signed_in = browser.post(f"{base}/login", data={"handle": handle, "password": PASSWORD,
                                                            "csrf_token": _csrf(browser, f"{base}/login")},
                                     allow_redirects=False, timeout=30)
            assert signed_in.status_code == 302, signed_in.text[:300]
            form = browser.post(f"{base}/t/{thread_id}/reply",
                                data={"body": "and one through the page",
                                      "csrf_token": _csrf(browser, f"{base}/t/{thread_id}")},
                                allow_redirects=False, timeout=30)
            assert form.status_code in (302, 303), form.text[:300]
            assert "and one through the page" in browser.get(f"{base}/t/{thread_id}", timeout=30).text

        # Chat: a clear message instead of a crash.
        errors: list[dict] = []
        got_error = threading.Event()

        def on_error(data):
            errors.append(data)
            got_error.set()
        chat.on("error", on_error)
        chat.connect(base, auth={"token": token}, wait_timeout=10)
        chat.emit("join", {"room": "open-lounge"})
        assert got_error.wait(30), "no answer to join"
        assert errors[0]["code"] == "chat_unavailable", errors
        assert "live chat" in errors[0]["message"].lower()
        got_error.clear()
        chat.emit("send", {"room": "open-lounge", "body": "hello?"})
        assert got_error.wait(30), "no answer to send"
        assert errors[-1]["code"] in ("chat_unavailable", "not_joined"), errors

        # Limits still hold, counted in the process's memory: a new account may start 3 threads an hour.
        statuses = [requests.post(f"{base}/api/v1/boards/anxiety/threads",
                                  json={"title": f"Thread {i}", "body": "counting"}, headers=headers,
                                  timeout=30).status_code for i in range(4)]
        assert statuses == [201, 201, 429, 429], statuses  # one thread was made above
    finally:
        try:
            chat.disconnect()
        except Exception:  # noqa: BLE001
            pass
        _stop(proc)
