"""Browser journey: following a thread, a live notification badge, and a hug back, in a real Chromium against a real
server (the fixtures of tests/browser/test_journeys.py: SQLite always, PostgreSQL + Redis under CI=true).

Member B follows A's thread; A replies; B's header badge updates live in B's browser (Socket.IO, no reload); B sends
a hug to A's reply with the no-JavaScript form; A's badge updates live and A's thread page shows the count and who
sent it (only A sees who). The time from A's click to B's badge is measured and printed (the figure in README).
"""
from __future__ import annotations

import re
import time

import pytest

from tests.browser import test_journeys as journeys
from tests.browser.test_journeys import sign_in, visit, wait_until

# The journeys' fixtures (server, browser, pages, screenshots), shared with this module.
server, browser, new_page, shot = journeys.server, journeys.browser, journeys.new_page, journeys.shot

pytestmark = pytest.mark.slow


def _badge(page) -> str:
    badge = page.locator("[data-notification-badge] .badge")
    return badge.inner_text().strip() if badge.count() else ""


def test_journey_6_follow_a_thread_live_badge_and_a_hug_back(server, new_page, shot):
    a_handle, b_handle = server.member(), server.member()
    a, b = new_page(), new_page()
    sign_in(a, server, a_handle)
    sign_in(b, server, b_handle)

    visit(a, server.url("/b/off-topic/new"))
    a.fill("#title", "Small wins this week")
    a.fill("#body", "I managed to cook a proper meal on Tuesday. What small wins did you have?")
    a.get_by_role("button", name=re.compile("^Post$")).click()
    a.wait_for_load_state()
    thread_url = a.url.split("#")[0].split("?")[0]
    assert re.search(r"/t/\d+$", thread_url), a.url

    visit(b, thread_url)
    b.get_by_role("button", name="Follow this thread").click()
    b.wait_for_load_state()
    assert b.get_by_role("button", name=re.compile("Following")).count() == 1
    visit(b, server.url("/"))
    assert _badge(b) == ""
    b.wait_for_function("() => window.havenMemberSocket && window.havenMemberSocket.connected")

    a.fill("#body", "Replying to my own thread: I also went for a short walk today.")
    started = time.monotonic()
    a.get_by_role("button", name="Reply").click()
    wait_until(lambda: _badge(b) == "1", b, seconds=10)
    elapsed = time.monotonic() - started
    print(f"\nA's reply -> B's badge, live in B's browser: {elapsed * 1000:.0f} ms")
    assert "replied in “Small wins this week”" in b.locator("[data-notification-live]").inner_text()
    a.wait_for_load_state()
    reply_anchor = a.url.split("#")[1] if "#" in a.url else None
    assert reply_anchor and reply_anchor.startswith("post-"), a.url

    # B follows the notification to the reply and sends a hug (a plain form: works without JavaScript).
    visit(b, server.url("/notifications"))
    assert _badge(b) == ""
    b.get_by_role("link", name=re.compile("replied in")).click()
    b.wait_for_load_state()
    visit(a, server.url("/"))
    a.wait_for_function("() => window.havenMemberSocket && window.havenMemberSocket.connected")
    reply = b.locator(f"#{reply_anchor}").locator("xpath=..")
    reply.locator("button[data-reaction='hug']").click()
    b.wait_for_load_state()
    assert b.locator(f"#{reply_anchor}").locator("xpath=..").locator(
        "button[data-reaction='hug'][aria-pressed='true'] .count").inner_text() == "1"

    # A hears of it live, and sees who sent it on the thread page (only the author sees who).
    wait_until(lambda: _badge(a) == "1", a, seconds=10)
    assert "sent a hug" in a.locator("[data-notification-live]").inner_text()
    visit(a, thread_url)
    assert _badge(a) == "1"  # the thread page itself does not mark notifications read
    mine = a.locator(f"#{reply_anchor}").locator("xpath=..")
    assert mine.locator("button[data-reaction='hug'] .count").inner_text() == "1"
    mine.locator("details.reacted-by summary").click()
    assert b_handle in mine.locator("details.reacted-by").inner_text()
    assert "Who reacted" not in b.content()
    a.set_viewport_size({"width": 390, "height": 844})
    a.evaluate("(id) => document.getElementById(id).scrollIntoView({block: 'start'})", reply_anchor)
    shot(a, "6-hug-seen-by-author")
    visit(a, server.url("/notifications"))
    assert a.get_by_text(re.compile(rf"{re.escape(b_handle)} sent a hug on your post")).count() == 1
    assert _badge(a) == ""
    shot(a, "6-notifications-page")
