"""Watched words, crisis precedence and notices in live chat, over real Flask-SocketIO test clients, on SQLite and
PostgreSQL."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from community.chat.models import ChatMessage
from community.extensions import db, socketio
from moderation.models import QueueItem
from moderation.models import Strike

ROOM = "open-lounge"


def payloads(received, name):
    # The test client hands a "message" event's data over bare, every other event's as a list of arguments.
    out = []
    for event in received:
        if event["name"] == name:
            args = event["args"]
            out.append(args[0] if isinstance(args, list) and args else args)
    return out


@pytest.fixture
def world(any_app, ctl, make_member, token_for):  # noqa: F811
    admin = make_member(role="admin")
    made = []

    def watch(pattern, action):
        r = any_app.test_client().post("/api/v1/admin/watched-words", json={"pattern": pattern, "action": action},
                                       headers=token_for(admin))
        assert r.status_code == 201, r.get_json()

    def joined(member):
        token = token_for(member)["Authorization"].split(" ", 1)[1]
        c = socketio.test_client(any_app, auth={"token": token})
        made.append(c)
        assert c.is_connected()
        c.emit("join", {"room": ROOM})
        c.get_received()
        return c

    yield {"app": any_app, "scores": ctl, "watch": watch, "joined": joined}
    for c in made:
        if c.is_connected():
            c.disconnect()


def _stored() -> int:
    return db.session.scalar(select(func.count(ChatMessage.id)))


def test_block_word_in_chat_is_refused_with_an_error_and_nothing_stored(world, make_member):
    world["watch"]("badword", "block")
    a, b = world["joined"](make_member("ash")), world["joined"](make_member("bea"))
    b.get_received()
    before = _stored()
    a.emit("send", {"room": ROOM, "body": "hey BadWord there"})
    mine = a.get_received()
    errors = payloads(mine, "error")
    assert len(errors) == 1 and errors[0]["code"] == "watched_word" and errors[0]["message"]
    assert payloads(mine, "message") == [] and payloads(mine, "held") == []
    assert b.get_received() == []
    assert _stored() == before
    assert a.is_connected()  # refused, not cut off: the next message goes through
    a.emit("send", {"room": ROOM, "body": "hey there"})
    assert [m["body"] for m in payloads(b.get_received(), "message")] == ["hey there"]


def test_censor_word_reaches_other_members_censored(world, make_member):
    world["watch"]("darn", "censor")
    a, b = world["joined"](make_member("ash")), world["joined"](make_member("bea"))
    b.get_received()
    a.emit("send", {"room": ROOM, "body": "oh darn it"})
    got = payloads(b.get_received(), "message")
    assert len(got) == 1
    assert got[0]["body"] == "oh **** it" and "darn" not in got[0]["html"]
    stored = db.session.get(ChatMessage, got[0]["id"])
    assert "darn" not in stored.body


def test_crisis_message_with_a_block_word_is_held_with_resources_to_its_author_only(world, make_member):
    world["watch"]("badword", "block")
    world["scores"].self_harm_tier("end it tonight", "intent")
    a, b = world["joined"](make_member("ash", region="GB")), world["joined"](make_member("bea"))
    b.get_received()
    a.emit("send", {"room": ROOM, "body": "badword, i want to end it tonight"})
    mine = a.get_received()
    assert payloads(mine, "error") == []  # crisis wins over the block: the author is met with help, not a refusal
    crisis = payloads(mine, "crisis_resources")
    assert len(crisis) == 1 and crisis[0]["resources"]
    held = payloads(mine, "held")
    assert len(held) == 1 and held[0]["reason"] == "self_harm"
    assert b.get_received() == []
    message = db.session.get(ChatMessage, held[0]["id"])
    assert message is not None and message.status == "held"
    item = db.session.scalar(select(QueueItem).where(QueueItem.content_type == "message",
                                                     QueueItem.content_id == message.id))
    assert item.kind == "self_harm"


@pytest.mark.parametrize("action, kind", [("remove", "removed"), ("approve", "approved")])
def test_a_moderator_decision_on_a_chat_message_sends_its_author_a_notice(world, make_member, token_for,
                                                                         action, kind):
    world["scores"].toxic("you clown", 0.9)
    author = make_member("ash")
    a = world["joined"](author)
    a.emit("send", {"room": ROOM, "body": "you clown"})
    held = payloads(a.get_received(), "held")
    assert len(held) == 1
    client = world["app"].test_client()
    h, mh = token_for(author), token_for(make_member("mod", role="moderator"))
    assert client.get("/api/v1/me/notices", headers=h).get_json()["notices"] == []
    item = db.session.scalar(select(QueueItem).where(QueueItem.content_type == "message",
                                                     QueueItem.content_id == held[0]["id"]))
    r = client.post(f"/api/v1/moderation/items/{item.id}/decision",
                    json={"action": action, "version": item.version, "note": "please be kind"}, headers=mh)
    assert r.status_code == 200, r.get_json()
    notices = client.get("/api/v1/me/notices", headers=h).get_json()
    assert notices["unread"] == 1
    notice = notices["notices"][0]
    assert notice["kind"] == kind and notice["moderator_note"] == "please be kind"
    assert "message" in (notice["title"] + notice.get("body", "")).lower()
    strikes = db.session.scalars(select(Strike).where(Strike.member_id == author.id)).all()
    assert [s.content_type for s in strikes] == (["message"] if action == "remove" else [])
