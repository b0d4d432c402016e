"""Board list and post actions: muted words in titles, blocking someone in a thread you replied in, no "Edit" on a
removed post, and a link to the author's profile."""
from __future__ import annotations

from community.extensions import db
from community.members import blocks
from tests.conftest import login
from tests.support import new_thread, reply


def test_muted_word_hides_a_board_list_title(any_app, make_member, token_for):
    ana, ben = make_member("ana"), make_member("ben")
    db.session.commit()
    client = any_app.test_client()
    new_thread(client, token_for(ana), title="Thoughts about spiders", body="words", board="anxiety")
    blocks.set_muted_words(ben, ["spiders"])
    login(client, "ben")
    page = client.get("/b/anxiety").get_data(as_text=True)
    assert "Thoughts about spiders" not in page and "hidden by your muted words" in page


def test_blocking_keeps_a_thread_you_replied_in_but_hides_their_words(any_app, make_member, token_for):
    ana, ben = make_member("ana"), make_member("ben")
    db.session.commit()
    client = any_app.test_client()
    started = new_thread(client, token_for(ana), title="Ana's own thread", body="ana's opening words")
    other = new_thread(client, token_for(ana), title="Ana's second thread", body="nobody replied")
    reply(client, token_for(ben), started["thread"]["id"], body="ben's kind reply")
    blocks.block(ben, "ana")
    login(client, "ben")
    board = client.get("/b/anxiety").get_data(as_text=True)
    assert f'/t/{started["thread"]["id"]}"' in board  # still listed: ben wrote in it
    assert "Ana&#39;s own thread" not in board and "Ana's own thread" not in board  # her title is hers
    assert f'/t/{other["thread"]["id"]}"' not in board  # a thread ben never wrote in stays hidden
    thread = client.get(f'/t/{started["thread"]["id"]}').get_data(as_text=True)
    assert "kind reply" in thread and "opening words" not in thread
    assert "started by a member you blocked" in thread


def test_no_edit_link_on_a_removed_post_and_author_links_to_profile(any_app, ctl, make_member, token_for):
    ana = make_member("ana")
    db.session.commit()
    ctl.toxic("vile-marker", 0.995)  # removed by the screen at once
    client = any_app.test_client()
    made = new_thread(client, token_for(ana), title="Fine title", body="fine words")
    removed = reply(client, token_for(ana), made["thread"]["id"], body="vile-marker words")
    assert removed["status"] == "removed"
    login(client, "ana")
    page = client.get(f'/t/{made["thread"]["id"]}').get_data(as_text=True)
    block = page.split(f'id="post-{removed["id"]}"')[1].split("</article>")[0]
    assert f'/p/{removed["id"]}/edit' not in block and f'/p/{removed["id"]}/appeal' in block
    opening = page.split(f'id="post-{made["post"]["id"]}"')[1].split("</article>")[0]
    assert f'/p/{made["post"]["id"]}/edit' in opening and 'href="/u/ana"' in opening
    assert client.get(f'/p/{removed["id"]}/edit').status_code == 403


def test_favicon_is_served(app, client):
    response = client.get("/favicon.ico")
    assert response.status_code == 200 and response.data[:4] == b"\x00\x00\x01\x00"
    assert response.mimetype == "image/vnd.microsoft.icon"


def test_api_lists_the_replied_thread_without_the_blocked_starters_words(any_app, make_member, token_for):
    ana, ben = make_member("ana"), make_member("ben")
    db.session.commit()
    client = any_app.test_client()
    started = new_thread(client, token_for(ana), title="Ana's words here", body="opening")
    reply(client, token_for(ben), started["thread"]["id"], body="ben's reply")
    blocks.block(ben, "ana")
    listed = client.get("/api/v1/boards/anxiety/threads", headers=token_for(ben)).get_json()["threads"]
    mine = [t for t in listed if t["id"] == started["thread"]["id"]]
    assert mine and mine[0]["starter_blocked"] is True and mine[0]["author"] is None
    assert "Ana" not in mine[0]["title"]
    assert client.get("/api/v1/boards/anxiety/threads", headers=token_for(ana)).get_json()["threads"][0]["title"] \
        == "Ana's words here"
