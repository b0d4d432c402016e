"""Signed-in thread pages are kept for their reader and browser session alone (community/page_cache.py
reader_page), and nothing they may show goes stale: another member's held post never appears, a block or muted word
holds at once, an edit shows at once, ORM bulk statements count, and every page carries its own session's CSRF token.
The same pages with the reader cache off are the reference. SQLite and PostgreSQL."""
import re
import uuid

import pytest
from flask import g
from sqlalchemy import select, update

from community.extensions import db
from community.forum.models import Post
from moderation.models import QueueItem
from moderation.queue import services as queue
from tests.conftest import PASSWORD, REDIS_URL, ScoreControl, login
from tests.support import new_thread, reply

CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


def _get(client, url):
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return response.headers.get("X-Page-Cache"), response.get_data(as_text=True)


def _reference(app, client, url):
    """The page rendered with the reader cache off: what the cached page must equal."""
    app.extensions.pop("reader_pages", None)
    size = app.config["READER_PAGE_CACHE_SIZE"]
    app.config["READER_PAGE_CACHE_SIZE"] = 0
    try:
        state, body = _get(client, url)
        assert state is None
        return body
    finally:
        app.config["READER_PAGE_CACHE_SIZE"] = size
        app.extensions.pop("reader_pages", None)


def _members(make_member, *names):
    tag = uuid.uuid4().hex[:6]
    made = [make_member(f"rp-{name}-{tag}") for name in names]
    for member in made:
        member.trust_level = "trusted"
    db.session.commit()
    return made


def test_reader_pages_are_kept_and_never_show_what_the_reader_may_not_see(any_app, make_member, token_for):
    app = any_app
    scores = ScoreControl(app)
    author, reader = _members(make_member, "author", "reader")
    moderator = make_member(f"rp-mod-{uuid.uuid4().hex[:6]}", role="moderator")
    headers, reader_headers = token_for(author), token_for(reader)
    api = app.test_client()
    thread_id = new_thread(api, headers, title="Keeping pages", body="the opening words")["thread"]["id"]
    first = reply(api, headers, thread_id, body="a published reply about gardening")
    url = f"/t/{thread_id}"
    as_author, as_reader = app.test_client(), app.test_client()
    login(as_author, author.handle)
    login(as_reader, reader.handle)

    # Kept for the reader: the second view is a hit and equals the page rendered without the cache.
    assert _get(as_reader, url)[0] == "miss"
    state, body = _get(as_reader, url)
    assert state == "hit" and "a published reply about gardening" in body
    assert body == _reference(app, as_reader, url)
    assert _get(as_reader, url)[0] == "miss"  # (the reference emptied the cache)
    assert _get(as_reader, url)[0] == "hit"
    # Each reader has their own page: the author's own reply has Edit, the reader's copy does not.
    assert _get(as_author, url)[0] == "miss"
    state, mine = _get(as_author, url)
    assert state == "hit" and f'href="/p/{first["id"]}/edit"' in mine
    assert f'href="/p/{first["id"]}/edit"' not in _get(as_reader, url)[1]

    # The author's held post: shown to the author at once, never to the reader (whose page was kept).
    scores.toxic("needs a look", 0.85)
    held = reply(api, headers, thread_id, body="this reply needs a look first")
    assert held["status"] == "held", held
    state, body = _get(as_author, url)
    assert state == "miss" and "needs a look first" in body
    assert _get(as_author, url) == ("hit", body)
    for _ in range(2):
        assert "needs a look first" not in _get(as_reader, url)[1]
    # A moderator removes it: the author's kept page changes at once (the removal's explanation).
    item = db.session.scalar(select(QueueItem).where(QueueItem.content_type == "post",
                                                     QueueItem.content_id == held["id"]))
    queue.decide(item, moderator, "remove", version=item.version, note="please keep it kind")
    state, body = _get(as_author, url)
    assert state == "miss" and body == _reference(app, as_author, url)
    assert "needs a look first" not in _get(as_reader, url)[1]

    # An edit shows at once to a reader whose page was kept.
    _get(as_reader, url)
    assert _get(as_reader, url)[0] == "hit"
    assert api.patch(f"/api/v1/posts/{first['id']}", json={"body": "an edited reply about walking"},
                     headers=headers).status_code == 200
    state, body = _get(as_reader, url)
    assert state == "miss" and "an edited reply about walking" in body and "gardening" not in body

    # A muted word (set through the API, another client) collapses the post at once; clearing it shows it again.
    assert _get(as_reader, url)[0] == "hit"
    assert api.put("/api/v1/me/muted-words", json={"words": ["walking"]}, headers=reader_headers).status_code == 200
    state, body = _get(as_reader, url)
    assert state == "miss" and "Hidden by your filters" in body and body == _reference(app, as_reader, url)
    _get(as_reader, url)
    assert api.put("/api/v1/me/muted-words", json={"words": []}, headers=reader_headers).status_code == 200
    assert "Hidden by your filters" not in _get(as_reader, url)[1]

    # A block hides every post of the author at once; unblocking (a bulk DELETE) shows them again at once.
    assert _get(as_reader, url)[0] == "hit"
    assert api.post("/api/v1/me/blocks", json={"handle": author.handle},
                    headers=reader_headers).status_code in (200, 201)
    state, body = _get(as_reader, url)
    assert state == "miss" and "an edited reply about walking" not in body and "the opening words" not in body
    assert _get(as_reader, url)[0] == "hit"
    assert api.delete(f"/api/v1/me/blocks/{author.handle}", headers=reader_headers).status_code in (200, 204)
    state, body = _get(as_reader, url)
    assert state == "miss" and "an edited reply about walking" in body


