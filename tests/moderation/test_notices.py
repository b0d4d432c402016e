"""Notices follow every decision; strikes and the suspension proposal; self-harm holds never become strikes."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from community.extensions import db
from moderation.models import QueueItem
from moderation.models import Strike
from tests.conftest import login


# Every test here runs on SQLite and on PostgreSQL: `client` and `scores` follow `any_app`.
@pytest.fixture
def client(any_app):
    return any_app.test_client()


@pytest.fixture
def scores(ctl):  # noqa: F811
    return ctl


def _held(client, scores, h, text):
    r = client.post("/api/v1/boards/anxiety/threads", json={"title": "A quiet title", "body": text}, headers=h)
    post_id = r.get_json()["post"]["id"]
    return db.session.scalar(select(QueueItem).where(QueueItem.content_type == "post",
                                                     QueueItem.content_id == post_id))


def _decide(client, mh, item, action, note=None):
    db.session.refresh(item)
    body = {"action": action, "version": item.version}
    if note:
        body["note"] = note
    r = client.post(f"/api/v1/moderation/items/{item.id}/decision", json=body, headers=mh)
    assert r.status_code == 200, r.get_json()
    return r.get_json()


def test_a_notice_follows_every_decision(client, scores, make_member, token_for):
    author = make_member()
    h, mh = token_for(author), token_for(make_member(role="moderator"))
    scores.toxic("you clown", 0.9)
    for i, action in enumerate(("approve", "remove", "warn", "suspend")):
        item = _held(client, scores, h, f"you clown {i}")
        _decide(client, mh, item, action, note="please be kind")
        author.suspended_until = None
        db.session.commit()
    notices = client.get("/api/v1/me/notices", headers=h).get_json()
    kinds = [n["kind"] for n in notices["notices"]]
    assert sorted(kinds) == ["approved", "removed", "suspended", "warned"]
    assert notices["unread"] == 4
    removed = next(n for n in notices["notices"] if n["kind"] == "removed")
    assert removed["rule"] and removed["moderator_note"] == "please be kind" and removed["appeal_url"]
    login(client, author.handle)
    assert 'aria-label="4 unread notices"' in client.get("/").get_data(as_text=True)
    page = client.get("/notices").get_data(as_text=True)
    assert "Your post was removed" in page and "please be kind" in page
    assert 'unread notices' not in client.get("/").get_data(as_text=True)
    strikes = client.get("/api/v1/me/strikes", headers=h).get_json()["strikes"]
    assert sorted(s["kind"] for s in strikes) == ["removal", "warning"]


def test_self_harm_notice_is_supportive_and_never_a_strike(client, scores, make_member, token_for):
    author = make_member()
    h, mh = token_for(author), token_for(make_member(role="moderator"))
    scores.self_harm_tier("end it all", "intent")
    for action in ("remove", "approve", "reach_out"):
        item = _held(client, scores, h, f"I want to end it all ({action})")
        assert item.kind == "self_harm"
        _decide(client, mh, item, action, note="we're here for you")
    # A person at risk is never warned (nor suspended): refused, nothing sent.
    item = _held(client, scores, h, "I want to end it all (warn)")
    r = client.post(f"/api/v1/moderation/items/{item.id}/decision", headers=mh,
                    json={"action": "warn", "version": item.version, "note": "stop"})
    assert r.status_code == 422 and r.get_json()["error"]["code"] == "not_allowed"
    notices = client.get("/api/v1/me/notices", headers=h).get_json()["notices"]
    assert len(notices) == 3 and {n["kind"] for n in notices} == {"support"}
    for n in notices:
        assert n["help_url"] == "/help" and n["safety_plan_url"] and n["appeal_url"] is None
        assert "removed" not in n["title"].lower()
    assert db.session.scalars(select(Strike).where(Strike.member_id == author.id)).all() == []
    login(client, author.handle)
    page = client.get("/notices").get_data(as_text=True)
    assert 'href="/help"' in page and "safety plan" in page


def test_three_removals_propose_a_suspension_a_moderator_confirms(client, scores, make_member, token_for):
    author = make_member()
    h, mh = token_for(author), token_for(make_member(role="moderator"))
    scores.toxic("you clown", 0.9)
    for i in range(3):
        _decide(client, mh, _held(client, scores, h, f"you clown {i}"), "remove")
    proposal = db.session.scalar(select(QueueItem).where(QueueItem.kind == "suspension_proposal"))
    assert proposal is not None and proposal.status == "open" and proposal.author_id == author.id
    listed = client.get("/api/v1/moderation/queue", headers=mh).get_json()["items"]
    assert any(i["kind"] == "suspension_proposal" and i["member"]["handle"] == author.handle for i in listed)
    _decide(client, mh, proposal, "suspend", note="three removals this month")
    db.session.refresh(author)
    db.session.refresh(proposal)
    assert author.is_suspended and proposal.status == "resolved"
