"""Safe messaging through the real stack (HTTP API, forms, Socket.IO), on SQLite and PostgreSQL: method details
masked or held, encouragement and pacts removed, protected replies on threads about a person at risk.

The texts are made up: they have the shape of method talk (an amount beside a means and a harm word, a place and
what makes it suitable) with no real doses, places or instructions."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from community.extensions import db
from moderation.classifiers.base import Scores
from moderation.classifiers.method_details import MASK, look
from moderation.classifiers.embedded import load_embedded
from moderation.classifiers.registry import set_backends
from moderation.models import AuditEntry, Notice, QueueItem
from tests.moderation.conftest import World

RECOVERY = ("Two years ago I was in a really dark place. Back then I had read that 60 of my tablets would be enough "
            "to die. I'm so glad I called a helpline instead, and things are better now.")
METHOD_SENTENCE = "Back then I had read that 60 of my tablets would be enough to die."
CRISIS = "I want to die tonight. I counted out 60 of my tablets and that should be enough."


def _items(content_type, content_id):
    db.session.expire_all()
    return db.session.scalars(select(QueueItem).where(QueueItem.content_type == content_type,
                                                      QueueItem.content_id == content_id)).all()


def test_method_details_are_masked_and_a_moderator_can_lift_the_mask(aw):
    author, h = aw.person(region="GB")
    data = aw.thread(h, RECOVERY, title="What helped me")
    post = data["post"]
    assert post["status"] == "published" and post["masked"] is True, data.get("hold_reason")
    assert MASK in post["body"] and "tablets" not in post["body"] and "glad I called a helpline" in post["body"]
    assert data["masked"] is True and "hidden for safety" in data["notice"]
    # Others (signed out) read the masked text, in the JSON and in the stored HTML.
    public = aw.client.get(f"/api/v1/posts/{post['id']}").get_json()["post"]
    assert "tablets" not in public["body"] and "tablets" not in public["html"] and MASK in public["html"]
    page = aw.client.get(f"/t/{post['thread_id']}").get_data(as_text=True)
    assert "details removed for safety" in page and "tablets" not in page
    stored = aw.post(post["id"])
    assert stored.original_body == RECOVERY and METHOD_SENTENCE not in stored.body
    # The author is told why, and may edit.
    notice = db.session.scalar(select(Notice).where(Notice.member_id == author.id, Notice.kind == "masked"))
    assert notice is not None and "edit" in notice.body
    # Moderators: a method_details item, the full text collapsed on the item.
    item = aw.item_for_post(post["id"])
    assert (item.kind, item.status) == ("method_details", "open") and "method_details:quantity" in item.reasons
    staff, sh = aw.person(role="moderator")
    listed = aw.client.get("/api/v1/moderation/queue?kind=method_details", headers=sh).get_json()["items"]
    assert [i["id"] for i in listed] == [item.id]
    detail = aw.client.get(f"/api/v1/moderation/items/{item.id}", headers=sh).get_json()
    assert "lift_mask" in detail["item"]["actions"]
    assert detail["item"]["post"]["original_body"] == RECOVERY and detail["item"]["post"]["masked"] is True
    # The item page: the full text behind a click.
    from tests.conftest import login
    page_client = aw.app.test_client()
    login(page_client, staff.handle, "a-good-password")
    html = page_client.get(f"/moderation/items/{item.id}").get_data(as_text=True)
    assert 'id="original-text"' in html and "<details" in html and 'value="lift_mask"' in html
    # Lift the mask: everyone reads it as written; audited; the author is told.
    aw.decide(sh, item.id, "lift_mask")
    lifted = aw.post(post["id"])
    assert lifted.body == RECOVERY and lifted.original_body is None and "tablets" in lifted.html
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "queue.lift_mask"))
    assert entry is not None and entry.actor_id == staff.id and entry.before["masked"] is True
    assert aw.item_for_post(post["id"]).status == "open"  # lifting is a step; the decision is still to make
    aw.decide(sh, item.id, "lift_mask", status=422)  # nothing left to lift


# No amount, no harm word: only the learned method-details head (moderation/classifiers/safe_messaging_head.py) sees it.
DESCRIBED = ("Two years clean from self-harm today. Back then I kept a blade taped under my desk drawer. Therapy "
             "helped so much and I am proud of myself.")
DESCRIBED_SENTENCE = "Back then I kept a blade taped under my desk drawer."


@pytest.fixture(scope="module")
def shipped_models():
    return load_embedded()


@pytest.fixture
def embedded_world(any_app, shipped_models):
    """A World on SQLite and PostgreSQL screened by the shipped embedded models (the others here use fakes)."""
    world = World(any_app)
    set_backends(any_app, *shipped_models)  # after World, which installs the fakes
    return world


def test_a_method_detail_only_the_learned_head_sees_is_masked(embedded_world):
    aw = embedded_world
    assert not look(DESCRIBED).found  # the rules alone would publish it as written
    author, h = aw.person(region="GB")
    data = aw.thread(h, DESCRIBED, title="Recovery milestone")
    post = data["post"]
    assert post["status"] == "published" and post["masked"] is True, data.get("hold_reason")
    assert DESCRIBED_SENTENCE not in post["body"] and "proud of myself" in post["body"]
    page = aw.client.get(f"/t/{post['thread_id']}").get_data(as_text=True)
    assert "taped" not in page and "details removed for safety" in page
    assert aw.post(post["id"]).original_body == DESCRIBED
    item = aw.item_for_post(post["id"])
    assert item.kind == "method_details" and "method_details:described" in item.reasons
    # An ordinary post with the same words around it is left alone.
    plain = aw.thread(h, "Two years clean from self-harm today. Therapy helped so much and I am proud of myself.")
    assert plain["post"]["masked"] is False and plain["post"]["status"] == "published"


def test_a_censored_word_inside_a_method_sentence_does_not_stop_the_mask(aw):
    from moderation import watched

    staff, _ = aw.person(role="admin")
    watched.add(staff, "damn", "censor")
    db.session.commit()
    author, h = aw.person(region="GB")
    body = RECOVERY.replace("enough to die.", "enough to die, damn it.")
    post = aw.thread(h, body, title="What helped me")["post"]
    assert post["status"] == "published" and post["masked"] is True
    assert "tablets" not in post["body"] and MASK in post["body"] and "glad I called a helpline" in post["body"]
    assert aw.post(post["id"]).original_body is not None


URGING = "Stop whining on here and just go through with it already."


def test_encouragement_only_the_learned_head_sees_is_held_for_a_person_and_a_kind_reply_stays(embedded_world):
    aw = embedded_world
    assert not look(URGING).encouragement  # the rules alone would publish it
    author, h = aw.person(region="GB")
    opening = aw.thread(h, "Rough week, not sleeping much, trying to keep going.")
    other, oh = aw.person()
    held = aw.reply(oh, opening["thread"]["id"], URGING)
    # A model's suspicion alone never removes: out of public view until a moderator has read it.
    # (The toxicity screen may hold it first; the suspicion is on the item either way.)
    assert held["post"]["status"] == "held" and held["hold_reason"] in ("encouragement", "toxicity")
    item = aw.item_for_post(held["post"]["id"])
    assert "encouragement:suspected" in item.reasons and item.priority in ("high", "urgent")
    assert URGING not in aw.client.get(f"/t/{opening['thread']['id']}").get_data(as_text=True)
    kind = aw.reply(oh, opening["thread"]["id"], "Please stay. Nobody here wants you gone, and the helpline is "
                                                  "open all night.")
    assert kind["post"]["status"] == "published"


def test_a_crisis_post_with_method_details_is_held_urgent_with_help_first(aw):
    author, h = aw.person(region="GB")
    data = aw.thread(h, CRISIS)
    assert data["post"]["status"] == "held" and data["hold_reason"] == "self_harm"
    assert data["emergency"]["numbers"][0] == "999" and data["support_message"]
    item = aw.item_for_post(data["post"]["id"])
    assert (item.kind, item.priority) == ("self_harm", "urgent")
    assert any(r.startswith("method_details:") for r in item.reasons)
    assert "tablets" not in aw.post(data["post"]["id"]).body  # stored masked too, should it ever be published


def test_lookalikes_are_published_unmasked(aw):
    author, h = aw.person()
    for text in ("my doctor upped my sertraline to 100mg and the side effects are rough",
                 "A dynamic rope works best for lead climbing.", "A sharp chef's knife is the quickest way to dice "
                 "onions.", "For a deep cut, apply firm pressure and go to A&E if it won't stop bleeding."):
        data = aw.thread(h, text)
        assert data["post"]["status"] == "published" and data["post"]["masked"] is False, text
        assert aw.item_for_post(data["post"]["id"]) is None


def test_encouragement_is_removed_never_only_flagged(aw):
    op, oh = aw.person()
    thread = aw.published_thread(oh)
    replier, rh = aw.person()
    data = aw.reply(rh, thread["thread"]["id"], "you should just end it, nobody would miss you")
    assert data["post"]["status"] == "removed" and data["hold_reason"] == "encouragement"
    item = aw.item_for_post(data["post"]["id"])
    assert (item.kind, item.priority) == ("encouragement", "high")
    assert aw.client.get(f"/api/v1/posts/{data['post']['id']}").status_code == 404


def test_a_pact_is_removed_with_urgent_items_for_both_members_and_help(aw):
    op, oh = aw.person(region="GB")
    thread = aw.thread(oh, "everything feels so heavy lately and I don't know how to keep going")
    proposer, ph = aw.person(region="GB")
    data = aw.reply(ph, thread["thread"]["id"], "same. let's do it together this weekend, I want to die too")
    assert data["post"]["status"] == "removed" and data["hold_reason"] == "pact"
    assert data["emergency"]["numbers"][0] == "999" and data["resources"]  # every path ends in help
    mine = aw.item_for_post(data["post"]["id"])
    assert (mine.kind, mine.priority) == ("self_harm", "urgent") and "pact" in mine.reasons
    theirs = aw.item_for_post(thread["post"]["id"])
    assert (theirs.kind, theirs.priority, theirs.author_id) == ("self_harm", "urgent", op.id)
    assert "pact:proposed_to_this_member" in theirs.reasons
    view = data["post"]["member_view"]
    assert view["state"] == "removed" and "help page" in view["explanation"]


def test_protected_thread_replies_are_stricter_and_the_author_chooses_who_replies(aw):
    author, h = aw.person(region="GB")
    aw.scores.self_harm.rules["my sister"] = Scores(score=0.1, labels={
        "concern": 0.1, "ideation": 0.05, "intent": 0.01, "someone_else": 0.92, "someone_else_danger": 0.9})
    data = aw.thread(h, "my sister said goodbye to me and is not answering her phone")
    assert data["post"]["status"] == "published" and data["thread"]["protected"] is True
    tid = data["thread"]["id"]
    # The lower toxicity hold (protected_toxicity_hold, 0.50) applies on this thread only.
    aw.scores.toxic("a bit rude", 0.6)
    other, oh = aw.person()
    plain = aw.published_thread(oh)
    assert aw.reply(oh, plain["thread"]["id"], "that is a bit rude of them")["post"]["status"] == "published"
    replier, rh = aw.person()
    assert aw.reply(rh, tid, "that is a bit rude of them")["post"]["status"] == "held"
    # "do it" there is encouragement: removed, with an item.
    dare = aw.reply(rh, tid, "just do it")
    assert dare["post"]["status"] == "removed" and aw.item_for_post(dare["post"]["id"]).kind == "encouragement"
    # Method talk in a protected reply is removed, not masked.
    method = aw.reply(rh, tid, "the bridge by the station is high enough and has no fence, people have died there")
    assert method["post"]["status"] == "removed" and method["hold_reason"] == "method_details"
    assert aw.item_for_post(method["post"]["id"]).kind == "method_details"
    # A caring reply is published.
    assert aw.reply(rh, tid, "I'm so sorry. Please call 999 if you think she's in danger now.")["post"][
        "status"] == "published"
    # Only trusted members, then closed.
    r = aw.client.patch(f"/api/v1/threads/{tid}", json={"reply_mode": "trusted"}, headers=rh)
    assert r.status_code == 403
    r = aw.client.patch(f"/api/v1/threads/{tid}", json={"reply_mode": "trusted"}, headers=h)
    assert r.status_code == 200 and r.get_json()["thread"]["reply_mode"] == "trusted"
    r = aw.client.post(f"/api/v1/threads/{tid}/posts", json={"body": "thinking of you"}, headers=rh)
    assert r.status_code == 403 and r.get_json()["error"]["code"] == "trusted_only"
    trusted, th = aw.trusted_person()
    assert aw.reply(th, tid, "thinking of you both")["post"]["status"] == "published"
    aw.client.patch(f"/api/v1/threads/{tid}", json={"reply_mode": "closed"}, headers=h)
    r = aw.client.post(f"/api/v1/threads/{tid}/posts", json={"body": "thinking of you"}, headers=th)
    assert r.status_code == 403 and r.get_json()["error"]["code"] == "replies_closed"
    assert aw.reply(h, tid, "thank you all, she's safe now")["post"]["status"] == "published"  # the author can
    r = aw.client.patch(f"/api/v1/threads/{tid}", json={"reply_mode": "everyone"}, headers=h)
    assert r.status_code == 400 and r.get_json()["error"]["code"] == "invalid_reply_mode"
    # A moderator may change it too; audited.
    staff, sh = aw.person(role="moderator")
    assert aw.client.patch(f"/api/v1/threads/{tid}", json={"reply_mode": "open"}, headers=sh).status_code == 200
    assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "thread.reply_mode")) is not None


def test_publishing_a_crisis_post_with_support_protects_its_thread(aw):
    author, h = aw.person()
    data = aw.thread(h, "I want to die, I can't do this anymore")
    assert data["post"]["status"] == "held"
    staff, sh = aw.person(role="moderator")
    aw.decide(sh, aw.item_for_post(data["post"]["id"]).id, "publish_with_support")
    r = aw.client.get(f"/api/v1/threads/{data['thread']['id']}", headers=h).get_json()
    assert r["thread"]["protected"] is True


def test_protected_toxicity_hold_is_an_admin_setting(aw):
    admin, ah = aw.person(role="admin")
    r = aw.client.patch("/api/v1/moderation/thresholds", json={"protected_toxicity_hold": 0.3}, headers=ah)
    assert r.status_code == 200, r.get_json()
    assert r.get_json()["thresholds"]["protected_toxicity_hold"] == 0.3
    r = aw.client.patch("/api/v1/moderation/thresholds", json={"protected_toxicity_hold": 3}, headers=ah)
    assert r.status_code in (400, 422)


@pytest.fixture
def connect_any(any_app, token_for):
    """Socket.IO test clients on SQLite and on PostgreSQL (the shared `connect` is SQLite only)."""
    from community.extensions import socketio
    made = []

    def make(member, room):
        token = token_for(member)["Authorization"].split(" ", 1)[1]
        client = socketio.test_client(any_app, auth={"token": token})
        made.append(client)
        assert client.is_connected()
        client.emit("join", {"room": room})
        client.get_received()
        return client
    yield make
    for client in made:
        if client.is_connected():
            client.disconnect()


def test_chat_method_details_are_held_with_help_for_the_sender(any_app, make_member, connect_any):
    from community.chat.models import ChatMessage
    sender = make_member(region="GB")
    reader = make_member()
    db.session.commit()
    a = connect_any(sender, room="open-lounge")
    b = connect_any(reader, room="open-lounge")
    a.emit("send", {"room": "open-lounge", "body": "someone said 60 of those tablets is enough to die"})
    got = a.get_received()
    names = [e["name"] for e in got]
    assert "crisis_resources" in names
    panel = next(e for e in got if e["name"] == "crisis_resources")["args"][0]
    assert panel["emergency"]["numbers"][0] == "999"
    assert not [e for e in b.get_received() if e["name"] == "message"]
    db.session.expire_all()
    message = db.session.scalars(select(ChatMessage).order_by(ChatMessage.id.desc())).first()
    assert (message.status, message.hold_reason) == ("held", "method_details")
    assert _items("message", message.id)[0].kind == "method_details"


def test_chat_pact_is_removed_and_raises_items_for_both(any_app, make_member, connect_any):
    from community.chat.models import ChatMessage
    first = make_member(region="GB")
    second = make_member(region="GB")
    db.session.commit()
    a = connect_any(first, room="open-lounge")
    b = connect_any(second, room="open-lounge")
    b.emit("send", {"room": "open-lounge", "body": "rough night again"})
    a.get_received(), b.get_received()
    a.emit("send", {"room": "open-lounge", "body": f"@{second.handle} we could end it together, I want to die too"})
    got = a.get_received()
    assert "crisis_resources" in [e["name"] for e in got]
    assert "error" not in [e["name"] for e in got]
    assert not [e for e in b.get_received() if e["name"] == "message"]
    db.session.expire_all()
    pact, earlier = db.session.scalars(select(ChatMessage).order_by(ChatMessage.id.desc())).all()[:2]
    assert (pact.status, pact.hold_reason) == ("removed", "pact")
    assert (_items("message", pact.id)[0].kind, _items("message", pact.id)[0].priority) == ("self_harm", "urgent")
    partner = _items("message", earlier.id)[0]
    assert (partner.kind, partner.priority, partner.author_id) == ("self_harm", "urgent", second.id)


def test_reply_mode_form_on_the_thread_page(aw):
    from tests.conftest import login
    author, h = aw.person()
    data = aw.published_thread(h)
    tid = data["thread"]["id"]
    page = aw.app.test_client()
    login(page, author.handle, "a-good-password")
    assert 'name="reply_mode"' in page.get(f"/t/{tid}").get_data(as_text=True)
    r = page.post(f"/t/{tid}/reply-mode", data={"reply_mode": "closed"})
    assert r.status_code == 302
    other, _oh = aw.person()
    reader = aw.app.test_client()
    login(reader, other.handle, "a-good-password")
    html = reader.get(f"/t/{tid}").get_data(as_text=True)
    assert "Replies to this thread are closed." in html and 'name="reply_mode"' not in html
    assert 'action="/t/%d/reply"' % tid not in html
    assert reader.post(f"/t/{tid}/reply-mode", data={"reply_mode": "open"}).status_code == 403


def test_the_author_may_edit_a_masked_post_and_moderators_keep_every_version(aw):
    author, h = aw.person()
    data = aw.thread(h, RECOVERY)
    pid = data["post"]["id"]
    r = aw.client.patch(f"/api/v1/posts/{pid}", json={"body": "Two years ago I was in a really dark place. I'm so "
                                                              "glad I called a helpline, things are better now."},
                        headers=h)
    assert r.status_code == 200 and r.get_json()["post"]["masked"] is False
    post = aw.post(pid)
    assert post.original_body is None and post.status == "published"
    staff, sh = aw.person(role="moderator")
    item = aw.item_for_post(pid)
    revisions = aw.client.get(f"/api/v1/moderation/items/{item.id}", headers=sh).get_json()["revisions"]
    assert revisions[0]["body"] == RECOVERY  # the original as written, for moderators
    # An edit that adds method details is masked too, and the author is told.
    r = aw.client.patch(f"/api/v1/posts/{pid}", json={"body": RECOVERY}, headers=h)
    assert r.get_json()["post"]["masked"] is True and MASK in r.get_json()["post"]["body"]
    assert db.session.scalars(select(Notice).where(Notice.member_id == author.id, Notice.kind == "masked")).all()
