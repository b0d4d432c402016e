"""Messages to the moderators are a crisis channel: screened for urgency, never refused or hidden from staff.

Through the real stack: the HTTP test client on SQLite and PostgreSQL (`aw`), Flask-SocketIO clients in the staff
room, and the controllable classifiers (World.scores, the `scores` fixture's ScoreControl).
"""
from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from community.extensions import db, socketio
from community.members.services import issue_token
from moderation.models import AuditEntry, QueueItem, StaffMessage
from tests.conftest import login
from tests.moderation.conftest import forget_login

CRISIS = "I took the pills an hour ago"


def _send(w, headers, body, status=201):
    r = w.client.post("/api/v1/me/messages", json={"body": body}, headers=headers)
    assert r.status_code == status, r.get_json()
    return r.get_json()


def _items(member_id) -> list[QueueItem]:
    db.session.expire_all()
    return list(db.session.scalars(select(QueueItem).where(QueueItem.author_id == member_id,
                                                           QueueItem.kind == "member_message")
                                   .order_by(QueueItem.id)))


def _message_count() -> int:
    return db.session.scalar(select(func.count(StaffMessage.id)))


def _events(sock, name):
    return [e["args"][0] for e in sock.get_received() if e["name"] == name]


# --- the API -------------------------------------------------------------------------------------------------------

def test_a_crisis_message_raises_an_urgent_item_and_answers_with_help_at_once(aw):
    member, h = aw.person(region="GB")
    moderator, mh = aw.person(role="moderator")
    aw.scores.self_harm_tier("took the pills", "intent")

    data = _send(aw, h, CRISIS)
    assert data["message"]["body"] == CRISIS and data["message"]["from"] == "member"
    # The same support fields a held forum post returns, emergency number included.
    assert data["emergency"]["numbers"][0] == "999"
    assert "Samaritans" in [r["name"] for r in data["resources"]]
    assert "moderators" in data["support_message"] and "post" not in data["support_message"]
    assert data["safety_plan"]["url"] in ("/safety-plan", "/safety-plan/edit")

    [item] = _items(member.id)
    assert (item.kind, item.priority, item.status, item.content_type) == ("member_message", "urgent", "open",
                                                                          "staff_message")
    assert "self_harm:intent" in item.reasons
    queue = aw.queue(mh)
    assert queue["items"][0]["id"] == item.id and queue["counts"]["urgent"] == 1

    found = aw.client.get(f"/api/v1/moderation/items/{item.id}", headers=mh).get_json()
    assert found["item"]["kind"] == "member_message"
    assert found["item"]["staff_message"]["body"] == CRISIS
    assert [m["body"] for m in found["conversation"]] == [CRISIS]
    assert found["author"]["region"] == "GB" and found["resources"]["emergency"]["numbers"][0] == "999"

    assert [m["body"] for m in aw.client.get("/api/v1/me/messages", headers=h).get_json()["messages"]] == [CRISIS]


def test_one_open_item_per_conversation_a_crisis_raises_it_and_nothing_lowers_it(aw):
    member, h = aw.person()
    moderator, mh = aw.person(role="moderator")
    aw.scores.self_harm_tier("cannot go on", "ideation")

    first = _send(aw, h, "Hello, how do I change my handle?")
    assert "support_message" not in first and "emergency" not in first
    [item] = _items(member.id)
    assert item.priority == "normal"
    _send(aw, h, "Also, thank you for the forum.")
    _send(aw, h, "Honestly I cannot go on")
    _send(aw, h, "sorry, ignore me")
    [item] = _items(member.id)  # still one item: every message joined it
    assert item.priority == "high" and "self_harm:ideation" in item.reasons
    assert db.session.scalar(select(func.count(StaffMessage.id)).where(StaffMessage.queue_item_id == item.id)) == 4

    # A decision (mark handled, with a note that reaches the member) resolves it and is audited.
    aw.decide(mh, item.id, "approve", note="I'm here. Shall we talk?")
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "queue.approve",
                                                       AuditEntry.target == f"staff_message:{item.content_id}"))
    assert entry is not None and entry.actor_id == moderator.id
    replies = aw.client.get("/api/v1/me/messages", headers=h).get_json()["messages"]
    assert replies[-1]["body"] == "I'm here. Shall we talk?" and replies[-1]["from"] == "staff"

    # The next message opens a new item (the old one stays resolved in the history).
    _send(aw, h, "ok, thanks")
    old, new = _items(member.id)
    assert old.status == "resolved" and (new.status, new.priority) == ("open", "normal")


