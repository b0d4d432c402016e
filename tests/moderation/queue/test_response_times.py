"""Response times on queue items (opened, first seen, first claimed, resolved), the admin's per-priority targets,
and overdue items on the card, in the header count and in the item JSON; on SQLite and PostgreSQL."""
from __future__ import annotations

from datetime import timedelta

from community.extensions import db, utcnow
from moderation.models import AuditEntry, QueueItem
from moderation.settings import RESPONSE_TARGET_DEFAULTS
from tests.conftest import login
from tests.support import assert_error


def _held(aw, author_h, body="rudeword here"):
    aw.scores.toxic("rudeword", 0.85)
    post = aw.thread(author_h, body)["post"]
    return aw.item_for_post(post["id"])


def test_seen_claimed_and_resolved_are_recorded_once(aw):
    author, author_h = aw.person()
    mod, mod_h = aw.person(role="moderator")
    other, other_h = aw.person(role="moderator")
    item = _held(aw, author_h)
    c = aw.client
    body = c.get("/api/v1/moderation/queue", headers=mod_h).get_json()["items"][0]
    assert body["opened_at"] == body["created_at"] and body["first_seen_at"] is None  # listing is not opening it
    assert body["first_claimed_at"] is None and body["resolved_at"] is None and body["overdue"] is False
    # A member asking is refused and records nothing.
    assert_error(c.get(f"/api/v1/moderation/items/{item.id}", headers=author_h), 403)
    assert aw.item_for_post(item.content_id).first_seen_at is None
    version = aw.item_for_post(item.content_id).version
    seen = c.get(f"/api/v1/moderation/items/{item.id}", headers=mod_h).get_json()["item"]["first_seen_at"]
    assert seen is not None
    assert aw.item_for_post(item.content_id).version == version  # seeing is not a change: no 409 for anyone
    c.get(f"/api/v1/moderation/items/{item.id}", headers=other_h)
    assert c.get(f"/api/v1/moderation/items/{item.id}", headers=mod_h).get_json()["item"]["first_seen_at"] == seen
    claimed = c.post(f"/api/v1/moderation/items/{item.id}/claim", headers=other_h).get_json()["item"]
    assert claimed["first_claimed_at"] is not None
    c.post(f"/api/v1/moderation/items/{item.id}/release", headers=other_h)
    again = c.post(f"/api/v1/moderation/items/{item.id}/claim", headers=mod_h).get_json()["item"]
    assert again["first_claimed_at"] == claimed["first_claimed_at"]
    done = aw.decide(mod_h, item.id, "remove")["item"]
    assert done["resolved_at"] is not None and done["overdue"] is False
    assert done["first_seen_at"] == seen and done["opened_at"] == body["opened_at"]


def test_an_appeal_reopens_the_clock(aw):
    author, author_h = aw.person()
    mod, mod_h = aw.person(role="moderator")
    item = _held(aw, author_h)
    aw.client.get(f"/api/v1/moderation/items/{item.id}", headers=mod_h)
    aw.client.post(f"/api/v1/moderation/items/{item.id}/claim", headers=mod_h)
    aw.decide(mod_h, item.id, "remove")
    before = aw.item_for_post(item.content_id).opened_at
    r = aw.client.post(f"/api/v1/posts/{item.content_id}/appeal", json={"text": "please look again"},
                       headers=author_h)
    assert r.status_code == 201, r.get_json()
    reopened = aw.item_for_post(item.content_id)
    assert reopened.kind == "appeal" and reopened.opened_at > before
    assert reopened.first_seen_at is None and reopened.first_claimed_at is None and reopened.created_at < reopened.opened_at


def test_the_item_page_marks_it_seen(app, make_member, scores):
    from community.forum.services import create_thread, get_board
    from moderation.queue.services import item_for
    author, mod = make_member(), make_member(role="moderator")
    scores.toxic("rudeword", 0.85)
    _t, post, _v = create_thread(author, get_board("anxiety"), "A title", "rudeword here")
    item = item_for("post", post.id)
    member = app.test_client()
    login(member, author.handle)
    assert member.get(f"/moderation/items/{item.id}").status_code == 403
    db.session.expire_all()
    assert item_for("post", post.id).first_seen_at is None
    staff = app.test_client()
    login(staff, mod.handle)
    assert staff.get(f"/moderation/items/{item.id}").status_code == 200
    db.session.expire_all()
    assert item_for("post", post.id).first_seen_at is not None


def _aged(item_id, minutes):
    item = db.session.get(QueueItem, item_id)
    item.opened_at = item.created_at = utcnow() - timedelta(minutes=minutes)
    db.session.commit()


