"""Every branch of the screening policy, end to end through the API with a controllable fake classifier."""
from __future__ import annotations

import math

import pytest
from sqlalchemy import select

from community.extensions import db
from moderation import policy
from moderation.classifiers.base import Scores
from moderation.models import Appeal, QueueItem
from tests.conftest import login


def _visible_to_others(w, post_id) -> bool:
    return w.client.get(f"/api/v1/posts/{post_id}").status_code == 200


# --- self-harm ---------------------------------------------------------------------------------------------------

def test_intent_is_held_urgent_with_resources_beside_the_post(w):
    author, h = w.person(region="GB")
    w.scores.self_harm_tier("tonight is the night", "intent")
    data = w.thread(h, "I have decided, tonight is the night")
    assert data["post"]["status"] == "held"
    assert data["hold_reason"] == "self_harm"
    assert data["post"]["hold_reason"] == "self_harm"
    names = [r["name"] for r in data["resources"]]
    assert "Samaritans" in names  # the author's region first
    assert data["emergency"]["numbers"][0] == "999"
    assert data["support_message"]
    item = w.item_for_post(data["post"]["id"])
    assert (item.kind, item.priority, item.status) == ("self_harm", "urgent", "open")
    assert "self_harm:intent" in item.reasons
    assert not _visible_to_others(w, data["post"]["id"])
    # The author still sees their own held post.
    assert w.client.get(f"/api/v1/posts/{data['post']['id']}", headers=h).get_json()["post"]["status"] == "held"


def test_ideation_is_held_high(w):
    _author, h = w.person()
    w.scores.self_harm_tier("no point anymore", "ideation")
    data = w.thread(h, "there is no point anymore")
    assert data["post"]["status"] == "held" and data["hold_reason"] == "self_harm"
    assert isinstance(data["resources"], list) and data["resources"]  # international list without a region
    item = w.item_for_post(data["post"]["id"])
    assert (item.kind, item.priority) == ("self_harm", "high")


def test_concern_is_published_with_check_in_item_and_gentle_support(w):
    _author, h = w.person()
    w.scores.self_harm_tier("feeling low", "concern")
    data = w.thread(h, "been feeling low lately")
    assert data["post"]["status"] == "published"
    assert "hold_reason" not in data
    assert "resources" not in data  # gentle: a link, not the crisis panel
    assert data["support"]["help_url"] == "/help" and data["support"]["message"]
    item = w.item_for_post(data["post"]["id"])
    assert (item.kind, item.priority, item.status) == ("check_in", "normal", "open")
    assert _visible_to_others(w, data["post"]["id"])


def test_clean_post_is_published_without_a_queue_item(w):
    _author, h = w.person()
    data = w.thread(h, "what helps you sleep?")
    assert data["post"]["status"] == "published" and "support" not in data
    assert w.item_for_post(data["post"]["id"]) is None


# --- toxicity ----------------------------------------------------------------------------------------------------

def test_toxicity_at_hold_threshold_is_held(w):
    _author, h = w.person()
    w.scores.toxic("you muppet", 0.80)  # exactly the default hold threshold
    data = w.thread(h, "you muppet")
    assert data["post"]["status"] == "held" and data["hold_reason"] == "toxicity"
    assert "resources" not in data
    item = w.item_for_post(data["post"]["id"])
    assert (item.kind, item.priority) == ("toxicity", "normal")
    assert not _visible_to_others(w, data["post"]["id"])


def test_just_below_hold_threshold_is_published(w):
    _author, h = w.person()
    w.scores.toxic("mildly rude", 0.79)
    data = w.thread(h, "mildly rude")
    assert data["post"]["status"] == "published"
    assert w.item_for_post(data["post"]["id"]) is None


