"""Queue order, claims, the optimistic-lock 409 and report aggregation, on SQLite and PostgreSQL."""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from community.extensions import db, utcnow
from moderation.models import AuditEntry, QueueItem


def _item_id(w, post_id):
    return w.item_for_post(post_id).id


# --- order -------------------------------------------------------------------------------------------------------

def test_queue_order_by_rank_then_oldest(aw):
    w = aw
    _a, h = w.person()
    _mod, mh = w.person(role="moderator")
    w.scores.toxic("removeme", 0.99)                    # low
    w.scores.self_harm_tier("checkin", "concern")       # normal
    w.scores.toxic("holdme", 0.85)                      # normal
    w.scores.self_harm_tier("thinking of it", "ideation")  # high
    w.scores.self_harm_tier("tonight", "intent")        # urgent
    posts = {name: w.thread(h, text)["post"]["id"] for name, text in [
        ("low", "removeme"), ("normal_a", "checkin"), ("normal_b", "holdme"), ("reported", "checkin too"),
        ("high", "thinking of it"), ("urgent_new", "tonight"), ("urgent_old", "tonight again")]}
    # "reported": a published post with one report (below the hold limit) ranks between high and normal.
    _r, rh = w.person()
    w.report(rh, posts["reported"])
    # Fix creation times so "oldest first" is unambiguous and opposite to insertion order where it matters.
    base = datetime(2026, 1, 1, 12, 0, 0)
    times = {"low": 0, "normal_a": 5, "normal_b": 1, "reported": 9, "high": 8, "urgent_new": 7, "urgent_old": 2}
    for name, minutes in times.items():
        w.set_created(_item_id(w, posts[name]), base + timedelta(minutes=minutes))

    order = [i["post"]["id"] for i in w.queue(mh)["items"]]
    expected = ["urgent_old", "urgent_new", "high", "reported", "normal_b", "normal_a", "low"]
    assert order == [posts[n] for n in expected]
    counts = w.queue(mh)["counts"]
    assert counts["urgent"] == 2 and counts["high"] == 1 and counts["low"] == 1
    assert counts["oldest_urgent_at"].startswith("2026-01-01T12:02:00")


def test_resolved_items_leave_the_open_queue(aw):
    w = aw
    _a, h = w.person()
    _m, mh = w.person(role="moderator")
    w.scores.toxic("meh", 0.85)
    post_id = w.thread(h, "meh")["post"]["id"]
    item_id = _item_id(w, post_id)
    w.decide(mh, item_id, "approve")
    assert item_id not in [i["id"] for i in w.queue(mh)["items"]]
    assert item_id in [i["id"] for i in w.queue(mh, "resolved")["items"]]
    r = w.client.get("/api/v1/moderation/queue?status=bogus", headers=mh)
    assert r.status_code == 400 and r.get_json()["error"]["code"] == "invalid_status"


# --- 409 and claims ----------------------------------------------------------------------------------------------

def test_stale_version_gets_409_with_current_item(aw):
    w = aw
    _a, h = w.person()
    _m1, m1 = w.person(role="moderator")
    _m2, m2 = w.person(role="moderator")
    w.scores.toxic("rude", 0.85)
    item_id = _item_id(w, w.thread(h, "rude")["post"]["id"])
    seen = w.client.get(f"/api/v1/moderation/items/{item_id}", headers=m2).get_json()["item"]["version"]
    w.decide(m1, item_id, "escalate", version=seen)  # bumps the version
    body = w.decide(m2, item_id, "approve", version=seen, status=409)
    assert body["error"]["code"] == "conflict" and body["error"]["message"]
    assert body["item"]["id"] == item_id and body["item"]["version"] > seen and body["item"]["escalated"] is True
    assert body["item"]["status"] == "open"
    assert w.post(body["item"]["post"]["id"]).status == "held"  # nothing applied
    # With the current version it works; then a second decision on a decided item is a 409 too.
    w.decide(m2, item_id, "approve", version=body["item"]["version"])
    again = w.decide(m1, item_id, "remove", status=409)
    assert again["item"]["status"] == "resolved" and again["item"]["resolution"] == "approve"