def test_never_refused_watched_word_block_toxicity_or_a_failing_classifier(app, scores, make_member, token_for):
    from moderation import watched
    client = app.test_client()
    admin = make_member(role="admin")
    watched.add(admin, "zebra", "block")
    db.session.commit()
    member = make_member()
    h = token_for(member)

    # A watched word that would refuse a forum post: the message still reaches staff.
    r = client.post("/api/v1/boards/anxiety/threads", json={"title": "A title", "body": "zebra"}, headers=h)
    assert r.status_code == 422 and r.get_json()["error"]["code"] == "watched_word"
    r = client.post("/api/v1/me/messages", json={"body": "the zebra word again"}, headers=h)
    assert r.status_code == 201, r.get_json()
    # Abuse in a message to staff is still delivered (a normal item), never removed.
    scores.toxic("useless", 0.995)
    assert client.post("/api/v1/me/messages", json={"body": "you are useless mods"}, headers=h).status_code == 201
    [item] = _items(member.id)
    assert item.priority == "normal" and "watched_word:block:zebra" in item.reasons and "toxicity" in item.reasons

    # A classifier that fails: delivered, and a moderator reads it soon (high).
    other = make_member()
    scores.self_harm.rules["quiet words"] = RuntimeError("model down")
    r = client.post("/api/v1/me/messages", json={"body": "some quiet words"}, headers=token_for(other))
    assert r.status_code == 201
    [item] = _items(other.id)
    assert item.priority == "high" and any(reason.startswith("unscreened:") for reason in item.reasons)
    bodies = [m.body for m in db.session.scalars(select(StaffMessage).order_by(StaffMessage.id))]
    assert bodies == ["the zebra word again", "you are useless mods", "some quiet words"]


@pytest.mark.parametrize("body, code", [
    ({"body": ""}, "invalid_body"), ({"body": "   \n "}, "invalid_body"), ({"body": "\x00\x00"}, "invalid_body"),
    ({"body": "x" * 2001}, "invalid_body"), ({"body": 7}, "invalid_type"), ({"body": ["hi"]}, "invalid_type"),
    ({"body": None}, "missing_field"), ({}, "missing_field"), ([1, 2], "invalid_json"),
])
def test_bad_input_gets_the_error_shape_and_stores_nothing(aw, body, code):
    _member, h = aw.person()
    r = aw.client.post("/api/v1/me/messages", json=body, headers=h)
    assert r.status_code == 400, r.get_json()
    error = r.get_json()["error"]
    assert error["code"] == code and error["message"]
    assert _message_count() == 0 and db.session.scalar(select(func.count(QueueItem.id))) == 0


def test_nul_inside_text_is_dropped_not_the_message(aw):
    member, h = aw.person()
    assert _send(aw, h, "help\x00 me please")["message"]["body"] == "help me please"
    r = aw.client.post("/api/v1/me/messages", data=b"{not json", headers={**h, "Content-Type": "application/json"})
    assert r.status_code == 400 and r.get_json()["error"]["code"] == "invalid_json"
    assert aw.client.post("/api/v1/me/messages", json={"body": "hi"}).status_code == 401


