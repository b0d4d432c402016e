"""Moderators' context notes under a post: staff only, audited, escaped, in the post JSON, shown at once to every
reader (anonymous page cache and post fragment cache included)."""
from __future__ import annotations

from sqlalchemy import select

from community.extensions import db
from moderation.models import AuditEntry
from moderation.queue.services import item_for
from tests.conftest import login
from tests.support import assert_error, new_thread

NOTE = "Paracetamol is not safe in large doses: ask a pharmacist or call 111."


def _world(app, make_member, token_for):
    moderator, admin = make_member("mod-ana", role="moderator"), make_member("adm-bo", role="admin")
    author, reader = make_member("claims-kim"), make_member("reader-lu")
    db.session.commit()
    client = app.test_client()
    made = new_thread(client, token_for(author), body="Doubling the dose always helps, trust me")
    return moderator, admin, author, reader, client, made


def _url(made):
    return f"/api/v1/moderation/posts/{made['post']['id']}/context-note"


def test_moderator_adds_edits_and_removes_a_note_shown_at_once(any_app, make_member, token_for):
    moderator, admin, _author, reader, client, made = _world(any_app, make_member, token_for)
    thread_url = f"/t/{made['thread']['id']}"
    client.get(thread_url)
    assert client.get(thread_url).headers["X-Page-Cache"] == "hit"
    signed_in = any_app.test_client()
    login(signed_in, reader.handle)
    signed_in.get(thread_url)  # the post's fragment is kept now

    response = client.put(_url(made), json={"body": f"  {NOTE}  "}, headers=token_for(moderator))
    assert response.status_code == 200, response.data
    assert response.get_json()["context_note"]["body"] == NOTE
    for page in (client.get(thread_url), signed_in.get(thread_url)):
        html = page.get_data(as_text=True)
        assert "Note from the moderators:</strong> " + NOTE in html
        assert moderator.handle not in html  # the note never names who wrote it
    post = client.get(f"/api/v1/posts/{made['post']['id']}").get_json()["post"]
    assert post["context_note"]["body"] == NOTE and post["context_note"]["updated_at"]
    thread_json = client.get(f"/api/v1/threads/{made['thread']['id']}").get_json()
    assert thread_json["posts"][0]["context_note"]["body"] == NOTE

    assert client.put(_url(made), json={"body": "Changed: see the NHS page on paracetamol."},
                      headers=token_for(admin)).status_code == 200
    assert "Changed: see the NHS page" in client.get(thread_url).get_data(as_text=True)
    assert client.delete(_url(made), headers=token_for(moderator)).status_code == 204
    for page in (client.get(thread_url), signed_in.get(thread_url)):
        assert "Note from the moderators" not in page.get_data(as_text=True)
    assert client.get(f"/api/v1/posts/{made['post']['id']}").get_json()["post"]["context_note"] is None

    entries = list(db.session.scalars(select(AuditEntry).where(AuditEntry.target == f"post:{made['post']['id']}",
                                                               AuditEntry.action.like("post.context_note%"))
                                      .order_by(AuditEntry.id)))
    assert [(e.action, e.actor_id) for e in entries] == [("post.context_note", moderator.id),
                                                         ("post.context_note", admin.id),
                                                         ("post.context_note_removed", moderator.id)]
    assert entries[0].after == {"context_note": NOTE} and entries[1].before == {"context_note": NOTE}


def test_members_cannot_add_notes(any_app, make_member, token_for):
    _mod, _admin, author, reader, client, made = _world(any_app, make_member, token_for)
    assert_error(client.put(_url(made), json={"body": NOTE}), 401)
    for who in (author, reader):
        assert_error(client.put(_url(made), json={"body": NOTE}, headers=token_for(who)), 403)
        assert_error(client.delete(_url(made), headers=token_for(who)), 403)
    browser = any_app.test_client()
    login(browser, reader.handle)
    assert browser.get(f"/p/{made['post']['id']}/context-note").status_code == 403
    assert browser.post(f"/p/{made['post']['id']}/context-note", data={"body": NOTE}).status_code == 403
    assert client.get(f"/api/v1/posts/{made['post']['id']}").get_json()["post"]["context_note"] is None


def test_note_length_is_checked_and_the_note_is_escaped(app, make_member, token_for):
    moderator, _admin, _author, _reader, client, made = _world(app, make_member, token_for)
    headers = token_for(moderator)
    assert_error(client.put(_url(made), json={"body": "   "}, headers=headers), 400, "missing_field")
    body = assert_error(client.put(_url(made), json={"body": "x" * 501}, headers=headers), 400, "too_long")
    assert "500" in body["error"]["message"]
    assert_error(client.put(_url(made), json={}, headers=headers), 400)
    assert_error(client.put("/api/v1/moderation/posts/999999/context-note", json={"body": NOTE}, headers=headers), 404)
    client.put(_url(made), json={"body": "<script>alert(1)</script> see **this**"}, headers=headers)
    html = client.get(f"/t/{made['thread']['id']}").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_staff_form_on_the_post_and_link_from_the_queue(app, make_member, token_for):
    moderator, _admin, _author, _reader, _client, made = _world(app, make_member, token_for)
    browser = app.test_client()
    login(browser, moderator.handle)
    thread_page = browser.get(f"/t/{made['thread']['id']}").get_data(as_text=True)
    form_url = f"/p/{made['post']['id']}/context-note"
    assert f'href="{form_url}"' in thread_page
    assert browser.get(form_url).status_code == 200
    refused = browser.post(form_url, data={"body": "y" * 501})
    assert refused.status_code == 400 and "y" * 501 in refused.get_data(as_text=True)  # what was typed stays
    done = browser.post(form_url, data={"body": NOTE})
    assert done.status_code == 302 and f"#post-{made['post']['id']}" in done.headers["Location"]
    assert NOTE in browser.get(f"/t/{made['thread']['id']}").get_data(as_text=True)
    assert NOTE in browser.get(form_url).get_data(as_text=True)  # the form opens with the note to edit
    assert browser.post(f"{form_url}/delete").status_code == 302
    assert "Note from the moderators" not in browser.get(f"/t/{made['thread']['id']}").get_data(as_text=True)


def test_queue_item_page_links_to_the_note(app, make_member, token_for, scores):
    moderator, _admin, author, _reader, client, _made = _world(app, make_member, token_for)
    scores.toxic("you absolute clown", 0.85)
    held = new_thread(client, token_for(author), body="you absolute clown")
    item = item_for("post", held["post"]["id"])
    assert item is not None
    browser = app.test_client()
    login(browser, moderator.handle)
    page = browser.get(f"/moderation/items/{item.id}").get_data(as_text=True)
    assert f'href="/p/{held["post"]["id"]}/context-note"' in page
