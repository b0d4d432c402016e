"""The stats dashboard: figures computed from known timestamps (set directly on the rows), on SQLite and
PostgreSQL; staff only; never per moderator."""
from __future__ import annotations

import itertools
from datetime import timedelta

from community.extensions import db, utcnow
from moderation.models import Appeal, QueueItem
from tests.conftest import login
from tests.support import assert_error

_ids = itertools.count(900_001)


def _item(priority, opened, *, seen=None, claimed=None, resolved=None, by=None, kind="toxicity", status=None,
          resolution=None, author=None, content_id=None):
    """A queue item with the given times (seconds after `opened` for seen/claimed/resolved)."""
    item = QueueItem(content_type="post", content_id=content_id or next(_ids), author_id=author, kind=kind,
                     priority=priority, rank=0, reasons=[], version=1, report_count=0, created_at=opened,
                     opened_at=opened,
                     first_seen_at=opened + timedelta(seconds=seen) if seen is not None else None,
                     first_claimed_at=opened + timedelta(seconds=claimed) if claimed is not None else None,
                     resolved_at=opened + timedelta(seconds=resolved) if resolved is not None else None,
                     resolved_by_id=by.id if by is not None and resolved is not None else None,
                     status=status or ("resolved" if resolved is not None else "open"),
                     resolution=resolution or ("remove" if resolved is not None else None))
    db.session.add(item)
    return item


def _world(aw):
    mod, mod_h = aw.person(role="moderator")
    now = utcnow()
    this_week = now - timedelta(hours=2)
    last_week = now - timedelta(days=8)
    # Urgent, this week: first human after 60 (seen), 120 (claimed before seen), 180, 600 seconds; decisions after
    # 300, 900, 1200, 3600 seconds.
    _item("urgent", this_week, seen=60, claimed=90, resolved=300, by=mod)
    _item("urgent", this_week, seen=500, claimed=120, resolved=900, by=mod)
    _item("urgent", this_week, seen=180, resolved=1200, by=mod)
    _item("urgent", this_week, claimed=600, resolved=3600, by=mod)
    # Closed by the system (a retry): no human, so in neither figure.
    _item("urgent", this_week, resolved=30, kind="unscreened", resolution="rescreened")
    # High, still open, never seen: counted open, no time to a first human yet.
    _item("high", this_week)
    _item("high", this_week, seen=40)
    # Normal, last week: first human after 3600 and 7200, decided after 7200 and 86400.
    _item("normal", last_week, seen=3600, resolved=7200, by=mod, kind="report")
    _item("normal", last_week, claimed=7200, resolved=86400, by=mod, kind="report")
    # Long ago: outside a 30-day window.
    _item("low", now - timedelta(days=45), seen=10, resolved=20, by=mod, kind="auto_removed")
    # Appeals this week: one waiting, one accepted, one upheld; their items are appeals.
    member = aw.member()
    for resolution, status in ((None, "open"), ("approve", "resolved"), ("remove", "resolved")):
        cid = next(_ids)
        _item("normal", this_week, kind="appeal", status=status, resolution=resolution, author=member.id,
              content_id=cid, resolved=60 if resolution else None, by=mod if resolution else None)
        db.session.add(Appeal(content_type="post", content_id=cid, member_id=member.id, text="please look again",
                              created_at=this_week))
    db.session.commit()
    return mod, mod_h, this_week, last_week


def _stats(aw, headers, days=None):
    r = aw.client.get("/api/v1/moderation/stats" + (f"?days={days}" if days is not None else ""), headers=headers)
    assert r.status_code == 200, r.get_json()
    return r.get_json()["stats"]


