"""A chat message costs a fixed, small number of statements: the member's token, the room with the sender's mutes
(one query), and the message written once with its verdict (no INSERT then UPDATE); the screening settings and
watched words are read again only after a change."""
from __future__ import annotations

from community.chat.models import ChatMessage
from community.extensions import db
from tests.performance.test_query_budget import counted
from tests.support import received

ROOM = "open-lounge"


def test_a_published_message_is_one_insert_and_a_fixed_few_reads(app, make_member, connect):
    sender, reader = make_member("sender"), make_member("reader")
    s, r = connect(sender, room=ROOM), connect(reader, room=ROOM)
    s.emit("send", {"room": ROOM, "body": "warming up"})
    s.get_received(), r.get_received()
    with counted() as statements:
        s.emit("send", {"room": ROOM, "body": "a calm evening to everyone"})
    got = received(r, "message")
    assert [m["body"] for m in got] == ["a calm evening to everyone"]
    writes = [st.split("(")[0].split(" SET")[0].strip() for st in statements
              if st.lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE"))]
    assert writes == ["INSERT INTO chat_messages"], writes
    # The member's token, the room with the sender's mutes, the INSERT: the thresholds and watched words were read
    # for the first message and are kept until a change (moderation/config_cache.py).
    assert len(statements) == 3, statements
    stored = db.session.get(ChatMessage, got[0]["id"])
    assert stored.status == "published" and stored.verdict["classifiers"]