def test_staff_inbox_api_lists_conversations_newest_first_with_unread_counts(aw):
    ash, ah = aw.person(region="GB")
    bea, bh = aw.person(region="US")
    moderator, mh = aw.person(role="moderator")
    _send(aw, ah, "first from ash")
    _send(aw, bh, "first from bea")
    _send(aw, ah, "second from ash")

    inbox = aw.client.get("/api/v1/moderation/inbox", headers=mh).get_json()
    rows = inbox["conversations"]
    assert [c["member"]["handle"] for c in rows] == [ash.handle, bea.handle]
    assert [c["member"]["region"] for c in rows] == ["GB", "US"]
    assert [c["unread"] for c in rows] == [2, 1] and inbox["unread"] == 3
    assert rows[0]["last_message"]["body"] == "second from ash" and rows[0]["item"]["priority"] == "normal"
    assert aw.client.get("/api/v1/moderation/inbox", headers=ah).status_code == 403

    thread = aw.client.get(f"/api/v1/moderation/inbox/{ash.id}", headers=mh).get_json()
    assert [m["body"] for m in thread["messages"]] == ["first from ash", "second from ash"]
    assert aw.client.get("/api/v1/moderation/inbox", headers=mh).get_json()["unread"] == 1  # ash's are read now

    r = aw.client.post(f"/api/v1/moderation/inbox/{bea.id}/messages", json={"body": "Hi bea, we're here."},
                       headers=mh)
    assert r.status_code == 201 and r.get_json()["message"]["from"] == "staff"
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "inbox.reply"))
    assert entry.actor_id == moderator.id and entry.target == f"member:{bea.id}"
    mine = aw.client.get("/api/v1/me/messages", headers=bh).get_json()["messages"]
    assert [m["body"] for m in mine] == ["first from bea", "Hi bea, we're here."]
    assert aw.client.get("/api/v1/moderation/inbox", headers=mh).get_json()["unread"] == 0  # answering is reading
    # Bea's reply shows on the queue item it answers.
    item_id = aw.client.get("/api/v1/moderation/inbox", headers=mh).get_json()["conversations"][0]["item"]["id"]
    found = aw.client.get(f"/api/v1/moderation/items/{item_id}", headers=mh).get_json()
    assert [m["body"] for m in found["conversation"]] == ["first from bea", "Hi bea, we're here."]

    for bad in ({"body": ""}, {"body": 3}, {}):
        r = aw.client.post(f"/api/v1/moderation/inbox/{bea.id}/messages", json=bad, headers=mh)
        assert r.status_code == 400 and "error" in r.get_json()
    assert aw.client.get("/api/v1/moderation/inbox/999999", headers=mh).status_code == 404
    assert aw.client.get(f"/api/v1/moderation/inbox/{moderator.id}", headers=mh).status_code == 404


# --- the pages -----------------------------------------------------------------------------------------------------

def test_messages_page_answers_a_crisis_with_the_panel_on_the_same_page(app, scores, make_member):
    member = make_member(region="GB")
    scores.self_harm_tier("took the pills", "intent")
    client = app.test_client()
    login(client, member.handle)
    r = client.post("/messages", data={"body": CRISIS})
    assert r.status_code == 200  # the same response, no redirect
    page = r.get_data(as_text=True)
    tels = re.findall(r'href="tel:([^"]+)"', page)
    assert tels[0] == "999" and "116123" in tels, tels  # the emergency number first, then the lines
    assert 'href="sms:85258?body=SHOUT"' in page
    assert "Make a safety plan" in page and 'href="/safety-plan/edit"' in page
    assert page.index("tel:999") < page.index(CRISIS)  # help above the conversation
    assert [m.body for m in db.session.scalars(select(StaffMessage))] == [CRISIS]

    r = client.post("/messages", data={"body": "thanks, I called them"})
    assert r.status_code == 302
    assert "Sent. A moderator will read it soon." in client.get("/messages").get_data(as_text=True)
    r = client.post("/messages", data={"body": "y" * 2001})
    assert r.status_code == 400 and "y" * 2001 in r.get_data(as_text=True)  # nothing lost: the text is still there
    assert _message_count() == 2


