"""Internal staff notes on an item and about a member, and hand-offs when releasing a claim: staff only, audited,
never shown to the member; on SQLite and PostgreSQL."""
from __future__ import annotations

from community.extensions import db
from moderation.models import AuditEntry
from tests.conftest import login
from tests.support import assert_error


def _crisis_item(aw):
    author, author_h = aw.person()
    aw.scores.self_harm_tier("end it tonight", "intent")
    post = aw.thread(author_h, "I want to end it tonight")["post"]
    return author, author_h, aw.item_for_post(post["id"])


def test_notes_and_hand_offs_through_the_api(aw):
    author, author_h, item = _crisis_item(aw)
    mod, mod_h = aw.person(role="moderator")
    other, other_h = aw.person(role="moderator")
    c = aw.client
    r = c.post(f"/api/v1/moderation/items/{item.id}/notes", json={"body": "Reached out by message at 21:10."},
               headers=mod_h)
    assert r.status_code == 201 and r.get_json()["note"]["about"] == "item"
    r = c.post(f"/api/v1/moderation/items/{item.id}/notes", json={"body": "Prefers short messages.", "about": "member"},
               headers=mod_h)
    assert r.status_code == 201 and r.get_json()["note"]["about"] == "member"
    assert c.post(f"/api/v1/moderation/items/{item.id}/claim", headers=mod_h).status_code == 200
    r = c.post(f"/api/v1/moderation/items/{item.id}/release", json={"note": "I need to step away; she said she's safe for now."},
               headers=mod_h)
    assert r.status_code == 200 and r.get_json()["item"]["claimed_by"] is None
    notes = c.get(f"/api/v1/moderation/items/{item.id}", headers=other_h).get_json()["notes"]
    assert notes[0]["kind"] == "handoff" and notes[0]["body"].startswith("I need to step away")  # seen first
    assert {n["body"] for n in notes} >= {"Reached out by message at 21:10.", "Prefers short messages."}
    assert all(n["author"] == mod.handle for n in notes)
    # A note about the member follows them to their other items.
    aw.scores.self_harm_tier("no way out", "ideation")
    second = aw.item_for_post(aw.thread(author_h, "there is no way out for me")["post"]["id"])
    later = c.get(f"/api/v1/moderation/items/{second.id}/notes", headers=other_h).get_json()["notes"]
    assert [n["body"] for n in later] == ["Prefers short messages."]
    actions = {a.action for a in db.session.query(AuditEntry).filter(AuditEntry.actor_id == mod.id)}
    assert {"staff_note.note", "staff_note.handoff"} <= actions


def test_notes_are_staff_only_and_checked(aw):
    author, author_h, item = _crisis_item(aw)
    mod, mod_h = aw.person(role="moderator")
    c = aw.client
    for headers in (author_h, aw.person()[1]):
        assert_error(c.post(f"/api/v1/moderation/items/{item.id}/notes", json={"body": "x"}, headers=headers), 403)
        assert_error(c.get(f"/api/v1/moderation/items/{item.id}/notes", headers=headers), 403)
    assert_error(c.post(f"/api/v1/moderation/items/{item.id}/notes", json={"body": "   "}, headers=mod_h), 400,
                 "invalid_note")
    assert_error(c.post(f"/api/v1/moderation/items/{item.id}/notes", json={"body": "x" * 2001}, headers=mod_h), 400,
                 "note_too_long")
    assert_error(c.post(f"/api/v1/moderation/items/{item.id}/notes", json={"body": "ok", "about": "thread"},
                        headers=mod_h), 400, "invalid_about")
    # A hand-off needs one's own claim (else it is a plain note): said clearly, nothing changes.
    assert_error(c.post(f"/api/v1/moderation/items/{item.id}/release", json={"note": "bye"}, headers=mod_h), 409,
                 "not_claimed")
    c.post(f"/api/v1/moderation/items/{item.id}/notes", json={"body": "private to staff"}, headers=mod_h)
    # Nothing of it reaches the member: not their post, their notices, their messages.
    for url in (f"/api/v1/posts/{item.content_id}", "/api/v1/me/notices", "/api/v1/me/messages"):
        assert "private to staff" not in c.get(url, headers=author_h).get_data(as_text=True)


def test_the_item_page_shows_the_hand_off_first_and_takes_notes(app, make_member, scores):
    from community.forum.services import create_thread, get_board
    from moderation.queue import services as queue
    author, mod, next_mod = make_member(), make_member(role="moderator"), make_member(role="moderator")
    scores.self_harm_tier("end it tonight", "intent")
    _t, post, _v = create_thread(author, get_board("anxiety"), "A title", "I want to end it tonight")
    item = queue.item_for("post", post.id)
    client = app.test_client()
    login(client, mod.handle)
    client.post(f"/moderation/items/{item.id}/claim")
    client.post(f"/moderation/items/{item.id}/notes", data={"body": "Sent the reach-out message.", "about": "item"})
    r = client.post(f"/moderation/items/{item.id}/release", data={"body": "Stepping away, she is with her sister now."})
    assert r.status_code == 302
    other = app.test_client()
    login(other, next_mod.handle)
    html = other.get(f"/moderation/items/{item.id}").get_data(as_text=True)
    assert "Hand-off from" in html and html.index("Stepping away") < html.index("Author:")
    assert "Sent the reach-out message." in html
