"""Browser journey for the community features: search (with the crisis panel for a crisis query), a draft kept in
the browser and restored, dark mode (the system's, and the member's switch) checked by axe-core in both colour
schemes, and the admin directory's table on a 390 px phone (no horizontal overflow) and on a desktop (inside its
column). Real Chromium against a real server (fixtures of tests/browser/test_journeys.py).

Dark-mode screenshots go to docs/screenshots/ when HAVEN_SCREENSHOTS=1 (how the committed ones were made), else to a
temporary folder.
"""
from __future__ import annotations

import os
import re
import uuid

import pytest

from tests.browser import test_journeys as journeys
from tests.browser.test_journeys import DESKTOP, PHONE, SHOTS, TIMEOUT_MS, axe_check, flash, sign_in, visit, wait_until

# The journeys' fixtures: a real server on a fresh database (SQLite; PostgreSQL + Redis too under CI=true), Chromium.
server, browser, new_page = journeys.server, journeys.browser, journeys.new_page

pytestmark = pytest.mark.slow


@pytest.fixture
def dark_page(browser, server):
    """A page whose system colour scheme is dark (prefers-color-scheme: dark)."""
    contexts = []

    def make(viewport=DESKTOP):
        context = browser.new_context(viewport=viewport, locale="en-GB", color_scheme="dark", device_scale_factor=1)
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        return context.new_page()
    yield make
    for context in contexts:
        context.close()


def _folder(tmp_path):
    folder = SHOTS if os.environ.get("HAVEN_SCREENSHOTS") == "1" else tmp_path
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _background(page) -> str:
    return page.evaluate("() => getComputedStyle(document.body).backgroundColor")


def test_search_draft_and_dark_mode(server, new_page, dark_page, tmp_path):
    word = "marmalade" + uuid.uuid4().hex[:6]
    author = server.member(region="GB")
    page = new_page()
    sign_in(page, server, author)

    # A thread to find.
    visit(page, server.url("/b/anxiety/new"))
    page.fill("#title", f"Breakfast {word} and calm mornings")
    page.fill("#body", f"Making {word} on Sunday mornings keeps me steady.")
    page.get_by_role("button", name="Post").click()
    page.wait_for_url(re.compile(r"/t/\d+"))
    thread_url = page.url.split("?")[0].split("#")[0]

    # Search, from the header link.
    page.get_by_role("link", name="Search", exact=True).click()
    page.wait_for_load_state()
    page.fill("#q", word)
    page.get_by_role("button", name="Search", exact=True).click()
    page.wait_for_load_state()
    axe_check(page)
    assert page.locator(".search-result").count() == 1
    assert page.locator(".search-result mark").first.inner_text().lower() == word
    page.locator(".search-result h2 a").click()
    page.wait_for_load_state()
    assert page.url.startswith(thread_url)

    # A crisis query leads with the crisis panel, the region's emergency number first.
    visit(page, server.url("/search?q=how+to+kill+myself"))
    first_call = page.locator("main a[href^='tel:']").first.get_attribute("href")
    assert first_call == "tel:999"
    assert page.locator("main .crisis-panel").count() == 1
    assert page.evaluate("() => document.querySelector('main .crisis-panel').compareDocumentPosition("
                         "document.querySelector('form.search-form')) & Node.DOCUMENT_POSITION_FOLLOWING")

    # A draft: typed, left, restored, then cleared once sent.
    visit(page, server.url(thread_url.replace(server.base, "")))
    page.fill("form.reply #body", "A half-written reply about toast")
    page.wait_for_timeout(700)  # saved after a short pause in typing
    visit(page, server.url("/boards"))
    visit(page, server.url(thread_url.replace(server.base, "")))
    assert page.input_value("form.reply #body") == "A half-written reply about toast"
    assert "draft is back" in page.locator("form.reply .draft-status").inner_text()
    page.locator("form.reply").get_by_role("button", name="Reply").click()
    page.wait_for_url(re.compile(r"/t/\d+"))
    assert "Posted" in flash(page) or "waiting" in flash(page)
    wait_until(lambda: page.evaluate("() => Object.keys(localStorage).filter(k => k.startsWith('haven-draft:'))"
                                     ".length") == 0, page)
    visit(page, server.url(thread_url.replace(server.base, "")))
    assert page.input_value("form.reply #body") == ""

    # Dark mode: the system's choice, with axe-core's contrast check in dark as in light.
    light_bg = _background(page)
    folder = _folder(tmp_path)
    for label, size in (("phone", PHONE), ("desktop", DESKTOP)):
        dark = dark_page(size)
        sign_in(dark, server, author)
        for path in ("/", f"/search?q={word}", thread_url.replace(server.base, ""), "/chat/", "/settings",
                     "/search?q=how+to+kill+myself"):
            visit(dark, server.url(path))
        visit(dark, server.url(f"/search?q={word}"))
        assert _background(dark) != light_bg
        dark.screenshot(path=str(folder / f"6-dark-search-{label}.png"), animations="disabled", caret="hide")
        visit(dark, server.url(thread_url.replace(server.base, "")))
        dark.screenshot(path=str(folder / f"6-dark-thread-{label}.png"), animations="disabled", caret="hide")

    # The manual switch (light system): dark at once, remembered in the member's settings on the next page.
    visit(page, server.url("/"))
    toggle = page.locator("[data-theme-toggle]")
    assert toggle.inner_text() == "Dark mode"
    toggle.click()
    assert page.evaluate("() => document.documentElement.dataset.theme") == "dark"
    page.wait_for_timeout(300)
    visit(page, server.url("/search"))
    assert page.evaluate("() => document.documentElement.dataset.theme") == "dark"
    assert _background(page) != light_bg
    axe_check(page)
    page.locator("[data-theme-toggle]").click()  # and back
    page.wait_for_timeout(300)
    visit(page, server.url("/"))
    assert page.evaluate("() => document.documentElement.dataset.theme") == "light"


def test_admin_directory_table_reflows_on_a_phone_and_stays_in_its_column(server, new_page):
    admin = server.member("admin", region="GB")
    page = new_page()
    sign_in(page, server, admin)
    page.set_viewport_size(PHONE)
    visit(page, server.url("/admin/resources"))
    widths = page.evaluate("() => [document.documentElement.scrollWidth, document.documentElement.clientWidth,"
                           " document.body.scrollWidth]")
    assert widths[0] <= widths[1] and widths[2] <= widths[1], widths
    # Each row is a card with its labels, and nothing inside sticks out of the screen.
    overflowing = page.evaluate("() => [...document.querySelectorAll('.resources-table td')]"
                                ".filter(td => td.getBoundingClientRect().right > document.documentElement.clientWidth + 1).length")
    assert overflowing == 0
    page.set_viewport_size(DESKTOP)
    visit(page, server.url("/admin/resources"))
    edges = page.evaluate("() => { const m = document.querySelector('main').getBoundingClientRect();"
                          " const t = document.querySelector('.table-wrap').getBoundingClientRect();"
                          " return [m.left, m.right, t.left, t.right, document.documentElement.scrollWidth,"
                          " document.documentElement.clientWidth]; }")
    assert edges[2] >= edges[0] and edges[3] <= edges[1] and edges[4] <= edges[5], edges
    # Mark verified keeps the filter.
    page.select_option("#country", "GB")
    page.get_by_role("button", name="Filter").click()
    page.wait_for_load_state()
    page.locator(".resources-table").get_by_role("button", name="Mark verified").first.click()
    page.wait_for_load_state()
    assert "country=GB" in page.url and "verified today" in flash(page)
