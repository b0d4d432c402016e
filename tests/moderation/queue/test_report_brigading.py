"""Reports cannot be used to silence people: brand-new or suspended accounts cannot hide a post together, and a staff
member's post is never hidden by reports. Every report still reaches the moderators' queue."""
from __future__ import annotations

from datetime import timedelta

import pytest

from community.extensions import db, utcnow


def _published(w):
    _a, h = w.person()
    return w.published_thread(h)["post"]["id"]


def test_three_minute_old_accounts_cannot_hide_a_post(aw):
    w = aw
    post_id = _published(w)
    for _ in range(3):
        w.report(w.person()[1], post_id)
    assert w.post(post_id).status == "published"
    assert w.item_for_post(post_id).report_count == 3, "the reports still reach the queue"


def test_reports_from_suspended_accounts_do_not_count(aw):
    w = aw
    post_id = _published(w)
    for _ in range(3):
        member, headers = w.trusted_person()
        w.report(headers, post_id)
        member.suspended_until = utcnow() + timedelta(days=7)  # suspended since: their report no longer counts
        db.session.commit()
    member, headers = w.trusted_person()
    member.suspended_until = utcnow() + timedelta(days=7)
    db.session.commit()
    w.report(headers, post_id)
    assert w.post(post_id).status == "published"


def test_trusted_reporters_still_hold_a_post(aw):
    w = aw
    post_id = _published(w)
    for _ in range(3):
        w.report(w.trusted_person()[1], post_id)
    post = w.post(post_id)
    assert (post.status, post.hold_reason) == ("held", "reports")


@pytest.mark.parametrize("role", ["moderator", "admin"])
def test_a_staff_post_is_never_hidden_by_reports(aw, role):
    w = aw
    _s, staff = w.person(role=role)
    post_id = w.published_thread(staff)["post"]["id"]
    for _ in range(5):
        w.report(w.trusted_person()[1], post_id)
    assert w.post(post_id).status == "published"
    assert w.item_for_post(post_id).report_count == 5


def test_only_an_admin_suspends_staff(aw):
    """A moderator cannot suspend a moderator or an admin; an admin can."""
    w = aw
    _m, mod_h = w.person(role="moderator")
    _a, admin_h = w.person(role="admin")
    w.scores.toxic("spiteful", 0.85)
    for role in ("moderator", "admin"):
        target, target_h = w.person(role=role)
        item_id = w.item_for_post(w.thread(target_h, "a spiteful remark")["post"]["id"]).id
        refused = w.decide(mod_h, item_id, "suspend", days=3, status=403)
        assert refused["error"]["code"] == "staff_suspension"
        db.session.refresh(target)
        assert target.suspended_until is None
    w.decide(admin_h, item_id, "suspend", days=3)
    db.session.refresh(target)
    assert target.suspended_until is not None
