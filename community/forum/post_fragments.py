"""Rendered posts, kept in-process by everything they show, so a signed-in thread page renders only what changed.

A signed-in thread page is personal (blocks, muted words, the viewer's own held posts, which links a post offers),
so the page itself is never cached. Its posts mostly are not personal: a published post looks the same to every
member who is not its author, not staff and has not muted a word in it. A fragment is stored under a key made of
every input `forum/_post.html` reads: the post's id, status, dates, content warning and stored HTML (the trusted
or the plain one, whichever this author gets), the author's handle and deletion, whether the viewer's muted words
hide it, the viewer's relation to it (author, staff, another member, not signed in) and, for the author, the
moderator's note, and whether method details are masked (the author and staff see a banner). Any change to any of those is a different key, so nothing is invalidated and nothing stale is
shown; old keys fall out of the LRU. Posts that carry an author-only status (held, removed: outcomes.member_view,
which reads appeals) are always rendered afresh.

POST_FRAGMENT_CACHE_SIZE (default 2000 fragments; 0 turns it off) bounds the memory; a post whose HTML is over
FRAGMENT_MAX_CHARS is rendered each time instead of kept. Off while templates auto-reload (debug), since the
template itself may change under a running process.
"""
from __future__ import annotations

import threading
from collections import OrderedDict

from flask import current_app, request
from markupsafe import Markup

from community.forum.models import PUBLISHED, Post
from community.forum.services import post_html
from community.members import blocks
from moderation import outcomes

TEMPLATE = "forum/_post.html"
FRAGMENT_MAX_CHARS = 20_000


class _Fragments:
    def __init__(self):
        self.lock = threading.Lock()
        self.items: OrderedDict[tuple, Markup] = OrderedDict()

    def get(self, key):
        with self.lock:
            found = self.items.get(key)
            if found is not None:
                self.items.move_to_end(key)
            return found

    def put(self, key, value, limit: int) -> None:
        with self.lock:
            self.items[key] = value
            self.items.move_to_end(key)
            while len(self.items) > limit:
                self.items.popitem(last=False)

    def clear(self) -> None:
        with self.lock:
            self.items.clear()


_fragments = _Fragments()


def _relation(viewer, post: Post) -> str:
    if viewer is None:
        return "anonymous"
    if viewer.id == post.author_id:
        return "author"
    return "staff" if viewer.is_staff else "member"


def _render(post: Post, viewer, can_edit, can_delete, filtered: bool) -> Markup:
    template = current_app.jinja_env.get_template(TEMPLATE)
    return Markup(template.render(
        post=post, current_user=viewer if viewer is not None else _anonymous(), can_edit=can_edit,
        can_delete=can_delete, post_filtered=lambda _post: filtered,
        member_view=lambda p: outcomes.member_view("post", p)))


def _anonymous():
    return current_app.login_manager.anonymous_user()


def render_post(post: Post, viewer, can_edit, can_delete) -> Markup:
    """`forum/_post.html` for this post as `viewer` (a Member or None) sees it, from the cache where it can be."""
    filtered = viewer is not None and blocks.post_is_filtered(viewer, post)
    limit = int(current_app.config.get("POST_FRAGMENT_CACHE_SIZE") or 0)
    if current_app.jinja_env.auto_reload:  # debug: the template may change under a running process
        limit = 0
    if limit <= 0 or (post.status != PUBLISHED and post.deleted_at is None):
        return _render(post, viewer, can_edit, can_delete, filtered)
    html = str(post_html(post))
    if len(html) > FRAGMENT_MAX_CHARS:
        return _render(post, viewer, can_edit, can_delete, filtered)
    relation = _relation(viewer, post)
    author = post.author
    key = (request.script_root, post.id, post.status, post.created_at, post.edited_at, post.deleted_at is not None,
           post.content_warning, html, post.author_id, author.handle, author.deleted_at is not None, filtered,
           relation, post.moderator_note if relation == "author" else None, post.original_body is not None)
    found = _fragments.get(key)
    if found is None:
        found = _render(post, viewer, can_edit, can_delete, filtered)
        _fragments.put(key, found, limit)
    return found


def clear() -> None:
    """Forget every kept fragment."""
    _fragments.clear()
