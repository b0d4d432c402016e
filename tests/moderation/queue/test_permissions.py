"""Who may use the moderation API and pages, and the admin-only thresholds (validated and audited)."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from community.extensions import db
from moderation.models import AuditEntry
from tests.conftest import login


def _an_item(w):
    _a, h = w.person()
    w.scores.toxic("rude", 0.85)
    return w.item_for_post(w.thread(h, "rude")["post"]["id"])


def _api_calls(item_id):
    return [
        ("get", "/api/v1/moderation/queue", None),
        ("get", f"/api/v1/moderation/items/{item_id}", None),
        ("post", f"/api/v1/moderation/items/{item_id}/claim", None),
        ("post", f"/api/v1/moderation/items/{item_id}/release", None),
        ("post", f"/api/v1/moderation/items/{item_id}/decision", {"action": "approve", "version": 1}),
        ("post", f"/api/v1/moderation/items/{item_id}/messages", {"body": "hi"}),
        ("get", "/api/v1/moderation/thresholds", None),
        ("patch", "/api/v1/moderation/thresholds", {"toxicity_hold": 0.5}),
    ]


def test_member_gets_403_and_anonymous_401_on_every_moderation_endpoint(w):
    item = _an_item(w)
    _m, mh = w.person()
    for method, url, body in _api_calls(item.id):
        r = getattr(w.client, method)(url, json=body, headers=mh)
        assert r.status_code == 403, (method, url)
        assert r.get_json()["error"]["code"] == "forbidden"
        r = getattr(w.client, method)(url, json=body)
        assert r.status_code == 401, (method, url)
    # Nothing happened.
    item = w.item_for_post(item.content_id)
    assert item.status == "open" and item.claimed_by_id is None
    assert w.post(item.content_id).status == "held"


def test_moderator_cannot_read_or_change_thresholds(w):
    _m, mh = w.person(role="moderator")
    assert w.client.get("/api/v1/moderation/thresholds", headers=mh).status_code == 403
    r = w.client.patch("/api/v1/moderation/thresholds", json={"toxicity_hold": 0.5}, headers=mh)
    assert r.status_code == 403 and r.get_json()["error"]["code"] == "forbidden"
    _ad, ah = w.person(role="admin")
    assert w.client.get("/api/v1/moderation/thresholds", headers=ah).get_json()["thresholds"]["toxicity_hold"] == 0.8


def test_moderator_and_admin_can_use_the_queue_api(w):
    item = _an_item(w)
    for role in ("moderator", "admin"):
        _s, sh = w.person(role=role)
        assert w.client.get("/api/v1/moderation/queue", headers=sh).status_code == 200
        assert w.client.get(f"/api/v1/moderation/items/{item.id}", headers=sh).status_code == 200


def test_member_gets_403_on_every_moderation_page(w):
    item = _an_item(w)
    member = w.member()
    http = w.app.test_client()
    login(http, member.handle)
    pages = [("get", "/moderation/queue"), ("get", "/moderation/queue?partial=1"),
             ("get", f"/moderation/items/{item.id}"), ("post", f"/moderation/items/{item.id}/claim"),
             ("post", f"/moderation/items/{item.id}/decision"), ("post", f"/moderation/items/{item.id}/message")]
    form = {"action": "approve", "version": str(item.version), "body": "hi", "note": "x"}
    for method, url in pages:
        r = getattr(http, method)(url, data=form if method == "post" else None)
        assert r.status_code == 403, (method, url)
    anon = w.app.test_client()
    for method, url in pages:
        r = getattr(anon, method)(url, data=form if method == "post" else None)
        assert r.status_code == 302 and "/login" in r.headers["Location"], (method, url)
    assert w.item_for_post(item.content_id).status == "open"
    assert w.post(item.content_id).status == "held"


def test_moderator_pages_work_and_decide(w):
    item = _an_item(w)
    moderator = w.member(role="moderator")
    http = w.app.test_client()
    login(http, moderator.handle)
    assert http.get("/moderation/queue").status_code == 200
    page = http.get(f"/moderation/items/{item.id}")
    assert page.status_code == 200 and b'value="suspend"' in page.data
    r = http.post(f"/moderation/items/{item.id}/decision", data={"action": "approve", "version": str(item.version)})
    assert r.status_code == 302
    assert w.post(item.content_id).status == "published"


# --- thresholds --------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("change", [
    {"toxicity_hold": 1.5}, {"toxicity_hold": -0.1}, {"toxicity_hold": "high"}, {"toxicity_hold": None},
    {"toxicity_hold": True}, {"toxicity_remove": 0.5}, {"reports_to_hold": 0}, {"reports_to_hold": 101},
    {"reports_to_hold": 2.5}, {"reports_to_hold": "3"}, {"no_such_setting": 0.5}, {"self_harm_intent": [0.5]},
])
def test_bad_threshold_values_are_400_and_change_nothing(w, change):
    _ad, ah = w.person(role="admin")
    r = w.client.patch("/api/v1/moderation/thresholds", json=change, headers=ah)
    assert r.status_code == 400, r.get_json()
    error = r.get_json()["error"]
    assert error["code"] == "invalid_thresholds" and isinstance(error["message"], str) and error["message"]
    assert w.client.get("/api/v1/moderation/thresholds", headers=ah).get_json()["thresholds"] == \
        {"toxicity_hold": 0.8, "toxicity_remove": 0.97, "toxicity_severe": 0.5, "self_harm_concern": 0.5,
         "self_harm_ideation": 0.5, "self_harm_intent": 0.5, "reports_to_hold": 3, "protected_toxicity_hold": 0.5}
    assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "policy.thresholds")) is None


def test_nan_threshold_is_400(w):
    _ad, ah = w.person(role="admin")
    r = w.client.patch("/api/v1/moderation/thresholds", data='{"toxicity_hold": NaN}', headers=ah,
                       content_type="application/json")
    assert r.status_code == 400 and "error" in r.get_json()


def test_non_object_body_is_400(w):
    _ad, ah = w.person(role="admin")
    for data in ("[1, 2]", "not json", ""):
        r = w.client.patch("/api/v1/moderation/thresholds", data=data, headers=ah, content_type="application/json")
        assert r.status_code == 400 and r.get_json()["error"]["code"] in ("invalid_json", "missing_body")


def test_every_threshold_change_is_audited_and_takes_effect(w):
    admin, ah = w.person(role="admin")
    _a, h = w.person()
    w.scores.toxic("snarky", 0.6)
    assert w.thread(h, "snarky one")["post"]["status"] == "published"

    r = w.client.patch("/api/v1/moderation/thresholds", json={"toxicity_hold": 0.55}, headers=ah)
    assert r.status_code == 200 and r.get_json()["thresholds"]["toxicity_hold"] == 0.55
    r = w.client.patch("/api/v1/moderation/thresholds", json={"reports_to_hold": 5, "toxicity_remove": 0.9},
                       headers=ah)
    assert r.status_code == 200

    entries = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "policy.thresholds")
                                 .order_by(AuditEntry.id)).all()
    assert len(entries) == 2
    first, second = entries
    assert first.actor_id == admin.id and first.target == "thresholds"
    assert first.before["toxicity_hold"] == 0.8 and first.after["toxicity_hold"] == 0.55
    assert second.before["toxicity_hold"] == 0.55 and second.before["reports_to_hold"] == 3
    assert second.after["reports_to_hold"] == 5 and second.after["toxicity_remove"] == 0.9

    # Screening uses the new numbers at once.
    data = w.thread(h, "snarky two")
    assert data["post"]["status"] == "held" and data["hold_reason"] == "toxicity"


def test_huge_queue_item_id_is_not_found_not_a_crash(app, client, make_member, token_for):
    moderator = make_member(role="moderator")
    response = client.get("/api/v1/moderation/items/2147483648", headers=token_for(moderator))
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "item_not_found"
