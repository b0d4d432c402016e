"""Browser journey: a moderator works a busy queue (200 open items) live, without losing their place.

A real server process on a fresh SQLite database (screening with the phrase-lexicon backend and the first pass, so
the server starts in seconds), 200 open items written straight through the services, and Debian's Chromium through
Playwright. New items arrive from another client (plain HTTP posts by a member) and reach the page over Socket.IO.
Screenshots at phone and desktop sizes go to a temporary folder, or docs/screenshots/ with HAVEN_SCREENSHOTS=1.
"""
from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from tests.browser.test_journeys import (CHROMIUM, CHROMIUM_ARGS, DESKTOP, PHONE, SHOTS, TIMEOUT_MS, axe_check,
                                         sign_in, wait_until)
from tests.conftest import BASE_CONFIG, PASSWORD, unavailable
from tests.support import ROOT, SERVER, free_port, wait_ready

pytestmark = pytest.mark.slow

CRISIS = "I have the pills saved and tonight I am going to take them all. This is goodbye, everyone."
IDEATION = "I want to die, everything feels pointless lately"
TOXIC = "you stupid idiot, nobody wants you here"
URGENT_SEEDED, HIGH_SEEDED, NORMAL_SEEDED = 12, 38, 150  # 200 open items
RING = ("() => { const b = document.querySelector('[data-urgent-badge] .badge');"
        " return [b.classList.contains('ring'), getComputedStyle(b).animationName]; }")
# Counts the chimes and browser notifications the page makes (a headless browser plays and shows neither).
ALERT_SPY = """
window.__chimes = 0; window.__notices = [];
const RealAudio = window.AudioContext;
window.AudioContext = function () { window.__chimes += 1; return new RealAudio(); };
window.Notification = function (title, options) { window.__notices.push([title, options && options.body]); };
window.Notification.permission = "granted";
window.Notification.requestPermission = () => Promise.resolve("granted");
"""


def _seed(database_url: str, tmp: Path) -> dict:
    """Members and 200 open queue items, through the services (no HTTP), in a few seconds."""
    from community import create_app
    from community.extensions import db
    from community.forum.services import create_thread, get_board
    from community.members.services import create_member, issue_token
    from moderation.models import QueueItem
    from moderation.queue import services
    app = create_app({**BASE_CONFIG, "DATABASE_URL": database_url}, instance_path=str(tmp / "seed"))
    with app.app_context(), app.test_request_context():
        def person(role="member"):
            member, _code = create_member(f"{role[:3]}-{uuid.uuid4().hex[:8]}", PASSWORD, region="GB", role=role,
                                          allow_reserved=True)
            return member
        moderator, colleague, writer = person("moderator"), person("moderator"), person()
        authors = [person() for _ in range(20)]
        board = get_board("anxiety")
        started = time.monotonic()
        for n in range(URGENT_SEEDED + HIGH_SEEDED + NORMAL_SEEDED):
            text = CRISIS if n < URGENT_SEEDED else IDEATION if n < URGENT_SEEDED + HIGH_SEEDED else TOXIC
            create_thread(authors[n % len(authors)], board, f"Seeded thread {n}", f"{text} ({n})")
        claimed = db.session.scalar(db.select(QueueItem).where(QueueItem.kind == "toxicity")
                                    .order_by(QueueItem.id.desc()).limit(1))
        services.claim(claimed, moderator)
        found = {"moderator": moderator.handle, "writer_token": issue_token(writer),
                 "colleague": colleague.handle, "colleague_token": issue_token(colleague),
                 "open": db.session.scalar(db.select(db.func.count(QueueItem.id)).where(QueueItem.status == "open")),
                 "seconds": time.monotonic() - started}
        db.session.commit()
        db.session.remove()
        db.engine.dispose()
    return found


@pytest.fixture(scope="module")
def busy(tmp_path_factory):
    if not os.path.exists(CHROMIUM):
        unavailable("Chromium", f"{CHROMIUM} is missing (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError as exc:
        unavailable("Playwright", str(exc))
    tmp = tmp_path_factory.mktemp("workspace")
    database_url = f"sqlite:///{tmp / 'haven.sqlite3'}"
    env = {**os.environ, "RATELIMIT_ENABLED": "false", "RATELIMIT_STORAGE_URI": "memory://", "SITE_URL": "",
           "SECRET_KEY": "workspace-journey", "MODERATION_TOXICITY_BACKEND": "lexicon",
           "MODERATION_SELF_HARM_BACKEND": "lexicon", "PYTHONPATH": str(ROOT), "REDIS_URL": "",
           "DATABASE_URL": database_url}
    migrate = subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", "db", "upgrade"], cwd=ROOT, env=env,
                             capture_output=True, text=True, timeout=120)
    assert migrate.returncode == 0, migrate.stdout[-2000:] + migrate.stderr[-2000:]
    seeded = _seed(database_url, tmp)
    assert seeded["open"] == URGENT_SEEDED + HIGH_SEEDED + NORMAL_SEEDED
    print(f"seeded {seeded['open']} open items in {seeded['seconds']:.1f}s")
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-c", SERVER, str(port), str(tmp / "instance")], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        wait_ready(port, proc, time.monotonic() + 60)
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            yield {**seeded, "base": f"http://127.0.0.1:{port}", "browser": browser}
            browser.close()
    finally:
        proc.kill()
        proc.wait(10)


