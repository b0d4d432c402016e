"""Decisions a moderator and a member both understand: the choices for a person at risk, what the member sees
after any decision (thread page, /p/<id>/held, notices, API all agree), and appeals decided by another moderator."""
from __future__ import annotations

import re

from sqlalchemy import select

from community.extensions import db
from moderation.models import StaffMessage
from tests.conftest import login


def page_of(w, member, path) -> str:
    client = w.app.test_client()
    login(client, member.handle)
    r = client.get(path)
    assert r.status_code == 200, path
    return r.get_data(as_text=True)


def crisis_post(w, h, text="I want to end it all tonight"):
    w.scores.self_harm_tier("end it all", "intent")
    data = w.thread(h, text)
    return data, w.item_for_post(data["post"]["id"])


def test_crisis_item_offers_four_choices_none_pre_selected(w):
    author, h = w.person()
    moderator, mh = w.person(role="moderator")
    _data, item = crisis_post(w, h)
    page = page_of(w, moderator, f"/moderation/items/{item.id}")
    form = page[page.index('class="decision"'):page.index("</form>", page.index('class="decision"'))]
    values = re.findall(r'name="action" value="([a-z_]+)"', form)
    assert values == ["reach_out", "publish_with_support", "remove", "escalate"]
    assert "checked" not in form
    assert "Reach out and keep private" in form and "Publish with support" in form
    api = w.client.get(f"/api/v1/moderation/items/{item.id}", headers=mh).get_json()["item"]
    assert "warn" not in api["actions"] and "suspend" not in api["actions"] and "reach_out" in api["actions"]
    for refused in ("warn", "suspend"):
        assert w.decide(mh, item.id, refused, note="x", status=422)["error"]["code"] == "not_allowed"


def test_reach_out_keeps_it_private_and_writes_to_the_member(aw):
    author, h = aw.person(region="GB")
    moderator, mh = aw.person(role="moderator")
    data, item = crisis_post(aw, h)
    post_id, thread_id = data["post"]["id"], data["thread"]["id"]
    decided = aw.decide(mh, item.id, "reach_out")["item"]
    assert decided["status"] == "resolved" and decided["resolution"] == "reach_out"
    message = db.session.scalar(select(StaffMessage).where(StaffMessage.member_id == author.id))
    assert message is not None and "kept it private" in message.body
    assert aw.client.get(f"/api/v1/posts/{post_id}").status_code == 404  # others still cannot see it
    own = aw.client.get(f"/api/v1/posts/{post_id}", headers=h).get_json()["post"]
    assert own["member_view"]["state"] == "private" and own["member_view"]["can_appeal"] is False
    for path in (f"/t/{thread_id}", f"/p/{post_id}/held"):
        page = page_of(aw, author, path)
        assert "kept private" in page and "waiting for review" not in page and f"/p/{post_id}/appeal" not in page
    held = page_of(aw, author, f"/p/{post_id}/held")
    assert "tel:999" in held  # help stays on the screen whatever was decided
    notices = aw.client.get("/api/v1/me/notices", headers=h).get_json()["notices"]
    assert notices[0]["kind"] == "support" and notices[0]["title"] == "A moderator wrote to you"
    assert notices[0]["appeal_url"] is None


def test_publish_with_support_and_remove_for_a_crisis(aw):
    w = aw
    author, h = w.person()
    moderator, mh = w.person(role="moderator")
    shared, item = crisis_post(w, h, "I used to want to end it all, here is what helped")
    decided = w.decide(mh, item.id, "publish_with_support")["item"]
    assert decided["status"] == "resolved" and decided["resolution"] == "with_support"
    assert w.client.get(f"/api/v1/posts/{shared['post']['id']}").status_code == 200
    removed, item2 = crisis_post(w, h, "end it all: the method I would use")
    w.decide(mh, item2.id, "remove")
    page = page_of(w, author, f"/t/{removed['thread']['id']}")
    assert "removed from public view" in page and "waiting for review" not in page
    assert "It broke the community guidelines" not in page  # a person at risk is not told they broke a rule
    own = w.client.get(f"/api/v1/posts/{removed['post']['id']}", headers=h).get_json()["post"]
    assert own["member_view"]["state"] == "removed"
    assert {n["kind"] for n in w.client.get("/api/v1/me/notices", headers=h).get_json()["notices"]} == {"support"}


def removed_for_abuse(w, h, mh):
    w.scores.toxic("you clown", 0.9)
    data = w.thread(h, "you clown")
    item = w.item_for_post(data["post"]["id"])
    w.decide(mh, item.id, "remove", note="Please keep it kind.")
    return data


