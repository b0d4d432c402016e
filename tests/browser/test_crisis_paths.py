"""Crisis paths in a real Chromium against a real server with the embedded models: the chat crisis panel (the same
panel as the forum's held screen, emergency number first, tap to call) and the help page for someone signed out,
without JavaScript. Uses the server and browser of tests/browser/test_journeys.py."""
from __future__ import annotations

import re

import pytest

from tests.browser.test_journeys import (  # noqa: F401 - fixtures
    CRISIS_POST, DESKTOP, TIMEOUT_MS, axe_check, browser, new_page, server, shot, sign_in, visit,
)

pytestmark = pytest.mark.slow


@pytest.mark.parametrize("region,emergency,line", [("GB", "999", "116 123"), ("US", "911", "988")])
def test_chat_crisis_message_shows_the_emergency_number_and_lines_at_once(server, new_page, shot, region, emergency,
                                                                          line):
    ash_handle, bea_handle = server.member(region=region), server.member(region=region)
    ash, bea = new_page(), new_page()
    for page, handle in ((ash, ash_handle), (bea, bea_handle)):
        sign_in(page, server, handle)
        visit(page, server.url("/chat/open-lounge"))
        page.get_by_text("You're in the room.").wait_for()

    ash.fill("#chat-input", CRISIS_POST)
    ash.get_by_role("button", name="Send").click()
    panel = ash.locator("#chat-crisis")
    panel.wait_for(state="visible")
    tel = panel.locator("a[href^='tel:']")
    assert tel.first.get_attribute("href") == f"tel:{emergency}"
    assert panel.get_by_role("link", name=emergency, exact=True).is_visible()  # tap to call, first
    assert panel.get_by_role("link", name=f"Call {line}").is_visible()
    assert panel.get_by_role("link", name=f"Call {line}").get_attribute("href") == "tel:" + line.replace(" ", "")
    text = panel.inner_text()
    assert "Your message is safe" in text and "your post" not in text.lower()
    assert text.index(emergency) < text.index(line) < text.index("Make a safety plan") \
        < text.index("More ways to get help")
    axe_check(ash)
    if region == "GB":
        shot(ash, "6-chat-crisis-panel")

    # The other member never receives it: a message sent after it arrives, the crisis message does not.
    # (The room is shared by the GB and US runs on one server: the message names its sender to be told apart.)
    ash.fill("#chat-input", f"Thanks for listening, everyone ({ash_handle})")
    ash.get_by_role("button", name="Send").click()
    bea.locator("#chat-log li").filter(has_text=f"Thanks for listening, everyone ({ash_handle})").wait_for()
    assert "goodbye" not in bea.locator("#chat-log").inner_text().lower()
    assert not bea.locator("#chat-crisis").is_visible()


def test_help_page_signed_out_without_javascript_shows_the_visitors_country_first(server, browser, new_page, shot):
    visit(new_page(), server.url("/help"))  # axe needs JavaScript: the page is checked here, then used without it
    context = browser.new_context(viewport=DESKTOP, locale="en-GB", java_script_enabled=False)
    context.set_default_timeout(TIMEOUT_MS)
    try:
        page = context.new_page()
        assert page.goto(server.url("/help")).ok
        picker = page.get_by_label("Not in the UK? Choose your country")
        assert picker.is_visible()
        assert page.locator("main a[href^='tel:']").first.get_attribute("href") == "tel:999"
        assert page.get_by_role("link", name="Call 116 123").is_visible()
        # The picker sits above the numbers.
        assert picker.bounding_box()["y"] < page.locator("main a[href^='tel:']").first.bounding_box()["y"]
        shot(page, "6-help-signed-out-no-javascript")
        picker.select_option("US")
        page.get_by_role("button", name="Show").click()
        page.wait_for_url(re.compile(r"region=US"))
        assert page.locator("main a[href^='tel:']").first.get_attribute("href") == "tel:911"
        assert page.get_by_role("link", name="Call 988").is_visible()
        assert page.get_by_label("Not in the US? Choose your country").is_visible()
        # Remembered: the next visit, with no parameter, shows the US again.
        assert page.goto(server.url("/help")).ok
        assert page.locator("main a[href^='tel:']").first.get_attribute("href") == "tel:911"
        for junk in ("%00", "zz", "<b>", "a" * 300, "%F0%9F%99%82"):
            response = page.goto(server.url(f"/help?region={junk}"))
            assert response.status == 200, junk
    finally:
        context.close()
    us = browser.new_context(viewport=DESKTOP, locale="en-US", java_script_enabled=False)
    try:
        page = us.new_page()
        assert page.goto(server.url("/help")).ok
        assert page.locator("main a[href^='tel:']").first.get_attribute("href") == "tel:911"
    finally:
        us.close()