def test_other_moderators_unexpired_claim_gets_409_until_it_expires(aw):
    w = aw
    _a, h = w.person()
    m1, m1h = w.person(role="moderator")
    _m2, m2h = w.person(role="moderator")
    w.scores.toxic("rude", 0.85)
    item_id = _item_id(w, w.thread(h, "rude")["post"]["id"])
    r = w.client.post(f"/api/v1/moderation/items/{item_id}/claim", headers=m1h)
    assert r.status_code == 200 and r.get_json()["item"]["claimed_by"] == m1.handle
    r = w.client.post(f"/api/v1/moderation/items/{item_id}/claim", headers=m2h)
    assert r.status_code == 409 and r.get_json()["item"]["claimed_by"] == m1.handle
    body = w.decide(m2h, item_id, "approve", status=409)
    assert body["item"]["claimed_by"] == m1.handle
    # The claimant themselves may decide / re-claim; releasing is theirs only.
    assert w.client.post(f"/api/v1/moderation/items/{item_id}/claim", headers=m1h).status_code == 200
    w.client.post(f"/api/v1/moderation/items/{item_id}/release", headers=m2h)
    assert w.client.get(f"/api/v1/moderation/items/{item_id}", headers=m2h).get_json()["item"]["claimed_by"] \
        == m1.handle

    db.session.expire_all()
    item = db.session.get(QueueItem, item_id)
    item.claimed_until = utcnow() - timedelta(seconds=1)  # the claim lapses
    db.session.commit()
    assert w.client.get(f"/api/v1/moderation/items/{item_id}", headers=m2h).get_json()["item"]["claimed_by"] is None
    w.decide(m2h, item_id, "approve")
    assert w.item_for_post(item.content_id).status == "resolved"


def test_release_lets_another_moderator_decide(aw):
    w = aw
    _a, h = w.person()
    _m1, m1h = w.person(role="moderator")
    _m2, m2h = w.person(role="moderator")
    w.scores.toxic("rude", 0.85)
    item_id = _item_id(w, w.thread(h, "rude")["post"]["id"])
    w.client.post(f"/api/v1/moderation/items/{item_id}/claim", headers=m1h)
    r = w.client.post(f"/api/v1/moderation/items/{item_id}/release", headers=m1h)
    assert r.status_code == 200 and r.get_json()["item"]["claimed_by"] is None
    w.decide(m2h, item_id, "remove")


def test_claim_minutes_setting_controls_expiry(app_factory):
    from tests.moderation.conftest import World
    app = app_factory(QUEUE_CLAIM_MINUTES=0)
    with app.app_context():
        w = World(app)
        _a, h = w.person()
        _m1, m1h = w.person(role="moderator")
        _m2, m2h = w.person(role="moderator")
        w.scores.toxic("rude", 0.85)
        item_id = _item_id(w, w.thread(h, "rude")["post"]["id"])
        assert w.client.post(f"/api/v1/moderation/items/{item_id}/claim", headers=m1h).status_code == 200
        # A zero-minute claim is already over: the second moderator is not blocked.
        assert w.client.post(f"/api/v1/moderation/items/{item_id}/claim", headers=m2h).status_code == 200
        w.decide(m2h, item_id, "approve")


def test_claim_of_a_decided_item_is_409(aw):
    w = aw
    _a, h = w.person()
    _m, mh = w.person(role="moderator")
    w.scores.toxic("rude", 0.85)
    item_id = _item_id(w, w.thread(h, "rude")["post"]["id"])
    w.decide(mh, item_id, "approve")
    r = w.client.post(f"/api/v1/moderation/items/{item_id}/claim", headers=mh)
    assert r.status_code == 409 and r.get_json()["item"]["status"] == "resolved"