def test_overdue_in_json_header_and_card(aw):
    author, author_h = aw.person()
    mod, mod_h = aw.person(role="moderator")
    aw.scores.self_harm_tier("end it tonight", "intent")
    urgent = aw.item_for_post(aw.thread(author_h, "I want to end it tonight")["post"]["id"])
    normal = _held(aw, author_h)
    assert (urgent.priority, normal.priority) == ("urgent", "normal")
    _aged(urgent.id, 12)  # target 5 min: overdue by 7
    _aged(normal.id, 60)  # target 24 h: not overdue
    body = aw.queue(mod_h)
    by_id = {i["id"]: i for i in body["items"]}
    assert by_id[urgent.id]["overdue"] is True and by_id[urgent.id]["overdue_minutes"] == 7
    assert by_id[urgent.id]["response_target_minutes"] == RESPONSE_TARGET_DEFAULTS["urgent"] == 5
    assert by_id[normal.id]["overdue"] is False and by_id[normal.id]["overdue_minutes"] is None
    assert body["counts"]["overdue"] == 1
    # Seeing or claiming does not stop the clock; a decision does.
    aw.client.post(f"/api/v1/moderation/items/{urgent.id}/claim", headers=mod_h)
    assert aw.client.get(f"/api/v1/moderation/items/{urgent.id}", headers=mod_h).get_json()["item"]["overdue"]
    # An admin tightens the normal target: now that one is overdue too.
    admin, admin_h = aw.person(role="admin")
    r = aw.client.patch("/api/v1/admin/response-targets", json={"normal": 30}, headers=admin_h)
    assert r.status_code == 200 and r.get_json()["response_targets"]["normal"] == 30
    assert aw.queue(mod_h)["counts"]["overdue"] == 2
    aw.decide(mod_h, urgent.id, "reach_out")
    assert aw.queue(mod_h)["counts"]["overdue"] == 1
    # No target for a priority: never overdue.
    aw.client.patch("/api/v1/admin/response-targets", json={"normal": None}, headers=admin_h)
    assert aw.queue(mod_h)["counts"]["overdue"] == 0


def test_the_card_says_overdue_by(app, make_member, scores):
    from community.forum.services import create_thread, get_board
    from moderation.queue.services import item_for
    author, mod = make_member(), make_member(role="moderator")
    scores.self_harm_tier("end it tonight", "intent")
    _t, post, _v = create_thread(author, get_board("anxiety"), "A title", "I want to end it tonight")
    _aged(item_for("post", post.id).id, 12)
    staff = app.test_client()
    login(staff, mod.handle)
    html = staff.get("/moderation/queue").get_data(as_text=True)
    assert "overdue by 7 min" in html and 'data-overdue-count="1"' in html and "1 overdue" in html
    assert "overdue by 7 min" in staff.get(f"/moderation/items/{item_for('post', post.id).id}").get_data(as_text=True)


def test_targets_are_admin_only_validated_and_audited(aw):
    admin, admin_h = aw.person(role="admin")
    c = aw.client
    assert c.get("/api/v1/admin/response-targets", headers=admin_h).get_json() == {
        "response_targets": {"urgent": 5, "high": 15, "normal": 1440, "low": 4320}}
    for role in ("member", "moderator"):
        _m, h = aw.person(role=role)
        assert_error(c.get("/api/v1/admin/response-targets", headers=h), 403)
        assert_error(c.patch("/api/v1/admin/response-targets", json={"urgent": 10}, headers=h), 403)
    for bad in ({"urgent": 0}, {"urgent": "5"}, {"urgent": True}, {"soon": 5}, {"low": 10 ** 9}):
        assert_error(c.patch("/api/v1/admin/response-targets", json=bad, headers=admin_h), 422,
                     "invalid_response_targets")
    assert c.get("/api/v1/admin/response-targets", headers=admin_h).get_json()["response_targets"]["urgent"] == 5
    r = c.patch("/api/v1/admin/response-targets", json={"urgent": 3, "low": None}, headers=admin_h)
    assert r.get_json()["response_targets"] == {"urgent": 3, "high": 15, "normal": 1440, "low": None}
    entry = db.session.query(AuditEntry).filter_by(action="policy.response_targets").one()
    assert entry.before["urgent"] == 5 and entry.after["urgent"] == 3 and entry.actor_id == admin.id


def test_the_admin_page_edits_targets(app, make_member):
    admin = make_member(role="admin")
    client = app.test_client()
    login(client, admin.handle)
    page = client.get("/admin/thresholds").get_data(as_text=True)
    assert 'id="target-urgent"' in page and 'value="5"' in page and "default 1 d" in page
    r = client.post("/admin/response-targets", data={"urgent": "4", "high": "15", "normal": "1440", "low": ""})
    assert r.status_code == 302
    assert client.get("/api/v1/admin/response-targets").status_code == 401  # (the API wants a token)
    from moderation.settings import load_response_targets
    assert load_response_targets() == {"urgent": 4, "high": 15, "normal": 1440, "low": None}
    r = client.post("/admin/response-targets", data={"urgent": "soon", "high": "15", "normal": "1440", "low": ""},
                    follow_redirects=True)
    assert "Not saved: urgent must be a whole number" in r.get_data(as_text=True)
    assert load_response_targets()["urgent"] == 4
