"""Canned replies for staff messages: seeded defaults (warm, pointing to help), staff read them, admins edit them
(audited), and the item page and inbox fill the message box from one, with or without JavaScript."""
from __future__ import annotations

import re
from html import unescape

from community.extensions import db
from moderation.models import AuditEntry
from tests.conftest import login
from tests.support import assert_error


def test_defaults_are_seeded_and_staff_only(aw):
    mod, mod_h = aw.person(role="moderator")
    r = aw.client.get("/api/v1/moderation/canned-replies", headers=mod_h)
    assert r.status_code == 200
    replies = r.get_json()["canned_replies"]
    assert len(replies) >= 4 and set(replies[0]) == {"id", "title", "body", "position", "updated_at"}
    outreach = next(x for x in replies if "self-harm" in x["title"])
    assert "/help" in outreach["body"] and "crisis line" in outreach["body"]
    assert "glad you shared" in outreach["body"]  # warm, not clinical
    assert not re.search(r"\b(patient|ideation|diagnos|protocol)", outreach["body"], re.I)
    member, member_h = aw.person()
    assert_error(aw.client.get("/api/v1/moderation/canned-replies", headers=member_h), 403)


def test_admins_edit_them_through_the_api(aw):
    admin, admin_h = aw.person(role="admin")
    mod, mod_h = aw.person(role="moderator")
    c = aw.client
    r = c.post("/api/v1/admin/canned-replies", json={"title": "Welcome back", "body": "Good to see you again."},
               headers=admin_h)
    assert r.status_code == 201, r.get_json()
    reply = r.get_json()["canned_reply"]
    listed = c.get("/api/v1/moderation/canned-replies", headers=mod_h).get_json()["canned_replies"]
    assert listed[-1]["title"] == "Welcome back"  # new ones go last unless given a position
    r = c.put(f"/api/v1/admin/canned-replies/{reply['id']}", json={"title": "Welcome back!", "body": "Hello again.",
                                                                   "position": 0}, headers=admin_h)
    assert r.status_code == 200 and r.get_json()["canned_reply"]["body"] == "Hello again."
    for body, code in (({"title": "", "body": "x"}, "invalid_title"), ({"title": "t", "body": "   "}, "invalid_body"),
                       ({"title": "t" * 121, "body": "x"}, "invalid_title"),
                       ({"title": "t", "body": "x" * 2001}, "invalid_body"),
                       ({"title": "t", "body": "x", "position": "first"}, "invalid_position")):
        assert_error(c.post("/api/v1/admin/canned-replies", json=body, headers=admin_h), 400, code)
    # Moderators and members may read (moderators) but never change them.
    for headers in (mod_h, aw.person()[1]):
        assert_error(c.post("/api/v1/admin/canned-replies", json={"title": "t", "body": "b"}, headers=headers), 403)
        assert_error(c.put(f"/api/v1/admin/canned-replies/{reply['id']}", json={"title": "t", "body": "b"},
                           headers=headers), 403)
        assert_error(c.delete(f"/api/v1/admin/canned-replies/{reply['id']}", headers=headers), 403)
    assert c.delete(f"/api/v1/admin/canned-replies/{reply['id']}", headers=admin_h).status_code == 204
    assert_error(c.delete(f"/api/v1/admin/canned-replies/{reply['id']}", headers=admin_h), 404,
                 "canned_reply_not_found")
    actions = [a.action for a in db.session.query(AuditEntry).filter(AuditEntry.actor_id == admin.id)
               .order_by(AuditEntry.id)]
    assert actions == ["canned_reply.add", "canned_reply.update", "canned_reply.delete"]


def _textarea(html: str, element_id: str) -> str:
    match = re.search(rf'<textarea id="{element_id}"[^>]*>(.*?)</textarea>', html, re.S)
    assert match, html[-3000:]
    return unescape(match.group(1))


