"""Bulk decisions for low-risk items only: members 403, moderators allowed, each item decided and audited on its
own; any item about a person at risk refuses the whole request with nothing applied; on SQLite and PostgreSQL."""
from __future__ import annotations

from community.extensions import db
from moderation.models import AuditEntry, Notice
from tests.conftest import login
from tests.support import assert_error


def _auto_removed(aw, headers, n=2):
    aw.scores.toxic("awfulword", 0.99)
    items = []
    for i in range(n):
        post = aw.thread(headers, f"awfulword number {i}")["post"]
        assert post["status"] == "removed"
        items.append(aw.item_for_post(post["id"]))
    assert {i.kind for i in items} == {"auto_removed"}
    return items


def _bulk(aw, headers, ids, action="remove", status=200):
    r = aw.client.post("/api/v1/moderation/bulk", json={"item_ids": ids, "action": action}, headers=headers)
    assert r.status_code == status, r.get_json()
    return r.get_json()


def test_a_moderator_confirms_spot_checks_and_reports_item_by_item(aw):
    author, author_h = aw.person()
    mod, mod_h = aw.person(role="moderator")
    removed = _auto_removed(aw, author_h)
    reported = aw.published_thread(author_h)["post"]
    aw.report(aw.person()[1], reported["id"], reason="spam")
    report_item = aw.item_for_post(reported["id"])
    assert report_item.kind == "report" and report_item.priority == "normal"
    ids = [i.id for i in removed] + [report_item.id]
    body = _bulk(aw, mod_h, ids, "remove")
    assert body["done"] == 3 and [r["id"] for r in body["results"]] == ids and all(r["done"] for r in body["results"])
    db.session.expire_all()
    for item_id in ids:
        item = aw.client.get(f"/api/v1/moderation/items/{item_id}", headers=mod_h).get_json()["item"]
        assert item["status"] == "resolved" and item["resolution"] == "remove"
    assert aw.post(reported["id"]).status == "removed"
    # Audited one by one, plus the batch.
    entries = db.session.query(AuditEntry).filter(AuditEntry.actor_id == mod.id)
    assert sorted(e.target for e in entries if e.action == "queue.remove") == sorted(
        f"post:{i}" for i in [x.content_id for x in removed] + [reported["id"]])
    batch = [e for e in entries if e.action == "queue.bulk"]
    assert len(batch) == 1 and batch[0].after == {"action": "remove", "items": ids}
    assert db.session.query(Notice).filter(Notice.member_id == author.id).count() >= 3  # a notice per decision


def test_approve_restores_spot_checked_removals(aw):
    author, author_h = aw.person()
    mod, mod_h = aw.person(role="moderator")
    removed = _auto_removed(aw, author_h, n=2)
    _bulk(aw, mod_h, [i.id for i in removed], "approve")
    assert {aw.post(i.content_id).status for i in removed} == {"published"}


def test_members_are_refused(aw):
    author, author_h = aw.person()
    removed = _auto_removed(aw, author_h, n=1)
    assert_error(aw.client.post("/api/v1/moderation/bulk", json={"item_ids": [removed[0].id], "action": "remove"},
                                headers=author_h), 403)
    assert aw.client.post("/api/v1/moderation/bulk", json={"item_ids": [removed[0].id], "action": "remove"}
                          ).status_code == 401
    assert aw.item_for_post(removed[0].content_id).status == "open"


def test_a_person_at_risk_refuses_the_whole_batch(aw):
    author, author_h = aw.person()
    mod, mod_h = aw.person(role="moderator")
    removed = _auto_removed(aw, author_h, n=2)
    aw.scores.self_harm_tier("no way out", "ideation")
    crisis = aw.item_for_post(aw.thread(author_h, "there is no way out for me")["post"]["id"])
    assert crisis.kind == "self_harm"
    from moderation.queue.messages import send_to_staff
    message_item = send_to_staff(author, "can I talk to someone")[0].queue_item_id
    for odd_one in (crisis.id, message_item):
        for action in ("approve", "remove"):
            body = assert_error(aw.client.post("/api/v1/moderation/bulk", json={
                "item_ids": [removed[0].id, odd_one, removed[1].id], "action": action}, headers=mod_h), 403,
                "bulk_not_allowed")
            assert str(odd_one) in body["error"]["message"] and "Nothing was applied" in body["error"]["message"]
    db.session.expire_all()
    assert {aw.item_for_post(i.content_id).status for i in removed} == {"open"}  # nothing applied
    assert aw.item_for_post(crisis.content_id).status == "open"
    assert not db.session.query(AuditEntry).filter(AuditEntry.action.in_(("queue.remove", "queue.approve",
                                                                           "queue.bulk"))).count()


