"""The Socket.IO Origin check, against real server processes (Flask-SocketIO's test client skips it).

By default only the server's own origin is accepted (a page on another site cannot open a socket riding a member's
cookie); with SITE_URL set, that origin is the one accepted. The server helpers are tests/community/chat/test_scale_out.py's.
"""
from __future__ import annotations

import os
import subprocess
import sys
import time

import pytest

from community.extensions import db
from tests.support import ROOT, SERVER, free_port, wait_ready

SITE = "https://haven.example"


def _start(app, tmp_path, name, site_url):
    env = {**os.environ, "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"], "REDIS_URL": "",
           "RATELIMIT_STORAGE_URI": "memory://", "SECRET_KEY": "origin-test", "RATELIMIT_ENABLED": "false",
           "MODERATION_TOXICITY_BACKEND": "lexicon", "MODERATION_SELF_HARM_BACKEND": "lexicon",
           "SITE_URL": site_url, "TRUST_PROXY": "0", "PYTHONPATH": str(ROOT)}
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-c", SERVER, str(port), str(tmp_path / name)], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    return port, proc


def _connects(port, token, origin) -> bool:
    import socketio as sio
    client = sio.Client(reconnection=False)
    headers = {"Origin": origin} if origin else {}
    try:
        client.connect(f"http://127.0.0.1:{port}", auth={"token": token}, headers=headers, wait_timeout=5,
                       transports=["polling"])
    except sio.exceptions.ConnectionError:
        return False
    try:
        return client.connected
    finally:
        client.disconnect()


@pytest.mark.slow
def test_origin_check_on_a_real_server(app, make_member, token_for, tmp_path):
    member = make_member("origin-tester")
    token = token_for(member)["Authorization"].split(" ", 1)[1]
    db.session.commit()
    procs = []
    try:
        default_port, proc = _start(app, tmp_path, "default", "")
        procs.append(proc)
        site_port, proc = _start(app, tmp_path, "site", SITE)
        procs.append(proc)
        deadline = time.monotonic() + 60
        wait_ready(default_port, procs[0], deadline)
        wait_ready(site_port, procs[1], deadline)

        # Default: same origin (the host the browser talks to) is accepted, a foreign page is refused.
        assert _connects(default_port, token, f"http://127.0.0.1:{default_port}")
        assert not _connects(default_port, token, "https://evil.example")
        assert not _connects(default_port, token, "null")
        # With SITE_URL, that origin is accepted (behind a proxy the browser's origin is the public site)...
        assert _connects(site_port, token, SITE)
        # ...and a foreign one still refused.
        assert not _connects(site_port, token, "https://evil.example")
        assert not _connects(site_port, token, "https://haven.example.evil.example")
    finally:
        for proc in procs:
            proc.kill()
        for proc in procs:
            proc.wait(10)
