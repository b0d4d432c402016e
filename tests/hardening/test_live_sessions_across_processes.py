"""Demotion and sign-out-everywhere reach live sockets held by ANOTHER server process.

Two real server processes share PostgreSQL and Redis. A moderator's socket lives on process B and sends nothing; the
change is made through process A (an admin's form, the moderator's own form). The socket on B must be disconnected
and must receive no further `queue_item`; an admin's socket on B, connected all along, shows the broadcasts still
flow. A change that reaches the database with no message at all (as if the pub/sub message were lost) is caught at
send time: B checks the staff room against the database before each staff broadcast.
"""
from __future__ import annotations

import os
import re
import subprocess
import sys
import threading
import time

import pytest
import requests

from community.extensions import db
from tests.support import ROOT, SERVER, free_port, wait_ready
from tests.conftest import PASSWORD

CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


class Listener:
    """A real Socket.IO client that records queue items and notices when the server disconnects it."""

    def __init__(self, url, token):
        import socketio as sio
        self.items: list[dict] = []
        self.got_item = threading.Event()
        self.gone = threading.Event()
        self.client = sio.Client(reconnection=False)
        self.client.on("queue_item", self._item)
        self.client.on("disconnect", lambda *a: self.gone.set())
        self.client.connect(url, auth={"token": token}, wait_timeout=10)

    def _item(self, data):
        self.items.append(data)
        self.got_item.set()

    def wait_item(self, timeout=15) -> bool:
        ok = self.got_item.wait(timeout)
        self.got_item.clear()
        return ok

    def close(self):
        try:
            self.client.disconnect()
        except Exception:  # noqa: BLE001
            pass


def signed_in(base, handle) -> tuple[requests.Session, str]:
    s = requests.Session()
    token = CSRF.search(s.get(f"{base}/login", timeout=10).text).group(1)
    r = s.post(f"{base}/login", data={"handle": handle, "password": PASSWORD, "csrf_token": token}, timeout=10,
               allow_redirects=False)
    assert r.status_code == 302, r.text[:500]
    token = CSRF.search(s.get(f"{base}/settings", timeout=10).text).group(1)
    return s, token


@pytest.fixture
def two_processes(pg_app, make_member, token_for, redis_url, tmp_path):  # noqa: F811 - the imported fixture
    moderator, admin = make_member("far-moderator", role="moderator"), make_member("far-admin", role="admin")
    poster = make_member("far-poster")
    db.session.commit()
    env = {**os.environ, "DATABASE_URL": pg_app.config["SQLALCHEMY_DATABASE_URI"], "REDIS_URL": redis_url,
           "RATELIMIT_STORAGE_URI": "memory://", "SECRET_KEY": "far-sessions-test", "RATELIMIT_ENABLED": "false",
           "MODERATION_TOXICITY_BACKEND": "lexicon", "MODERATION_SELF_HARM_BACKEND": "lexicon",
           "ARGON2_TIME_COST": "1", "SITE_URL": "", "PYTHONPATH": str(ROOT)}
    ports = [free_port(), free_port()]
    procs = [subprocess.Popen([sys.executable, "-c", SERVER, str(port), str(tmp_path / f"inst{i}")], cwd=ROOT,
                              env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
             for i, port in enumerate(ports)]
    try:
        deadline = time.monotonic() + 90
        for port, proc in zip(ports, procs):
            wait_ready(port, proc, deadline)
        a, b = (f"http://127.0.0.1:{p}" for p in ports)
        poster_auth = token_for(poster)
        counter = iter(range(1000))

        def crisis_post():
            r = requests.post(f"{a}/api/v1/boards/anxiety/threads", headers=poster_auth, timeout=30,
                              json={"title": "Tonight", "body": f"I want to end my life tonight ({next(counter)})"})
            assert r.status_code == 201, r.text

        tokens = {m.handle: token_for(m)["Authorization"].split(" ", 1)[1] for m in (moderator, admin)}
        yield {"a": a, "b": b, "moderator": moderator, "admin": admin, "tokens": tokens, "crisis_post": crisis_post}
    finally:
        for proc in procs:
            proc.kill()
            proc.wait(10)


def _listening(world):
    mod = Listener(world["b"], world["tokens"]["far-moderator"])
    control = Listener(world["b"], world["tokens"]["far-admin"])
    world["crisis_post"]()
    assert mod.wait_item() and control.wait_item(), "staff on process B hear queue items from process A"
    return mod, control


def _assert_cut_off(world, mod, control):
    assert mod.gone.wait(15), "the socket on the other process stayed connected"
    mod.items.clear()
    world["crisis_post"]()
    assert control.wait_item(), "the control admin on process B still hears queue items"
    time.sleep(0.5)  # the same broadcast, had it reached the cut-off socket, would be in by now
    assert mod.items == [], "a cut-off socket received crisis text from the queue"


def test_demotion_on_one_process_disconnects_the_socket_on_another(two_processes):
    world = two_processes
    mod, control = _listening(world)
    try:
        http, csrf = signed_in(world["a"], "far-admin")
        r = http.post(f"{world['a']}/admin/people/{world['moderator'].id}/role",
                      data={"role": "member", "csrf_token": csrf}, timeout=10, allow_redirects=False)
        assert r.status_code == 302
        _assert_cut_off(world, mod, control)
    finally:
        mod.close(), control.close()


def test_sign_out_everywhere_on_one_process_disconnects_the_socket_on_another(two_processes):
    world = two_processes
    mod, control = _listening(world)
    try:
        http, csrf = signed_in(world["a"], "far-moderator")
        r = http.post(f"{world['a']}/settings/sign-out-everywhere", data={"csrf_token": csrf}, timeout=10,
                      allow_redirects=False)
        assert r.status_code == 302
        _assert_cut_off(world, mod, control)
    finally:
        mod.close(), control.close()


def test_a_demotion_with_no_message_at_all_is_caught_at_send_time(two_processes, pg_app):
    """The role changes in the database behind every process's back (as if the pub/sub message were lost): the next
    staff broadcast is not delivered to the demoted moderator, whose socket is then disconnected."""
    world = two_processes
    mod, control = _listening(world)
    try:
        moderator = db.session.merge(world["moderator"])
        moderator.role = "member"
        db.session.commit()
        mod.items.clear()
        world["crisis_post"]()
        assert control.wait_item()
        assert mod.gone.wait(15), "the demoted moderator's socket was not cut at send time"
        assert mod.items == [], "a demoted moderator received a queue item"
    finally:
        mod.close(), control.close()
