"""Chat over real Flask-SocketIO test clients: auth, message flow, screening outcomes, moderation, limits, history."""
from __future__ import annotations

import pytest

from community.extensions import db, socketio
from tests.conftest import login
from tests.support import payload, received

ROOM = "open-lounge"




def joined(connect, member, room=ROOM):
    c = connect(member)
    assert c.is_connected()
    c.emit("join", {"room": room})
    c.get_received()
    return c


def test_refused_when_logged_out(app, client):
    c = socketio.test_client(app, flask_test_client=client)
    assert not c.is_connected()
    c = socketio.test_client(app, auth={"token": "nonsense"})
    assert not c.is_connected()


def test_session_cookie_connects(app, client, make_member):
    member = make_member("cookie-person")
    db.session.commit()
    login(client, "cookie-person")
    c = socketio.test_client(app, flask_test_client=client)
    assert c.is_connected()
    c.emit("join", {"room": ROOM})
    assert {"room": ROOM, "members": ["cookie-person"]} in received(c, "presence")
    c.disconnect()


def test_message_flow_between_two_members(app, make_member, connect, scores):
    ash, bo = make_member("ash"), make_member("bea")
    a = joined(connect, ash)
    b = connect(bo)
    b.emit("join", {"room": ROOM})
    presence = received(b, "presence")
    assert presence[-1] == {"room": ROOM, "members": ["ash", "bea"]}
    assert received(a, "presence")[-1]["members"] == ["ash", "bea"]
    a.emit("send", {"room": ROOM, "body": "hello **there**"})
    got = received(b, "message")
    assert len(got) == 1
    m = got[0]
    assert set(m) >= {"id", "room", "author", "body", "html", "created_at"}
    assert m["author"] == "ash" and m["room"] == ROOM and "<strong>there</strong>" in m["html"]
    assert received(a, "message")[0]["id"] == m["id"]
    b.emit("leave", {"room": ROOM})
    assert received(a, "presence")[-1]["members"] == ["ash"]
    b.disconnect()


def test_held_message_only_to_its_author(app, make_member, connect, scores):
    scores.toxic("you idiot", 0.9)
    ash, bo = make_member("ash"), make_member("bea")
    a, b = joined(connect, ash), joined(connect, bo)
    a.get_received()
    a.emit("send", {"room": ROOM, "body": "you idiot"})
    mine = a.get_received()
    names = [e["name"] for e in mine]
    assert "held" in names and "message" not in names
    held = [payload(e) for e in mine if e["name"] == "held"][0]
    assert held["room"] == ROOM and held["reason"] == "toxicity" and held["id"]
    assert received(b, "message") == [] and received(b, "held") == []
    from moderation.models import QueueItem
    item = db.session.query(QueueItem).filter_by(content_type="message", content_id=held["id"]).one()
    assert item.status == "open"


def test_crisis_resources_only_to_the_author_and_staff_see_it_live(app, make_member, connect, scores):
    scores.self_harm_tier("end it tonight", "intent")
    ash, bo, mod = make_member("ash", region="GB"), make_member("bea"), make_member("mod", role="moderator")
    a, b = joined(connect, ash), joined(connect, bo)
    staff = connect(mod)
    staff.get_received()
    a.emit("send", {"room": ROOM, "body": "i want to end it tonight"})
    mine = a.get_received()
    crisis = [payload(e) for e in mine if e["name"] == "crisis_resources"]
    assert len(crisis) == 1
    assert crisis[0]["emergency"] and crisis[0]["resources"]
    assert any("116 123" in str(r.get("phone")) for r in crisis[0]["resources"])
    assert [e["name"] for e in mine if e["name"] == "held"] == ["held"]
    assert b.get_received() == []
    queue = received(staff, "queue_item")
    assert queue and queue[-1]["item"]["priority"] == "urgent" and queue[-1]["item"]["content_type"] == "message"


def test_auto_removed_message_reaches_nobody(app, make_member, connect, scores):
    scores.toxic("vile abuse", 0.99)
    a, b = joined(connect, make_member("ash")), joined(connect, make_member("bea"))
    a.emit("send", {"room": ROOM, "body": "vile abuse"})
    mine = received(a)
    assert [e["code"] for e in mine if isinstance(e, dict) and "code" in e] == ["message_removed"]
    assert b.get_received() == []


def test_approval_broadcasts_then(app, make_member, connect, scores):
    scores.toxic("borderline", 0.9)
    ash, bo, mod = make_member("ash"), make_member("bea"), make_member("mod", role="moderator")
    a, b = joined(connect, ash), joined(connect, bo)
    a.emit("send", {"room": ROOM, "body": "borderline words"})
    held = received(a, "held")[0]
    from moderation.queue import services as queue
    item = queue.item_for("message", held["id"])
    queue.decide(item, mod, "approve", version=item.version)
    db.session.commit()
    got = received(b, "message")
    assert [m["id"] for m in got] == [held["id"]]


