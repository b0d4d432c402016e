"""Someone else at risk: a post whose author is worried about another person is published, raises an urgent (danger
now) or high `someone_else` item, and shows the author how to help with their region's numbers. Own crisis wins."""
from __future__ import annotations

import re

import pytest

from community.extensions import db, socketio
from moderation import policy
from moderation.classifiers.base import Scores
from tests.conftest import login


def worried(danger: bool, own: str = "none") -> Scores:
    own_levels = {"none": (0.1, 0.05, 0.01), "ideation": (0.95, 0.9, 0.1), "intent": (0.99, 0.97, 0.9)}[own]
    concern, ideation, intent = own_levels
    return Scores(score=ideation, labels={"concern": concern, "ideation": ideation, "intent": intent,
                                          "someone_else": 0.92, "someone_else_danger": 0.9 if danger else 0.1},
                  reasons=["test:someone_else"])


@pytest.mark.parametrize("danger,priority", [(True, "urgent"), (False, "high")])
def test_worried_post_is_published_with_an_item_and_guidance(aw, danger, priority):
    author, h = aw.person(region="GB")
    aw.scores.self_harm.rules["my sister"] = worried(danger)
    data = aw.thread(h, "my sister said goodbye to me and is not answering her phone")
    assert data["post"]["status"] == "published"
    assert aw.client.get(f"/api/v1/posts/{data['post']['id']}").status_code == 200  # others see it: replies come
    item = aw.item_for_post(data["post"]["id"])
    assert (item.kind, item.priority, item.status) == ("someone_else", priority, "open")
    assert f"someone_else:{'danger' if danger else 'worried'}" in item.reasons
    assert data["about"] == "someone_else" and data["guidance"] and data["support_message"]
    assert data["emergency"]["numbers"][0] == "999" and any(r["phone"] == "116 123" for r in data["resources"])
    assert "hold_reason" not in data
    staff, sh = aw.person(role="moderator")
    listed = aw.client.get("/api/v1/moderation/queue?kind=someone_else", headers=sh).get_json()["items"]
    assert [i["id"] for i in listed if i["kind"] == "someone_else"] == [item.id]


@pytest.mark.parametrize("own", ["ideation", "intent"])
def test_own_crisis_always_wins(w, own):
    author, h = w.person(region="US")
    w.scores.self_harm.rules["my friend"] = worried(True, own=own)
    data = w.thread(h, "my friend wants to die and so do I")
    assert data["post"]["status"] == "held" and data["hold_reason"] == "self_harm"
    assert w.item_for_post(data["post"]["id"]).kind == "self_harm"
    assert data.get("about") != "someone_else"


def test_someone_else_is_never_a_hold_even_with_toxic_words(w):
    author, h = w.person()
    w.scores.self_harm.rules["my brother"] = worried(True)
    w.scores.toxic("my brother", 0.85)
    data = w.thread(h, "my brother took a load of pills and you idiots are no help")
    assert data["post"]["status"] == "published"
    item = w.item_for_post(data["post"]["id"])
    assert item.kind == "someone_else" and item.priority == "urgent"
    assert "toxicity:published_for_someone_else" in item.reasons


def test_policy_edges():
    t = policy.Thresholds()
    calm = Scores(score=0.01, labels={"insult": 0.01})
    d = policy.decide(calm, worried(False), t)
    assert (d.status, d.queue_kind, d.priority, d.someone_else) == ("published", "someone_else", "high", "worried")
    just_below = Scores(score=0.05, labels={"someone_else": 0.49, "someone_else_danger": 0.99})
    assert policy.decide(calm, just_below, t).queue_kind is None
    removed = policy.decide(Scores(score=0.99, labels={"insult": 0.99}), worried(True), t)
    assert (removed.status, removed.queue_kind, removed.priority) == ("removed", "someone_else", "urgent")
    with pytest.raises(policy.GarbageScores):
        policy.check_scores(Scores(score=0.1, labels={"someone_else": 1.5}), "self_harm")


def test_forum_author_lands_on_how_to_help(app, make_member, scores):
    member = make_member(region="GB")
    db.session.commit()
    scores.self_harm.rules["my sister"] = worried(True)
    client = app.test_client()
    login(client, member.handle)
    r = client.post("/b/depression/new", data={"title": "worried", "body": "my sister said goodbye tonight"})
    assert r.status_code == 302 and r.headers["Location"].endswith("/helping-someone")
    page = client.get(r.headers["Location"]).data.decode()
    assert "How to help someone" in page and re.findall(r'href="(tel:[^"]*)"', page)[0] == "tel:999"
    assert "tel:116123" in page and "waiting for review" not in page
    # Someone else's page is not theirs to see.
    other = app.test_client()
    login(other, make_member().handle)
    assert other.get(r.headers["Location"]).status_code == 404


def test_chat_message_published_and_author_gets_guidance(app, make_member, scores, token_for):
    scores.self_harm.rules["my friend"] = worried(False)
    ash, bea = make_member(region="US"), make_member()
    clients = []
    for m in (ash, bea):
        c = socketio.test_client(app, auth={"token": token_for(m)["Authorization"].split(" ", 1)[1]})
        c.emit("join", {"room": "open-lounge"})
        c.get_received()
        clients.append(c)
    a, b = clients
    a.emit("send", {"room": "open-lounge", "body": "my friend keeps saying she wants to die"})
    mine = a.get_received()
    crisis = [e["args"][0] for e in mine if e["name"] == "crisis_resources"]
    assert len(crisis) == 1 and crisis[0]["about"] == "someone_else"
    assert "How to help someone" in crisis[0]["html"] and 'href="tel:911"' in crisis[0]["html"]
    got = [e for e in b.get_received() if e["name"] == "message"]
    assert len(got) == 1  # published: the room can answer
    assert all(e["name"] != "crisis_resources" for e in b.get_received())
    for c in clients:
        c.disconnect()


def test_lexicon_backend_emits_the_labels_end_to_end(app, make_member, token_for):
    # No `scores` fixture: the phrase-lexicon backend and its rules detector decide.
    member = make_member(region="GB")
    db.session.commit()
    client = app.test_client()
    r = client.post("/api/v1/boards/anxiety/threads", headers=token_for(member),
                    json={"title": "scared", "body": "My boyfriend is suicidal and took a bottle of pills tonight"})
    body = r.get_json()
    assert r.status_code == 201 and body["post"]["status"] == "published" and body["about"] == "someone_else"
    from moderation.queue.services import item_for
    item = item_for("post", body["post"]["id"])
    assert (item.kind, item.priority) == ("someone_else", "urgent")
    assert item.scores["self_harm_labels"]["someone_else"] >= 0.5
    own = client.post("/api/v1/boards/anxiety/threads", headers=token_for(member),
                      json={"title": "about me", "body": "I am suicidal and I want to die"}).get_json()
    assert own["post"]["status"] == "held" and own["hold_reason"] == "self_harm"
