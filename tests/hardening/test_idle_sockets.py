"""Idle sockets cannot take the server down: the production server command (the Dockerfile's CMD, gevent worker)
keeps answering pages while many Engine.IO connections sit open without signing in, refuses a client's connections
past its cap and past the process-wide cap, and closes connections that never sign in after SOCKET_AUTH_TIMEOUT,
while a member's socket stays open.

Under the old `gunicorn -w 1 --threads 100` command each of these sockets held a request thread, so 150 of them left
no thread for `/help`: the first assertion below then fails.
"""
from __future__ import annotations

import json
import os
import subprocess
import threading
import time

import pytest

from bench._support import production_command
from community.extensions import db
from tests.support import ROOT, free_port, wait_ready
from tests.conftest import PASSWORD
from tests.hardening.test_faults import _csrf

PER_CLIENT = 15
CLIENTS = 10
TOTAL = PER_CLIENT * CLIENTS + 10  # room for one more client's ten
AUTH_TIMEOUT = 20  # seconds; long enough to open everything below before the first deadline on a busy machine


def _open(base_ws: str, client: str):
    """A raw Engine.IO WebSocket that never sends the Socket.IO CONNECT: the idle, not-signed-in socket."""
    import websocket
    ws = websocket.create_connection(f"{base_ws}/socket.io/?EIO=4&transport=websocket", timeout=15,
                                     header=[f"X-Forwarded-For: {client}"])
    opened = ws.recv()
    assert opened.startswith("0{"), opened  # the Engine.IO OPEN packet: the handshake succeeded
    return ws


def _refused(base_ws: str, client: str) -> str:
    """Both transports' handshakes are refused (401); returns the message the polling handshake carries."""
    import requests
    import websocket
    with pytest.raises(websocket.WebSocketBadStatusException) as refused:
        _open(base_ws, client).close()
    assert refused.value.status_code == 401
    polling = requests.get(base_ws.replace("ws://", "http://") + "/socket.io/?EIO=4&transport=polling",
                           headers={"X-Forwarded-For": client}, timeout=10)
    assert polling.status_code == 401, polling.text[:200]
    return polling.json()


def _closed_by_server(ws, deadline: float) -> bool:
    """True once the server has closed this socket (answering its pings meanwhile, as the attack does)."""
    import websocket
    while time.monotonic() < deadline:
        ws.settimeout(max(0.1, min(2.0, deadline - time.monotonic())))
        try:
            frame = ws.recv()
        except websocket.WebSocketTimeoutException:
            continue
        except (websocket.WebSocketConnectionClosedException, ConnectionError, OSError):
            return True
        if frame == "2":
            ws.send("3")
        elif frame == "" or frame is None:
            return True
    return False


