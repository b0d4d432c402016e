"""Helpers for the Foundation suite: API shortcuts and fake classifiers bound to whichever app (SQLite or PG)."""
from __future__ import annotations

import pytest

from tests.conftest import PASSWORD, ScoreControl


@pytest.fixture
def ctl(any_app):
    """Controllable classifiers on `any_app` (the shared `scores` fixture is bound to the SQLite app only)."""
    return ScoreControl(any_app)


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


__all__ = ["PASSWORD", "assert_error", "new_thread", "reply"]
