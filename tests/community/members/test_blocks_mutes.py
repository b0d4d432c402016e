"""Blocking and muted words across pages, the API and live chat (real Flask-SocketIO test clients)."""
from __future__ import annotations

import pytest

from community.extensions import db, socketio
from community.forum import services as forum
from community.members import blocks
from tests.conftest import login
from tests.support import received

ROOM = "open-lounge"




@pytest.fixture
def people(app, make_member):
    return make_member("blocker"), make_member("pest"), make_member("bystander")


@pytest.fixture
def thread_with_posts(people):
    blocker, pest, bystander = people
    board = forum.get_board("off-topic")
    thread, _post, _v = forum.create_thread(bystander, board, "Cats thread", "Post about cats by bystander")
    forum.create_reply(pest, thread, "Unwanted words from the pest")
    forum.create_thread(pest, board, "Pest thread title", "Opening by pest")
    return thread


def test_block_api_contract(app, people, token_for):
    blocker, pest, _ = people
    client, headers = app.test_client(), token_for(blocker)
    r = client.post("/api/v1/me/blocks", headers=headers, json={"handle": "PEST"})
    assert r.status_code == 201 and r.get_json()["block"]["handle"] == "pest"
    listed = client.get("/api/v1/me/blocks", headers=headers).get_json()["blocks"]
    assert [b["handle"] for b in listed] == ["pest"] and listed[0]["created_at"].endswith("Z")
    assert client.post("/api/v1/me/blocks", headers=headers, json={"handle": "pest"}).status_code == 409
    assert client.post("/api/v1/me/blocks", headers=headers, json={"handle": "blocker"}).status_code == 400
    assert client.post("/api/v1/me/blocks", headers=headers, json={"handle": "nobody-here"}).status_code == 404
    assert client.post("/api/v1/me/blocks", headers=headers, json={}).status_code == 400
    assert client.post("/api/v1/me/blocks", json={"handle": "pest"}).status_code == 401
    assert client.delete("/api/v1/me/blocks/pest", headers=headers).status_code == 204
    assert client.get("/api/v1/me/blocks", headers=headers).get_json() == {"blocks": []}
    assert client.delete("/api/v1/me/blocks/pest", headers=headers).status_code == 404


def test_block_hides_posts_on_pages_and_api(app, people, thread_with_posts, token_for):
    blocker, pest, bystander = people
    blocks.block(blocker, "pest")
    client = app.test_client()
    login(client, "blocker")
    page = client.get(f"/t/{thread_with_posts.id}").data
    assert b"Post about cats" in page and b"Unwanted words" not in page
    board = client.get("/b/off-topic").data
    assert b"Cats thread" in board and b"Pest thread title" not in board
    api = app.test_client()
    headers = token_for(blocker)
    posts = api.get(f"/api/v1/threads/{thread_with_posts.id}", headers=headers).get_json()["posts"]
    assert [p["author"] for p in posts] == ["bystander"]
    threads = api.get("/api/v1/boards/off-topic/threads", headers=headers).get_json()["threads"]
    assert "Pest thread title" not in [t["title"] for t in threads]
    pest_post = next(p for p in forum.list_posts(thread_with_posts, None).items if p.author_id == pest.id)
    assert api.get(f"/api/v1/posts/{pest_post.id}", headers=headers).status_code == 404
    # Nobody else is affected, and the blocked member is not told.
    other = api.get(f"/api/v1/threads/{thread_with_posts.id}", headers=token_for(bystander)).get_json()["posts"]
    assert "pest" in [p["author"] for p in other]
    pest_client = app.test_client()
    login(pest_client, "pest")
    assert b"blocker" not in pest_client.get(f"/t/{thread_with_posts.id}").data
    assert api.get("/api/v1/me/blocks", headers=token_for(pest)).get_json() == {"blocks": []}


def test_block_from_a_post_and_settings_pages(app, people, thread_with_posts):
    client = app.test_client()
    login(client, "blocker")
    page = client.get(f"/t/{thread_with_posts.id}").data
    assert b"/block/pest" in page
    confirm = client.get("/block/pest")
    assert confirm.status_code == 200 and b"They won" in confirm.data
    r = client.post("/settings/blocks", data={"handle": "pest"})
    assert r.status_code == 302
    assert b"pest" in client.get("/settings/blocks").data
    assert client.post("/settings/blocks/pest/delete").status_code == 302
    assert blocks.list_blocks(people[0]) == []
    assert b"Blocked members" in client.get("/settings").data
    assert client.get("/block/no-such-person").status_code == 404


