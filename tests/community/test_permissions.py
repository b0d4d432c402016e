"""Roles and who sees / may change what: held posts, other people's posts, soft deletion."""
from community.extensions import db
from community.forum.models import Post, PostRevision
from tests.conftest import login
from tests.support import assert_error, new_thread, reply


def _held_reply(client, ctl, headers, thread_id, text="this is HELDTEXT for review"):
    ctl.toxic("HELDTEXT", 0.9)
    post = reply(client, headers, thread_id, body=text)
    assert post["status"] == "held"
    return post


def test_member_cannot_edit_or_delete_another_members_post(any_app, make_member, token_for):
    alice, bob = make_member("alice-a"), make_member("bob-b")
    client = any_app.test_client()
    made = new_thread(client, token_for(alice), body="alice's words")
    post_id = made["post"]["id"]
    assert_error(client.patch(f"/api/v1/posts/{post_id}", json={"body": "bob was here"}, headers=token_for(bob)),
                 403, "forbidden")
    assert_error(client.delete(f"/api/v1/posts/{post_id}", headers=token_for(bob)), 403, "forbidden")
    db.session.expire_all()
    post = db.session.get(Post, post_id)
    assert post.body == "alice's words" and post.deleted_at is None and post.edited_at is None
    assert db.session.scalar(db.select(db.func.count(PostRevision.id))) == 0


def test_moderator_cannot_edit_a_members_words_but_can_delete(any_app, make_member, token_for):
    alice, mod = make_member("alice-a"), make_member("mod-mia", role="moderator")
    client = any_app.test_client()
    post_id = new_thread(client, token_for(alice), body="alice's words")["post"]["id"]
    assert_error(client.patch(f"/api/v1/posts/{post_id}", json={"body": "changed"}, headers=token_for(mod)), 403)
    assert client.delete(f"/api/v1/posts/{post_id}", headers=token_for(mod)).status_code == 204


def test_edit_page_of_another_members_post_is_forbidden(app, client, make_member, token_for):
    alice, _bob = make_member("alice-a"), make_member("bob-b")
    post_id = new_thread(app.test_client(), token_for(alice))["post"]["id"]
    login(client, "bob-b")
    assert client.get(f"/p/{post_id}/edit").status_code == 403
    assert client.post(f"/p/{post_id}/edit", data={"body": "bob was here"}).status_code == 403
    assert client.post(f"/p/{post_id}/delete", data={}).status_code == 403
    assert db.session.get(Post, post_id).body == "hello there"


def test_held_post_visibility_api(any_app, ctl, make_member, token_for):
    author, other, mod = make_member("author-a"), make_member("other-o"), make_member("mod-m", role="moderator")
    client = any_app.test_client()
    thread_id = new_thread(client, token_for(author))["thread"]["id"]
    held = _held_reply(client, ctl, token_for(author), thread_id)

    # Strangers (signed in or not) cannot see it at all.
    assert_error(client.get(f"/api/v1/posts/{held['id']}", headers=token_for(other)), 404, "post_not_found")
    assert_error(client.get(f"/api/v1/posts/{held['id']}"), 404)
    for headers in (token_for(other), {}):
        listed = client.get(f"/api/v1/threads/{thread_id}", headers=headers).get_json()
        assert held["id"] not in [p["id"] for p in listed["posts"]]
        assert "HELDTEXT" not in str(listed)
    # The author sees it, marked held; so does a moderator.
    mine = client.get(f"/api/v1/posts/{held['id']}", headers=token_for(author)).get_json()["post"]
    assert mine["status"] == "held" and "HELDTEXT" in mine["body"]
    staff = client.get(f"/api/v1/threads/{thread_id}", headers=token_for(mod)).get_json()
    assert [p["status"] for p in staff["posts"] if p["id"] == held["id"]] == ["held"]
    # Others cannot report what they cannot see.
    assert_error(client.post("/api/v1/reports", json={"post_id": held["id"], "reason": "spam"},
                             headers=token_for(other)), 404)


def test_held_post_visibility_pages(app, scores, make_member, token_for):
    author = make_member("author-a")
    make_member("other-o")
    make_member("mod-m", role="moderator")
    api = app.test_client()
    thread_id = new_thread(api, token_for(author))["thread"]["id"]
    scores.toxic("HELDTEXT", 0.9)
    held = reply(api, token_for(author), thread_id, body="this is HELDTEXT for review")
    assert held["status"] == "held"

    anon = app.test_client().get(f"/t/{thread_id}")
    assert anon.status_code == 200 and b"HELDTEXT" not in anon.data

    other = app.test_client()
    login(other, "other-o")
    page = other.get(f"/t/{thread_id}")
    assert b"HELDTEXT" not in page.data and b"waiting for review" not in page.data
    assert other.get(f"/p/{held['id']}/report").status_code == 404

    mine = app.test_client()
    login(mine, "author-a")
    html = mine.get(f"/t/{thread_id}").get_data(as_text=True)
    article = html[html.index(f'id="post-{held["id"]}"'):]
    article = article[:article.index("</article>")]
    assert "HELDTEXT" in article and "waiting for review" in article

    mod = app.test_client()
    login(mod, "mod-m")
    assert b"HELDTEXT" in mod.get(f"/t/{thread_id}").data


