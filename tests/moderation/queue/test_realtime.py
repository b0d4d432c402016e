"""The live staff room: real Flask-SocketIO test clients, authenticated by session cookie or API token."""
from __future__ import annotations

import json

from community.extensions import socketio
from community.members.services import issue_token
from tests.conftest import login
from tests.moderation.conftest import forget_login


def _events(sock, name):
    return [e["args"][0] for e in sock.get_received() if e["name"] == name]


def test_moderator_hears_a_crisis_post_and_a_member_does_not(w):
    moderator = w.member(role="moderator")
    staff_http = w.app.test_client()
    login(staff_http, moderator.handle)
    forget_login()  # the socket must authenticate from the cookie, not a cached user
    staff_sock = socketio.test_client(w.app, flask_test_client=staff_http)
    assert staff_sock.is_connected()

    bystander = w.member()
    member_sock = socketio.test_client(w.app, auth={"token": issue_token(bystander)})
    assert member_sock.is_connected()
    staff_sock.get_received(), member_sock.get_received()  # drain anything sent at connect

    _author, h = w.person(region="GB")
    w.scores.self_harm_tier("end it tonight", "intent")
    post_id = w.thread(h, "I will end it tonight")["post"]["id"]

    heard = _events(staff_sock, "queue_item")
    assert heard, "the staff room heard nothing"
    item = heard[-1]["item"]
    assert item["priority"] == "urgent" and item["kind"] == "self_harm" and item["post"]["id"] == post_id
    assert heard[-1]["counts"]["urgent"] == 1
    assert _events(member_sock, "queue_item") == []
    staff_sock.disconnect(), member_sock.disconnect()


def test_moderator_connecting_with_a_token_joins_the_staff_room(w):
    moderator = w.member(role="admin")
    sock = socketio.test_client(w.app, auth={"token": issue_token(moderator)})
    assert sock.is_connected()
    _a, h = w.person()
    w.scores.toxic("pest", 0.9)
    w.thread(h, "you pest")
    assert [e["item"]["kind"] for e in _events(sock, "queue_item")] == ["toxicity"]
    sock.disconnect()


def test_logged_out_and_bad_token_clients_are_refused(w):
    login(w.app.test_client(), w.member(role="moderator").handle)  # someone else signed in just before
    forget_login()
    assert not socketio.test_client(w.app).is_connected()
    assert not socketio.test_client(w.app, flask_test_client=w.app.test_client()).is_connected()
    assert not socketio.test_client(w.app, auth={"token": "not-a-token"}).is_connected()


def test_member_logged_in_by_cookie_does_not_hear_queue_items(w):
    member = w.member()
    http = w.app.test_client()
    login(http, member.handle)
    forget_login()
    sock = socketio.test_client(w.app, flask_test_client=http)
    assert sock.is_connected()
    _a, h = w.person()
    w.scores.self_harm_tier("cannot go on", "ideation")
    w.thread(h, "I cannot go on")
    assert _events(sock, "queue_item") == []
    sock.disconnect()


def test_staff_hear_an_item_found_by_a_cli_retry(w):
    """`flask moderation retry` runs outside any request; a crisis it uncovers must still reach the staff room."""
    moderator = w.member(role="moderator")
    sock = socketio.test_client(w.app, auth={"token": issue_token(moderator)})
    _a, h = w.person()
    w.scores.toxicity.rules["quiet words"] = RuntimeError("down")
    post_id = w.thread(h, "some quiet words")["post"]["id"]
    sock.get_received()
    w.scores.toxicity.rules.clear()
    w.scores.self_harm_tier("quiet words", "intent")
    result = w.app.test_cli_runner().invoke(args=["moderation", "retry"])
    assert json.loads(result.output)["retried"] == 1
    heard = _events(sock, "queue_item")
    assert heard and heard[-1]["item"]["post"]["id"] == post_id and heard[-1]["item"]["priority"] == "urgent"
    sock.disconnect()


def test_suspended_member_is_refused(w):
    from datetime import timedelta
    from community.extensions import db
    from community.members.models import utcnow
    member = w.member()
    token = issue_token(member)
    member.suspended_until = utcnow() + timedelta(days=1)
    db.session.commit()
    assert not socketio.test_client(w.app, auth={"token": token}).is_connected()