def test_staff_inbox_pages_badge_on_every_staff_page_and_audited_reply(app, scores, make_member):
    member = make_member(region="GB")
    moderator = make_member(role="moderator")
    scores.self_harm_tier("took the pills", "intent")
    client = app.test_client()
    login(client, member.handle)
    client.post("/messages", data={"body": CRISIS})
    forget_login()

    staff = app.test_client()
    login(staff, moderator.handle)
    for url in ("/boards", "/help", "/moderation/queue", "/chat"):
        page = staff.get(url).get_data(as_text=True)
        assert re.search(r'data-inbox-badge>Inbox <span class="badge" aria-label="1 unread">1</span>', page), url
        assert re.search(r'data-urgent-badge>Queue <span class="badge urgent"', page), url
        assert "js/staff.js" in page, url
    inbox = staff.get("/moderation/inbox").get_data(as_text=True)
    assert member.handle in inbox and "region GB" in inbox and "1 unread" in inbox and "urgent" in inbox
    thread = staff.get(f"/moderation/inbox/{member.id}").get_data(as_text=True)
    assert CRISIS in thread and 'name="body"' in thread and "tel:999" in thread
    assert 'aria-label="1 unread"' not in staff.get("/boards").get_data(as_text=True)  # opened: read

    r = staff.post(f"/moderation/inbox/{member.id}", data={"body": "I'm a moderator. Please call 999 now."})
    assert r.status_code == 302
    assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "inbox.reply")).actor_id == moderator.id
    assert staff.post(f"/moderation/inbox/{member.id}", data={"body": ""}).status_code == 400
    forget_login()
    assert "Please call 999 now." in client.get("/messages").get_data(as_text=True)
    assert client.get("/moderation/inbox").status_code == 403
    assert "data-inbox-badge" not in client.get("/boards").get_data(as_text=True)

    # The queue item page shows the conversation and never offers remove or suspend for a crisis message.
    [item] = _items(member.id)
    page = staff.get(f"/moderation/items/{item.id}").get_data(as_text=True)
    assert "Please call 999 now." in page and 'value="remove"' not in page and 'value="suspend"' not in page
    assert "Mark handled" in page
    headers = {"Authorization": f"Bearer {issue_token(moderator)}"}
    for action in ("remove", "suspend"):
        r = staff.post(f"/api/v1/moderation/items/{item.id}/decision", headers=headers,
                       json={"action": action, "version": item.version})
        assert r.status_code == 422 and r.get_json()["error"]["code"] == "not_allowed", action


# --- live ----------------------------------------------------------------------------------------------------------

def test_the_staff_room_hears_a_member_message_and_members_do_not(w):
    moderator = w.member(role="moderator")
    staff_sock = socketio.test_client(w.app, auth={"token": issue_token(moderator)})
    member, h = w.person(region="GB")
    member_sock = socketio.test_client(w.app, auth={"token": issue_token(member)})
    bystander_sock = socketio.test_client(w.app, auth={"token": issue_token(w.member())})
    assert staff_sock.is_connected() and member_sock.is_connected() and bystander_sock.is_connected()
    for sock in (staff_sock, member_sock, bystander_sock):
        sock.get_received()

    w.scores.self_harm_tier("took the pills", "intent")
    _send(w, h, CRISIS)
    received = staff_sock.get_received()
    [heard] = [e["args"][0] for e in received if e["name"] == "member_message"]
    assert heard["message"]["body"] == CRISIS and heard["unread"] == 1
    assert heard["conversation"]["member"] == {"id": member.id, "handle": member.handle, "region": "GB"}
    assert heard["conversation"]["item"]["priority"] == "urgent"
    queue_items = [e["args"][0] for e in received if e["name"] == "queue_item"]
    assert queue_items and queue_items[-1]["item"]["kind"] == "member_message"
    assert queue_items[-1]["counts"]["urgent"] == 1
    for sock in (member_sock, bystander_sock):
        names = {e["name"] for e in sock.get_received()}
        assert "member_message" not in names and "queue_item" not in names

    # A staff reply reaches the member's own room only.
    w.client.post(f"/api/v1/moderation/inbox/{member.id}/messages", json={"body": "We're here."},
                  headers=w.headers(moderator))
    assert _events(member_sock, "staff_message") == [{"member_id": member.id}]
    assert _events(bystander_sock, "staff_message") == []
    for sock in (staff_sock, member_sock, bystander_sock):
        sock.disconnect()


# --- appeals and report notes: screened for urgency only ----------------------------------------------------------