def test_removal_propagates(app, make_member, connect, scores):
    ash, bo, mod = make_member("ash"), make_member("bea"), make_member("mod", role="moderator")
    a, b, m = joined(connect, ash), joined(connect, bo), joined(connect, mod)
    a.emit("send", {"room": ROOM, "body": "a fine message"})
    msg = received(b, "message")[0]
    m.get_received()
    b.emit("remove", {"id": msg["id"]})  # not a moderator
    assert received(b, "error")[0]["code"] == "forbidden"
    m.emit("remove", {"id": msg["id"]})
    assert {"id": msg["id"], "room": ROOM} in received(b, "removed")
    assert {"id": msg["id"], "room": ROOM} in received(a, "removed")


def test_mute(app, make_member, connect, scores):
    ash, mod = make_member("ash"), make_member("mod", role="moderator")
    a, m = joined(connect, ash), joined(connect, mod)
    m.emit("mute", {"room": ROOM, "handle": "ash", "minutes": 30})
    assert received(m, "error") == []
    assert received(a, "muted")[0]["room"] == ROOM
    a.emit("send", {"room": ROOM, "body": "can anyone hear me"})
    assert received(a, "error")[0]["code"] == "muted"
    assert received(m, "message") == []
    # Another room still works.
    a.emit("join", {"room": "late-night"})
    a.emit("send", {"room": "late-night", "body": "hello"})
    assert received(a, "message")


def test_rate_limit(app_factory, make_member, token_for):
    app = app_factory(CHAT_RATE_LIMIT="3/10 seconds")
    with app.app_context():
        scores_app = __import__("tests.conftest", fromlist=["ScoreControl"]).ScoreControl(app)  # noqa: F841
        ash = make_member("ash")
        token = token_for(ash)["Authorization"].split(" ", 1)[1]
        c = socketio.test_client(app, auth={"token": token})
        c.emit("join", {"room": ROOM})
        c.get_received()
        for i in range(4):
            c.emit("send", {"room": ROOM, "body": f"message {i}"})
        got = c.get_received()
        assert len([e for e in got if e["name"] == "message"]) == 3
        errors = [payload(e) for e in got if e["name"] == "error"]
        assert errors[0]["code"] == "rate_limited"
        assert not [e for e in got if e["name"] == "crisis_resources"], "an ordinary refused message brings no panel"
        # Refused for speed, words that read as a crisis still bring help at once.
        c.emit("send", {"room": ROOM, "body": "I can't do this anymore, I want to end my life tonight"})
        got = c.get_received()
        assert [payload(e)["code"] for e in got if e["name"] == "error"] == ["rate_limited"]
        help_ = [payload(e) for e in got if e["name"] == "crisis_resources"]
        assert len(help_) == 1 and help_[0]["resources"] and "html" in help_[0]
        c.disconnect()


@pytest.mark.parametrize("name,payload,code", [
    ("join", {"room": "no-such-room"}, "unknown_room"),
    ("join", {}, "missing_field"),
    ("join", {"room": 5}, "invalid_room"),
    ("join", "open-lounge", "invalid_payload"),
    ("join", None, "invalid_payload"),
    ("join", [1, 2], "invalid_payload"),
    ("send", {"room": ROOM}, "missing_field"),
    ("send", {"room": ROOM, "body": 42}, "invalid_body"),
    ("send", {"room": ROOM, "body": ["x"]}, "invalid_body"),
    ("send", {"room": ROOM, "body": "x" * 2001}, "body_too_long"),
    ("send", {"room": ROOM, "body": "   "}, "empty_body"),
    ("send", {"room": "late-night", "body": "hi"}, "not_joined"),
    ("send", {"room": {"a": {"b": {"c": [1, 2, 3]}}}, "body": "hi"}, "invalid_room"),
    ("remove", {"id": "1"}, "forbidden"),
    ("mute", {"room": ROOM, "handle": "x", "minutes": 5}, "forbidden"),
])
def test_malformed_payloads_get_an_error_and_the_connection_lives(app, make_member, connect, scores, name,
                                                                   payload, code):
    c = joined(connect, make_member("ash"))
    c.emit(name, payload)
    errors = received(c, "error")
    assert errors and errors[0]["code"] == code and errors[0]["message"]
    assert c.is_connected()
    c.emit("send", {"room": ROOM, "body": "still here"})
    assert received(c, "message")


def test_huge_nested_json_is_refused_without_killing_the_handler(app, make_member, connect, scores):
    c = joined(connect, make_member("ash"))
    nested = current = {}
    for _ in range(400):
        current["room"] = {}
        current = current["room"]
    c.emit("send", nested)
    assert received(c, "error")[0]["code"] == "invalid_room"
    c.emit("send", {"room": ROOM, "body": "still here"})
    assert received(c, "message")