def test_appeal_goes_to_another_moderator_and_the_member_sees_the_outcome(aw):
    author, h = aw.person()
    first, fh = aw.person(role="moderator")
    second, sh = aw.person(role="moderator")
    data = removed_for_abuse(aw, h, fh)
    post_id, thread_id = data["post"]["id"], data["thread"]["id"]
    assert f"/p/{post_id}/appeal" in page_of(aw, author, f"/t/{thread_id}")
    r = aw.client.post(f"/api/v1/posts/{post_id}/appeal", json={"text": "I was quoting a film"}, headers=h)
    assert r.status_code == 201
    # Waiting: the appeal link is gone everywhere, and the member is told it is waiting.
    page = page_of(aw, author, f"/t/{thread_id}")
    assert f"/p/{post_id}/appeal" not in page and "Your appeal is waiting" in page and "waiting for review" not in page
    assert all(n["appeal_url"] is None for n in aw.client.get("/api/v1/me/notices", headers=h).get_json()["notices"])
    item = aw.item_for_post(post_id)
    # The moderator sees the appeal text and the original decision, on the page and in the API.
    api = aw.client.get(f"/api/v1/moderation/items/{item.id}", headers=sh).get_json()["item"]
    assert api["kind"] == "appeal" and api["appeal"]["text"] == "I was quoting a film"
    assert api["appeal"]["original_decision"]["resolution"] == "remove"
    assert api["appeal"]["original_decision"]["decided_by"] == first.handle
    assert api["appeal"]["original_decision"]["note"] == "Please keep it kind."
    item_page = page_of(aw, second, f"/moderation/items/{item.id}")
    assert "I was quoting a film" in item_page and f"by {first.handle}" in item_page
    # The moderator who made the decision cannot decide the appeal.
    refused = aw.decide(fh, item.id, "approve", status=403)
    assert refused["error"]["code"] == "appeal_needs_another_moderator"
    aw.decide(sh, item.id, "remove")
    page = page_of(aw, author, f"/t/{thread_id}")
    assert "the decision stands" in page and f"/p/{post_id}/appeal" not in page and "waiting for review" not in page
    assert "Please keep it kind." in page  # the first decision's reason is still what they are told
    notices = aw.client.get("/api/v1/me/notices", headers=h).get_json()["notices"]
    assert notices[0]["kind"] == "appeal_declined" and all(n["appeal_url"] is None for n in notices)
    own = aw.client.get(f"/api/v1/posts/{post_id}", headers=h).get_json()["post"]
    assert own["member_view"]["appeal"] == "decided" and own["member_view"]["can_appeal"] is False
    again = aw.client.post(f"/api/v1/posts/{post_id}/appeal", json={"text": "please"}, headers=h)
    assert again.status_code == 409


def test_accepted_appeal_publishes_and_says_so(w):
    author, h = w.person()
    first, fh = w.person(role="moderator")
    second, sh = w.person(role="moderator")
    data = removed_for_abuse(w, h, fh)
    post_id = data["post"]["id"]
    w.client.post(f"/api/v1/posts/{post_id}/appeal", json={"text": "context"}, headers=h)
    w.decide(sh, w.item_for_post(post_id).id, "approve")
    assert w.client.get(f"/api/v1/posts/{post_id}").status_code == 200
    notices = w.client.get("/api/v1/me/notices", headers=h).get_json()["notices"]
    assert notices[0]["kind"] == "appeal_accepted" and notices[0]["appeal_url"] is None


def test_an_admin_who_is_the_only_staff_may_decide_their_own_appeal(w):
    author, h = w.person()
    admin, ah = w.person(role="admin")
    data = removed_for_abuse(w, h, ah)
    post_id = data["post"]["id"]
    w.client.post(f"/api/v1/posts/{post_id}/appeal", json={"text": "context"}, headers=h)
    item = w.item_for_post(post_id)
    w.decide(ah, item.id, "remove")
    assert w.item_for_post(post_id).status == "resolved"


def test_auto_removed_appeal_any_moderator(w):
    author, h = w.person()
    moderator, mh = w.person(role="moderator")
    w.scores.toxic("vile abuse", 0.99)
    post_id = w.thread(h, "some vile abuse")["post"]["id"]
    w.client.post(f"/api/v1/posts/{post_id}/appeal", json={"text": "context"}, headers=h)
    w.decide(mh, w.item_for_post(post_id).id, "approve")
    assert w.client.get(f"/api/v1/posts/{post_id}").status_code == 200


def test_the_item_page_form_takes_the_new_choices_and_refuses_an_empty_one(w):
    author, h = w.person()
    moderator, _mh = w.person(role="moderator")
    data, item = crisis_post(w, h)
    client = w.app.test_client()
    login(client, moderator.handle)
    r = client.post(f"/moderation/items/{item.id}/decision", data={"version": str(item.version)})
    assert r.status_code == 302 and w.item_for_post(data["post"]["id"]).status == "open"  # nothing chosen: nothing done
    r = client.post(f"/moderation/items/{item.id}/decision", data={"action": "reach_out", "version": str(item.version),
                                                                   "note": "Thinking of you. I'm here."})
    assert r.status_code == 302
    assert w.item_for_post(data["post"]["id"]).resolution == "reach_out"
    assert w.post(data["post"]["id"]).hold_reason == "kept_private"
    message = db.session.scalar(select(StaffMessage).where(StaffMessage.member_id == author.id))
    assert message.body == "Thinking of you. I'm here."