def test_removed_author_sees_why_and_can_appeal_once(w):
    author, h = w.person()
    w.scores.toxic("vile abuse", 0.97)
    data = w.thread(h, "some vile abuse")
    post_id = data["post"]["id"]
    assert data["post"]["status"] == "removed" and data["hold_reason"] == "toxicity"
    item = w.item_for_post(post_id)
    assert (item.kind, item.priority) == ("auto_removed", "low")
    assert not _visible_to_others(w, post_id)
    seen = w.client.get(f"/api/v1/posts/{post_id}", headers=h).get_json()["post"]
    assert seen["status"] == "removed" and seen["hold_reason"] == "toxicity"

    # On the thread page the author is told why and offered the appeal.
    login(w.client, author.handle)
    page = w.client.get(f"/t/{data['thread']['id']}").get_data(as_text=True)
    assert "Why:" in page and f"/p/{post_id}/appeal" in page
    w.client.post("/logout")

    r = w.client.post(f"/api/v1/posts/{post_id}/appeal", json={"text": "I was quoting someone"}, headers=h)
    assert r.status_code == 201, r.get_json()
    again = w.client.post(f"/api/v1/posts/{post_id}/appeal", json={"text": "please"}, headers=h)
    assert again.status_code == 409
    assert again.get_json()["error"]["code"] == "already_appealed"
    assert len(db.session.scalars(select(Appeal).where(Appeal.content_id == post_id)).all()) == 1
    item = w.item_for_post(post_id)
    assert (item.kind, item.status) == ("appeal", "open")
    assert "appeal" in item.reasons


def test_appeal_only_for_own_removed_post(w):
    _author, h = w.person()
    _other, oh = w.person()
    w.scores.toxic("vile abuse", 0.99)
    removed = w.thread(h, "vile abuse")["post"]["id"]
    published = w.thread(h, "hello there")["post"]["id"]
    assert w.client.post(f"/api/v1/posts/{removed}/appeal", json={"text": "x"}, headers=oh).status_code == 404
    r = w.client.post(f"/api/v1/posts/{published}/appeal", json={"text": "x"}, headers=h)
    assert r.status_code == 400 and r.get_json()["error"]["code"] == "not_removed"


def test_threats_and_identity_attacks_rank_above_insults(w):
    _author, h = w.person()
    staff, sh = w.person(role="moderator")
    w.scores.toxic("insult text", 0.85, insult=0.85)
    w.scores.toxic("threat text", 0.85, threat=0.8, insult=0.2)
    w.scores.toxic("identity text", 0.85, identity_attack=0.7)
    insult = w.thread(h, "insult text")["post"]["id"]  # oldest
    threat = w.thread(h, "threat text")["post"]["id"]
    identity = w.thread(h, "identity text")["post"]["id"]
    assert w.item_for_post(threat).priority == "high"
    assert w.item_for_post(identity).priority == "high"
    assert w.item_for_post(insult).priority == "normal"
    order = [i["post"]["id"] for i in w.queue(sh)["items"]]
    assert order.index(threat) < order.index(insult) and order.index(identity) < order.index(insult)
    assert "toxicity:threat" in w.item_for_post(threat).reasons


# --- precedence --------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("toxicity", [0.85, 0.99, 1.0])
@pytest.mark.parametrize("tier,priority", [("intent", "urgent"), ("ideation", "high")])
def test_self_harm_wins_over_crude_or_toxic_text(w, toxicity, tier, priority):
    _author, h = w.person()
    w.scores.toxic("f***ing done", toxicity, insult=toxicity, obscene=toxicity)
    w.scores.self_harm_tier("f***ing done", tier)
    data = w.thread(h, "I am f***ing done with living")
    assert data["post"]["status"] == "held"  # never removed
    assert data["hold_reason"] == "self_harm"
    assert data["resources"]
    item = w.item_for_post(data["post"]["id"])
    assert (item.kind, item.priority) == ("self_harm", priority)


def test_concern_with_toxic_text_is_handled_as_toxicity(w):
    """Only intent/ideation outrank toxicity; a concern-tier post that is abusive is held for toxicity."""
    _author, h = w.person()
    w.scores.toxic("low and angry", 0.9)
    w.scores.self_harm_tier("low and angry", "concern")
    data = w.thread(h, "low and angry")
    assert data["post"]["status"] == "held" and data["hold_reason"] == "toxicity"