def test_the_item_page_fills_the_message_box_without_javascript(app, make_member, scores):
    from community.forum.services import create_thread, get_board
    from moderation.queue.canned import replies
    from moderation.queue.services import item_for
    author, mod = make_member(), make_member(role="moderator")
    scores.self_harm_tier("end it tonight", "intent")
    _t, post, _v = create_thread(author, get_board("anxiety"), "A title", "I want to end it tonight")
    item = item_for("post", post.id)
    outreach = replies()[0]
    client = app.test_client()
    login(client, mod.handle)
    page = client.get(f"/moderation/items/{item.id}").get_data(as_text=True)
    assert 'name="reply"' in page and outreach.title in page and _textarea(page, "message-body") == ""
    filled = client.get(f"/moderation/items/{item.id}?reply={outreach.id}").get_data(as_text=True)
    assert _textarea(filled, "message-body") == outreach.body
    assert client.get(f"/moderation/items/{item.id}?reply=nonsense").status_code == 200  # a bad id: an empty box
    # The moderator edits before sending: what arrives is their text.
    edited = outreach.body.replace("Hi,", "Hi Sam,")
    assert client.post(f"/moderation/items/{item.id}/message", data={"body": edited}).status_code == 302
    from moderation.queue.services import conversation
    assert conversation(author)[-1].body == edited


def test_the_inbox_reply_box_too(app, make_member):
    from moderation.queue.canned import replies
    from moderation.queue.messages import send_to_staff
    member, mod = make_member(), make_member(role="moderator")
    send_to_staff(member, "can I ask something")
    client = app.test_client()
    login(client, mod.handle)
    chosen = replies()[1]
    html = client.get(f"/moderation/inbox/{member.id}?reply={chosen.id}").get_data(as_text=True)
    assert _textarea(html, "body") == chosen.body and "canned_replies.js" in html


def test_the_admin_page(app, make_member):
    admin, mod = make_member(role="admin"), make_member(role="moderator")
    client = app.test_client()
    login(client, admin.handle)
    page = client.get("/admin/canned-replies")
    assert page.status_code == 200 and "Reaching out after a post about self-harm" in page.get_data(as_text=True)
    r = client.post("/admin/canned-replies", data={"title": "   ", "body": "kept text I typed"})
    assert r.status_code == 400 and "kept text I typed" in r.get_data(as_text=True)  # nothing typed is lost
    assert client.post("/admin/canned-replies", data={"title": "Short one", "body": "Thank you."}).status_code == 302
    from moderation.queue.canned import replies
    new = next(x for x in replies() if x.title == "Short one")
    client.post(f"/admin/canned-replies/{new.id}", data={"title": "Short one", "body": "Thanks so much."})
    db.session.expire_all()
    assert next(x for x in replies() if x.id == new.id).body == "Thanks so much."
    client.post(f"/admin/canned-replies/{new.id}/delete")
    assert all(x.id != new.id for x in replies())
    staff = app.test_client()
    login(staff, mod.handle)
    assert staff.get("/admin/canned-replies").status_code == 403


def test_a_reach_out_message_can_start_from_a_canned_reply(app, make_member, scores):
    from community.forum.services import create_thread, get_board
    from moderation.queue.canned import replies
    from moderation.queue.services import conversation, item_for
    author, mod = make_member(), make_member(role="moderator")
    scores.self_harm_tier("end it tonight", "intent")
    _t, post, _v = create_thread(author, get_board("anxiety"), "A title", "I want to end it tonight")
    item = item_for("post", post.id)
    outreach = replies()[0]
    client = app.test_client()
    login(client, mod.handle)
    html = client.get(f"/moderation/items/{item.id}?reply={outreach.id}&into=note").get_data(as_text=True)
    assert _textarea(html, "note") == outreach.body and _textarea(html, "message-body") == ""
    edited = outreach.body + "\n\nI'm here tonight until 11."
    r = client.post(f"/moderation/items/{item.id}/decision", data={"action": "reach_out", "version": item.version,
                                                                   "note": edited})
    assert r.status_code == 302
    assert conversation(author)[-1].body == edited
