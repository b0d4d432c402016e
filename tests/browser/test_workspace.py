"""The moderators' workspace pages in a real Chromium against a real server (the server, browser and page fixtures
of the journeys): canned replies fill the message box in place with JavaScript and through "Use" without it; bulk
decisions go through a confirmation page; the stats page; every page passes axe. Items are made straight in the
database so the test does not depend on what the models say."""
from __future__ import annotations

import uuid
from datetime import timedelta

from tests.conftest import PASSWORD
from tests.browser import test_journeys as journeys
from tests.browser.test_journeys import axe_check, flash, sign_in, visit

# The journeys' fixtures (a real server, Chromium, fresh pages), shared rather than copied.
server, browser, new_page = journeys.server, journeys.browser, journeys.new_page


def _items(server) -> dict:
    """A member's urgent self-harm post (opened 12 minutes ago) and two low spot-checks of automatic removals."""
    from community.extensions import db, utcnow
    from community.forum.models import HELD, REMOVED, Board, Post, Thread
    from moderation.models import QueueItem
    handle = server.member()
    with server._app.app_context():
        from community.members.models import Member
        author = db.session.scalar(db.select(Member).where(Member.handle == handle))
        board = db.session.scalar(db.select(Board).order_by(Board.id))
        now = utcnow()
        made = {}
        for name, kind, priority, status, minutes in (("crisis", "self_harm", "urgent", HELD, 12),
                                                      ("spot1", "auto_removed", "low", REMOVED, 5),
                                                      ("spot2", "auto_removed", "low", REMOVED, 4)):
            thread = Thread(board_id=board.id, author_id=author.id, title=f"{name} {uuid.uuid4().hex[:6]}",
                            status=status, created_at=now, last_activity_at=now)
            post = Post(thread=thread, author_id=author.id, is_opening=True, status=status, hold_reason=kind,
                        body=f"the {name} post")
            db.session.add(post)
            db.session.flush()
            opened = now - timedelta(minutes=minutes)
            item = QueueItem(content_type="post", content_id=post.id, author_id=author.id, kind=kind,
                             priority=priority, rank={"urgent": 0, "low": 4}[priority], status="open", reasons=[kind],
                             version=1, report_count=0, created_at=opened, opened_at=opened)
            db.session.add(item)
            db.session.flush()
            made[name] = item.id
        db.session.commit()
        db.session.remove()
    return made


def test_canned_replies_bulk_and_stats_in_the_browser(server, new_page):
    items = _items(server)
    mod = server.member(role="moderator")
    page = new_page()
    sign_in(page, server, mod)
    visit(page, server.url("/moderation/queue"))
    card = page.locator(f'li.queue-item[data-item-id="{items["crisis"]}"]')
    assert "overdue by" in card.inner_text()
    assert card.locator("input[form=bulk-form]").count() == 0  # never in bulk: a person at risk

    visit(page, server.url(f"/moderation/items/{items['crisis']}"))
    before = page.url
    page.select_option("#message-body-canned", label="Reaching out after a post about self-harm")
    text = page.input_value("#message-body")
    assert "/help" in text and page.url == before  # filled in place, no reload
    page.fill("#message-body", text.replace("Hi,", "Hi there,"))
    page.get_by_role("button", name="Send message").click()
    page.wait_for_load_state()
    assert "Message sent." in flash(page)

    visit(page, server.url("/moderation/queue"))
    for name in ("spot1", "spot2"):
        page.check(f'input[form=bulk-form][value="{items[name]}"]')
    page.select_option("#bulk-action", "remove")
    page.get_by_role("button", name="Review and confirm").click()
    page.wait_for_load_state()
    assert "Remove 2 items?" in page.locator("h1").inner_text()
    axe_check(page)  # the confirmation page is a POST's answer: checked in place
    page.get_by_role("button", name="Confirm: remove 2 items").click()
    page.wait_for_load_state()
    assert "Done: remove on 2 items." in flash(page)
    assert page.locator(f'li.queue-item[data-item-id="{items["spot1"]}"]').count() == 0

    visit(page, server.url("/moderation/stats"))
    assert "How the queue is doing" in page.locator("h1").inner_text()


def test_canned_reply_use_button_without_javascript(server, new_page):
    items = _items(server)
    mod = server.member(role="moderator")
    page = new_page(javascript=False)  # (axe needs JavaScript: these pages are checked with it above)
    page.goto(server.url("/login"))
    page.fill("#handle", mod)
    page.fill("#password", PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()
    assert page.goto(server.url(f"/moderation/items/{items['crisis']}")).ok
    page.select_option("#message-body-canned", label="Checking in")
    page.locator("form.canned-picker[data-canned-target=message-body]").get_by_role("button", name="Use").click()
    page.wait_for_load_state()
    assert "reply=" in page.url and "check in" in page.input_value("#message-body")