class _Server:
    def __init__(self, base):
        self.base = base

    def url(self, path):
        return self.base + path


def _post(busy, body, title="Posted live"):
    """Another client: a member posting over plain HTTP, as the server's other users do."""
    import requests
    r = requests.post(f"{busy['base']}/api/v1/boards/anxiety/threads", json={"title": title, "body": body},
                      headers={"Authorization": f"Bearer {busy['writer_token']}"}, timeout=30)
    assert r.status_code == 201, r.text
    return r.json()["post"]["id"]


def _shot(page, name, folder):
    for label, size in (("phone", PHONE), ("desktop", DESKTOP)):
        page.set_viewport_size(size)
        page.wait_for_timeout(150)
        page.screenshot(path=str(folder / f"{name}-{label}.png"), animations="disabled", caret="hide")
    page.set_viewport_size(DESKTOP)


def test_a_moderator_works_200_items_live_without_losing_their_place(busy, tmp_path):
    folder = SHOTS if os.environ.get("HAVEN_SCREENSHOTS") == "1" else tmp_path
    folder.mkdir(parents=True, exist_ok=True)
    server = _Server(busy["base"])
    context = busy["browser"].new_context(viewport=DESKTOP, locale="en-GB", device_scale_factor=1)
    context.set_default_timeout(TIMEOUT_MS)
    context.add_init_script(ALERT_SPY)
    page = context.new_page()
    frames: list[str] = []
    page.on("websocket", lambda ws: ws.on("framereceived", lambda payload: frames.append(str(payload))))
    sign_in(page, server, busy["moderator"])

    # The whole queue, then filtered to urgent with the form, as a person would.
    page.goto(server.url("/moderation/queue"))
    assert page.locator("li.queue-item").count() == 200  # page 1 of 201 (200 a page)
    assert page.title().startswith(f"({URGENT_SEEDED}) ")
    page.select_option("select[name=priority]", "urgent")
    page.get_by_role("button", name="Filter").click()
    page.wait_for_url("**priority=urgent**")
    axe_check(page)
    wait_until(lambda: any(f.startswith("40") for f in frames), page)  # Socket.IO connected: staff room joined
    cards = page.locator("#queue-live li.queue-item")
    assert cards.count() == URGENT_SEEDED
    first = cards.first
    why = first.locator(".why").inner_text()
    assert "self-harm tier intent" in why and "first-pass rule" in why and "waiting" in why, why
    assert not first.get_by_text("I have the pills", exact=False).is_visible()  # collapsed until chosen

    # Open one item's text and start typing a hand-off note; then a new urgent item arrives from another client,
    # and a toxic one that this filter does not show.
    reading = cards.nth(2)
    reading.locator("summary").click()
    assert reading.locator("details").get_attribute("open") is not None
    page.fill("#hand-off-note", "Half-typed hand-off")
    page.evaluate("() => { window.__notReloaded = true; }")
    _post(busy, TOXIC + " (live)")
    new_post = _post(busy, CRISIS + " (live)")
    wait_until(lambda: cards.count() == URGENT_SEEDED + 1, page)
    arrived = cards.last
    assert f"({URGENT_SEEDED + 1}) " in page.title()
    assert arrived.get_attribute("data-priority") == "urgent" and arrived.locator("details").get_attribute("open") is None
    assert page.evaluate("() => window.__notReloaded === true"), "the page reloaded"
    assert reading.locator("details").get_attribute("open") is not None, "the opened text collapsed"
    assert reading.get_by_text("I have the pills", exact=False).is_visible()
    assert page.input_value("#hand-off-note") == "Half-typed hand-off"
    assert page.evaluate("() => [window.__chimes, window.__notices.length]") == [0, 0]  # off unless chosen
    # A colleague claims the item being read: its card changes in place, and the text stays open.
    import requests
    reading_id = reading.get_attribute("data-item-id")
    reading = page.locator(f"#queue-live li.queue-item[data-item-id='{reading_id}']")
    r = requests.post(f"{busy['base']}/api/v1/moderation/items/{reading_id}/claim", timeout=30,
                      headers={"Authorization": f"Bearer {busy['colleague_token']}"})
    assert r.status_code == 200, r.text
    wait_until(lambda: reading.get_attribute("data-claimed-by") == busy["colleague"], page)
    assert f"claimed by {busy['colleague']}" in reading.locator(".meta").inner_text()
    assert reading.locator("details").get_attribute("open") is not None, "the update collapsed the open text"
    assert cards.count() == URGENT_SEEDED + 1 and cards.nth(2).get_attribute("data-item-id") == reading_id
    elsewhere = page.locator("[data-cue-elsewhere]")
    elsewhere.wait_for()
    assert "1 new item outside this view" in elsewhere.inner_text()
    assert page.locator("li.queue-item[data-kind=toxicity]").count() == 0  # counted, not inserted
    assert new_post
    reading.evaluate("(el) => el.scrollIntoView({block: 'center'})")
    _shot(page, "7-queue-urgent-filter-live", folder)

    # The whole queue again, scrolled far down into the normal items, one of them open: a new urgent item lands
    # above the viewport, the place and the open text stay, and a cue offers to go to it.
    page.goto(server.url("/moderation/queue"))
    wait_until(lambda: page.locator("#queue-live li.queue-item").count() == 200 and
               sum(f.startswith("40") for f in frames) >= 2, page)
    far_id = page.locator("#queue-live li.queue-item").nth(150).get_attribute("data-item-id")
    far = page.locator(f"#queue-live li.queue-item[data-item-id='{far_id}']")  # the same card, wherever it moves
    far.scroll_into_view_if_needed()
    far.locator("summary").click()
    top_before = far.bounding_box()["y"]
    page.evaluate("() => { window.__notReloaded = true; }")
    _post(busy, CRISIS + " (live, second)")
    cue = page.locator("[data-cue-above]")
    cue.wait_for(state="visible")
    assert "1 new urgent item above" in cue.inner_text()
    assert abs(far.bounding_box()["y"] - top_before) < 50, "the list jumped under the moderator"
    assert far.locator("details").get_attribute("open") is not None
    assert page.evaluate("() => window.__notReloaded === true")
    axe_check(page)
    _shot(page, "7-queue-new-urgent-cue", folder)
    cue.click()
    landed = page.locator("#queue-live li.queue-item.arrived[data-priority=urgent]")
    wait_until(lambda: landed.count() >= 1 and landed.first.evaluate(
        "(el) => { const r = el.getBoundingClientRect(); return r.top >= 0 && r.bottom <= innerHeight; }"), page)
    assert cue.is_hidden()

    item_url = landed.first.get_by_role("link", name="Open").get_attribute("href")

    # The moderator opts into a chime and browser notifications on their workspace page.
    page.goto(server.url("/moderation/workspace"))
    axe_check(page)
    page.check("#alert_sound")
    page.check("#alert_notification")
    page.get_by_role("button", name="Save my preferences").click()
    page.wait_for_load_state()
    assert page.is_checked("#alert_sound") and page.is_checked("#alert_notification")
    _shot(page, "7-workspace-preferences", folder)

    # On an item page the badge and title stay live; a new crisis item rings the badge (still, under reduced
    # motion), marks it unseen, and now chimes and notifies without the member's words.
    page.goto(server.url(item_url))
    wait_until(lambda: sum(f.startswith("40") for f in frames) >= 4, page)
    badge = page.locator("[data-urgent-badge] .badge")
    count = int(badge.inner_text())
    _post(busy, CRISIS + " (live, third)")
    wait_until(lambda: badge.inner_text() == str(count + 1), page)
    assert page.evaluate(RING) == [True, "haven-ring"]
    assert page.title().startswith(f"({count + 1}) ")
    assert "unseen" in page.locator("[data-urgent-badge]").get_attribute("class")
    wait_until(lambda: page.evaluate("() => window.__notices.length") == 1, page)
    title, text = page.evaluate("() => window.__notices[0]")
    assert "urgent crisis item" in title and "pills" not in text
    assert page.evaluate("() => window.__chimes") == 1
    axe_check(page)
    _shot(page, "7-item-badge-live", folder)
    page.emulate_media(reduced_motion="reduce")
    _post(busy, CRISIS + " (live, fourth)")
    wait_until(lambda: badge.inner_text() == str(count + 2), page)
    assert page.evaluate(RING) == [True, "none"]
    context.close()

    # Without JavaScript the basics hold: the filtered list, why-lines, collapsed text that opens on a click.
    plain = busy["browser"].new_context(viewport=PHONE, locale="en-GB", java_script_enabled=False)
    plain.set_default_timeout(TIMEOUT_MS)
    no_js = plain.new_page()
    no_js.goto(server.url("/login"))  # (axe runs through page scripts, which are off here)
    no_js.fill("#handle", busy["moderator"])
    no_js.fill("#password", PASSWORD)
    no_js.get_by_role("button", name="Sign in").click()
    no_js.wait_for_load_state()
    assert "/login" not in no_js.url
    no_js.goto(server.url("/moderation/queue?priority=urgent"))
    card = no_js.locator("#queue-live li.queue-item").first
    assert "self-harm tier intent" in card.locator(".why").inner_text()
    assert not card.get_by_text("I have the pills", exact=False).is_visible()
    card.locator("summary").click()
    assert card.get_by_text("I have the pills", exact=False).is_visible()
    plain.close()
