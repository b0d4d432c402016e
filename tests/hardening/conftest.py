"""Shared world for the hardening tests: one of each kind of object, and one person per role."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

import pytest

from community.extensions import db
from tests.conftest import PASSWORD, ScoreControl

ROLES = ("anon", "member", "other", "suspended", "moderator", "admin")


@dataclass
class HWorld:
    app: object
    scores: ScoreControl
    people: dict = field(default_factory=dict)   # role -> Member
    tokens: dict = field(default_factory=dict)   # role -> raw token
    ids: dict = field(default_factory=dict)      # name -> id / slug / handle

    def headers(self, role) -> dict:
        return {"Authorization": f"Bearer {self.tokens[role]}"} if role in self.tokens else {}

    def client(self, role):
        """A test client signed in (by session cookie) as `role`; anonymous for "anon"."""
        client = self.app.test_client()
        if role != "anon":
            r = client.post("/login", data={"handle": self.people[role].handle, "password": PASSWORD})
            assert r.status_code == 302, r.data[:300]
        return client


def build_world(app) -> HWorld:
    from community.members.models import utcnow
    from community.members.services import create_member, issue_token
    from moderation import watched
    from moderation.queue.services import item_for
    from moderation.resources.models import Resource

    w = HWorld(app=app, scores=ScoreControl(app))
    for role, db_role in (("member", "member"), ("other", "member"), ("suspended", "member"),
                          ("moderator", "moderator"), ("admin", "admin"), ("target", "member"),
                          ("target2", "member")):
        m, _code = create_member(f"hw-{role}", PASSWORD, role=db_role, allow_reserved=True)
        w.people[role] = m
    w.people["suspended"].suspended_until = utcnow() + timedelta(days=3)
    db.session.commit()
    for role, m in w.people.items():
        w.tokens[role] = issue_token(m)
    client = app.test_client()
    h = w.headers("member")
    r = client.post("/api/v1/boards/anxiety/threads", json={"title": "A calm title", "body": "a quiet everyday post"},
                    headers=h)
    assert r.status_code == 201, r.get_json()
    w.ids["thread_id"] = r.get_json()["thread"]["id"]
    w.ids["post_id"] = r.get_json()["post"]["id"]
    r = client.post(f"/api/v1/threads/{w.ids['thread_id']}/posts", json={"body": "a second quiet post"}, headers=h)
    w.ids["post2_id"] = r.get_json()["post"]["id"]
    w.scores.toxic("rudeword", 0.85)
    r = client.post(f"/api/v1/threads/{w.ids['thread_id']}/posts", json={"body": "rudeword reply"}, headers=h)
    assert r.status_code == 201, r.get_json()
    w.ids["held_post_id"] = r.get_json()["post"]["id"]
    assert r.get_json()["post"]["status"] == "held", r.get_json()
    w.ids["item_id"] = item_for("post", w.ids["held_post_id"]).id
    w.ids["resource_id"] = db.session.scalars(db.select(Resource.id).order_by(Resource.id)).first()
    w.ids["entry_id"] = watched.add(w.people["admin"], "zebra-crossing", "flag").id
    w.ids["entry2_id"] = watched.add(w.people["admin"], "pelican-crossing", "flag").id
    db.session.commit()
    from moderation.queue import canned
    w.ids["reply_id"] = canned.create(w.people["admin"], "Matrix reply", "Thank you for writing.").id
    w.ids["reply2_id"] = canned.create(w.people["admin"], "Matrix reply 2", "Thanks again.").id
    w.scores.toxic("awfulword", 0.99)  # removed at once: a low auto_removed spot-check, decidable in bulk
    r = client.post(f"/api/v1/threads/{w.ids['thread_id']}/posts", json={"body": "awfulword reply"}, headers=h)
    assert r.get_json()["post"]["status"] == "removed", r.get_json()
    w.ids["bulk_item_id"] = item_for("post", r.get_json()["post"]["id"]).id
    from community.members import blocks
    blocks.block(w.people["member"], w.people["target"].handle)
    blocks.block(w.people["member"], w.people["target2"].handle)
    db.session.commit()
    from moderation.queue.messages import send_to_staff
    send_to_staff(w.people["target"], "a question for the moderators")  # a conversation for the inbox rows
    from moderation.models import CareFollowUp
    followup = CareFollowUp(member_id=w.people["member"].id, item_id=w.ids["item_id"],
                            moderator_id=w.people["moderator"].id, delay_days=7, status="offered")
    db.session.add(followup)
    db.session.commit()
    w.ids["followup_id"] = followup.id
    w.ids["room"] = "open-lounge"
    w.ids["target_handle"] = w.people["target"].handle
    w.ids["target2_handle"] = w.people["target2"].handle
    return w


@pytest.fixture
def hworld(app):
    return build_world(app)
