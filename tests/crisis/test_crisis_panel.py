"""One crisis panel everywhere: the forum held screen, the chat `crisis_resources` event and the help page are
rendered by the same macro (templates/_crisis_panel.html), in the same order, with tap-to-call links."""
from __future__ import annotations

import re

import pytest

from community.extensions import db, socketio
from tests.conftest import login
from tests.support import received

ROOM = "open-lounge"


def hrefs(html: str) -> list[str]:
    return re.findall(r'href="((?:tel|sms):[^"]*)"', html)




@pytest.fixture
def connect(connect):
    """The shared fixture, each client joined to the lounge."""
    return lambda member: connect(member, room=ROOM)


@pytest.mark.parametrize("region,emergency,line", [("GB", "tel:999", "tel:116123"), ("US", "tel:911", "tel:988")])
def test_chat_event_carries_the_rendered_panel_emergency_first(app, make_member, connect, scores, region,
                                                               emergency, line):
    scores.self_harm_tier("end it tonight", "intent")
    ash, bea = make_member(region=region), make_member(region=region)
    a, b = connect(ash), connect(bea)
    a.emit("send", {"room": ROOM, "body": "i am going to end it tonight"})
    crisis = received(a, "crisis_resources")
    assert len(crisis) == 1
    event = crisis[0]
    # The JSON fields stay as they were, and the panel comes rendered beside them.
    assert event["emergency"]["numbers"][0] == emergency[4:] and event["resources"] and event["message"]
    links = hrefs(event["html"])
    assert links[0] == emergency and line in links, links
    assert "Your message is safe" in event["html"] and "Your post" not in event["html"]
    assert 'href="/safety-plan/edit"' in event["html"] and 'href="/help"' in event["html"]
    assert event["html"].index(emergency) < event["html"].index(line) < event["html"].index("/safety-plan/edit") \
        < event["html"].index('href="/help"')
    assert "<script" not in event["html"]
    assert b.get_received() == []  # the other member gets nothing: not the message, not the panel


def test_chat_panel_and_forum_held_screen_list_the_same_lines(app, make_member, connect, scores):
    scores.self_harm_tier("end it tonight", "intent")
    ash = make_member(region="GB")
    db.session.commit()
    a = connect(ash)
    a.emit("send", {"room": ROOM, "body": "i am going to end it tonight"})
    chat_html = received(a, "crisis_resources")[0]["html"]
    client = app.test_client()
    login(client, ash.handle)
    r = client.post("/b/depression/new", data={"title": "tonight", "body": "i am going to end it tonight"})
    assert r.status_code == 302 and r.headers["Location"].endswith("/held")
    held = client.get(r.headers["Location"]).data.decode()
    assert hrefs(held) == hrefs(chat_html) and hrefs(held)[0] == "tel:999"
    assert "Your post is safe" in held and "waiting for review" in held
    help_page = client.get("/help").data.decode()
    assert hrefs(help_page) == hrefs(chat_html)


def test_api_keeps_its_support_fields_in_the_same_order(app, make_member, scores, token_for):
    scores.self_harm_tier("end it tonight", "intent")
    member = make_member(region="US")
    db.session.commit()
    r = app.test_client().post("/api/v1/boards/depression/threads", headers=token_for(member),
                               json={"title": "tonight", "body": "i am going to end it tonight"})
    body = r.get_json()
    assert r.status_code == 201 and body["post"]["status"] == "held"
    assert body["emergency"]["numbers"] == ["911"] and body["resources"][0]["phone"] == "988"
    assert body["support_message"] and body["safety_plan"]["url"] == "/safety-plan/edit"
    assert body["country"] == "US"


def test_panel_without_a_region_offers_to_set_one(app, make_member, connect, scores):
    scores.self_harm_tier("end it tonight", "intent")
    a = connect(make_member())
    a.emit("send", {"room": ROOM, "body": "i am going to end it tonight"})
    event = received(a, "crisis_resources")[0]
    assert event["emergency"] is None and event["resources"]
    assert "Set region" in event["html"] and "https://" in event["html"]


def test_a_reply_form_refused_for_speed_shows_the_crisis_panel_first(app_factory, make_member):
    """A page write refused with 429 whose words read as a crisis: the error page leads with the crisis panel
    (emergency number first, tap to call), like the API's refusal carries the resources."""
    app = app_factory(RATELIMIT_ENABLED=True, NEW_ACCOUNT_REPLY_LIMIT="1 per hour")
    with app.app_context():
        from tests.conftest import ScoreControl
        ScoreControl(app)
        member = make_member(region="GB")
        thread_id = _any_thread(app, member)
        client = app.test_client()
        login(client, member.handle)
        first = client.post(f"/t/{thread_id}/reply", data={"body": "thanks everyone"})
        assert first.status_code in (200, 302)
        refused = client.post(f"/t/{thread_id}/reply", data={"body": "i have the pills ready and i will take them tonight"})
        assert refused.status_code == 429
        html = refused.get_data(as_text=True)
        assert 'crisis-panel' in html and html.index("crisis-panel") < html.index("<h1")
        assert hrefs(html)[0] == "tel:999"  # the region's emergency number, first
        ordinary = client.post(f"/t/{thread_id}/reply", data={"body": "see you all tomorrow"})
        assert ordinary.status_code == 429 and "crisis-panel" not in ordinary.get_data(as_text=True)


def _any_thread(app, member) -> int:
    from community.forum.services import create_thread, get_board
    thread, _post, _verdict = create_thread(member, get_board("anxiety"), "A thread title", "hello there")
    return thread.id
