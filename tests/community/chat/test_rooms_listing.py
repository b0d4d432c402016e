"""The header's "Chat" link counts the people in the rooms now; the rooms list says who is in each room and when the
last message was (README "Chat")."""
from __future__ import annotations

import re

from community.chat import services
from community.extensions import db
from community.members import blocks
from tests.conftest import login


def _count(page: str) -> int | None:
    found = re.search(r'href="/chat/">Chat <span class="badge" aria-label="(\d+) (?:person|people) here now">', page)
    return int(found.group(1)) if found else None


def test_header_count_and_rooms_list(app, scores, make_member, connect):
    ana, ben, cat = make_member("ana"), make_member("ben"), make_member("cat")
    db.session.commit()
    client = app.test_client()
    assert 'href="/chat/">Chat</a>' in client.get("/").get_data(as_text=True)  # nobody there: no number
    connect(ana, room="open-lounge")
    connect(ben, room="late-night")
    connect(ben, room="open-lounge")  # one person in two rooms counts once
    assert _count(client.get("/").get_data(as_text=True)) == 2
    assert _count(client.get("/help").get_data(as_text=True)) == 2
    services.send("open-lounge", ana, "hello everyone")
    login(client, "cat")
    page = client.get("/chat").get_data(as_text=True)
    lounge = page.split("Open lounge")[1].split("</li>")[0]
    assert "2 people here now: ana, ben" in lounge and "last message" in lounge and "just now" in lounge
    assert "1 person here now: ben" in page.split("Late night")[1].split("</li>")[0]
    assert "Nobody here right now" in page.split("Anxiety check-in")[1].split("</li>")[0]
    blocks.block(cat, "ben")
    lounge = client.get("/chat").get_data(as_text=True).split("Open lounge")[1].split("</li>")[0]
    assert "2 people here now: ana" in lounge and "ben" not in lounge  # never a handle the viewer blocked
    anonymous = app.test_client().get("/chat").get_data(as_text=True)
    assert "2 people here now" in anonymous and "ana" not in anonymous.split("Open lounge")[1].split("</li>")[0]


def test_relative_time_words():
    from datetime import datetime, timedelta
    now = datetime(2026, 12, 1, 12, 0, 0)
    assert services.relative_time(now - timedelta(seconds=20), now) == "just now"
    assert services.relative_time(now - timedelta(minutes=1), now) == "1 minute ago"
    assert services.relative_time(now - timedelta(hours=5), now) == "5 hours ago"
    assert services.relative_time(now - timedelta(days=2), now) == "2 days ago"
    assert services.relative_time(now - timedelta(days=90), now) == "2 Sep 2026"
