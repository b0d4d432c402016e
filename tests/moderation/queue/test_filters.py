"""Queue filters and paging, through the API and the page, on SQLite and PostgreSQL with 250 open items: kind,
priority, claimed by me / unclaimed, page and per_page, with `total` and `pages` (the query budget of a filtered
page is checked with the others in tests/performance/test_query_budget.py)."""
from __future__ import annotations

from datetime import timedelta

import pytest

from community.extensions import db, utcnow
from moderation.models import QueueItem
from moderation.queue.services import KINDS, _rank
from tests.support import assert_error

MIX = [("self_harm", "urgent"), ("self_harm", "high"), ("report", "normal"), ("toxicity", "high"),
       ("member_message", "normal")]


@pytest.fixture
def queue_world(any_app, make_member, token_for):
    moderator, other = make_member(role="moderator"), make_member(role="moderator")
    now = utcnow()
    rows = []
    for i in range(250):
        kind, priority = MIX[i % len(MIX)]
        claimed_by = moderator.id if i % 10 == 0 else other.id if i % 10 == 1 else None
        rows.append(QueueItem(content_type="post", content_id=10_000 + i, kind=kind, priority=priority,
                              rank=_rank(priority, 0), status="open", report_count=0, version=0, reasons=[],
                              created_at=now - timedelta(minutes=300 - i), claimed_by_id=claimed_by,
                              claimed_until=now + timedelta(minutes=10) if claimed_by else None))
    # An expired claim is no claim: it counts as unclaimed.
    rows[1].claimed_until = now - timedelta(minutes=1)
    db.session.add_all(rows)
    db.session.commit()
    return {"client": any_app.test_client(), "headers": token_for(moderator), "moderator": moderator}


def _get(w, query):
    r = w["client"].get(f"/api/v1/moderation/queue?{query}", headers=w["headers"])
    assert r.status_code == 200, r.get_json()
    return r.get_json()


def test_filters_combine_and_page_with_totals(queue_world):
    w = queue_world
    everything = _get(w, "per_page=50")
    assert everything["total"] == 250 and everything["pages"] == 5 and len(everything["items"]) == 50
    assert everything["items"][0]["priority"] == "urgent"  # the queue's order: crisis first
    urgent = _get(w, "kind=self_harm&priority=urgent&per_page=20")
    assert urgent["total"] == 50 and urgent["pages"] == 3
    assert {(i["kind"], i["priority"]) for i in urgent["items"]} == {("self_harm", "urgent")}
    last = _get(w, "kind=self_harm&priority=urgent&per_page=20&page=3")
    assert len(last["items"]) == 10 and last["page"] == 3
    seen = {i["id"] for p in (1, 2, 3) for i in _get(w, f"kind=self_harm&priority=urgent&per_page=20&page={p}")["items"]}
    assert len(seen) == 50  # no item twice, none skipped
    two = _get(w, "kind=reports,toxicity&per_page=200")  # "reports" is read as the report kind
    assert two["total"] == 100 and {i["kind"] for i in two["items"]} == {"report", "toxicity"}
    mine = _get(w, "claimed=me&per_page=200")
    assert mine["total"] == 25 and all(i["claimed_by"] == w["moderator"].handle for i in mine["items"])
    unclaimed = _get(w, "claimed=none&per_page=200")
    assert unclaimed["total"] == 250 - 25 - 25 + 1  # the expired claim is unclaimed again
    assert all(i["claimed_by"] is None for i in unclaimed["items"])


@pytest.mark.parametrize("query, field", [("kind=nonsense", "kind"), ("priority=soon", "priority"),
                                          ("claimed=everyone", "claimed"), ("per_page=0", "per_page"),
                                          ("per_page=201", "per_page"), ("per_page=ten", "per_page")])
def test_bad_filters_get_a_clear_400(queue_world, query, field):
    w = queue_world
    body = assert_error(w["client"].get(f"/api/v1/moderation/queue?{query}", headers=w["headers"]), 400)
    assert body["error"]["code"] in ("invalid_filter", "invalid_per_page") and field in body["error"]["message"]



def test_the_queue_page_keeps_its_filters_in_the_address(queue_world, make_member):
    from tests.conftest import login
    w = queue_world
    page_client = w["client"]
    login(page_client, w["moderator"].handle)
    html = page_client.get("/moderation/queue?kind=self_harm&priority=urgent").get_data(as_text=True)
    assert "50 items match these filters" in html
    assert 'data-queue-url="/moderation/queue?status=open&amp;partial=1&amp;page=1&amp;kind=self_harm&amp;priority=urgent"' in html
    paged = page_client.get("/moderation/queue?kind=self_harm&priority=urgent&per_page=20").get_data(as_text=True)
    assert "Page 1 of 3" in paged and "page=2" in paged and "kind=self_harm" in paged  # the pager keeps the filters
    bad = page_client.get("/moderation/queue?kind=nonsense")
    assert bad.status_code == 200 and "Unknown kind" in bad.get_data(as_text=True)  # said, and the whole queue shown
    assert set(KINDS) >= {"self_harm", "someone_else", "member_message", "report", "appeal", "auto_removed"}


def test_age_board_and_room_filters(any_app, make_member, token_for):
    """How long items have waited at least, and on which board (forum posts) or in which room (chat), through the
    API and the page (the page keeps the filters in its address and in its form)."""
    from community.chat.services import send
    from tests.moderation.conftest import World
    w = World(any_app)
    _m, mh = w.person(role="moderator")
    _a, ah = w.person()
    w.scores.toxic("you utter clown", 0.85)
    anxious = w.thread(ah, "you utter clown", board="anxiety")["post"]
    other_board = next(b["slug"] for b in w.client.get("/api/v1/boards").get_json()["boards"] if b["slug"] != "anxiety")
    elsewhere = w.thread(ah, "you utter clown", board=other_board)["post"]
    room = any_app.test_client().get("/api/v1/rooms").get_json()["rooms"][0]["slug"]
    author = w.member()
    message = send(room, author, "you utter clown")
    old = w.item_for_post(anxious["id"])
    old.created_at = old.opened_at = utcnow() - timedelta(hours=5)
    db.session.commit()

    def ids(query):
        r = w.client.get(f"/api/v1/moderation/queue?{query}", headers=mh)
        assert r.status_code == 200, r.get_json()
        return {(i["content_type"], (i["post"] or i["message"] or {}).get("id")) for i in r.get_json()["items"]}

    assert ids("board=anxiety") == {("post", anxious["id"])}
    assert ids(f"board={other_board}") == {("post", elsewhere["id"])}
    assert ids(f"room={room}") == {("message", message.id)}
    assert ids("age=4h") == {("post", anxious["id"])}
    assert ids("age=24h") == set()
    assert ids("age=4h&board=anxiety&kind=toxicity") == {("post", anxious["id"])}
    for bad in ("age=3h", "board=no-such-board", f"room={'x' * 50}", "room=%20"):
        assert_error(w.client.get(f"/api/v1/moderation/queue?{bad}", headers=mh), 400, "invalid_filter")
    from tests.conftest import login
    page_client = any_app.test_client()
    login(page_client, _m.handle)
    page = page_client.get("/moderation/queue?age=4h&board=anxiety").get_data(as_text=True)
    assert '<option value="4h" selected' in page and '<option value="anxiety" selected' in page
    assert 'data-narrowed="1"' in page and "1 item" in page
