"""Helpers for the moderation tests: a `World` bundles an app, its controllable fake classifiers and API helpers."""
from __future__ import annotations

import uuid
from datetime import datetime

import pytest
from sqlalchemy import func, select

from community.extensions import db
from tests.conftest import ScoreControl


def forget_login():
    """Drop the cached signed-in user so the next request (or socket connect) reads its own cookie."""
    from flask import g
    g.pop("_login_user", None)


class World:
    def __init__(self, app):
        self.app = app
        self.scores = ScoreControl(app)
        self.client = app.test_client()
        # The test holds an app context that every request reuses, so Flask-Login's per-request cache
        # (g._login_user) would leak one client's sign-in into another client's request. Forget it each time.
        if not getattr(app, "_moderation_tests_forget_login", False):
            app.before_request(forget_login)
            app._moderation_tests_forget_login = True

    # --- people -----------------------------------------------------------------------------------------------
    def member(self, handle=None, role="member", region=None):
        from community.members.services import create_member
        handle = handle or f"m-{uuid.uuid4().hex[:8]}"
        member, _code = create_member(handle, "a-good-password", region=region, role=role, allow_reserved=True)
        return member

    def headers(self, member) -> dict:
        from community.members.services import issue_token
        return {"Authorization": f"Bearer {issue_token(member)}"}

    def person(self, role="member", region=None):
        """(member, auth headers)"""
        m = self.member(role=role, region=region)
        return m, self.headers(m)

    def trusted_person(self):
        """(member, auth headers) for a member marked trusted: their reports count toward an automatic hold."""
        m = self.member()
        m.trust_level = "trusted"
        db.session.commit()
        return m, self.headers(m)

    # --- writing ----------------------------------------------------------------------------------------------
    def thread(self, headers, body, title="A title here", board="anxiety", status=201):
        r = self.client.post(f"/api/v1/boards/{board}/threads", json={"title": title, "body": body}, headers=headers)
        assert r.status_code == status, r.get_json()
        return r.get_json()

    def reply(self, headers, thread_id, body, status=201):
        r = self.client.post(f"/api/v1/threads/{thread_id}/posts", json={"body": body}, headers=headers)
        assert r.status_code == status, r.get_json()
        return r.get_json()

    def published_thread(self, headers, title="A calm title"):
        data = self.thread(headers, "just a quiet everyday post", title=title)
        assert data["post"]["status"] == "published"
        return data

    def report(self, headers, post_id, reason="harassment", status=201):
        r = self.client.post("/api/v1/reports", json={"post_id": post_id, "reason": reason}, headers=headers)
        assert r.status_code == status, r.get_json()
        return r.get_json()

    # --- reading ----------------------------------------------------------------------------------------------
    def post(self, post_id):
        from community.forum.models import Post
        db.session.expire_all()
        return db.session.get(Post, post_id)

    def item_for_post(self, post_id):
        from moderation.queue.services import item_for
        db.session.expire_all()
        return item_for("post", post_id)

    def items_for_post(self, post_id) -> int:
        from moderation.models import QueueItem
        return db.session.scalar(select(func.count(QueueItem.id)).where(QueueItem.content_type == "post",
                                                                        QueueItem.content_id == post_id))

    def queue(self, headers, status="open"):
        r = self.client.get(f"/api/v1/moderation/queue?status={status}", headers=headers)
        assert r.status_code == 200, r.get_json()
        return r.get_json()

    def decide(self, headers, item_id, action, version=None, note=None, status=200, **extra):
        if version is None:
            from moderation.models import QueueItem
            db.session.expire_all()
            version = db.session.get(QueueItem, item_id).version
        body = {"action": action, "version": version, **extra}
        if note is not None:
            body["note"] = note
        r = self.client.post(f"/api/v1/moderation/items/{item_id}/decision", json=body, headers=headers)
        assert r.status_code == status, r.get_json()
        return r.get_json()

    def set_created(self, item_id, when: datetime):
        from moderation.models import QueueItem
        db.session.get(QueueItem, item_id).created_at = when
        db.session.commit()


@pytest.fixture
def w(app):
    """A World on SQLite."""
    return World(app)


@pytest.fixture
def aw(any_app):
    """A World on SQLite and on PostgreSQL."""
    return World(any_app)