def test_bulk_statements_invalidate_every_kept_page(any_app, make_member, token_for):
    app = any_app
    author, reader = _members(make_member, "bulk-a", "bulk-r")
    headers = token_for(author)
    api = app.test_client()
    thread_id = new_thread(api, headers, title="Bulk changes", body="an opening post")["thread"]["id"]
    post = reply(api, headers, thread_id, body="soon held by a bulk statement")
    url = f"/t/{thread_id}"
    as_reader, anonymous = app.test_client(), app.test_client()
    login(as_reader, reader.handle)
    for client in (as_reader, anonymous):
        _get(client, url)
        state, body = _get(client, url)
        assert state == "hit" and "soon held by a bulk statement" in body

    # A Core-style UPDATE through the session: no row event, yet neither kept page may show the post any more.
    db.session.execute(update(Post).where(Post.id == post["id"]).values(status="held"))
    db.session.commit()
    for client in (as_reader, anonymous):
        state, body = _get(client, url)
        assert state == "miss" and "soon held by a bulk statement" not in body
    # The legacy Query form, back to published.
    db.session.query(Post).filter(Post.id == post["id"]).update({"status": "published"})
    db.session.commit()
    for client in (as_reader, anonymous):
        assert "soon held by a bulk statement" in _get(client, url)[1]


def _forget_signed_token():
    # Tests hold one app context open for every request, and Flask-WTF keeps the signed token of "this request" in
    # g: without this, one test client's token would be handed to the next (in a server each request has its own g).
    g.pop("csrf_token", None)


def _csrf_login(client, handle):
    _forget_signed_token()
    page = client.get("/login").get_data(as_text=True)
    _forget_signed_token()
    token = CSRF.search(page).group(1)
    response = client.post("/login", data={"handle": handle, "password": PASSWORD, "csrf_token": token})
    assert response.status_code == 302, response.data[:300]