def _removed_post(aw, h):
    aw.scores.toxic("horrid", 0.99)
    data = aw.thread(h, "a horrid thing to say")
    assert data["post"]["status"] == "removed"
    return data["post"]["id"]


def test_a_crisis_in_an_appeal_raises_its_item_and_shows_help(aw):
    author, h = aw.person(region="GB")
    moderator, mh = aw.person(role="moderator")
    post_id = _removed_post(aw, h)
    aw.scores.self_harm_tier("no point living", "intent")
    r = aw.client.post(f"/api/v1/posts/{post_id}/appeal", json={"text": "whatever, there is no point living"},
                       headers=h)
    assert r.status_code == 201, r.get_json()
    data = r.get_json()
    assert data["appeal"]["post_id"] == post_id
    assert data["emergency"]["numbers"][0] == "999" and "appeal" in data["support_message"]
    item = aw.item_for_post(post_id)
    assert (item.kind, item.priority) == ("appeal", "urgent") and "self_harm:intent" in item.reasons
    r = aw.client.post(f"/api/v1/moderation/items/{item.id}/decision", headers=mh,
                       json={"action": "suspend", "version": item.version})
    assert r.status_code == 422 and r.get_json()["error"]["code"] == "not_allowed"


def test_an_ordinary_appeal_stays_normal_without_support_and_a_block_word_never_refuses_it(aw):
    from moderation import watched
    author, h = aw.person()
    admin = aw.member(role="admin")
    post_id = _removed_post(aw, h)
    watched.add(admin, "zebra", "block")
    db.session.commit()
    r = aw.client.post(f"/api/v1/posts/{post_id}/appeal", json={"text": "the zebra was a joke, please look again"},
                       headers=h)
    assert r.status_code == 201, r.get_json()
    assert set(r.get_json()) == {"appeal"}
    assert aw.item_for_post(post_id).priority == "normal"


def test_a_crisis_in_a_report_note_raises_an_item_about_the_reporter_and_shows_help(aw):
    author, h = aw.person()
    reporter, rh = aw.person(region="GB")
    post_id = aw.published_thread(h)["post"]["id"]
    aw.scores.self_harm_tier("want to die", "intent")
    r = aw.client.post("/api/v1/reports", headers=rh, json={"post_id": post_id, "reason": "harassment",
                                                            "note": "this is why I want to die tonight"})
    assert r.status_code == 201, r.get_json()
    data = r.get_json()
    assert data["report"]["note"] == "this is why I want to die tonight"
    assert data["emergency"]["numbers"][0] == "999" and "support_message" in data
    assert aw.item_for_post(post_id).kind == "report"  # the report itself counts as before
    db.session.expire_all()
    mine = db.session.scalar(select(QueueItem).where(QueueItem.content_type == "report"))
    assert (mine.kind, mine.priority, mine.author_id) == ("self_harm", "urgent", reporter.id)
    assert "report_note" in mine.reasons
    moderator, mh = aw.person(role="moderator")
    found = aw.client.get(f"/api/v1/moderation/items/{mine.id}", headers=mh).get_json()
    assert found["item"]["report"]["note"] == "this is why I want to die tonight"
    assert found["author"]["handle"] == reporter.handle
    assert aw.client.get(f"/moderation/items/{mine.id}").status_code in (302, 403)  # staff only
    staff = aw.app.test_client()
    login(staff, moderator.handle)
    assert "this is why I want to die tonight" in staff.get(f"/moderation/items/{mine.id}").get_data(as_text=True)
    aw.decide(mh, mine.id, "approve", note="Thinking of you. Samaritans are on 116 123.")
    [notice] = aw.client.get("/api/v1/me/notices", headers=rh).get_json()["notices"]
    assert notice["kind"] == "support" and "visible" not in notice["body"]