def test_figures_from_known_timestamps(aw):
    mod, mod_h, this_week, last_week = _world(aw)
    stats = _stats(aw, mod_h)
    assert stats["days"] == 30
    # Open now, whatever the window: the two high items and the waiting appeal.
    assert stats["open_by_priority"] == {"urgent": 0, "high": 2, "normal": 1, "low": 0}
    assert stats["overdue_now"] == 2  # the two high items opened 2 hours ago (target 15 min); the appeal is in time
    first, resolved = stats["time_to_first_human"], stats["time_to_resolution"]
    # First human, urgent: [60, 120, 180, 600] -> median (120+180)/2, p90 nearest rank 4 of 4.
    assert first["urgent"] == {"count": 4, "median_seconds": 150.0, "p90_seconds": 600.0}
    assert resolved["urgent"] == {"count": 4, "median_seconds": 1050.0, "p90_seconds": 3600.0}
    assert first["high"] == {"count": 1, "median_seconds": 40.0, "p90_seconds": 40.0}
    assert resolved["high"] == {"count": 0, "median_seconds": None, "p90_seconds": None}
    # Normal: the two reports (3600, 7200) and the two decided appeals (never opened, decided at 60: a moderator's
    # decision is a first human too, as in the transparency report) -> [60, 60, 3600, 7200].
    assert first["normal"] == {"count": 4, "median_seconds": 1830.0, "p90_seconds": 7200.0}
    assert resolved["normal"] == {"count": 4, "median_seconds": 3630.0, "p90_seconds": 86400.0}
    assert first["low"]["count"] == 0  # 45 days ago: outside the window
    weeks = {w["week"]: w for w in stats["by_week"]}
    this, last = this_week.isocalendar(), last_week.isocalendar()
    this_key, last_key = f"{this[0]}-W{this[1]:02d}", f"{last[0]}-W{last[1]:02d}"
    assert set(weeks) == {this_key, last_key}
    assert weeks[last_key]["first_human"] == {"count": 2, "median_seconds": 5400.0, "p90_seconds": 7200.0}
    assert weeks[last_key]["resolution"] == {"count": 2, "median_seconds": 46800.0, "p90_seconds": 86400.0}
    # This week, every priority: first human [60, 120, 180, 600, 40, 60, 60] -> median 60, p90 rank 7 -> 600.
    assert weeks[this_key]["first_human"] == {"count": 7, "median_seconds": 60.0, "p90_seconds": 600.0}
    assert weeks[this_key]["by_priority"]["urgent"]["first_human"]["count"] == 4
    assert stats["appeals"] == {"total": 3, "outcomes": {"waiting": 1, "accepted": 1, "upheld": 1, "other": 0}}
    assert stats["holds_by_kind"] == {"toxicity": 6, "appeal": 3, "report": 2, "unscreened": 1}
    # Nobody is named or ranked: no moderator's handle or id anywhere in the answer.
    text = aw.client.get("/api/v1/moderation/stats", headers=mod_h).get_data(as_text=True)
    assert mod.handle not in text and "resolved_by" not in text and "moderator" not in text


def test_the_window_follows_days(aw):
    _mod, mod_h, *_ = _world(aw)
    week = _stats(aw, mod_h, days=7)
    # Only this week's two decided appeals: last week's reports are 8 days old.
    assert week["time_to_first_human"]["normal"]["count"] == 2
    assert "report" not in week["holds_by_kind"]
    assert _stats(aw, mod_h, days=60)["time_to_first_human"]["low"]["count"] == 1


def test_bad_days_and_who_may_see(aw):
    _mod, mod_h, *_ = _world(aw)
    for bad in ("0", "-3", "abc", "2.5", "367", "1e3"):
        body = assert_error(aw.client.get(f"/api/v1/moderation/stats?days={bad}", headers=mod_h), 400, "invalid_days")
        assert "1 to 366" in body["error"]["message"]
    member, member_h = aw.person()
    assert_error(aw.client.get("/api/v1/moderation/stats", headers=member_h), 403)
    assert aw.client.get("/api/v1/moderation/stats").status_code == 401
    admin, admin_h = aw.person(role="admin")
    assert _stats(aw, admin_h)["open_by_priority"]["high"] == 2


def test_the_stats_page(app, make_member):
    from tests.moderation.conftest import World
    aw = World(app)
    mod, _h, *_ = _world(aw)
    client = app.test_client()
    login(client, mod.handle)
    page = client.get("/moderation/stats")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'data-priority="urgent"><td>urgent</td><td>4</td><td>2 min</td><td>10 min</td>' in html
    assert "1 waiting, 1 accepted, 1 upheld, 0 other." in html
    assert mod.handle not in html.split("</header>")[-1]  # the header names who is signed in; the figures don't
    bad = client.get("/moderation/stats?days=zero")
    assert bad.status_code == 400 and "days must be a whole number" in bad.get_data(as_text=True)
    member = make_member()
    other = app.test_client()
    login(other, member.handle)
    assert other.get("/moderation/stats").status_code == 403
