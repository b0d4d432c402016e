"""Helpers the test packages share (fixtures live in tests/conftest.py): API shortcuts that assert the one error
shape, and what the suites that start real server processes need."""
from __future__ import annotations

import os
import socket
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]  # the repository
# One Redis database per pytest-xdist worker (gw0: 13, gw1: 14, then the free ones below), so one worker's rate
# limits and page cache never meet another's. Pub/sub ignores the number: conftest.py gives each worker its own
# channel. (11 and 15 belong to two test files, which run on one worker each, 12 to the chat bench.)
_REDIS_DATABASES = (13, 14, 10, 9, 8, 7, 6, 5)
_WORKER_INDEX = int(os.environ.get("PYTEST_XDIST_WORKER", "gw0")[2:] or 0)
REDIS = (os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0").rsplit("/", 1)[0]
         + f"/{_REDIS_DATABASES[_WORKER_INDEX % len(_REDIS_DATABASES)]}")

# A real server process: `python -c SERVER <port> <instance folder>` (settings from its environment).
SERVER = """
import sys
from community import create_app
from community.extensions import socketio
app = create_app(instance_path=sys.argv[2])
socketio.run(app, host="127.0.0.1", port=int(sys.argv[1]), allow_unsafe_werkzeug=True, use_reloader=False)
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_ready(port: int, proc, deadline: float) -> None:
    import requests
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"server on {port} exited: {proc.stdout.read().decode(errors='replace')[-2000:]}")
        try:
            if requests.get(f"http://127.0.0.1:{port}/api/v1/rooms", timeout=1).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.2)
    raise AssertionError(f"server on {port} did not start in time")


def assert_error(response, status: int, code: str | None = None) -> dict:
    """The one API error shape: {"error": {"code": str, "message": str}}."""
    assert response.status_code == status, (response.status_code, response.data[:400])
    assert response.is_json, response.data[:200]
    body = response.get_json()
    assert set(body["error"]) >= {"code", "message"}
    assert isinstance(body["error"]["code"], str) and body["error"]["code"]
    assert isinstance(body["error"]["message"], str) and body["error"]["message"]
    if code is not None:
        assert body["error"]["code"] == code, body
    return body


def new_thread(client, headers, title="A thread title", body="hello there", board="anxiety", **extra):
    response = client.post(f"/api/v1/boards/{board}/threads", json={"title": title, "body": body, **extra},
                           headers=headers)
    assert response.status_code == 201, response.data[:400]
    return response.get_json()


def reply(client, headers, thread_id, body="a kind reply", **extra):
    response = client.post(f"/api/v1/threads/{thread_id}/posts", json={"body": body, **extra}, headers=headers)
    assert response.status_code == 201, response.data[:400]
    return response.get_json()["post"]


def payload(event) -> object:
    """A received Socket.IO event's data: the test client hands a "message" event's data over bare, every other
    event's as a list of arguments."""
    args = event["args"]
    return args[0] if isinstance(args, list) and args else args


def received(client, name=None) -> list:
    """The data of the events a Socket.IO test client has received since last asked (of one name, or all)."""
    return [payload(e) for e in client.get_received() if name is None or e["name"] == name]