def test_thread_with_held_opening_post_is_hidden_from_others(any_app, ctl, make_member, token_for):
    author, other, mod = make_member("author-a"), make_member("other-o"), make_member("mod-m", role="moderator")
    ctl.toxic("HELDTITLE", 0.9)
    client = any_app.test_client()
    made = new_thread(client, token_for(author), title="HELDTITLE thread")
    thread_id = made["thread"]["id"]
    assert made["post"]["status"] == "held"
    assert_error(client.get(f"/api/v1/threads/{thread_id}", headers=token_for(other)), 404, "thread_not_found")
    assert_error(client.post(f"/api/v1/threads/{thread_id}/posts", json={"body": "hi"}, headers=token_for(other)),
                 404)
    for headers in ({}, token_for(other)):
        listing = client.get("/api/v1/boards/anxiety/threads", headers=headers).get_json()["threads"]
        assert thread_id not in [t["id"] for t in listing]
    for headers in (token_for(author), token_for(mod)):
        listing = client.get("/api/v1/boards/anxiety/threads", headers=headers).get_json()["threads"]
        assert thread_id in [t["id"] for t in listing]
        assert client.get(f"/api/v1/threads/{thread_id}", headers=headers).status_code == 200


def test_soft_deleted_post_is_gone_from_every_public_view_but_row_kept(any_app, make_member, token_for):
    author, other, mod = make_member("author-a"), make_member("other-o"), make_member("mod-m", role="moderator")
    client = any_app.test_client()
    thread_id = new_thread(client, token_for(author), body="opening words")["thread"]["id"]
    post = reply(client, token_for(author), thread_id, body="REGRETTED words")
    assert client.get(f"/api/v1/threads/{thread_id}").get_json()["thread"]["post_count"] == 2

    assert client.delete(f"/api/v1/posts/{post['id']}", headers=token_for(author)).status_code == 204
    # Deleting twice is not possible.
    assert client.delete(f"/api/v1/posts/{post['id']}", headers=token_for(author)).status_code == 403

    for headers in ({}, token_for(other), token_for(author), token_for(mod)):
        thread = client.get(f"/api/v1/threads/{thread_id}", headers=headers).get_json()
        assert "REGRETTED" not in str(thread)
        assert thread["thread"]["post_count"] == 1
        single = client.get(f"/api/v1/posts/{post['id']}", headers=headers)
        if single.status_code == 200:
            assert single.get_json()["post"]["body"] == "" and single.get_json()["post"]["html"] == ""
        else:
            assert_error(single, 404)
    # The author cannot edit it back into view.
    assert client.patch(f"/api/v1/posts/{post['id']}", json={"body": "back"},
                        headers=token_for(author)).status_code in (403, 404)

    db.session.expire_all()
    row = db.session.get(Post, post["id"])
    assert row is not None and row.body == "REGRETTED words" and row.deleted_at is not None
    assert row.deleted_by_id == author.id


def test_soft_deleted_post_is_gone_from_pages(app, make_member, token_for):
    author = make_member("author-a")
    make_member("mod-m", role="moderator")
    api = app.test_client()
    thread_id = new_thread(api, token_for(author), body="opening words")["thread"]["id"]
    post = reply(api, token_for(author), thread_id, body="REGRETTED words")
    api.delete(f"/api/v1/posts/{post['id']}", headers=token_for(author))
    viewers = [app.test_client()]
    for handle in ("author-a", "mod-m"):
        viewers.append(app.test_client())
        login(viewers[-1], handle)
    for viewer in viewers:
        page = viewer.get(f"/t/{thread_id}")
        assert page.status_code == 200
        assert b"REGRETTED" not in page.data and b"opening words" in page.data


def test_deleted_held_post_disappears_for_its_author_too(any_app, ctl, make_member, token_for):
    author = make_member("author-a")
    client = any_app.test_client()
    thread_id = new_thread(client, token_for(author))["thread"]["id"]
    held = _held_reply(client, ctl, token_for(author), thread_id)
    assert client.delete(f"/api/v1/posts/{held['id']}", headers=token_for(author)).status_code == 204
    thread = client.get(f"/api/v1/threads/{thread_id}", headers=token_for(author)).get_json()
    assert "HELDTEXT" not in str(thread)
    assert db.session.get(Post, held["id"]) is not None


def test_staff_only_api_refuses_members(any_app, make_member, token_for):
    member = make_member()
    client = any_app.test_client()
    assert_error(client.get("/api/v1/moderation/queue", headers=token_for(member)), 403, "forbidden")
    assert_error(client.get("/api/v1/moderation/queue"), 401, "unauthorized")
