"""Case history on a queue item: the member's earlier items, decisions, notices, appeals, strikes and staff
conversation, newest first; collapsed on the item page; staff only; on SQLite and PostgreSQL."""
from __future__ import annotations

from tests.conftest import login
from tests.support import assert_error


def _story(aw):
    """A member with a removed post they appealed (turned down), a warning, a conversation, then a new item."""
    author, author_h = aw.person()
    mod, mod_h = aw.person(role="moderator")
    second, second_h = aw.person(role="moderator")
    aw.scores.toxic("rudeword", 0.85)
    first = aw.item_for_post(aw.thread(author_h, "rudeword one")["post"]["id"])
    aw.decide(mod_h, first.id, "remove", note="Please keep it kind.")
    r = aw.client.post(f"/api/v1/posts/{first.content_id}/appeal", json={"text": "I was upset, sorry"},
                       headers=author_h)
    assert r.status_code == 201
    aw.decide(second_h, first.id, "remove")  # appeal turned down by another moderator
    r = aw.client.post("/api/v1/me/messages", json={"body": "why was it removed?"}, headers=author_h)
    assert r.status_code == 201
    aw.scores.toxic("meanword", 0.85)
    current = aw.item_for_post(aw.thread(author_h, "meanword two")["post"]["id"])
    return author, author_h, mod_h, first, current


def test_history_in_the_item_api(aw):
    author, author_h, mod_h, first, current = _story(aw)
    body = aw.client.get(f"/api/v1/moderation/items/{current.id}", headers=mod_h).get_json()
    history = body["history"]
    times = [e["at"] for e in history]
    assert times == sorted(times, reverse=True)  # newest first
    types = {e["type"] for e in history}
    assert {"item", "decision", "notice", "appeal", "message", "strike"} <= types
    assert all(e.get("id") != current.id for e in history if e["type"] == "item")  # not the item itself
    items = [e for e in history if e["type"] == "item"]
    assert any(e["id"] == first.id and e["url"] == f"/moderation/items/{first.id}" for e in items)
    appeal = next(e for e in history if e["type"] == "appeal")
    assert appeal["outcome"] == "upheld" and appeal["text"] == "I was upset, sorry"
    assert any(e["type"] == "message" and e["from"] == "member" and e["body"] == "why was it removed?"
               for e in history)
    assert any(e["type"] == "notice" for e in history)
    assert_error(aw.client.get(f"/api/v1/moderation/items/{current.id}", headers=author_h), 403)


def test_history_on_the_item_page_is_collapsed_and_staff_only(app, make_member, scores):
    from tests.moderation.conftest import World
    aw = World(app)
    author, author_h, mod_h, first, current = _story(aw)
    mod = make_member(role="moderator")
    staff = app.test_client()
    login(staff, mod.handle)
    html = staff.get(f"/moderation/items/{current.id}").get_data(as_text=True)
    section = html.split('class="case-history"', 1)[1]
    assert section.lstrip().split(">", 1)[1].lstrip().startswith("<details>")  # collapsed: no "open"
    assert "Case history of" in section and "appealed a removal (upheld)" in section
    assert "why was it removed?" in section and f'href="/moderation/items/{first.id}"' in section
    member = app.test_client()
    login(member, author.handle)
    assert member.get(f"/moderation/items/{current.id}").status_code == 403


def test_a_first_timer_has_an_empty_history(aw):
    author, author_h = aw.person()
    mod, mod_h = aw.person(role="moderator")
    aw.scores.toxic("rudeword", 0.85)
    item = aw.item_for_post(aw.thread(author_h, "rudeword only")["post"]["id"])
    assert aw.client.get(f"/api/v1/moderation/items/{item.id}", headers=mod_h).get_json()["history"] == []