def test_other_bad_requests_apply_nothing(aw):
    author, author_h = aw.person()
    mod, mod_h = aw.person(role="moderator")
    removed = _auto_removed(aw, author_h, n=1)
    aw.scores.toxic("rudeword", 0.85)
    held = aw.item_for_post(aw.thread(author_h, "rudeword reply")["post"]["id"])
    assert held.kind == "toxicity"
    good = removed[0].id
    c = aw.client
    cases = [({"item_ids": [good, held.id], "action": "remove"}, 400, "bulk_kind_not_allowed"),
             ({"item_ids": [good], "action": "suspend"}, 400, "invalid_action"),
             ({"item_ids": [good], "action": "warn"}, 400, "invalid_action"),
             ({"item_ids": [], "action": "remove"}, 400, "invalid_item_ids"),
             ({"item_ids": "1,2", "action": "remove"}, 400, "invalid_item_ids"),
             ({"item_ids": [good, "x"], "action": "remove"}, 400, "invalid_item_ids"),
             ({"item_ids": list(range(1, 102)), "action": "remove"}, 400, "invalid_item_ids"),
             ({"item_ids": [good, 987654], "action": "remove"}, 404, "item_not_found")]
    for body, status, code in cases:
        assert_error(c.post("/api/v1/moderation/bulk", json=body, headers=mod_h), status, code)
    assert aw.item_for_post(removed[0].content_id).status == "open"
    other, other_h = aw.person(role="moderator")
    c.post(f"/api/v1/moderation/items/{good}/claim", headers=other_h)
    assert_error(c.post("/api/v1/moderation/bulk", json={"item_ids": [good], "action": "remove"}, headers=mod_h), 409,
                 "claimed")
    _bulk(aw, other_h, [good])  # the claimant may
    assert_error(c.post("/api/v1/moderation/bulk", json={"item_ids": [good], "action": "remove"}, headers=mod_h), 409,
                 "already_decided")


def test_the_queue_page_confirms_first(app, make_member, scores):
    from community.forum.services import create_thread, get_board
    from moderation.queue.services import item_for
    author, mod = make_member(), make_member(role="moderator")
    scores.toxic("awfulword", 0.99)
    posts = [create_thread(author, get_board("anxiety"), "A title", f"awfulword {i}")[1] for i in range(2)]
    scores.self_harm_tier("end it tonight", "intent")
    _t, crisis_post, _v = create_thread(author, get_board("anxiety"), "A title", "I want to end it tonight")
    ids = [item_for("post", p.id).id for p in posts]
    crisis = item_for("post", crisis_post.id)
    client = app.test_client()
    login(client, mod.handle)
    html = client.get("/moderation/queue").get_data(as_text=True)
    for item_id in ids:
        assert f'name="item_ids" value="{item_id}" form="bulk-form"' in html
    assert f'name="item_ids" value="{crisis.id}"' not in html  # never offered for a person at risk
    page = client.post("/moderation/bulk", data={"action": "remove", "item_ids": [str(i) for i in ids]})
    assert page.status_code == 200 and "Confirm: remove 2 items" in page.get_data(as_text=True)
    db.session.expire_all()
    assert {item_for("post", p.id).status for p in posts} == {"open"}  # nothing done before confirming
    r = client.post("/moderation/bulk", data={"action": "remove", "confirm": "yes",
                                              "item_ids": [str(i) for i in ids]}, follow_redirects=True)
    assert "Done: remove on 2 items." in r.get_data(as_text=True)
    db.session.expire_all()
    assert {item_for("post", p.id).status for p in posts} == {"resolved"}
    # A crafted request naming the crisis item is refused with the reason.
    r = client.post("/moderation/bulk", data={"action": "remove", "confirm": "yes", "item_ids": [str(crisis.id)]},
                    follow_redirects=True)
    assert "one at a time" in r.get_data(as_text=True)
    db.session.expire_all()
    assert item_for("post", crisis_post.id).status == "open"