def test_block_never_hides_staff_actions(app, make_member, scores):
    from moderation.queue.services import conversation
    member = make_member("member-x")
    moderator = make_member("mod-x", role="moderator")
    blocks.block(member, "mod-x")
    scores.toxic("insulting words", 0.99)
    board = forum.get_board("off-topic")
    _t, post, _v = forum.create_thread(member, board, "Some title", "insulting words here")
    client = app.test_client()
    login(client, "member-x")
    # The member still sees their own removed/held post and its notice; staff messages are not filtered.
    assert client.get(f"/t/{post.thread_id}").status_code == 200
    assert client.get("/messages").status_code == 200
    assert conversation(member) is not None


def test_muted_words_collapse_without_deleting(app, people, thread_with_posts, token_for):
    blocker, pest, bystander = people
    client, headers = app.test_client(), token_for(blocker)
    assert client.get("/api/v1/me/muted-words", headers=headers).get_json() == {"words": []}
    r = client.put("/api/v1/me/muted-words", headers=headers, json={"words": ["CATS", " cats ", "spiders"]})
    assert r.status_code == 200 and r.get_json() == {"words": ["cats", "spiders"]}
    posts = client.get(f"/api/v1/threads/{thread_with_posts.id}", headers=headers).get_json()["posts"]
    by_body = {p["body"]: p["filtered"] for p in posts}
    assert by_body == {"Post about cats by bystander": True, "Unwanted words from the pest": False}
    # Everyone else: not filtered. Nothing deleted.
    others = client.get(f"/api/v1/threads/{thread_with_posts.id}", headers=token_for(bystander)).get_json()["posts"]
    assert not any(p["filtered"] for p in others)
    login(client, "blocker")
    page = client.get(f"/t/{thread_with_posts.id}").data.decode()
    assert "Hidden by your filters — show" in page and "<details class=\"filtered\">" in page
    assert "Post about cats by bystander" in page  # inside the <details>, no JS needed
    # Content-warning topics mute the same way.
    forum.create_reply(bystander, thread_with_posts, "plain words", content_warning="spiders")
    posts = client.get(f"/api/v1/threads/{thread_with_posts.id}", headers=headers).get_json()["posts"]
    assert next(p for p in posts if p["body"] == "plain words")["filtered"] is True
    # The settings page.
    assert client.post("/settings/muted-words", data={"words": "cats\nsnakes"}).status_code == 302
    assert blocks.muted_words(blocker) == ["cats", "snakes"]


def test_muted_word_limits(app, people, token_for):
    client, headers = app.test_client(), token_for(people[0])
    client.put("/api/v1/me/muted-words", headers=headers, json={"words": ["keep"]})
    r = client.put("/api/v1/me/muted-words", headers=headers, json={"words": ["ok", "x" * 101]})
    assert r.status_code == 400 and r.get_json()["error"]["code"] == "word_too_long"
    r = client.put("/api/v1/me/muted-words", headers=headers,
                   json={"words": [f"w{i}" for i in range(blocks.MUTED_WORDS_MAX + 1)]})
    assert r.status_code == 400 and r.get_json()["error"]["code"] == "too_many_words"
    assert client.put("/api/v1/me/muted-words", headers=headers, json={"words": "cats"}).status_code == 400
    assert client.put("/api/v1/me/muted-words", headers=headers, json={}).status_code == 400
    assert client.get("/api/v1/me/muted-words", headers=headers).get_json() == {"words": ["keep"]}


@pytest.fixture
def connect(connect):
    """The shared fixture, each client joined to the lounge."""
    return lambda member: connect(member, room=ROOM)


def test_live_chat_blocks_and_mutes_server_side(app, people, connect, token_for):
    blocker, pest, bystander = people
    blocks.block(blocker, "pest")
    c_blocker, c_pest, c_bystander = connect(blocker), connect(pest), connect(bystander)
    for c in (c_blocker, c_pest, c_bystander):
        c.get_received()
    c_pest.emit("send", {"room": ROOM, "body": "hello from the pest"})
    assert [m["body"] for m in received(c_bystander, "message")] == ["hello from the pest"]
    assert received(c_blocker, "message") == []  # never sent to the blocker's connection at all
    assert [m["body"] for m in received(c_pest, "message")] == ["hello from the pest"]  # the pest isn't told
    c_bystander.emit("send", {"room": ROOM, "body": "hello from the bystander"})
    assert [m["body"] for m in received(c_blocker, "message")] == ["hello from the bystander"]
    # History over the API and the page leave the blocked member out too.
    headers = token_for(blocker)
    history = app.test_client().get(f"/api/v1/rooms/{ROOM}/messages", headers=headers).get_json()["messages"]
    assert [m["author"] for m in history] == ["bystander"]
    client = app.test_client()
    login(client, "blocker")
    assert b"hello from the pest" not in client.get(f"/chat/{ROOM}").data
    # Muted words: the muter gets the message once, marked filtered; the others get it plain.
    blocks.set_muted_words(bystander, ["bridge"])
    for c in (c_blocker, c_pest, c_bystander):
        c.get_received()
    c_blocker.emit("send", {"room": ROOM, "body": "the bridge at dawn"})
    got = received(c_bystander, "message")
    assert len(got) == 1 and got[0]["filtered"] is True and got[0]["body"] == "the bridge at dawn"
    plain = received(c_pest, "message")
    assert len(plain) == 1 and "filtered" not in plain[0]
    history = app.test_client().get(f"/api/v1/rooms/{ROOM}/messages", headers=token_for(bystander)).get_json()
    assert [m["filtered"] for m in history["messages"] if m["body"] == "the bridge at dawn"] == [True]
    client = app.test_client()
    login(client, "bystander")
    assert "Hidden by your filters — show" in client.get(f"/chat/{ROOM}").data.decode()


