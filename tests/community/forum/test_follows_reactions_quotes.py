"""Following threads and "new since your last visit", supportive reactions, and quotes by reference, on SQLite and
PostgreSQL, through the pages (no JavaScript) and the API."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest

from community.extensions import db
from community.forum import follows, reaction_kinds, reactions, services as forum
from community.forum.models import Post, Reaction
from community.members import blocks
from community.notifications import services as notifications
from tests.conftest import login
from tests.support import assert_error


@pytest.fixture
def people(any_app, make_member):
    return make_member("alice"), make_member("bob"), make_member("cara")


@pytest.fixture
def thread(people):
    alice = people[0]
    found, _post, _v = forum.create_thread(alice, forum.get_board("off-topic"), "Small wins today",
                                           "I went for a walk today.")
    return found


def opening(thread):
    return db.session.scalar(db.select(Post).where(Post.thread_id == thread.id, Post.is_opening.is_(True)))


# --- follow ------------------------------------------------------------------------------------------------------

def test_follow_api_and_button(any_app, people, thread, token_for):
    _alice, bob, cara = people
    client, headers = any_app.test_client(), token_for(cara)
    assert client.get(f"/api/v1/threads/{thread.id}/follow", headers=headers).get_json()["following"] is False
    r = client.post(f"/api/v1/threads/{thread.id}/follow", headers=headers)
    assert r.status_code == 200 and r.get_json() == {"thread_id": thread.id, "following": True}
    post, _ = forum.create_reply(bob, thread, "a reply cara will hear of")
    assert [n.post_id for n in notifications.notifications_of(cara)] == [post.id]
    r = client.delete(f"/api/v1/threads/{thread.id}/follow", headers=headers)
    assert r.get_json()["following"] is False
    assert_error(client.post("/api/v1/threads/999999/follow", headers=headers), 404)
    assert client.post(f"/api/v1/threads/{thread.id}/follow").status_code == 401
    # The page's button, without JavaScript.
    page_client = any_app.test_client()
    login(page_client, "cara")
    assert "Follow this thread" in page_client.get(f"/t/{thread.id}").data.decode()
    r = page_client.post(f"/t/{thread.id}/follow", data={"follow": "1"})
    assert r.status_code == 302 and follows.is_following(cara, thread)
    assert "Following ✓" in page_client.get(f"/t/{thread.id}").data.decode()
    page_client.post(f"/t/{thread.id}/follow", data={"follow": "0"})
    assert not follows.is_following(cara, thread)


def test_new_since_last_visit_on_lists_and_in_the_thread(any_app, people, thread):
    alice, bob, cara = people
    client = any_app.test_client()
    login(client, "cara")
    board = client.get("/b/off-topic").data.decode()
    assert re.search(r'Small wins today</a>\s*<span class="tag new">new</span>', board)  # never opened
    first = client.get(f"/t/{thread.id}").data.decode()
    assert "New since your last visit" not in first
    assert 'class="tag new"' not in client.get("/b/off-topic").data.decode()  # read: nothing new
    # Two replies later (created after the read position).
    assert follows.state(cara, thread).last_read_at == opening(thread).created_at
    r1, _ = forum.create_reply(bob, thread, "first new reply")
    forum.create_reply(alice, thread, "second new reply")
    board = client.get("/b/off-topic").data.decode()
    assert f'href="/t/{thread.id}/unread">2 new</a>' in board, re.findall(r"Small wins.{0,400}", board, re.S)
    assert "2 new" in client.get("/").data.decode()  # home's latest activity too
    jump = client.get(f"/t/{thread.id}/unread")
    assert jump.status_code == 302 and jump.headers["Location"].endswith(f"#post-{r1.id}")
    page = client.get(f"/t/{thread.id}").data.decode()
    assert page.index('id="first-unread"') < page.index(f'id="post-{r1.id}"')
    assert page.count('class="post-wrap unread"') == 2 and "Jump to first unread" in page
    # Seen now: the marker is gone on the next visit and on the board.
    assert "New since your last visit" not in client.get(f"/t/{thread.id}").data.decode()
    assert "2 new" not in client.get("/b/off-topic").data.decode()


def test_lists_show_counts_and_relative_times_without_javascript(any_app, people, thread):
    _alice, bob, _cara = people
    forum.create_reply(bob, thread, "a reply")
    thread.last_activity_at -= timedelta(hours=3)
    db.session.commit()
    board = any_app.test_client().get("/b/off-topic").data.decode()
    assert "1 reply" in board
    assert re.search(r'<time datetime="[0-9T:.-]+Z" title="\d\d \w+ \d{4}, \d\d:\d\d UTC">3 hours ago</time>', board)
    home = any_app.test_client().get("/").data.decode()
    assert "1 thread · 1 reply · latest" in home and "3 hours ago" in home
    assert "Latest activity" in home and "Small wins today" in home
    assert "1 thread · 1 reply" in any_app.test_client().get("/boards").data.decode()


def test_board_lists_newest_activity_first(any_app, people):
    alice, bob, _ = people
    board = forum.get_board("off-topic")
    older, _p, _v = forum.create_thread(alice, board, "Older thread", "body one")
    newer, _p, _v = forum.create_thread(alice, board, "Newer thread", "body two")
    page = any_app.test_client().get("/b/off-topic").data.decode()
    assert page.index("Newer thread") < page.index("Older thread")
    older.last_activity_at = newer.last_activity_at - timedelta(minutes=5)
    db.session.commit()
    forum.create_reply(bob, older, "bump")
    page = any_app.test_client().get("/b/off-topic").data.decode()
    assert page.index("Older thread") < page.index("Newer thread")


# --- reactions -----------------------------------------------------------------------------------------------------

def test_reactions_one_per_kind_counts_and_who_only_for_the_author(any_app, people, thread, token_for):
    alice, bob, cara = people
    post = opening(thread)
    client = any_app.test_client()
    r = client.post(f"/api/v1/posts/{post.id}/reactions/hug", headers=token_for(bob))
    assert r.status_code == 201
    counts = {k["kind"]: k for k in r.get_json()["reactions"]}
    assert counts["hug"]["count"] == 1 and counts["hug"]["mine"] is True and "by" not in r.get_json()
    assert_error(client.post(f"/api/v1/posts/{post.id}/reactions/hug", headers=token_for(bob)), 409,
                 "already_reacted")
    client.post(f"/api/v1/posts/{post.id}/reactions/hug", headers=token_for(cara))
    client.post(f"/api/v1/posts/{post.id}/reactions/me_too", headers=token_for(cara))
    assert db.session.scalar(db.select(db.func.count(Reaction.id))) == 3
    seen_by_author = client.get(f"/api/v1/posts/{post.id}/reactions", headers=token_for(alice)).get_json()
    assert seen_by_author["by"]["hug"] == ["bob", "cara"] and seen_by_author["by"]["me_too"] == ["cara"]
    assert "by" not in client.get(f"/api/v1/posts/{post.id}/reactions", headers=token_for(bob)).get_json()
    assert "by" not in client.get(f"/api/v1/posts/{post.id}/reactions").get_json()
    assert_error(client.post(f"/api/v1/posts/{post.id}/reactions/downvote", headers=token_for(bob)), 400,
                 "unknown_reaction")
    r = client.delete(f"/api/v1/posts/{post.id}/reactions/hug", headers=token_for(bob))
    assert {k["kind"]: k["count"] for k in r.get_json()["reactions"]}["hug"] == 1
    assert client.delete(f"/api/v1/posts/{post.id}/reactions/hug", headers=token_for(bob)).status_code == 200
    assert client.post(f"/api/v1/posts/{post.id}/reactions/hug").status_code == 401
    # On the page: counts for everyone, names for the author only.
    anonymous = client.get(f"/t/{thread.id}").data.decode()
    assert "Hug <span class=\"count\">1</span>" in anonymous and "Who reacted" not in anonymous
    author = any_app.test_client()
    login(author, "alice")
    page = author.get(f"/t/{thread.id}").data.decode()
    assert "Who reacted (only you see this)" in page and "Hug: cara" in page
    other = any_app.test_client()
    login(other, "bob")
    assert "Who reacted" not in other.get(f"/t/{thread.id}").data.decode()


def test_reaction_form_without_javascript_toggles(any_app, people, thread):
    _alice, bob, _cara = people
    post = opening(thread)
    client = any_app.test_client()
    login(client, "bob")
    r = client.post(f"/p/{post.id}/react/strength")
    assert r.status_code == 302 and r.headers["Location"].endswith(f"#post-{post.id}")
    assert reactions.summary([post], bob)[post.id]["mine"] == {"strength"}
    page = client.get(f"/t/{thread.id}").data.decode()
    assert 'data-reaction="strength" aria-pressed="true">Sending strength <span class="count">1</span>' in page
    client.post(f"/p/{post.id}/react/strength", data={"undo": "1"})
    assert reactions.summary([post], bob)[post.id]["counts"] == {}


def test_reactions_refused_on_held_or_removed_posts_and_between_blocked_members(any_app, people, thread, ctl,
                                                                               token_for):
    alice, bob, cara = people
    ctl.toxic("horrible insult", 0.9)
    held, _ = forum.create_reply(cara, thread, "horrible insult")
    assert held.status == "held"
    client = any_app.test_client()
    # Staff can see the held post, and still cannot react to it.
    from community.members.services import create_member
    moderator, _ = create_member("mod-two", "a-good-password", role="moderator", allow_reserved=True)
    assert_error(client.post(f"/api/v1/posts/{held.id}/reactions/hug", headers=token_for(moderator)), 409,
                 "post_not_published")
    assert_error(client.post(f"/api/v1/posts/{held.id}/reactions/hug", headers=token_for(bob)), 404)  # unseen
    held.status = "removed"
    db.session.commit()
    assert_error(client.post(f"/api/v1/posts/{held.id}/reactions/hug", headers=token_for(moderator)), 409,
                 "post_not_published")
    post = opening(thread)
    blocks.block(alice, "bob")  # alice blocked bob: he cannot react to her, she cannot react to him
    assert_error(client.post(f"/api/v1/posts/{post.id}/reactions/hug", headers=token_for(bob)), 403, "blocked")
    bobs, _ = forum.create_reply(bob, thread, "bob's kind reply")
    assert_error(client.post(f"/api/v1/posts/{bobs.id}/reactions/hug", headers=token_for(alice)), 404)  # hidden
    caras, _ = forum.create_reply(cara, thread, "cara's words")
    blocks.block(cara, "alice")  # cara blocked alice: alice still sees cara's post, and cannot react to it
    assert_error(client.post(f"/api/v1/posts/{caras.id}/reactions/thank_you", headers=token_for(alice)), 403,
                 "blocked")


def test_admin_renames_and_switches_off_a_reaction(any_app, people, thread, token_for, make_member):
    admin = make_member("admin-one", role="admin")
    client, headers = any_app.test_client(), token_for(admin)
    assert_error(client.patch("/api/v1/admin/reaction-kinds", json={"hug": {"label": "Hug"}},
                              headers=token_for(people[1])), 403)
    assert_error(client.patch("/api/v1/admin/reaction-kinds", json={"downvote": {"enabled": True}},
                              headers=headers), 400, "unknown_reaction")
    assert_error(client.patch("/api/v1/admin/reaction-kinds", json={"hug": {"label": ""}}, headers=headers), 400)
    r = client.patch("/api/v1/admin/reaction-kinds", headers=headers,
                     json={"hug": {"label": "Big hug"}, "me_too": {"enabled": False}})
    assert r.status_code == 200
    kinds = {k["kind"]: k for k in r.get_json()["reaction_kinds"]}
    assert kinds["hug"]["label"] == "Big hug" and kinds["me_too"]["enabled"] is False
    post = opening(thread)
    assert_error(client.post(f"/api/v1/posts/{post.id}/reactions/me_too", headers=token_for(people[1])), 400,
                 "reaction_disabled")
    page = client.get(f"/t/{thread.id}")
    assert page.status_code == 200
    member = any_app.test_client()
    login(member, "bob")
    text = member.get(f"/t/{thread.id}").data.decode()
    assert ">Big hug</button>" in text and 'data-reaction="me_too"' not in text
    # The admin page, without JavaScript.
    admin_page = any_app.test_client()
    login(admin_page, "admin-one")
    assert "Big hug" in admin_page.get("/admin/reactions").data.decode()
    form = {"label_hug": "Hug", "enabled_hug": "y", "label_me_too": "Me too", "label_thank_you": "Thanks",
            "enabled_thank_you": "y", "label_strength": "Sending strength", "enabled_strength": "y"}
    assert admin_page.post("/admin/reactions", data=form).status_code == 302
    assert reaction_kinds.load()["thank_you"]["label"] == "Thanks"
    bad = admin_page.post("/admin/reactions", data={**form, "label_hug": "x" * 40})
    assert bad.status_code == 400 and "x" * 40 in bad.data.decode()


def test_reaction_count_invalidates_the_anonymous_page_cache(any_app, people, thread, token_for):
    any_app.config["PAGE_CACHE_SECONDS"] = 60
    post = opening(thread)
    reader = any_app.test_client()
    reader.get(f"/t/{thread.id}")
    assert reader.get(f"/t/{thread.id}").headers["X-Page-Cache"] == "hit"
    any_app.test_client().post(f"/api/v1/posts/{post.id}/reactions/hug", headers=token_for(people[1]))
    fresh = reader.get(f"/t/{thread.id}")
    assert fresh.headers["X-Page-Cache"] == "miss" and 'Hug <span class="count">1</span>' in fresh.data.decode()


# --- quotes --------------------------------------------------------------------------------------------------------

def test_quote_links_the_original_and_shows_removed_when_it_is_taken_down(any_app, people, thread, token_for):
    alice, bob, cara = people
    any_app.config["PAGE_CACHE_SECONDS"] = 60
    original, _ = forum.create_reply(bob, thread, "The small things count too.")
    client = any_app.test_client()
    r = client.post(f"/api/v1/threads/{thread.id}/posts", headers=token_for(cara),
                    json={"body": "This, so much.", "quote_post_id": original.id})
    assert r.status_code == 201
    quote = r.get_json()["post"]["quote"]
    assert quote["state"] == "shown" and quote["url"] == f"/p/{original.id}" and quote["author"] == "bob"
    assert "The small things count too." in quote["html"]
    reply_id = r.get_json()["post"]["id"]
    assert db.session.get(Post, reply_id).body == "This, so much."  # the quote is a reference, never a copy
    reader = any_app.test_client()
    page = reader.get(f"/t/{thread.id}").data.decode()
    assert f'<a href="/p/{original.id}">bob wrote</a>' in page
    assert reader.get(f"/p/{original.id}").headers["Location"].endswith(f"#post-{original.id}")
    signed_in = any_app.test_client()
    login(signed_in, "alice")
    assert "bob wrote" in signed_in.get(f"/t/{thread.id}").data.decode()
    # A moderator takes the quoted post down: every view of the quote says so, cached ones included.
    original = db.session.get(Post, original.id)
    original.status = "removed"
    db.session.commit()
    for who in (reader, signed_in):
        text = who.get(f"/t/{thread.id}").data.decode()
        assert "Quoted post removed." in text and "The small things count too." not in text
    api = client.get(f"/api/v1/threads/{thread.id}").get_json()["posts"]
    assert [p["quote"] for p in api if p["id"] == reply_id][0] == {"post_id": original.id, "state": "removed",
                                                                   "url": None, "author": None, "html": None}
    original.status = "published"
    db.session.commit()
    assert "bob wrote" in signed_in.get(f"/t/{thread.id}").data.decode()


def test_quote_is_hidden_for_a_reader_who_blocked_its_author(any_app, people, thread):
    alice, bob, cara = people
    original, _ = forum.create_reply(bob, thread, "words by bob")
    forum.create_reply(cara, thread, "agreeing", quote_post_id=original.id)
    blocks.block(alice, "bob")
    client = any_app.test_client()
    login(client, "alice")
    text = client.get(f"/t/{thread.id}").data.decode()
    assert "Quoted post hidden" in text and "words by bob" not in text


def test_bad_quotes_are_refused_and_the_reply_form_keeps_the_text(any_app, people, thread, token_for, ctl):
    alice, bob, cara = people
    other, _p, _v = forum.create_thread(bob, forum.get_board("off-topic"), "Another thread", "elsewhere")
    client = any_app.test_client()
    for bad in (opening(other).id, 999999, "x", True):
        assert_error(client.post(f"/api/v1/threads/{thread.id}/posts", headers=token_for(cara),
                                 json={"body": "hi", "quote_post_id": bad}), 400)
    ctl.toxic("nasty words here", 0.9)
    held, _ = forum.create_reply(bob, thread, "nasty words here")
    assert_error(client.post(f"/api/v1/threads/{thread.id}/posts", headers=token_for(bob),
                             json={"body": "quoting my held post", "quote_post_id": held.id}), 400, "invalid_quote")
    page = any_app.test_client()
    login(page, "cara")
    form = page.get(f"/t/{thread.id}?quote={opening(thread).id}").data.decode()
    assert f'name="quote_post_id" type="hidden" value="{opening(thread).id}"' in form and "Quoting alice" in form
    r = page.post(f"/t/{thread.id}/reply", data={"body": "", "quote_post_id": str(opening(thread).id)})
    assert r.status_code == 400 and "Quoting alice" in r.data.decode()


def test_quoted_text_is_screened_with_the_reply(any_app, people, thread, ctl):
    alice, bob, cara = people
    original, _ = forum.create_reply(bob, thread, "an ordinary post")
    ctl.toxic("an ordinary post", 0.0)
    seen = []
    real = ctl.toxicity.score

    def spy(texts):
        seen.extend(texts)
        return real(texts)
    ctl.toxicity.score = spy
    forum.create_reply(cara, thread, "my own words", quote_post_id=original.id)
    assert any("an ordinary post" in t and "my own words" in t for t in seen)