def test_suspended_mid_conversation_is_cut_off(app, make_member, connect, scores):
    from datetime import timedelta

    from community.members.models import utcnow
    ash = make_member("ash")
    c = joined(connect, ash)
    ash.suspended_until = utcnow() + timedelta(days=1)
    db.session.commit()
    c.emit("send", {"room": ROOM, "body": "hello"})
    assert not c.is_connected()
    assert [payload(e)["code"] for e in c.queue if e["name"] == "error"] == ["unauthorized"]


def test_revoked_token_mid_conversation_is_cut_off(app, make_member, connect, scores):
    from community.members.models import ApiToken
    ash = make_member("ash")
    c = joined(connect, ash)
    db.session.query(ApiToken).filter_by(member_id=ash.id).delete()
    db.session.commit()
    c.emit("send", {"room": ROOM, "body": "hello"})
    assert not c.is_connected()
    assert [payload(e)["code"] for e in c.queue if e["name"] == "error"] == ["unauthorized"]


# --- REST ---------------------------------------------------------------------------------------------------------

def test_rooms_list(client):
    data = client.get("/api/v1/rooms").get_json()
    slugs = [r["slug"] for r in data["rooms"]]
    assert slugs[:3] == ["open-lounge", "late-night", "anxiety-check-in"]
    assert set(data["rooms"][0]) == {"slug", "name", "description", "archived"}


def test_history_paging_and_permissions(app, client, make_member, token_for, connect, scores):
    from community.chat import services
    scores.toxic("nasty", 0.9)
    ash, bo = make_member("ash"), make_member("bea")
    app.extensions["chat_rate"] = (None, None)  # rate limits have their own test
    for i in range(60):
        services.send(ROOM, ash if i % 2 else bo, f"message {i}")
    own_held = services.send(ROOM, ash, "nasty one")
    assert own_held.status == "held"

    assert client.get(f"/api/v1/rooms/{ROOM}/messages").status_code == 401
    assert client.get("/api/v1/rooms/nope/messages", headers=token_for(ash)).status_code == 404
    assert client.get(f"/api/v1/rooms/{ROOM}/messages?before=x", headers=token_for(ash)).status_code == 400

    page = client.get(f"/api/v1/rooms/{ROOM}/messages", headers=token_for(ash)).get_json()
    assert len(page["messages"]) == 50
    assert page["messages"][-1]["id"] == own_held.id and page["messages"][-1]["status"] == "held"
    ids = [m["id"] for m in page["messages"]]
    assert ids == sorted(ids)
    older = client.get(f"/api/v1/rooms/{ROOM}/messages?before={page['before']}", headers=token_for(ash)).get_json()
    assert len(older["messages"]) == 11 and older["before"] is None
    assert older["messages"][0]["body"] == "message 0"

    theirs = client.get(f"/api/v1/rooms/{ROOM}/messages", headers=token_for(bo)).get_json()
    assert own_held.id not in [m["id"] for m in theirs["messages"]]
    assert all(m["status"] == "published" for m in theirs["messages"])


def test_chat_pages(app, client, make_member):
    make_member("ash")
    db.session.commit()
    assert client.get("/chat").status_code == 200
    assert client.get(f"/chat/{ROOM}").status_code == 302  # sign in first
    login(client, "ash")
    page = client.get(f"/chat/{ROOM}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "js/chat.js" in html and "socket.io.min.js" in html and "<script>" not in html and "style=" not in html
    assert 'name="viewport"' in html
    assert client.get("/chat/nope").status_code == 404
    assert client.get(f"/chat/{ROOM}/history?before=1").get_json()["messages"] == []


def test_a_muted_member_is_told_the_latest_end_and_an_ended_mute_or_another_rooms_does_not_stop_them(
        app, make_member, connect):
    """The room and the sender's mutes are read together: the latest mute still running is the one named, and a
    mute that has ended, or one in another room, changes nothing."""
    from datetime import timedelta

    from community.chat.models import ChatMute, ChatRoom
    from community.extensions import utcnow
    ash = make_member("ash")
    room = db.session.scalar(db.select(ChatRoom).where(ChatRoom.slug == ROOM))
    other = db.session.scalar(db.select(ChatRoom).where(ChatRoom.slug == "late-night"))
    now = utcnow()
    db.session.add_all([ChatMute(room_id=room.id, member_id=ash.id, until=now - timedelta(minutes=5)),
                        ChatMute(room_id=other.id, member_id=ash.id, until=now + timedelta(hours=2))])
    db.session.commit()
    a = joined(connect, ash)
    a.emit("send", {"room": ROOM, "body": "hello again"})
    assert received(a, "message") and received(a, "error") == []
    later, sooner = now + timedelta(minutes=90), now + timedelta(minutes=30)
    db.session.add_all([ChatMute(room_id=room.id, member_id=ash.id, until=sooner),
                        ChatMute(room_id=room.id, member_id=ash.id, until=later)])
    db.session.commit()
    a.emit("send", {"room": ROOM, "body": "and again"})
    error = received(a, "error")[0]
    assert error["code"] == "muted" and later.strftime("%H:%M") in error["message"]
