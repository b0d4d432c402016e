"""Signed-in thread pages reuse rendered posts (community/forum/post_fragments.py) and stay personal: each viewer
gets their own links, their muted words, and every change to a post shows at once. The same pages with the
fragment cache off are the reference."""
import re
import uuid

from community.extensions import db
from community.forum import post_fragments
from tests.conftest import login
from tests.support import new_thread, reply


def _page(client, url):
    response = client.get(url)
    assert response.status_code == 200, response.status_code
    # The reply form's CSRF token is signed afresh for every request: not part of what is compared.
    return re.sub(r'name="csrf_token" type="hidden" value="[^"]+"', "csrf", response.get_data(as_text=True))


def _post(page, post_id):
    found = re.search(rf'<article [^>]*id="post-{post_id}">(.*?)</article>', page, re.S)
    assert found, post_id
    return found.group(1)


def test_signed_in_pages_stay_personal(app, make_member, token_for):
    tag = uuid.uuid4().hex[:6]
    author, other, muter = (make_member(f"frag-{who}-{tag}") for who in ("a", "b", "c"))
    staff = make_member(f"frag-s-{tag}", role="moderator")
    author.trust_level = "trusted"
    db.session.commit()
    headers = token_for(author)
    api = app.test_client()
    thread_id = new_thread(api, headers, title="Evenings", body="how do your evenings go")["thread"]["id"]
    post_id = reply(api, headers, thread_id, body="my gardening helps a lot")["id"]
    assert api.put("/api/v1/me/muted-words", json={"words": ["gardening"]},
                   headers=token_for(muter)).status_code == 200
    clients = {}
    for who, member in (("author", author), ("other", other), ("muter", muter), ("staff", staff)):
        clients[who] = app.test_client()
        login(clients[who], member.handle)
    url = f"/t/{thread_id}"

    def views():
        return {who: _page(client, url) for who, client in clients.items()}

    post_fragments.clear()
    app.config["POST_FRAGMENT_CACHE_SIZE"] = 0
    reference = views()
    app.config["POST_FRAGMENT_CACHE_SIZE"] = 2000
    first, second = views(), views()
    assert first == reference and second == reference
    assert len(post_fragments._fragments.items) >= 2  # kept, and shared where viewers see the same post

    mine, theirs, muted, moderated = (_post(reference[w], post_id) for w in ("author", "other", "muter", "staff"))
    assert ">Edit<" in mine and ">Delete<" in mine and ">Report<" not in mine
    assert ">Edit<" not in theirs and ">Report<" in theirs and f"Block {author.handle}" in theirs
    assert "Hidden by your filters" in muted and "Hidden by your filters" not in theirs
    assert ">Delete<" in moderated and ">Edit<" not in moderated

    # An edit shows to everyone at once; the author's rename too.
    assert api.patch(f"/api/v1/posts/{post_id}", json={"body": "a walk helps me more"},
                     headers=headers).status_code == 200
    edited = views()
    assert all("a walk helps me more" in _post(page, post_id) and "gardening" not in _post(page, post_id)
               for page in edited.values())
    assert "Hidden by your filters" not in _post(edited["muter"], post_id)
    app.config["POST_FRAGMENT_CACHE_SIZE"] = 0
    assert views() == edited
