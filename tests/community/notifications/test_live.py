"""Live notifications over Socket.IO: the `notification` event reaches the member's own connections after the commit,
only for published content, never during quiet hours; `notifications_read` keeps badges right. First with
Flask-SocketIO's test clients, then with real python-socketio clients against a real server process (SQLite and
PostgreSQL), which also measures how long delivery takes."""
from __future__ import annotations

import os
import subprocess
import sys
import threading
import time

import pytest
import requests

from community.extensions import db
from community.forum import reactions, services as forum
from community.forum.models import Post
from community.notifications import services as notifications
from moderation.models import QueueItem
from moderation.queue import services as queue
from tests.support import ROOT, SERVER, free_port, received, wait_ready


@pytest.fixture
def people(app, make_member):
    return make_member("alice"), make_member("bob"), make_member("cara")


@pytest.fixture
def thread(people):
    found, _post, _v = forum.create_thread(people[0], forum.get_board("off-topic"), "Small wins today",
                                           "I went for a walk today.")
    return found


def test_reply_mention_and_reaction_arrive_live_to_that_member_only(app, people, thread, connect):
    alice, bob, cara = people
    alice_socket, cara_socket, bob_socket = connect(alice), connect(cara), connect(bob)
    for s in (alice_socket, cara_socket, bob_socket):
        s.get_received()
    post, _ = forum.create_reply(bob, thread, "well done @cara look at this")
    got = received(alice_socket, "notification")
    assert len(got) == 1 and got[0]["unread"] == 1
    assert got[0]["notification"]["kind"] == "reply" and got[0]["notification"]["post_id"] == post.id
    assert got[0]["notification"]["text"] == "bob replied in “Small wins today”"
    mention = received(cara_socket, "notification")
    assert [m["notification"]["kind"] for m in mention] == ["mention"]
    assert received(bob_socket, "notification") == []
    opening = db.session.scalar(db.select(Post).where(Post.thread_id == thread.id, Post.is_opening.is_(True)))
    reactions.add(cara, opening, "hug")
    reactions.add(bob, opening, "hug")
    batches = received(alice_socket, "notification")
    assert [b["notification"]["count"] for b in batches] == [1, 2]
    assert batches[-1]["notification"]["text"] == "2 people sent a hug on your post in “Small wins today”"
    assert batches[-1]["unread"] == 2  # the reply and one batch of hugs
    notifications.mark_read(alice)
    assert received(alice_socket, "notifications_read") == [{"unread": 0}]


def test_held_reply_is_pushed_only_when_approved(app, people, thread, connect, scores, make_member):
    alice, bob, _cara = people
    scores.toxic("really hateful", 0.9)
    alice_socket = connect(alice)
    alice_socket.get_received()
    post, _ = forum.create_reply(bob, thread, "really hateful")
    assert post.status == "held" and received(alice_socket, "notification") == []
    moderator = make_member("mod-live", role="moderator")
    item = db.session.scalar(db.select(QueueItem).where(QueueItem.content_type == "post",
                                                        QueueItem.content_id == post.id))
    queue.decide(item, moderator, "approve", version=item.version)
    got = received(alice_socket, "notification")
    assert [g["notification"]["post_id"] for g in got] == [post.id]


def test_moderator_decision_is_pushed(app, people, connect, scores, make_member):
    _alice, bob, _cara = people
    scores.toxic("you are all idiots", 0.9)
    _thread, post, _ = forum.create_thread(bob, forum.get_board("off-topic"), "A rant", "you are all idiots")
    bob_socket = connect(bob)
    bob_socket.get_received()
    moderator = make_member("mod-decides", role="moderator")
    item = db.session.scalar(db.select(QueueItem).where(QueueItem.content_type == "post",
                                                        QueueItem.content_id == post.id))
    queue.decide(item, moderator, "remove", version=item.version)
    got = received(bob_socket, "notification")
    assert [g["notification"]["kind"] for g in got] == ["moderation"]
    assert got[0]["notification"]["text"] == "Your post was removed"


def test_quiet_hours_push_nothing_but_still_list(app, people, thread, connect):
    alice, bob, _cara = people
    # Quiet from an hour ago to an hour from now, in UTC: whatever the clock says, now is inside.
    now = time.gmtime()
    start, end = f"{(now.tm_hour - 1) % 24:02d}:{now.tm_min:02d}", f"{(now.tm_hour + 1) % 24:02d}:{now.tm_min:02d}"
    settings = notifications.update_settings(alice, {"quiet_hours": {"start": start, "end": end}, "time_zone": "UTC"})
    assert notifications.in_quiet_hours(settings)
    alice_socket = connect(alice)
    alice_socket.get_received()
    post, _ = forum.create_reply(bob, thread, "a reply in the night")
    assert received(alice_socket, "notification") == []
    assert [n.post_id for n in notifications.notifications_of(alice)] == [post.id]
    notifications.update_settings(alice, {"quiet_hours": None})
    forum.create_reply(bob, thread, "a reply in the day")
    assert len(received(alice_socket, "notification")) == 1