def test_crisis_reply_in_a_thread_is_held_and_does_not_count(w):
    _a, h = w.person()
    _b, h2 = w.person()
    thread = w.published_thread(h)["thread"]
    w.scores.self_harm_tier("goodbye all", "intent")
    data = w.reply(h2, thread["id"], "goodbye all")
    assert data["post"]["status"] == "held" and data["hold_reason"] == "self_harm" and data["resources"]
    shown = w.client.get(f"/api/v1/threads/{thread['id']}").get_json()
    assert shown["thread"]["post_count"] == 1
    assert data["post"]["id"] not in [p["id"] for p in shown["posts"]]


def test_edit_into_crisis_is_held_again(w):
    _a, h = w.person()
    post_id = w.published_thread(h)["post"]["id"]
    w.scores.self_harm_tier("changed my mind about living", "intent")
    r = w.client.patch(f"/api/v1/posts/{post_id}", json={"body": "changed my mind about living"}, headers=h)
    assert r.status_code == 200
    assert r.get_json()["post"]["status"] == "held" and r.get_json()["hold_reason"] == "self_harm"
    assert w.item_for_post(post_id).priority == "urgent"


# --- the pure policy at its edges --------------------------------------------------------------------------------

T = policy.Thresholds()
NONE_SH = Scores(0.0, {"concern": 0.0, "ideation": 0.0, "intent": 0.0})


@pytest.mark.parametrize("tox,labels,expected", [
    (0.0, {}, ("published", None, None)),
    (0.799, {}, ("published", None, None)),
    (0.80, {}, ("held", "toxicity", "normal")),
    (0.80, {"threat": 0.5}, ("held", "toxicity", "high")),
    (0.80, {"identity_attack": 0.99}, ("held", "toxicity", "high")),
    (0.80, {"threat": 0.49, "insult": 0.99}, ("held", "toxicity", "normal")),
    (0.969, {}, ("held", "toxicity", "normal")),
    (0.97, {}, ("removed", "toxicity", "low")),
    (1.0, {"threat": 1.0}, ("removed", "toxicity", "low")),
])
def test_decide_toxicity_edges(tox, labels, expected):
    d = policy.decide(Scores(tox, labels), NONE_SH, T)
    assert (d.status, d.hold_reason, d.priority) == expected


@pytest.mark.parametrize("labels,score,tier", [
    ({"concern": 0.5, "ideation": 0.1, "intent": 0.0}, 0.1, "concern"),
    ({"concern": 0.49, "ideation": 0.1, "intent": 0.0}, 0.1, "none"),
    ({"concern": 0.9, "ideation": 0.5, "intent": 0.0}, 0.1, "ideation"),
    ({"concern": 0.9, "ideation": 0.1, "intent": 0.0}, 0.6, "ideation"),  # headline score counts as ideation
    ({"concern": 0.9, "ideation": 0.9, "intent": 0.5}, 0.9, "intent"),
])
def test_self_harm_tier_edges(labels, score, tier):
    assert policy.self_harm_tier(Scores(score, labels), T) == tier


@pytest.mark.parametrize("bad", [math.nan, -0.01, 1.01, math.inf, "0.5", None, True])
def test_check_scores_rejects_non_probabilities(bad):
    with pytest.raises(policy.GarbageScores):
        policy.check_scores(Scores(bad, {}), "toxicity")
    with pytest.raises(policy.GarbageScores):
        policy.check_scores(Scores(0.1, {"insult": bad}), "toxicity")
    with pytest.raises(policy.GarbageScores):
        policy.check_scores({"score": 0.1}, "toxicity")


def test_queue_item_total_is_one_per_post(w):
    _a, h = w.person()
    w.scores.toxic("nasty", 0.85)
    post_id = w.thread(h, "nasty")["post"]["id"]
    w.client.patch(f"/api/v1/posts/{post_id}", json={"body": "still nasty"}, headers=h)
    assert db.session.query(QueueItem).filter_by(content_id=post_id).count() == 1
