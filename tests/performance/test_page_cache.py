"""Anonymous thread and board views are served from the page cache, and every write that changes them shows at
once: a new post, an edit, a deletion, a moderator's removal and approval, a new thread, an author's trust. Signed-in
views are never cached. In-process by default; Redis when REDIS_URL is set (shared by every process)."""
import uuid

import pytest
from sqlalchemy import select

from community.extensions import db
from community.members.models import Member
from moderation.models import QueueItem
from moderation.queue import services as queue
from tests.conftest import REDIS_URL, ScoreControl, login
from tests.support import new_thread, reply


def _get(client, url):
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return response.headers.get("X-Page-Cache"), response.get_data(as_text=True)


def _journey(app, make_member, token_for):
    scores = ScoreControl(app)
    author = make_member(f"cache-a-{uuid.uuid4().hex[:6]}")
    author.trust_level = "trusted"
    moderator = make_member(f"cache-m-{uuid.uuid4().hex[:6]}", role="moderator")
    db.session.commit()
    headers = token_for(author)
    writer = app.test_client()
    reader = app.test_client()
    made = new_thread(writer, headers, title="Cached thread", body="first words here")
    thread_id = made["thread"]["id"]
    pages = [f"/t/{thread_id}", f"/api/v1/threads/{thread_id}", "/b/anxiety", "/api/v1/boards/anxiety/threads"]

    def all_pages():
        return {url: _get(reader, url) for url in pages}

    seen = all_pages()
    assert {state for state, _ in seen.values()} == {"miss"}
    again = all_pages()
    assert {state for state, _ in again.values()} == {"hit"}
    assert {u: body for u, (_, body) in again.items()} == {u: body for u, (_, body) in seen.items()}

    # A new reply shows at once, on the thread and (post count) on the board.
    added = reply(writer, headers, thread_id, body="a second post appears")
    fresh = all_pages()
    assert "a second post appears" in fresh[pages[0]][1] and "a second post appears" in fresh[pages[1]][1]
    assert "2 posts" in fresh[pages[2]][1]
    assert all(state == "miss" for state, _ in fresh.values())

    # An edit.
    response = writer.patch(f"/api/v1/posts/{added['id']}", json={"body": "an edited second post"}, headers=headers)
    assert response.status_code == 200
    _state, body = _get(reader, pages[0])
    assert "an edited second post" in body and "a second post appears" not in body

    # The author deletes it.
    assert writer.delete(f"/api/v1/posts/{added['id']}", headers=headers).status_code == 204
    _state, body = _get(reader, pages[0])
    assert "an edited second post" not in body and "This post was deleted" in body

    # A held reply is invisible; a moderator's approval shows it at once; a removal hides it at once.
    scores.toxic("needs a look", 0.85)
    held = reply(writer, headers, thread_id, body="this reply needs a look first")
    assert held["status"] == "held", held
    assert "needs a look first" not in _get(reader, pages[0])[1]
    assert "needs a look first" not in _get(reader, pages[0])[1]  # cached, still hidden
    item = db.session.scalar(select(QueueItem).where(QueueItem.content_type == "post",
                                                     QueueItem.content_id == held["id"]))
    staff = db.session.get(Member, moderator.id)
    queue.decide(item, staff, "approve", version=item.version)
    assert "needs a look first" in _get(reader, pages[0])[1]
    assert "needs a look first" in _get(reader, pages[1])[1]
    # A member reports it, the item opens again, and the moderator removes it.
    reporter = make_member(f"cache-r-{uuid.uuid4().hex[:6]}")
    response = writer.post("/api/v1/reports", json={"post_id": held["id"], "reason": "harassment"},
                           headers=token_for(reporter))
    assert response.status_code == 201, response.data
    assert "needs a look first" in _get(reader, pages[0])[1]  # one report does not hold it
    item = db.session.get(QueueItem, item.id)
    db.session.refresh(item)
    queue.decide(item, staff, "remove", version=item.version)
    assert "needs a look first" not in _get(reader, pages[0])[1]
    assert "needs a look first" not in _get(reader, pages[1])[1]

    # A new thread shows on the board at once.
    new_thread(writer, headers, title="Another cached thread", body="more words")
    assert "Another cached thread" in _get(reader, pages[2])[1]
    assert "Another cached thread" in _get(reader, pages[3])[1]

    # The author's trust pinned to "new": links become plain text at once.
    linked = reply(writer, headers, thread_id, body="see [the guide](https://example.org/guide)")
    assert 'href="https://example.org/guide"' in _get(reader, pages[0])[1]
    member = db.session.get(Member, author.id)
    member.trust_level = "new"
    db.session.commit()
    body = _get(reader, pages[0])[1]
    assert f'id="post-{linked["id"]}"' in body and 'href="https://example.org/guide"' not in body

    # Signed-in views are personal: never served from the shared cache, only from the reader's own
    # (tests/performance/test_reader_pages.py), and never the anonymous page.
    login(writer, author.handle)
    anonymous_body = _get(reader, pages[0])[1]
    assert _get(reader, pages[0])[0] == "hit"
    state, body = _get(writer, pages[0])
    assert state == "miss" and body != anonymous_body and "Sign in</a> to reply" not in body
    assert _get(writer, pages[0]) == ("hit", body)
    assert reader.get(f"/api/v1/threads/{thread_id}", headers=headers).headers.get("X-Page-Cache") is None


def test_in_process_cache_invalidates_on_every_write(app, make_member, token_for):
    _journey(app, make_member, token_for)


def test_redis_cache_invalidates_on_every_write(app, make_member, token_for):
    try:
        import redis
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
    except Exception:  # noqa: BLE001
        pytest.skip("no Redis")
    from community.page_cache import _Redis
    # The store create_app picks when REDIS_URL is set, put in place directly: an app built with REDIS_URL would also
    # point the process-wide Socket.IO server at Redis, which the other tests' Socket.IO test clients cannot use.
    store = _Redis(REDIS_URL, f"haven:pages:test-{uuid.uuid4().hex}:")
    app.extensions["page_cache"] = store
    try:
        _journey(app, make_member, token_for)
        assert list(store.client.scan_iter(f"{store.prefix}page:*"))  # the pages really went to Redis
    finally:
        for key in store.client.scan_iter(f"{store.prefix}*"):
            store.client.delete(key)


def test_cache_off_and_invalid_page(app_factory, make_member, token_for):
    off = app_factory(PAGE_CACHE_SECONDS=0)
    with off.app_context():
        author = make_member("cache-off")
        made = new_thread(off.test_client(), token_for(author))
        client = off.test_client()
        assert client.get(f"/t/{made['thread']['id']}").headers.get("X-Page-Cache") is None
        assert client.get(f"/t/{made['thread']['id']}?page=zero").status_code == 400
        assert client.get("/t/999999").status_code == 404