def test_cascade_on_account_delete(app, people):
    blocker, pest, _ = people
    blocks.block(blocker, "pest")
    blocks.set_muted_words(blocker, ["x"])
    db.session.delete(blocker)
    db.session.commit()
    assert db.session.execute(db.text("SELECT count(*) FROM member_blocks")).scalar() == 0
    assert db.session.execute(db.text("SELECT count(*) FROM muted_words")).scalar() == 0


def test_live_filters_are_built_at_join_and_rebuilt_only_after_a_change(app, people, connect, token_for):
    """Deliveries read each connection's cached filter; a block, an unblock or a muted-word edit drops the member's
    filter (and only theirs) and holds at once, without reconnecting."""
    blocker, pest, bystander = people
    manager = socketio.server.manager
    built = []
    loader = manager.filter_loader

    def counting_loader(member_ids):
        built.append(set(member_ids))
        return loader(member_ids)
    manager.filter_loader = counting_loader
    try:
        c_blocker, c_pest, c_bystander = connect(blocker), connect(pest), connect(bystander)
        assert built == [{blocker.id}, {pest.id}, {bystander.id}]  # one build per member, at join
        for n in range(3):
            c_pest.emit("send", {"room": ROOM, "body": f"message {n} from the pest"})
        assert len(received(c_blocker, "message")) == 3 and len(built) == 3  # no filter built per delivery

        app.test_client().post("/api/v1/me/blocks", json={"handle": "pest"}, headers=token_for(blocker))
        for c in (c_blocker, c_pest, c_bystander):
            c.get_received()
        c_pest.emit("send", {"room": ROOM, "body": "after the block"})
        assert received(c_blocker, "message") == []  # same connection, no reconnect
        assert [m["body"] for m in received(c_bystander, "message")] == ["after the block"]
        assert built[3:] == [{blocker.id}]  # rebuilt once, for the blocker only

        app.test_client().delete("/api/v1/me/blocks/pest", headers=token_for(blocker))
        c_pest.emit("send", {"room": ROOM, "body": "after the unblock"})
        assert [m["body"] for m in received(c_blocker, "message")] == ["after the unblock"]

        app.test_client().put("/api/v1/me/muted-words", json={"words": ["Morning Tea"]},
                              headers=token_for(blocker))
        for c in (c_blocker, c_pest, c_bystander):
            c.get_received()
        c_bystander.emit("send", {"room": ROOM, "body": "morning   tea anyone?"})
        c_bystander.emit("send", {"room": ROOM, "body": "evening tea anyone?"})
        got = received(c_blocker, "message")
        assert [(m["body"], m.get("filtered", False)) for m in got] == [("morning   tea anyone?", True),
                                                                         ("evening tea anyone?", False)]
        assert all("filtered" not in m for m in received(c_pest, "message"))
        c_blocker.emit("send", {"room": ROOM, "body": "my own morning tea"})  # never filtered for its author
        assert [m.get("filtered", False) for m in received(c_blocker, "message")] == [False]
        assert len(built) == 6
    finally:
        manager.filter_loader = loader


def test_a_filter_that_cannot_be_built_delivers_nothing(app, people, connect):
    """Fail closed: if the database cannot say whom a member blocked, their connections get no chat message."""
    blocker, pest, bystander = people
    blocks.block(blocker, "pest")
    manager = socketio.server.manager
    loader = manager.filter_loader
    c_blocker, c_pest = connect(blocker), connect(pest)

    def broken(member_ids):
        raise RuntimeError("database unavailable")
    manager.filter_loader = broken
    try:
        manager._forget_filter(blocker.id)
        c_pest.emit("send", {"room": ROOM, "body": "while the database is away"})
        assert received(c_blocker, "message") == []
        assert [m["body"] for m in received(c_pest, "message")] == ["while the database is away"]  # still cached
    finally:
        manager.filter_loader = loader

