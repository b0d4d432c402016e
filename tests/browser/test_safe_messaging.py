"""Safe messaging in a real Chromium against a real server with the embedded models: a recovery story with a
method detail is published with that sentence masked, its author sees why, another member reads only the masked
text, and a moderator reads the full text collapsed on the queue item and lifts the mask. Uses the server and
browser of tests/browser/test_journeys.py (SQLite; PostgreSQL and Redis under CI=true)."""
from __future__ import annotations

import pytest

from tests.browser.test_journeys import (  # noqa: F401 - fixtures
    browser, new_page, server, shot, sign_in, visit,
)

pytestmark = pytest.mark.slow

# (Until the 2026-12-06 weights the story said the tablets "would be enough to die"; those weights hold that version
# for a moderator as ideation, one of the recovery stories they over-hold: README "How well does screening work?".)
STORY = ("A year ago I was in a bad way and had read that 60 of my tablets would do it. I'm so glad I called a "
         "helpline instead; life is good now.")
DETAIL = "60 of my tablets"


def test_masked_post_for_members_full_text_for_moderators(server, new_page, shot):
    author_handle, reader_handle = server.member(region="GB"), server.member(region="GB")
    mod_handle = server.member(role="moderator")
    author, reader, mod = new_page(), new_page(), new_page()

    sign_in(author, server, author_handle)
    visit(author, server.url("/b/anxiety/new"))
    author.fill("#title", "What got me through")
    author.fill("#body", STORY)
    author.get_by_role("button", name="Post").click()
    author.wait_for_load_state()
    assert "/t/" in author.url, author.url
    body = author.locator("article.post").first
    assert "[details removed for safety]" in body.inner_text() and DETAIL not in body.inner_text()
    assert author.locator(".flash, .flashes, [role=status], .notice").filter(
        has_text="hidden for safety").first.is_visible()
    banner = author.locator("p.notice.masked")
    assert banner.is_visible() and "you can edit it" in banner.inner_text()
    shot(author, "7-masked-post-author")
    thread_url = author.url.split("#")[0]

    sign_in(reader, server, reader_handle)
    visit(reader, thread_url)
    text = reader.locator("main").inner_text()
    assert "[details removed for safety]" in text and DETAIL not in text and "glad I called a helpline" in text
    assert not reader.locator("p.notice.masked").count()

    sign_in(mod, server, mod_handle)
    visit(mod, server.url("/moderation/queue?kind=method_details"))
    mod.locator("a[href*='/moderation/items/']").first.click()
    mod.wait_for_load_state()
    original = mod.locator("#original-text")
    assert original.count() == 1
    assert not original.locator(".body").is_visible()  # collapsed until the moderator chooses to read it
    original.locator("summary").click()
    assert DETAIL in original.locator(".body").inner_text()
    shot(mod, "7-masked-post-moderator")
    mod.locator("input[name=action][value=lift_mask]").check()
    mod.get_by_role("button", name="Apply").click()
    mod.wait_for_load_state()

    visit(reader, thread_url)
    assert DETAIL in reader.locator("main").inner_text()