def test_every_kept_page_carries_its_own_sessions_csrf_token(any_app, make_member, token_for):
    app = any_app
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        one, two = _members(make_member, "csrf-1", "csrf-2")
        headers = token_for(one)
        thread_id = new_thread(app.test_client(), headers, title="Tokens", body="an opening post")["thread"]["id"]
        url = f"/t/{thread_id}"
        # Member one in two browsers, member two in a third.
        browsers = {"one-a": app.test_client(), "one-b": app.test_client(), "two": app.test_client()}
        for name, client in browsers.items():
            _csrf_login(client, one.handle if name.startswith("one") else two.handle)
        tokens = {}
        for name, client in browsers.items():
            _forget_signed_token()
            assert _get(client, url)[0] == "miss"
            _forget_signed_token()
            state, body = _get(client, url)
            assert state == "hit", name
            tokens[name] = CSRF.search(body).group(1)
        # Another browser's token (even the same member's) is refused; each page's own token works.
        for name, client in browsers.items():
            for other, token in tokens.items():
                if other == name:
                    continue
                _forget_signed_token()
                response = client.post(f"/t/{thread_id}/reply", data={"body": f"from {name}", "csrf_token": token})
                assert response.status_code == 400 and b"This form had expired" in response.data, (name, other)
        assert len(set(tokens.values())) == 3
        for name, client in browsers.items():
            _forget_signed_token()
            response = client.post(f"/t/{thread_id}/reply", data={"body": f"a reply from {name}",
                                                                   "csrf_token": tokens[name]})
            assert response.status_code == 302, (name, response.data[:300])
    finally:
        app.config["WTF_CSRF_ENABLED"] = False


def test_staff_pages_flashes_and_cache_off_are_never_kept(any_app, make_member, token_for):
    app = any_app
    (member,) = _members(make_member, "flash")
    staff = make_member(f"rp-staff-{uuid.uuid4().hex[:6]}", role="moderator")
    thread_id = new_thread(app.test_client(), token_for(member), title="Flashes", body="an opening")["thread"]["id"]
    url = f"/t/{thread_id}"
    as_staff, as_member = app.test_client(), app.test_client()
    login(as_staff, staff.handle)
    login(as_member, member.handle)
    assert [_get(as_staff, url)[0] for _ in range(2)] == [None, None]
    # After writing a reply the page shows "Posted.": rendered for the flash, and kept only once it is gone.
    response = as_member.post(f"/t/{thread_id}/reply", data={"body": "a reply with a flash"})
    assert response.status_code == 302
    state, body = _get(as_member, url)
    assert state is None and "Posted." in body
    assert _get(as_member, url)[0] == "miss"
    state, body = _get(as_member, url)
    assert state == "hit" and "Posted." not in body
    app.config["READER_PAGE_CACHE_SIZE"] = 0
    app.extensions.pop("reader_pages", None)
    try:
        assert _get(as_member, url)[0] is None
    finally:
        app.config["READER_PAGE_CACHE_SIZE"] = 500
        app.extensions.pop("reader_pages", None)


def test_with_redis_generations_a_write_elsewhere_invalidates_kept_pages(app, make_member, token_for):
    """With REDIS_URL the generations live in Redis: a write committed by another process (its bump arrives through
    Redis only) makes this process render the reader's page afresh."""
    try:
        import redis
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
    except Exception:  # noqa: BLE001
        pytest.skip("no Redis")
    from community.page_cache import _Redis
    store = _Redis(REDIS_URL, f"haven:pages:test-{uuid.uuid4().hex}:")
    app.extensions["page_cache"] = store
    try:
        author, reader = _members(make_member, "redis-a", "redis-r")
        thread_id = new_thread(app.test_client(), token_for(author), title="Shared generations",
                               body="an opening post")["thread"]["id"]
        url = f"/t/{thread_id}"
        as_reader = app.test_client()
        login(as_reader, reader.handle)
        _get(as_reader, url)
        assert _get(as_reader, url)[0] == "hit"
        other_process = _Redis(REDIS_URL, store.prefix)  # another process's view of the same generations
        other_process.bump([f"member:{reader.id}"])
        assert _get(as_reader, url)[0] == "miss"
        assert _get(as_reader, url)[0] == "hit"
        other_process.bump([f"thread:{thread_id}"])
        assert _get(as_reader, url)[0] == "miss"
    finally:
        for key in store.client.scan_iter(f"{store.prefix}*"):
            store.client.delete(key)


