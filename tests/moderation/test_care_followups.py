"""Caring follow-ups after a crisis: offered with the supportive notice, opt-in, sent on schedule as a message from
the team, stoppable, never sent to a deleted or suspended account; moderators see and personalise them."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from community.extensions import db, utcnow
from moderation import care, jobs
from moderation.models import AuditEntry, CareFollowUp, StaffMessage
from moderation.settings import CARE_DEFAULTS
from tests.conftest import login
from tests.support import assert_error


def _resolved_crisis(w, action="publish_with_support"):
    member, h = w.person()
    _m, mh = w.person(role="moderator")
    w.scores.self_harm_tier("i can't keep going", "ideation")
    data = w.thread(h, "i can't keep going")
    item = w.item_for_post(data["post"]["id"])
    w.decide(mh, item.id, action)
    return member, h, mh, item.id


def _due_now(item_id):
    for row in db.session.scalars(select(CareFollowUp).where(CareFollowUp.item_id == item_id)):
        row.due_at = utcnow() - timedelta(minutes=1)
    db.session.commit()


def test_offered_on_resolution_sent_only_after_yes_and_on_schedule(aw):
    w = aw
    member, h, mh, item_id = _resolved_crisis(w)
    offered = w.client.get("/api/v1/me/follow-ups", headers=h).get_json()["follow_ups"]
    assert sorted(f["delay_days"] for f in offered) == [1, 7]
    assert {f["status"] for f in offered} == {"offered"}
    # Nothing is sent without a yes, even when the time would have come.
    assert care.send_due(utcnow() + timedelta(days=30)) == {"sent": 0, "cancelled": 0}

    accepted = w.client.post("/api/v1/me/follow-ups", json={"item_id": item_id}, headers=h)
    assert accepted.status_code == 200
    rows = {f["delay_days"]: f for f in accepted.get_json()["follow_ups"]}
    assert rows[1]["status"] == rows[7]["status"] == "scheduled"
    assert rows[1]["due_at"] < rows[7]["due_at"]
    # Not yet due: nothing goes out.
    assert jobs.run_once("send_care_followups") == {"sent": 0, "cancelled": 0}

    one_day = utcnow() + timedelta(days=1, minutes=5)
    assert care.send_due(one_day) == {"sent": 1, "cancelled": 0}
    msgs = w.client.get("/api/v1/me/messages", headers=h).get_json()["messages"]
    check_in = [m for m in msgs if m.get("kind") == "care_followup"]
    assert len(check_in) == 1 and check_in[0]["body"] == CARE_DEFAULTS["day_1"] and check_in[0]["from"] == "staff"
    assert care.send_due(one_day) == {"sent": 0, "cancelled": 0}  # sent once
    assert care.send_due(utcnow() + timedelta(days=7, minutes=5))["sent"] == 1
    statuses = {f["delay_days"]: f["status"] for f in
                w.client.get("/api/v1/me/follow-ups", headers=h).get_json()["follow_ups"]}
    assert statuses == {1: "sent", 7: "sent"}


def test_the_member_can_stop_them_and_moderators_see_and_personalise(aw):
    w = aw
    member, h, mh, item_id = _resolved_crisis(w)
    w.client.post("/api/v1/me/follow-ups", json={"item_id": item_id}, headers=h)
    shown = w.client.get(f"/api/v1/moderation/items/{item_id}", headers=mh).get_json()["follow_ups"]
    day7 = next(f for f in shown if f["delay_days"] == 7)
    # A member may not personalise; a moderator may, and it is audited.
    assert w.client.patch(f"/api/v1/moderation/follow-ups/{day7['id']}", json={"body": "x"}, headers=h).status_code == 403
    bad = w.client.patch(f"/api/v1/moderation/follow-ups/{day7['id']}", json={"body": 5}, headers=mh)
    assert_error(bad, 400, "invalid_body")
    ok = w.client.patch(f"/api/v1/moderation/follow-ups/{day7['id']}",
                        json={"body": "Hi Sam, it's Alex from the team. Thinking of you this week."}, headers=mh)
    assert ok.status_code == 200 and ok.get_json()["follow_up"]["personalised"] is True
    assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "care.personalise")) is not None

    stopped = w.client.delete("/api/v1/me/follow-ups", headers=h)
    assert stopped.get_json() == {"stopped": 2}
    assert care.send_due(utcnow() + timedelta(days=30))["sent"] == 0
    assert not [m for m in w.client.get("/api/v1/me/messages", headers=h).get_json()["messages"]
                if m.get("kind") == "care_followup"]
    # Saying yes again after stopping schedules them afresh, and the personalised words are what is sent.
    w.client.post("/api/v1/me/follow-ups", json={"item_id": item_id}, headers=h)
    assert care.send_due(utcnow() + timedelta(days=30))["sent"] == 2
    bodies = [m["body"] for m in w.client.get("/api/v1/me/messages", headers=h).get_json()["messages"]
              if m.get("kind") == "care_followup"]
    assert "Hi Sam, it's Alex from the team. Thinking of you this week." in bodies


def test_nothing_is_sent_to_a_suspended_or_deleted_account(aw):
    w = aw
    member, h, mh, item_id = _resolved_crisis(w)
    w.client.post("/api/v1/me/follow-ups", json={"item_id": item_id}, headers=h)
    member.suspended_until = utcnow() + timedelta(days=3)
    db.session.commit()
    _due_now(item_id)
    assert care.send_due() == {"sent": 0, "cancelled": 2}
    assert db.session.scalar(select(StaffMessage).where(StaffMessage.kind == "care_followup")) is None

    other, oh, _mh, other_item = _resolved_crisis(w)
    w.client.post("/api/v1/me/follow-ups", json={"item_id": other_item}, headers=oh)
    other.deleted_at = utcnow()
    db.session.commit()
    _due_now(other_item)
    assert care.send_due() == {"sent": 0, "cancelled": 2}


def test_only_a_crisis_resolution_offers_them_and_bad_input_is_clear(w):
    member, h = w.person()
    _o, oh = w.person()
    _m, mh = w.person(role="moderator")
    # An abuse removal offers no check-ins.
    thread = w.published_thread(oh)["thread"]
    w.scores.toxic("you absolute clown", 0.85)
    post = w.reply(h, thread["id"], "you absolute clown")["post"]
    w.decide(mh, w.item_for_post(post["id"]).id, "remove")
    assert w.client.get("/api/v1/me/follow-ups", headers=h).get_json()["follow_ups"] == []
    for body, status in (({"item_id": "x"}, 400), ({"item_id": True}, 400), ({}, 400), ({"item_id": 999999}, 404)):
        assert w.client.post("/api/v1/me/follow-ups", json=body, headers=h).status_code == status
    assert w.client.get("/api/v1/me/follow-ups").status_code == 401


def test_the_notice_page_offers_them_and_the_messages_page_says_who_wrote(w):
    member, h, mh, item_id = _resolved_crisis(w)
    browser = w.app.test_client()
    login(browser, member.handle)
    page = browser.get("/notices").get_data(as_text=True)
    assert "check in with you tomorrow" in page and "Yes, please check in on me" in page
    assert browser.post("/follow-ups", data={"item_id": str(item_id)}).status_code == 302
    page = browser.get("/notices").get_data(as_text=True)
    assert "Stop the check-ins" in page
    assert "2 check-ins from the team are planned" in browser.get("/settings").get_data(as_text=True)
    care.send_due(utcnow() + timedelta(days=2))
    messages = browser.get("/messages").get_data(as_text=True)
    assert "A check-in from the Haven team" in messages
    assert browser.post("/follow-ups/stop", data={}).status_code == 302
    assert "check-ins from the team" not in browser.get("/settings").get_data(as_text=True).lower()


def test_admins_edit_the_templates_moderators_cannot(aw):
    w = aw
    _a, ah = w.person(role="admin")
    _m, mh = w.person(role="moderator")
    assert w.client.get("/api/v1/admin/care-templates", headers=mh).status_code == 403
    assert w.client.put("/api/v1/admin/care-templates", json={"day_1": "hi"}, headers=mh).status_code == 403
    for bad in ({"day_2": "x"}, {"day_1": ""}, {"day_1": "x" * 2001}, ["day_1"]):
        r = w.client.put("/api/v1/admin/care-templates", json=bad, headers=ah)
        assert r.status_code == 400, bad
    r = w.client.put("/api/v1/admin/care-templates", json={"day_1": "Hello from us, how are you?"}, headers=ah)
    assert r.status_code == 200 and r.get_json()["care_templates"]["day_1"] == "Hello from us, how are you?"
    assert r.get_json()["care_templates"]["day_7"] == CARE_DEFAULTS["day_7"]
    member, h, _mh, item_id = _resolved_crisis(w)
    w.client.post("/api/v1/me/follow-ups", json={"item_id": item_id}, headers=h)
    care.send_due(utcnow() + timedelta(days=2))
    bodies = [m["body"] for m in w.client.get("/api/v1/me/messages", headers=h).get_json()["messages"]]
    assert "Hello from us, how are you?" in bodies


def test_a_moderator_personalises_a_check_in_on_the_item_page(w):
    member, h, mh, item_id = _resolved_crisis(w)
    moderator = next(m for m in db.session.scalars(select(CareFollowUp)) if m.delay_days == 1)
    from community.members.models import Member
    staff = db.session.get(Member, moderator.moderator_id)
    browser = w.app.test_client()
    login(browser, staff.handle)
    page = browser.get(f"/moderation/items/{item_id}").get_data(as_text=True)
    assert "Caring check-ins" in page, page[page.find("<main"):][:1500]
    r = browser.post(f"/moderation/follow-ups/{moderator.id}", data={"item_id": str(item_id),
                                                                     "body": "Thinking of you today, Sam."})
    assert r.status_code == 302 and r.headers["Location"].endswith(f"/moderation/items/{item_id}#follow-ups")
    db.session.expire_all()
    assert db.session.get(CareFollowUp, moderator.id).body == "Thinking of you today, Sam."
    too_long = browser.post(f"/moderation/follow-ups/{moderator.id}", data={"item_id": str(item_id),
                                                                            "body": "x" * 2001},
                            follow_redirects=True)
    assert "at most 2,000 characters" in too_long.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(CareFollowUp, moderator.id).body == "Thinking of you today, Sam."
