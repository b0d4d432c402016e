"""Suspension history: every suspension is audited against the member ("member:<id>", same commit as the decision),
so the admin People page lists a member's past and current suspensions and lifts."""
from __future__ import annotations

from sqlalchemy import select

from community.extensions import db
from moderation.models import AuditEntry
from tests.conftest import login
from tests.moderation.queue.test_decisions import _held_reply


def _member_trail(member_id):
    return list(db.session.scalars(select(AuditEntry).where(AuditEntry.target == f"member:{member_id}")
                                   .order_by(AuditEntry.id)))


def test_suspensions_are_audited_against_the_member_and_listed_on_the_people_page(w):
    author, h = w.person()
    _o, oh = w.person()
    moderator, mh = w.person(role="moderator")
    admin = w.member("history-admin", role="admin")
    bystander = w.member("never-suspended")
    db.session.commit()

    _t, post_id, item_id = _held_reply(w, h, oh, text="you clown")
    w.decide(mh, item_id, "suspend", days=3, note="Repeated insults.")
    trail = _member_trail(author.id)
    assert [e.action for e in trail] == ["member.suspend"]
    entry = trail[0]
    assert entry.actor_id == moderator.id and entry.note == "Repeated insults."
    assert entry.before == {"suspended_until": None}
    assert entry.after["days"] == 3 and entry.after["item"] == item_id and entry.after["content"] == f"post:{post_id}"
    # Written in the same commit as the decision's own entry.
    queue_entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "queue.suspend"))
    assert queue_entry is not None and queue_entry.target == f"post:{post_id}"

    # An admin lifts it, then a second suspension follows.
    admin_client = w.app.test_client()
    login(admin_client, admin.handle)
    assert admin_client.post(f"/admin/people/{author.id}/unsuspend", data={}).status_code == 302
    _t, _p2, item2 = _held_reply(w, h, oh, text="you absolute clown")
    w.decide(mh, item2, "suspend", days=1)
    assert [e.action for e in _member_trail(author.id)] == ["member.suspend", "member.unsuspend", "member.suspend"]

    page = admin_client.get(f"/admin/people?q={author.handle}").get_data(as_text=True)
    assert "2 suspensions on record" in page
    assert "suspended\n      for 3 days" in page or "for 3 days" in page
    assert "for 1 day " in page or "for 1 day\n" in page
    assert f"lifted by\n      {admin.handle}" in page or f"lifted by {admin.handle}" in page
    assert "Repeated insults." in page and f"post:{post_id}" in page
    assert page.split("<h2>Suspended now</h2>", 1)[0].count(f"by {moderator.handle}") == 2
    # The current suspension also appears, with its history, under "Suspended now".
    full = admin_client.get("/admin/people").get_data(as_text=True)
    now = full.split("<h2>Suspended now</h2>", 1)[1]
    assert author.handle in now and "2 suspensions on record" in now

    quiet = admin_client.get(f"/admin/people?q={bystander.handle}").get_data(as_text=True)
    assert "on record" not in quiet.split("<h2>Suspended now</h2>", 1)[0]


def test_a_refused_suspension_leaves_no_member_entry(w):
    """A self-harm item can't be suspended: nothing is written to the member's trail either."""
    author, h = w.person()
    _m, mh = w.person(role="moderator")
    thread = w.published_thread(h)["thread"]
    w.scores.self_harm_tier("nothing matters any more", "ideation")
    data = w.reply(h, thread["id"], "nothing matters any more")
    item_id = w.item_for_post(data["post"]["id"]).id
    w.decide(mh, item_id, "suspend", status=422)
    assert _member_trail(author.id) == []