@pytest.mark.slow
def test_production_server_survives_idle_sockets_caps_and_times_them_out(app, make_member, token_for, tmp_path):
    import requests
    import socketio as sio

    member = make_member()
    handle = member.handle
    db.session.commit()
    token = token_for(member)["Authorization"].split(" ", 1)[1]
    db.session.remove()
    db.engine.dispose()

    port = free_port()
    env = {**os.environ, "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"], "REDIS_URL": "",
           "RATELIMIT_STORAGE_URI": "memory://", "RATELIMIT_ENABLED": "false", "SECRET_KEY": "idle-socket-test",
           "PRIVACY_HMAC_KEY": "test-hmac", "MODERATION_TOXICITY_BACKEND": "lexicon",
           "MODERATION_SELF_HARM_BACKEND": "lexicon", "SITE_URL": "", "PYTHONPATH": str(ROOT),
           "HAVEN_INSTANCE_PATH": str(tmp_path / "instance"), "TRUST_PROXY": "1",
           "SOCKET_UNAUTHENTICATED_PER_CLIENT": str(PER_CLIENT), "SOCKET_UNAUTHENTICATED_MAX": str(TOTAL),
           "SOCKET_AUTH_TIMEOUT": str(AUTH_TIMEOUT)}
    proc = subprocess.Popen(production_command(f"127.0.0.1:{port}"), cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True)
    base, base_ws = f"http://127.0.0.1:{port}", f"ws://127.0.0.1:{port}"
    idle, member_socket = [], sio.Client(reconnection=False)
    try:
        wait_ready(port, proc, time.monotonic() + 90)
        # 150 idle sockets from ten clients, opened in parallel.
        clients = [f"198.51.100.{i + 1}" for i in range(CLIENTS)]
        lock, errors = threading.Lock(), []

        def open_for(client):
            for _ in range(PER_CLIENT):
                try:
                    ws = _open(base_ws, client)
                except Exception as exc:  # noqa: BLE001 - reported below
                    with lock:
                        errors.append(repr(exc))
                    return
                with lock:
                    idle.append(ws)
        openers = [threading.Thread(target=open_for, args=(c,)) for c in clients]
        for t in openers:
            t.start()
        for t in openers:
            t.join(60)
        assert not errors, errors[:3]
        assert len(idle) == PER_CLIENT * CLIENTS

        # The site still answers, help first.
        for path in ("/help", "/healthz"):
            page = requests.get(base + path, timeout=10)
            assert page.status_code == 200, (path, page.status_code)
        assert "help" in requests.get(base + "/help", timeout=10).text.lower()

        # A raw socket that signs in, then leaves the namespace but keeps its transport open: it has no member any
        # more, so it is closed after the time-out like one that never signed in.
        left = _open(base_ws, "192.0.2.50")
        left.send("40" + json.dumps({"token": token}))
        accepted = left.recv()
        assert accepted.startswith("40{"), accepted
        left.send("41")
        idle.append(left)

        # The per-client cap refuses that client's next socket, not another client's.
        assert "from this address" in _refused(base_ws, clients[0])
        for _ in range(TOTAL - PER_CLIENT * CLIENTS):
            idle.append(_open(base_ws, "203.0.113.7"))
        # The process-wide cap refuses a client that has none open yet.
        assert "too many connections" in _refused(base_ws, "203.0.113.99").lower()

        # A signed-in browser tab (session cookie) still connects while the process-wide cap is full: accepted,
        # then no longer counted and never timed out.
        with requests.Session() as browser:
            signed_in = browser.post(f"{base}/login", data={"handle": handle, "password": PASSWORD,
                                                            "csrf_token": _csrf(browser, f"{base}/login")},
                                     allow_redirects=False, timeout=30)
            assert signed_in.status_code == 302, signed_in.text[:300]
            cookie = "; ".join(f"{c.name}={c.value}" for c in browser.cookies)
        member_socket.connect(base, headers={"Cookie": cookie}, transports=["websocket"], wait_timeout=15)
        assert member_socket.connected

        # Every socket that never signed in is closed after the deadline.
        deadline = time.monotonic() + AUTH_TIMEOUT + 30
        still_open = [ws for ws in idle if not _closed_by_server(ws, deadline)]
        assert not still_open, f"{len(still_open)} idle sockets still open after the deadline"

        # The member's socket is still live, and the freed capacity takes new connections again.
        joined = threading.Event()
        member_socket.on("joined", lambda data: joined.set())
        member_socket.emit("join", {"room": "open-lounge"})
        assert joined.wait(15), "the member's socket was closed with the idle ones"
        _open(base_ws, clients[0]).close()
        token_socket = sio.Client(reconnection=False)
        token_socket.connect(base, auth={"token": token}, transports=["websocket"], wait_timeout=15)
        assert token_socket.connected
        token_socket.disconnect()
        assert requests.get(base + "/help", timeout=10).status_code == 200
    finally:
        for ws in idle:
            try:
                ws.close()
            except Exception:  # noqa: BLE001
                pass
        try:
            member_socket.disconnect()
        except Exception:  # noqa: BLE001
            pass
        if proc.poll() is None:
            os.killpg(proc.pid, 15)
        try:
            out, _ = proc.communicate(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, 9)
            out, _ = proc.communicate()
        if out:
            print(out.decode(errors="replace")[-3000:])