def test_unknown_item_is_404(aw):
    _m, mh = aw.person(role="moderator")
    r = aw.client.get("/api/v1/moderation/items/999999", headers=mh)
    assert r.status_code == 404 and r.get_json()["error"]["code"] == "item_not_found"


# --- reports -----------------------------------------------------------------------------------------------------

def test_reports_aggregate_into_one_item_and_hold_at_the_limit(aw):
    w = aw
    _a, h = w.person()
    _m, mh = w.person(role="moderator")
    post_id = w.published_thread(h)["post"]["id"]
    reporters = [w.trusted_person()[1] for _ in range(5)]
    w.report(reporters[0], post_id)
    w.report(reporters[1], post_id, reason="spam")
    assert w.post(post_id).status == "published"  # 2 < reports_to_hold (3)
    item = w.item_for_post(post_id)
    assert (item.kind, item.report_count) == ("report", 2)
    w.report(reporters[2], post_id)
    post = w.post(post_id)
    assert (post.status, post.hold_reason) == ("held", "reports")
    assert w.client.get(f"/api/v1/posts/{post_id}").status_code == 404
    assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "post.hold_by_reports",
                                                      AuditEntry.target == f"post:{post_id}")) is not None
    # Once held, others can no longer see (or report) it.
    w.report(reporters[0], post_id, status=404)  # held: no longer visible to them
    assert w.items_for_post(post_id) == 1
    item = w.item_for_post(post_id)
    assert item.report_count == 3
    listed = [i for i in w.queue(mh)["items"] if i["id"] == item.id]
    assert len(listed) == 1 and len(listed[0]["reports"]) == 3
    assert set(listed[0]["reasons"]) >= {"report:harassment", "report:spam"}


def test_more_reports_join_the_same_item(aw):
    w = aw
    _a, h = w.person()
    post_id = w.published_thread(h)["post"]["id"]
    from moderation.settings import save_thresholds
    save_thresholds({"reports_to_hold": 10})
    db.session.commit()
    for i in range(6):
        w.report(w.person()[1], post_id, reason="other" if i % 2 else "harassment")
    assert w.items_for_post(post_id) == 1
    item = w.item_for_post(post_id)
    assert item.report_count == 6 and item.status == "open"
    assert w.post(post_id).status == "published"
    # The same reporter twice is a 409, and does not count.
    again = w.person()[1]
    w.report(again, post_id)
    w.report(again, post_id, status=409)
    assert w.item_for_post(post_id).report_count == 7


def test_report_joins_an_existing_check_in_item_and_ranks_it_reported(aw):
    w = aw
    _a, h = w.person()
    w.scores.self_harm_tier("heavy day", "concern")
    post_id = w.thread(h, "a heavy day")["post"]["id"]
    before = w.item_for_post(post_id)
    assert before.kind == "check_in" and before.report_count == 0
    w.report(w.person()[1], post_id, reason="self_harm_risk")
    assert w.items_for_post(post_id) == 1
    after = w.item_for_post(post_id)
    assert after.id == before.id and after.report_count == 1 and after.priority == "high"


def test_report_reopens_a_resolved_item(aw):
    w = aw
    _a, h = w.person()
    _m, mh = w.person(role="moderator")
    w.scores.toxic("borderline", 0.85)
    post_id = w.thread(h, "borderline")["post"]["id"]
    w.decide(mh, w.item_for_post(post_id).id, "approve")
    assert w.post(post_id).status == "published"
    w.report(w.person()[1], post_id)
    item = w.item_for_post(post_id)
    assert w.items_for_post(post_id) == 1 and item.status == "open" and item.kind == "report"


def test_reports_to_hold_threshold_is_respected(aw):
    w = aw
    _a, h = w.person()
    from moderation.settings import save_thresholds
    save_thresholds({"reports_to_hold": 1})
    db.session.commit()
    post_id = w.published_thread(h)["post"]["id"]
    w.report(w.trusted_person()[1], post_id)
    assert w.post(post_id).status == "held"