def test_a_crisis_note_on_a_self_harm_risk_report_raises_the_posts_item(aw):
    author, h = aw.person()
    reporter, rh = aw.person()
    post_id = aw.published_thread(h)["post"]["id"]
    aw.scores.self_harm_tier("took an overdose", "intent")
    r = aw.client.post("/api/v1/reports", headers=rh, json={"post_id": post_id, "reason": "self_harm_risk",
                                                            "note": "they told me they took an overdose"})
    assert r.status_code == 201
    item = aw.item_for_post(post_id)
    assert item.priority == "urgent" and "report_note:self_harm:intent" in item.reasons
    assert db.session.scalar(select(func.count(QueueItem.id)).where(QueueItem.content_type == "report")) == 0


def test_report_and_appeal_pages_show_the_crisis_panel(app, scores, make_member):
    author, reporter = make_member(region="GB"), make_member(region="GB")
    from community.forum.services import create_thread, get_board
    _thread, post, _ = create_thread(author, get_board("anxiety"), "A title", "an ordinary post")
    scores.self_harm_tier("end my life", "intent")
    client = app.test_client()
    login(client, reporter.handle)
    r = client.post(f"/p/{post.id}/report", data={"reason": "harassment", "note": "I want to end my life"})
    assert r.status_code == 200
    page = r.get_data(as_text=True)
    assert re.findall(r'href="tel:([^"]+)"', page)[0] == "999" and "Your report is in" in page
    r = client.post(f"/p/{post.id}/report", data={"reason": "spam", "note": "a calm note"})
    assert r.status_code in (200, 409)  # already reported: the page says so

    scores.toxic("horrid", 0.99)
    forget_login()
    author_client = app.test_client()
    login(author_client, author.handle)
    _t, removed, _ = create_thread(author, get_board("anxiety"), "Another title", "a horrid thing")
    assert removed.status == "removed"
    r = author_client.post(f"/p/{removed.id}/appeal", data={"text": "I want to end my life anyway"})
    assert r.status_code == 200
    page = r.get_data(as_text=True)
    assert re.findall(r'href="tel:([^"]+)"', page)[0] == "999" and "Your appeal is in" in page


def test_a_real_socketio_client_in_the_staff_room_hears_a_member_message_from_a_real_server(app, make_member,
                                                                                           token_for, tmp_path):
    """A real server process and a real python-socketio client: the moderator's connection hears the message the
    member sends over plain HTTP, with no page reload and no polling."""
    import os
    import subprocess
    import sys
    import threading
    import time

    import requests
    import socketio as sio

    from tests.support import ROOT, SERVER, free_port, wait_ready
    moderator, member = make_member(role="moderator"), make_member(region="GB")
    staff_token = token_for(moderator)["Authorization"].split(" ", 1)[1]
    member_headers = token_for(member)
    db.session.commit()
    env = {**os.environ, "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"], "REDIS_URL": "",
           "RATELIMIT_STORAGE_URI": "memory://", "SECRET_KEY": "member-messages-live", "RATELIMIT_ENABLED": "false",
           "MODERATION_TOXICITY_BACKEND": "lexicon", "MODERATION_SELF_HARM_BACKEND": "lexicon",
           "SITE_URL": "", "PYTHONPATH": str(ROOT)}
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-c", SERVER, str(port), str(tmp_path / "instance")], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    client = sio.Client(reconnection=False)
    try:
        wait_ready(port, proc, time.monotonic() + 60)
        heard: list[dict] = []
        arrived = threading.Event()
        client.on("member_message", lambda data: (heard.append(data), arrived.set()))
        client.connect(f"http://127.0.0.1:{port}", auth={"token": staff_token}, wait_timeout=10)
        sent_at = time.monotonic()
        r = requests.post(f"http://127.0.0.1:{port}/api/v1/me/messages", json={"body": "is anyone there?"},
                          headers=member_headers, timeout=30)
        assert r.status_code == 201, r.text
        assert arrived.wait(30), "the staff room heard nothing"
        print(f"member_message reached the staff client {time.monotonic() - sent_at:.3f}s after the POST began")
        assert heard[0]["message"]["body"] == "is anyone there?"
        assert heard[0]["conversation"]["member"]["handle"] == member.handle
    finally:
        try:
            client.disconnect()
        except Exception:  # noqa: BLE001
            pass
        proc.kill()
        proc.wait(10)
