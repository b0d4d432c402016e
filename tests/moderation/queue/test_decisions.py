"""Moderator decisions and what the author sees: approve, remove, escalate, warn, suspend, private messages."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from community.extensions import db
from community.forum.models import Thread
from moderation.models import AuditEntry, StaffMessage
from tests.conftest import login


def _held_reply(w, author_h, other_h, text="you clown", score=0.85):
    thread = w.published_thread(other_h)["thread"]
    w.scores.toxic(text, score)
    data = w.reply(author_h, thread["id"], text)
    assert data["post"]["status"] == "held"
    return thread["id"], data["post"]["id"], w.item_for_post(data["post"]["id"]).id


def test_approve_publishes_and_updates_the_thread(aw):
    w = aw
    _a, h = w.person()
    _o, oh = w.person()
    _m, mh = w.person(role="moderator")
    thread_id, post_id, item_id = _held_reply(w, h, oh)
    thread = db.session.get(Thread, thread_id)
    assert thread.post_count == 1
    thread.last_activity_at = datetime(2020, 1, 1)
    db.session.commit()

    body = w.decide(mh, item_id, "approve")
    assert body["item"]["status"] == "resolved" and body["item"]["resolution"] == "approve"
    assert body["item"]["post"]["status"] == "published"
    db.session.expire_all()
    thread = db.session.get(Thread, thread_id)
    assert thread.post_count == 2 and thread.last_activity_at > datetime(2020, 1, 1)
    shown = w.client.get(f"/api/v1/threads/{thread_id}").get_json()
    assert post_id in [p["id"] for p in shown["posts"]]
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "queue.approve"))
    assert entry.before["status"] == "held" and entry.after["status"] == "published"


def test_approving_a_held_opening_post_publishes_the_thread(w):
    _a, h = w.person()
    _m, mh = w.person(role="moderator")
    w.scores.self_harm_tier("so tired of it all", "ideation")
    data = w.thread(h, "so tired of it all")
    assert w.client.get(f"/api/v1/threads/{data['thread']['id']}").status_code == 404
    w.decide(mh, w.item_for_post(data["post"]["id"]).id, "approve")
    shown = w.client.get(f"/api/v1/threads/{data['thread']['id']}")
    assert shown.status_code == 200 and shown.get_json()["thread"]["post_count"] == 1


def test_remove_shows_the_note_to_the_author_only(w):
    author, h = w.person()
    _o, oh = w.person()
    _m, mh = w.person(role="moderator")
    thread_id, post_id, item_id = _held_reply(w, h, oh)
    w.decide(mh, item_id, "remove", note="Name-calling breaks guideline 2.")
    mine = w.client.get(f"/api/v1/posts/{post_id}", headers=h).get_json()["post"]
    assert mine["status"] == "removed" and mine["moderator_note"] == "Name-calling breaks guideline 2."
    assert w.client.get(f"/api/v1/posts/{post_id}", headers=oh).status_code == 404
    login(w.client, author.handle)
    page = w.client.get(f"/t/{thread_id}").get_data(as_text=True)
    assert "Name-calling breaks guideline 2." in page and f"/p/{post_id}/appeal" in page
    # ... and the author may appeal it once.
    assert w.client.post(f"/api/v1/posts/{post_id}/appeal", json={"text": "sorry"}, headers=h).status_code == 201
    assert w.client.post(f"/api/v1/posts/{post_id}/appeal", json={"text": "again"}, headers=h).status_code == 409


def test_escalate_flags_and_keeps_the_item_open(w):
    _a, h = w.person()
    _o, oh = w.person()
    _m, mh = w.person(role="moderator")
    _t, post_id, item_id = _held_reply(w, h, oh)
    body = w.decide(mh, item_id, "escalate")
    assert body["item"]["escalated"] is True and body["item"]["status"] == "open"
    assert w.post(post_id).status == "held"


def test_warn_needs_a_note_and_messages_the_author(w):
    author, h = w.person()
    _o, oh = w.person()
    _m, mh = w.person(role="moderator")
    _t, post_id, item_id = _held_reply(w, h, oh)
    r = w.decide(mh, item_id, "warn", status=400)
    assert r["error"]["code"] == "missing_note"
    r = w.decide(mh, item_id, "warn", note="   ", status=400)
    assert r["error"]["code"] == "missing_note"
    assert db.session.scalar(select(StaffMessage).where(StaffMessage.member_id == author.id)) is None
    w.decide(mh, item_id, "warn", note="Please keep it kind.")
    msg = db.session.scalar(select(StaffMessage).where(StaffMessage.member_id == author.id))
    assert "Please keep it kind." in msg.body
    login(w.client, author.handle)
    assert "Please keep it kind." in w.client.get("/messages").get_data(as_text=True)


def test_suspend_is_never_offered_or_allowed_for_a_self_harm_item(w):
    author, h = w.person()
    moderator, mh = w.person(role="moderator")
    w.scores.self_harm_tier("want to disappear", "ideation")
    post_id = w.thread(h, "I want to disappear")["post"]["id"]
    item = w.item_for_post(post_id)
    r = w.decide(mh, item.id, "suspend", status=422)
    assert r["error"]["code"] == "not_allowed"
    db.session.expire_all()
    assert not author.is_suspended
    assert db.session.scalar(select(StaffMessage).where(StaffMessage.member_id == author.id)) is None

    http = w.app.test_client()
    login(http, moderator.handle)
    page = http.get(f"/moderation/items/{item.id}").get_data(as_text=True)
    # The choices for a person at risk (no warn, no suspend) replace approve; "approve" stays valid in the API.
    assert 'value="suspend"' not in page and 'value="publish_with_support"' in page and 'value="warn"' not in page
    # The page form refuses it too.
    http.post(f"/moderation/items/{item.id}/decision", data={"action": "suspend", "version": str(item.version)})
    db.session.expire_all()
    assert not author.is_suspended and w.item_for_post(post_id).status == "open"


def test_suspend_blocks_posting_but_not_reading(w):
    author, h = w.person()
    _o, oh = w.person()
    _m, mh = w.person(role="moderator")
    thread_id, _p, item_id = _held_reply(w, h, oh)
    r = w.decide(mh, item_id, "suspend", days=3, note="Repeated insults.")
    assert r["item"]["status"] == "open"
    db.session.expire_all()
    assert author.is_suspended
    blocked = w.client.post(f"/api/v1/threads/{thread_id}/posts", json={"body": "hello"}, headers=h)
    assert blocked.status_code == 403 and blocked.get_json()["error"]["code"] == "suspended"
    blocked = w.client.post("/api/v1/boards/anxiety/threads", json={"title": "hello", "body": "hi"}, headers=h)
    assert blocked.status_code == 403
    assert w.client.get(f"/api/v1/threads/{thread_id}", headers=h).status_code == 200
    msg = db.session.scalar(select(StaffMessage).where(StaffMessage.member_id == author.id))
    assert "suspended for 3 day(s)" in msg.body and "Repeated insults." in msg.body
    for bad in (0, 366, "7", True):
        w.decide(mh, item_id, "suspend", days=bad, status=400)


def test_unknown_action_and_bad_version_are_400(w):
    _a, h = w.person()
    _o, oh = w.person()
    _m, mh = w.person(role="moderator")
    _t, _p, item_id = _held_reply(w, h, oh)
    assert w.decide(mh, item_id, "delete", status=400)["error"]["code"] == "invalid_action"
    r = w.client.post(f"/api/v1/moderation/items/{item_id}/decision", json={"action": "approve", "version": "1"},
                      headers=mh)
    assert r.status_code == 400 and r.get_json()["error"]["code"] == "invalid_type"
    r = w.client.post(f"/api/v1/moderation/items/{item_id}/decision", json={"action": "approve"}, headers=mh)
    assert r.status_code == 400 and r.get_json()["error"]["code"] == "missing_field"


def test_message_author_is_private_and_shown_at_messages(w):
    author, h = w.person()
    other = w.member()
    moderator, mh = w.person(role="moderator")
    w.scores.self_harm_tier("nobody would notice", "ideation")
    item = w.item_for_post(w.thread(h, "nobody would notice")["post"]["id"])
    r = w.client.post(f"/api/v1/moderation/items/{item.id}/messages", json={"body": "We are here. How are you?"},
                      headers=mh)
    assert r.status_code == 201 and r.get_json()["message"]["body"] == "We are here. How are you?"
    for bad in ({"body": ""}, {"body": "   "}, {"body": "x" * 2001}, {}):
        assert w.client.post(f"/api/v1/moderation/items/{item.id}/messages", json=bad, headers=mh).status_code == 400

    login(w.client, author.handle)
    page = w.client.get("/messages").get_data(as_text=True)
    assert "We are here. How are you?" in page and f"Moderator {moderator.handle}" in page
    w.client.post("/logout")
    http = w.app.test_client()
    login(http, other.handle)
    assert "We are here. How are you?" not in http.get("/messages").get_data(as_text=True)
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "queue.message"))
    assert entry.actor_id == moderator.id and entry.target == f"member:{author.id}"


def test_item_detail_shows_the_authors_region_resources(w):
    _a, h = w.person(region="GB")
    _m, mh = w.person(role="moderator")
    w.scores.self_harm_tier("my plan is ready", "intent")
    item = w.item_for_post(w.thread(h, "my plan is ready")["post"]["id"])
    body = w.client.get(f"/api/v1/moderation/items/{item.id}", headers=mh).get_json()
    assert body["author"]["region"] == "GB"
    assert body["resources"]["country"] == "GB"
    assert body["resources"]["emergency"]["numbers"] == ["999", "112"]
    assert "Samaritans" in [r["name"] for r in body["resources"]["resources"]]
    assert body["item"]["priority"] == "urgent" and body["item"]["post"]["body"] == "my plan is ready"

    _b, bh = w.person(region="US")
    w.scores.self_harm_tier("same plan", "intent")
    other = w.item_for_post(w.thread(bh, "same plan")["post"]["id"])
    us = w.client.get(f"/api/v1/moderation/items/{other.id}", headers=mh).get_json()["resources"]
    assert us["country"] == "US" and "988 Suicide & Crisis Lifeline" in [r["name"] for r in us["resources"]]
    assert "Samaritans" not in [r["name"] for r in us["resources"]]


def test_item_page_shows_resources_for_a_crisis_item(w):
    _a, h = w.person(region="GB")
    moderator = w.member(role="moderator")
    w.scores.self_harm_tier("my plan is ready", "intent")
    item = w.item_for_post(w.thread(h, "my plan is ready")["post"]["id"])
    login(w.client, moderator.handle)
    page = w.client.get(f"/moderation/items/{item.id}").get_data(as_text=True)
    assert "116 123" in page
