"""Role changes and sign-out-everywhere cut off live Socket.IO connections, including ones opened with an API token
(which stays valid after a role change): the connection is disconnected at once (no more staff-room `queue_item`
broadcasts), and a connection the server could not disconnect (held by another process) is refused at its next event
because the session epoch recorded at connect has moved.
"""
from __future__ import annotations

import pytest

from community import realtime
from community.extensions import db, socketio
from tests.conftest import login


def _events(sock, name):
    """Events of one name received so far (read straight from the test client's queue, which get_received refuses
    to do once the server has disconnected the client)."""
    received, sock.queue = sock.queue, []
    return [e["args"][0] for e in received if e["name"] == name]


@pytest.fixture
def staff_world(app, make_member, token_for, scores):
    moderator = make_member("live-moderator", role="moderator")
    admin = make_member("live-admin", role="admin")
    poster = make_member("live-poster")
    db.session.commit()
    scores.toxic("rudeword", 0.9)
    poster_headers = token_for(poster)
    counter = iter(range(1000))

    def hold_a_post():
        r = app.test_client().post("/api/v1/boards/anxiety/threads", headers=poster_headers,
                                   json={"title": "A calm title", "body": f"rudeword number {next(counter)}"})
        assert r.status_code == 201 and r.get_json()["post"]["status"] == "held", r.get_json()

    token = token_for(moderator)["Authorization"].split(" ", 1)[1]
    return moderator, admin, token, hold_a_post


def _connected_moderator(app, token, hold_a_post):
    sock = socketio.test_client(app, auth={"token": token})
    assert sock.is_connected()
    hold_a_post()
    assert _events(sock, "queue_item"), "a connected moderator hears queue items"
    return sock


def test_demoted_moderator_is_disconnected_and_hears_no_more_queue_items(app, staff_world):
    moderator, admin, token, hold_a_post = staff_world
    sock = _connected_moderator(app, token, hold_a_post)
    admin_http = app.test_client()
    login(admin_http, admin.handle)
    assert admin_http.post(f"/admin/people/{moderator.id}/role", data={"role": "member"}).status_code == 302
    assert not sock.is_connected(), "the demoted moderator's socket stayed connected"
    sock.queue.clear()
    hold_a_post()
    assert _events(sock, "queue_item") == []
    # The token is still valid (rights are read per request) but no longer opens staff doors...
    assert app.test_client().get("/api/v1/moderation/queue",
                                 headers={"Authorization": f"Bearer {token}"}).status_code == 403
    # ...and a reconnect comes back with the current rights: no staff room.
    again = socketio.test_client(app, auth={"token": token})
    assert again.is_connected()
    hold_a_post()
    assert _events(again, "queue_item") == []
    again.disconnect()


def test_demotion_seen_by_another_process_refuses_the_next_event(app, staff_world, monkeypatch):
    """A connection this process cannot disconnect (it lives in another server process) is refused at its next
    event: the epoch recorded at connect no longer matches."""
    moderator, _admin, token, hold_a_post = staff_world
    monkeypatch.setattr(realtime, "_disconnect_room", lambda room: None)
    sock = _connected_moderator(app, token, hold_a_post)
    from community.members.services import set_role
    set_role(moderator, "member")
    assert sock.is_connected()
    sock.emit("join", {"room": "open-lounge"})
    received, sock.queue = sock.queue, []
    errors = [e["args"][0] for e in received if e["name"] == "error"]
    assert errors and errors[0]["code"] == "unauthorized", received
    assert not any(e["name"] == "joined" for e in received)
    assert not sock.is_connected()
    hold_a_post()
    assert _events(sock, "queue_item") == []


def test_sign_out_everywhere_disconnects_token_and_cookie_sockets(app, staff_world):
    moderator, _admin, token, hold_a_post = staff_world
    by_token = _connected_moderator(app, token, hold_a_post)
    http = app.test_client()
    login(http, moderator.handle)
    by_cookie = socketio.test_client(app, flask_test_client=http)
    assert by_cookie.is_connected()
    assert http.post("/settings/sign-out-everywhere").status_code == 302
    assert not by_token.is_connected() and not by_cookie.is_connected()
    by_token.queue.clear(), by_cookie.queue.clear()
    hold_a_post()
    assert _events(by_token, "queue_item") == [] and _events(by_cookie, "queue_item") == []
    # The token was revoked too: no way back in with it.
    assert not socketio.test_client(app, auth={"token": token}).is_connected()


def test_sign_out_everywhere_in_another_process_refuses_the_next_event(app, staff_world, monkeypatch):
    moderator, _admin, token, hold_a_post = staff_world
    monkeypatch.setattr(realtime, "_disconnect_room", lambda room: None)
    sock = _connected_moderator(app, token, hold_a_post)
    # The token itself stays (as if another device kept it), only the epoch moves: still refused.
    moderator.session_epoch += 1
    db.session.commit()
    sock.emit("join", {"room": "open-lounge"})
    errors = _events(sock, "error")
    assert errors and errors[0]["code"] == "unauthorized"
    assert not sock.is_connected()
    hold_a_post()
    assert _events(sock, "queue_item") == []