def test_one_reply_pushes_each_follower_their_own_count_and_skips_the_quiet_and_the_blocked(app, people, thread,
                                                                                           connect, make_member):
    """The events of one commit are prepared together: each follower still gets their own unread count, a follower
    in quiet hours gets nothing live (the notification is listed), a follower the writer blocked is not told, and a
    count leaves out what a member blocked wrote, as the list does."""
    from community.members import blocks
    alice, bob, cara = people
    dan, erin = make_member("dan"), make_member("erin")
    for member in (cara, dan, erin):
        forum.create_reply(member, thread, f"{member.handle} was here")  # each follows the thread now
    forum.create_reply(bob, thread, "an earlier reply from bob")  # one unread for alice, cara, dan and erin
    now = time.gmtime()
    start, end = f"{(now.tm_hour - 1) % 24:02d}:{now.tm_min:02d}", f"{(now.tm_hour + 1) % 24:02d}:{now.tm_min:02d}"
    notifications.update_settings(dan, {"quiet_hours": {"start": start, "end": end}, "time_zone": "UTC"})
    blocks.block(erin, "bob")
    blocks.block(alice, "cara")  # cara's reply stops counting for alice
    notifications.mark_read(cara)
    sockets = {m.handle: connect(m) for m in (alice, cara, dan, erin)}
    for s in sockets.values():
        s.get_received()
    post, _ = forum.create_reply(bob, thread, "a reply for everyone")
    got = {handle: received(s, "notification") for handle, s in sockets.items()}
    assert [(g["notification"]["post_id"], g["unread"]) for g in got["alice"]] == [(post.id, 4)]
    assert notifications.unread_count(alice) == 4
    assert [(g["notification"]["post_id"], g["unread"]) for g in got["cara"]] == [(post.id, 1)]
    assert got["dan"] == [] and [n.post_id for n in notifications.notifications_of(dan)][0] == post.id
    assert got["erin"] == [] and post.id not in [n.post_id for n in notifications.notifications_of(erin)]


# --- a real server process and real Socket.IO clients ----------------------------------------------------------------

class Listener:
    def __init__(self, url, token):
        import socketio as sio
        self.events: list[tuple[float, dict]] = []
        self.arrived = threading.Event()
        self.client = sio.Client(reconnection=False)
        self.client.on("notification", self._on)
        self.client.connect(url, auth={"token": token}, wait_timeout=10, transports=["websocket"])

    def _on(self, data):
        self.events.append((time.monotonic(), data))
        self.arrived.set()

    def close(self):
        try:
            self.client.disconnect()
        except Exception:  # noqa: BLE001
            pass


@pytest.fixture
def real_server(any_app, tmp_path):
    env = {**os.environ, "DATABASE_URL": any_app.config["SQLALCHEMY_DATABASE_URI"], "REDIS_URL": "",
           "RATELIMIT_STORAGE_URI": "memory://", "SECRET_KEY": "live-notifications", "RATELIMIT_ENABLED": "false",
           "MODERATION_TOXICITY_BACKEND": "lexicon", "MODERATION_SELF_HARM_BACKEND": "lexicon",
           "ARGON2_TIME_COST": "1", "SITE_URL": "", "PYTHONPATH": str(ROOT)}
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-c", SERVER, str(port), str(tmp_path / "instance")], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        wait_ready(port, proc, time.monotonic() + 60)
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.kill()
        proc.wait(10)


def test_real_clients_receive_a_reply_and_a_hug(any_app, make_member, token_for, real_server):
    alice, bob = make_member("alice-real"), make_member("bob-real")
    alice_h, bob_h = token_for(alice), token_for(bob)
    db.session.commit()
    base = real_server
    made = requests.post(f"{base}/api/v1/boards/off-topic/threads", headers=alice_h, timeout=10,
                         json={"title": "Live thread", "body": "hello from alice"}).json()
    thread_id = made["thread"]["id"]
    bob_follow = requests.post(f"{base}/api/v1/threads/{thread_id}/follow", headers=bob_h, timeout=10)
    assert bob_follow.json()["following"] is True
    listener_alice = Listener(base, alice_h["Authorization"].split()[1])
    listener_bob = Listener(base, bob_h["Authorization"].split()[1])
    try:
        sent = time.monotonic()
        r = requests.post(f"{base}/api/v1/threads/{thread_id}/posts", headers=alice_h, timeout=10,
                          json={"body": "a reply bob follows"})
        assert r.status_code == 201
        assert listener_bob.arrived.wait(10), "bob got no notification"
        at, data = listener_bob.events[0]
        assert data["notification"]["kind"] == "reply" and data["unread"] == 1
        print(f"reply -> follower's notification: {(at - sent) * 1000:.0f} ms")
        sent = time.monotonic()
        opening = made["post"]["id"]
        r = requests.post(f"{base}/api/v1/posts/{opening}/reactions/hug", headers=bob_h, timeout=10)
        assert r.status_code == 201
        assert listener_alice.arrived.wait(10), "alice got no notification"
        at, data = listener_alice.events[0]
        assert data["notification"]["kind"] == "reaction" and data["notification"]["reaction"] == "hug"
        assert data["notification"]["text"] == "bob-real sent a hug on your post in “Live thread”"
        print(f"hug -> author's notification: {(at - sent) * 1000:.0f} ms")
    finally:
        listener_alice.close()
        listener_bob.close()