def test_the_headers_personal_counts_change_at_once(any_app, make_member, token_for):
    """A moderator's message to the member shows in the header of a kept page at once; reading it (a bulk UPDATE)
    clears the badge at once."""
    from moderation.queue.messages import staff_reply
    app = any_app
    (member,) = _members(make_member, "badge")
    moderator = make_member(f"rp-badge-mod-{uuid.uuid4().hex[:6]}", role="moderator")
    thread_id = new_thread(app.test_client(), token_for(member), title="Badges", body="an opening")["thread"]["id"]
    url = f"/t/{thread_id}"
    as_member = app.test_client()
    login(as_member, member.handle)
    _get(as_member, url)
    state, body = _get(as_member, url)
    assert state == "hit" and "1 unread" not in body
    staff_reply(moderator, member, "Checking in: how are you doing today?")
    state, body = _get(as_member, url)
    assert state == "miss" and 'aria-label="1 unread"' in body
    assert as_member.get("/messages").status_code == 200  # reading them marks them read
    state, body = _get(as_member, url)
    assert state == "miss" and 'aria-label="1 unread"' not in body


def test_board_pages_are_kept_per_reader_too(any_app, make_member, token_for):
    """The signed-in board page: the author's own held thread shows to them alone, a new thread and a block show at
    the next view."""
    app = any_app
    scores = ScoreControl(app)
    author, reader = _members(make_member, "board-a", "board-r")
    api = app.test_client()
    new_thread(api, token_for(author), title="A board thread to keep", body="an opening post")
    as_author, as_reader = app.test_client(), app.test_client()
    login(as_author, author.handle)
    login(as_reader, reader.handle)
    for client in (as_author, as_reader):
        _get(client, "/b/anxiety")
        state, body = _get(client, "/b/anxiety")
        assert state == "hit" and "A board thread to keep" in body
    scores.toxic("rough title", 0.85)
    held = new_thread(api, token_for(author), title="A rough title here", body="words")
    assert held["post"]["status"] == "held", held
    assert "A rough title here" in _get(as_author, "/b/anxiety")[1]
    for _ in range(2):
        assert "A rough title here" not in _get(as_reader, "/b/anxiety")[1]
    assert api.post("/api/v1/me/blocks", json={"handle": author.handle},
                    headers=token_for(reader)).status_code in (200, 201)
    state, body = _get(as_reader, "/b/anxiety")
    assert state == "miss" and "A board thread to keep" not in body


def test_a_reply_notifies_a_follower_on_their_kept_pages_at_once_and_no_one_else(any_app, make_member, token_for):
    """A follower with no live connection gets the reply's notification as a row written without an ORM object
    (community/notifications/services.py _add_for_post): the badge on their kept page of another thread shows at
    once, the notification lists, and an unrelated reader's kept page is still served from the cache. (The follower
    is not the thread's author, whose pages change with the thread's row anyway.)"""
    app = any_app
    author, follower, writer, bystander = _members(make_member, "nf-author", "nf-follower", "nf-writer",
                                                   "nf-bystander")
    followed = new_thread(app.test_client(), token_for(author), title="Followed", body="an opening")["thread"]["id"]
    reply(app.test_client(), token_for(follower), followed, "me too, every evening")  # follows the thread now
    elsewhere = new_thread(app.test_client(), token_for(bystander), title="Elsewhere", body="hi")["thread"]["id"]
    url = f"/t/{elsewhere}"
    readers = {}
    for member in (follower, bystander):
        readers[member.id] = app.test_client()
        login(readers[member.id], member.handle)
        _get(readers[member.id], url)
        state, body = _get(readers[member.id], url)
        assert state == "hit" and "unread notifications" not in body
    made = reply(app.test_client(), token_for(writer), followed, "thinking of you this evening")
    state, body = _get(readers[follower.id], url)
    assert state == "miss" and 'aria-label="1 unread notifications"' in body
    state, _body = _get(readers[bystander.id], url)
    assert state == "hit"
    assert body == _reference(app, readers[follower.id], url)  # (drops every kept page)
    listed = app.test_client().get("/api/v1/notifications", headers=token_for(follower)).get_json()
    assert [(n["kind"], n["post_id"]) for n in listed["notifications"]] == [("reply", made["id"])]
