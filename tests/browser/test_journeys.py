"""Browser journeys: the product as its three kinds of people see it, in a real Chromium against a real server.

Each journey drives Debian's Chromium (/usr/bin/chromium) through Playwright against a server process started here
on a free loopback port, on a fresh database made by `flask db upgrade`, screening with the real (embedded) models.
SQLite always; PostgreSQL + Redis too under CI=true. Every page visited is checked with axe-core (no serious or
critical violations). Screenshots at phone and desktop sizes go to a temporary folder, or to docs/screenshots/ when
HAVEN_SCREENSHOTS=1 (how the committed ones were made: `HAVEN_SCREENSHOTS=1 pytest tests/browser`).

Skips with a reason when Chromium or Playwright is missing, except under CI=true, where it must run.
"""
from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from tests.conftest import BASE_CONFIG, IN_CI, PASSWORD, PG_ADMIN_URL, REDIS_URL, unavailable

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
AXE = Path(__file__).parent / "vendor" / "axe.min.js"
SHOTS = ROOT / "docs" / "screenshots"
PHONE, DESKTOP = {"width": 390, "height": 844}, {"width": 1280, "height": 800}
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]
TIMEOUT_MS = 20_000

SERVER = """
import sys
from community import create_app
from community.extensions import socketio
from moderation.classifiers.registry import backends
app = create_app(instance_path=sys.argv[2])
loaded = backends(app)  # load and run the models before the first request, as the production warm-up does
loaded.toxicity.score(["warming up"])
loaded.self_harm.score(["warming up"])
socketio.run(app, host="127.0.0.1", port=int(sys.argv[1]), allow_unsafe_werkzeug=True, use_reloader=False)
"""

CRISIS_POST = "I have the pills saved and tonight I am going to take them all. This is goodbye, everyone."
# Toxic enough to hold (0.80), not to remove at once (0.97): polite contempt ("nobody wants you") floors toxicity
# at 0.85 in the rules, so the line is held even where the heads score it low. (The milder "Ugh you again? Nobody
# asked" scored 0.91 with the 2026-11-23 tower and 0.798 with the 2026-12-04 weights, just under the hold; "...,
# clown" is removed.)
TOXIC_CHAT = "Ugh you again? Shut up, nobody wants you here"


# --- the server ----------------------------------------------------------------------------------------------------

def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_ready(base: str, proc, deadline: float, log: Path | None = None) -> None:
    """`log`: the file the server writes to (else its stdout is a pipe)."""
    import requests
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            said = log.read_bytes() if log is not None else proc.stdout.read()
            raise AssertionError(f"server exited: {said.decode(errors='replace')[-3000:]}")
        try:
            if requests.get(f"{base}/api/v1/rooms", timeout=1).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.2)
    raise AssertionError("server did not start in time")


def _postgres_and_redis():
    """A throw-away PostgreSQL database and a Redis database number for this module; fails under CI when absent."""
    try:
        import psycopg
        admin = psycopg.connect(PG_ADMIN_URL, autocommit=True, connect_timeout=3)
    except Exception as exc:  # noqa: BLE001
        unavailable("PostgreSQL", f"cannot connect to {PG_ADMIN_URL}: {exc}")
    redis_url = REDIS_URL.rsplit("/", 1)[0] + "/12"
    try:
        import redis
        redis.Redis.from_url(redis_url, socket_timeout=2).ping()
    except Exception as exc:  # noqa: BLE001
        admin.close()
        unavailable("Redis", f"cannot reach {redis_url}: {exc}")
    name = f"haven_browser_{uuid.uuid4().hex[:10]}"
    admin.execute(f'CREATE DATABASE "{name}"')
    return admin, name, PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + name, redis_url


class Server:
    def __init__(self, base: str, database_url: str, label: str):
        self.base, self.database_url, self.label = base, database_url, label
        self._app = None

    def url(self, path: str) -> str:
        return self.base + path

    def member(self, role: str = "member", region: str | None = None) -> str:
        """Make an account straight in the database (as `flask members create-admin` would); returns its handle."""
        from community import create_app
        from community.extensions import db
        from community.members.services import create_member
        if self._app is None:
            self._app = create_app({**BASE_CONFIG, "DATABASE_URL": self.database_url},
                                   instance_path=str(Path(os.environ.get("TMPDIR", "/tmp")) / f"seed-{uuid.uuid4().hex}"))
        with self._app.app_context():
            member, _code = create_member(f"{role[:3]}-{uuid.uuid4().hex[:8]}", PASSWORD, region=region, role=role,
                                          allow_reserved=True)
            db.session.commit()
            handle = member.handle
            db.session.remove()
        return handle

    def close(self):
        if self._app is not None:
            from community.extensions import db
            with self._app.app_context():
                db.engine.dispose()


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def server(request, tmp_path_factory):
    tmp = tmp_path_factory.mktemp(f"browser-{request.param}")
    env = {**os.environ, "RATELIMIT_ENABLED": "false", "RATELIMIT_STORAGE_URI": "memory://", "SITE_URL": "",
           "SECRET_KEY": "browser-journeys", "MODERATION_TOXICITY_BACKEND": "embedded",
           "MODERATION_SELF_HARM_BACKEND": "embedded", "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1",
           "PYTHONPATH": str(ROOT), "REDIS_URL": ""}
    admin = name = None
    if request.param == "sqlite":
        database_url = f"sqlite:///{tmp / 'haven.sqlite3'}"
    else:
        if not IN_CI:
            pytest.skip("the PostgreSQL + Redis run of the browser journeys is for CI=true (it doubles the time)")
        admin, name, database_url, env["REDIS_URL"] = _postgres_and_redis()
    env["DATABASE_URL"] = database_url
    migrate = subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", "db", "upgrade"], cwd=ROOT, env=env,
                             capture_output=True, text=True, timeout=120)
    assert migrate.returncode == 0, migrate.stdout[-2000:] + migrate.stderr[-2000:]
    port = _free_port()
    # Its log goes to a file: a pipe nobody reads fills up after some hundreds of request lines, and the server then
    # blocks on its next log line.
    log = tmp / "server.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen([sys.executable, "-c", SERVER, str(port), str(tmp / "instance")], cwd=ROOT, env=env,
                                stdout=out, stderr=subprocess.STDOUT)
    found = Server(f"http://127.0.0.1:{port}", database_url, request.param)
    try:
        _wait_ready(found.base, proc, time.monotonic() + 90, log)
        yield found
    finally:
        found.close()
        proc.kill()
        proc.wait(10)
        if admin is not None:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            admin.close()


# --- the browser ---------------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def browser():
    if not os.path.exists(CHROMIUM):
        unavailable("Chromium", f"{CHROMIUM} is missing (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError as exc:
        unavailable("Playwright", str(exc))
    with sync_playwright() as p:
        launched = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture
def new_page(browser, server):
    contexts = []

    def make(javascript: bool = True):
        context = browser.new_context(viewport=DESKTOP, locale="en-GB", java_script_enabled=javascript,
                                      device_scale_factor=1)
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def shot(server, tmp_path):
    """shot(page, "name"): the visible screen at phone and at desktop size (SQLite run only; the pages are the same)."""
    folder = SHOTS if os.environ.get("HAVEN_SCREENSHOTS") == "1" else tmp_path
    folder.mkdir(parents=True, exist_ok=True)

    def take(page, name: str):
        if server.label != "sqlite":
            return
        for label, size in (("phone", PHONE), ("desktop", DESKTOP)):
            page.set_viewport_size(size)
            page.wait_for_timeout(150)
            page.screenshot(path=str(folder / f"{name}-{label}.png"), animations="disabled", caret="hide")
        page.set_viewport_size(DESKTOP)
    return take


_AXE_SOURCE = AXE.read_text(encoding="utf-8")
_AXE_RUN = """async () => {
  const r = await axe.run(document, {resultTypes: ['violations']});
  return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                                 nodes: v.nodes.slice(0, 5).map(n => n.target.join(' ') + ' :: ' + n.failureSummary)}));
}"""


def axe_check(page) -> None:
    """No serious or critical axe-core violations on the page as it is now. The app's CSP forbids inline scripts, so
    axe goes in through the DevTools protocol (page.evaluate), which page CSP does not govern."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.evaluate("(source) => { (0, eval)(source); }", _AXE_SOURCE)
    violations = page.evaluate(_AXE_RUN)
    bad = [v for v in violations if v["impact"] in ("serious", "critical")]
    assert not bad, f"axe on {page.url}:\n" + "\n".join(f"{v['impact']} {v['id']}: {v['help']}\n  " +
                                                         "\n  ".join(v["nodes"]) for v in bad)


def visit(page, url: str):
    response = page.goto(url)
    assert response is not None and response.ok, f"{url}: {response.status if response else 'no response'}"
    axe_check(page)
    return response


def sign_in(page, server, handle: str):
    visit(page, server.url("/login"))
    page.fill("#handle", handle)
    page.fill("#password", PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()
    assert "/login" not in page.url, page.content()[:2000]


def wait_until(condition, page, seconds: float = TIMEOUT_MS / 1000) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out waiting"
        page.wait_for_timeout(100)


def flash(page) -> str:
    return " ".join(page.locator(".flash").all_inner_texts())


# --- journeys ------------------------------------------------------------------------------------------------------

def test_journey_1_newcomer_signs_up_keeps_code_sets_region_posts_and_replies(server, new_page, shot):
    page = new_page()
    visit(page, server.url("/signup"))
    handle = page.input_value("#handle")
    assert re.fullmatch(r"[A-Za-z0-9_-]{3,24}", handle), f"no suggested handle: {handle!r}"
    page.fill("#password", "a-long-enough-passphrase")
    page.fill("#confirm", "a-long-enough-passphrase")
    page.check("#accept_guidelines")
    shot(page, "1-signup")
    page.get_by_role("button", name=re.compile("Join|Sign up|Create", re.I)).click()

    page.wait_for_url(re.compile(r"/welcome$"))
    axe_check(page)
    code = page.locator("[data-recovery-code]").inner_text().strip()
    assert len(code) >= 10, code
    assert handle in page.locator("h1").inner_text()
    shot(page, "1-recovery-code")
    # Shown once: the next visit to the welcome page no longer has it.
    visit(page, server.url("/welcome"))
    assert page.locator("[data-recovery-code]").count() == 0

    visit(page, server.url("/settings"))
    page.select_option("#s-region", "GB")
    page.locator("form").filter(has=page.locator("#s-region")).get_by_role("button").first.click()
    page.wait_for_load_state()
    axe_check(page)
    assert "Settings saved" in flash(page)
    assert page.input_value("#s-region") == "GB"

    visit(page, server.url("/boards"))
    page.locator("main a[href^='/b/']").first.click()
    page.wait_for_load_state()
    axe_check(page)
    page.get_by_role("link", name="Start a thread").click()
    page.wait_for_load_state()
    axe_check(page)
    page.fill("#title", "Hello from a newcomer")
    page.fill("#body", "First time here. I have been finding evenings hard lately and wanted to say hi.")
    page.get_by_role("button", name=re.compile("Post|Start", re.I)).click()
    page.wait_for_url(re.compile(r"/t/\d+"))
    axe_check(page)
    assert "Posted" in flash(page)
    assert page.locator("article.post").filter(has_text="wanted to say hi").count() == 1

    page.fill("form.reply #body", "Replying to myself: a walk helped a bit tonight.")
    page.locator("form.reply").get_by_role("button").click()
    page.wait_for_url(re.compile(r"/t/\d+"))
    axe_check(page)
    assert "Posted" in flash(page)
    assert page.locator("article.post").filter(has_text="a walk helped").count() == 1
    shot(page, "1-thread-with-reply")

    # The code really is the way back in: recover the account with it in a fresh browser.
    other = new_page()
    visit(other, server.url("/recover"))
    other.fill("#handle", handle)
    other.fill("#recovery_code", code)
    other.fill("#password", "another-long-passphrase")
    if other.locator("#confirm").count():
        other.fill("#confirm", "another-long-passphrase")
    other.locator("main form").get_by_role("button").click()
    other.wait_for_url(re.compile(r"/welcome$"))
    assert other.locator("[data-recovery-code]").inner_text().strip() not in ("", code)


def test_journeys_2_and_3_crisis_post_is_held_with_help_and_reaches_the_live_queue(server, new_page, shot):
    moderator, author, other = server.member("moderator"), server.member(region="GB"), server.member(region="GB")

    # Journey 3 starts first: the moderator has the queue open.
    mod = new_page()
    sign_in(mod, server, moderator)
    frames: list[str] = []
    mod.on("websocket", lambda ws: ws.on("framereceived", lambda payload: frames.append(str(payload))))
    visit(mod, server.url("/moderation/queue"))
    wait_until(lambda: any(f.startswith("40") for f in frames), mod)  # Socket.IO "connected": staff room joined
    mod.evaluate("() => { window.__notReloaded = true; }")

    # Journey 2: the member writes a post that signals suicidal intent.
    page = new_page()
    sign_in(page, server, author)
    visit(page, server.url("/boards"))
    page.locator("main a[href^='/b/']").first.click()
    page.wait_for_load_state()
    page.get_by_role("link", name="Start a thread").click()
    page.wait_for_load_state()
    page.fill("#title", "I can't do this anymore")
    page.fill("#body", CRISIS_POST)
    page.get_by_role("button", name=re.compile("Post|Start", re.I)).click()
    page.wait_for_url(re.compile(r"/p/\d+/held$"))
    axe_check(page)
    post_id = int(re.search(r"/p/(\d+)/held", page.url).group(1))
    assert "Thank you for telling us" in page.locator("h1").inner_text()
    assert page.locator(".tag.waiting").inner_text() == "waiting for review"
    assert CRISIS_POST in page.locator("article.post").inner_text()
    tel = page.locator("main a[href^='tel:']")
    hrefs = [tel.nth(i).get_attribute("href") for i in range(tel.count())]
    assert hrefs and hrefs[0] == "tel:999", hrefs  # the emergency number for GB comes first
    assert "tel:116123" in hrefs, hrefs  # Samaritans
    assert page.get_by_role("link", name="Call 116 123").is_visible()
    shot(page, "2-held-with-help")
    thread_url = page.get_by_role("link", name="Back to the thread").get_attribute("href")

    # Nobody else sees it.
    bystander = new_page()
    sign_in(bystander, server, other)
    visit(bystander, server.url("/boards"))
    bystander.locator("main a[href^='/b/']").first.click()
    bystander.wait_for_load_state()
    assert "I can't do this anymore" not in bystander.locator("main").inner_text()
    response = bystander.goto(server.url(thread_url))
    assert response.status == 404 or CRISIS_POST not in bystander.content()

    # Journey 3: it is at the top of the open queue, live, collapsed.
    top = mod.locator("#queue-live li.queue-item").first
    top.filter(has_text=author).wait_for()
    assert mod.evaluate("() => window.__notReloaded === true"), "the queue page was reloaded"
    assert top.get_attribute("data-priority") == "urgent"
    details = top.locator("details.blurred")
    assert details.count() == 1 and details.get_attribute("open") is None
    assert not top.get_by_text("I have the pills saved", exact=False).is_visible()
    axe_check(mod)
    shot(mod, "3-queue-live-crisis")

    top.get_by_role("link", name="Open").click()
    mod.wait_for_url(re.compile(r"/moderation/items/\d+"))
    axe_check(mod)
    mod.get_by_role("button", name=re.compile("^Claim")).click()
    mod.wait_for_load_state()
    assert f"claimed by {moderator}" in mod.locator("main").inner_text()
    mod.fill("#message-body", "Hi, I read your post. I'm a moderator here and I'm glad you wrote. "
                              "Would you call Samaritans on 116 123 now? I'll check back in an hour.")
    mod.get_by_role("button", name="Send message").click()
    mod.wait_for_load_state()
    axe_check(mod)
    assert "Message sent" in flash(mod)
    shot(mod, "3-item-claimed-messaged")
    # A crisis item: nothing pre-selected, the choices say what they do for the person, no warn or suspend.
    assert mod.locator("form.decision input[name=action]:checked").count() == 0
    assert mod.locator("form.decision input[name=action][value=warn]").count() == 0
    assert "Reach out and keep private" in mod.locator("form.decision").inner_text()
    mod.check("form.decision input[name=action][value=publish_with_support]")
    mod.get_by_role("button", name="Apply").click()
    mod.wait_for_url(re.compile(r"/moderation/queue"))
    axe_check(mod)
    assert "Done: published with support" in flash(mod)

    visit(page, server.url("/messages"))
    assert "glad you wrote" in page.locator("ol.conversation").inner_text()
    shot(page, "3-author-reads-message")
    # Approved: now the thread is there for others.
    visit(bystander, server.url(f"/t/{page_thread_id(thread_url)}"))
    # Others read it with its method detail masked (safe messaging); the rest is as written.
    shown = bystander.locator("main").inner_text()
    assert "This is goodbye, everyone." in shown and "I have the pills saved" not in shown
    assert "details removed for safety" in shown
    assert post_id


def page_thread_id(url: str) -> int:
    return int(re.search(r"/t/(\d+)", url).group(1))


def test_journey_4_chat_toxic_message_is_held_normal_message_arrives_live(server, new_page, shot):
    ash_handle, bea_handle = server.member(), server.member()
    ash, bea = new_page(), new_page()
    for page, handle in ((ash, ash_handle), (bea, bea_handle)):
        sign_in(page, server, handle)
        visit(page, server.url("/chat/open-lounge"))
        page.get_by_text("You're in the room.").wait_for()
    axe_check(bea)
    assert not bea.locator("#chat-crisis").is_visible()  # hidden until there is help to show
    assert not bea.locator("#chat-earlier").is_visible()  # nothing earlier in a new room

    ash.fill("#chat-input", TOXIC_CHAT)
    ash.get_by_role("button", name="Send").click()
    held = ash.locator("#chat-log li.held").filter(has_text=TOXIC_CHAT)
    held.wait_for()
    assert held.locator(".badge").inner_text() == "held for review"
    axe_check(ash)

    ash.fill("#chat-input", "Evening all, how is everyone doing?")
    ash.get_by_role("button", name="Send").click()
    bea.locator("#chat-log li").filter(has_text="how is everyone doing").wait_for()
    assert ash_handle in bea.locator("#chat-log li").filter(has_text="how is everyone doing").inner_text()
    # Sent after the toxic one and arrived: the held message never will.
    assert "nobody wants you" not in bea.locator("#chat-log").inner_text()
    bea.reload()
    bea.get_by_text("You're in the room.").wait_for()
    assert "nobody wants you" not in bea.locator("#chat-log").inner_text()
    axe_check(bea)
    shot(ash, "4-chat-held-for-sender")
    shot(bea, "4-chat-other-member")


def test_journey_5_admin_edits_a_hotline_and_help_page_shows_it_without_javascript(server, new_page, shot):
    admin = server.member("admin")
    page = new_page()
    sign_in(page, server, admin)
    visit(page, server.url("/admin/resources?country=GB"))
    row = page.locator("tr").filter(has_text="Samaritans")
    row.get_by_role("link", name="Edit").click()
    page.wait_for_url(re.compile(r"/admin/resources/\d+/edit"))
    axe_check(page)
    page.fill("#phone", "0800 123 4567")
    page.fill("#hours", "Every day, all day and all night")
    shot(page, "5-admin-edit-hotline")
    page.get_by_role("button", name="Save").click()
    page.wait_for_url(re.compile(r"/admin/resources"))
    axe_check(page)
    assert "Samaritans" in page.locator("tr").filter(has_text="0800 123 4567").inner_text()

    visit(page, server.url("/help?region=GB"))  # axe needs JavaScript: checked here, then the page without it
    nojs = new_page(javascript=False)
    response = nojs.goto(server.url("/help?region=GB"))
    assert response.ok
    tel = nojs.locator("main a[href^='tel:']")
    hrefs = [tel.nth(i).get_attribute("href") for i in range(tel.count())]
    assert hrefs[0] == "tel:999" and "tel:08001234567" in hrefs and "tel:116123" not in hrefs, hrefs
    assert nojs.get_by_role("link", name="Call 0800 123 4567").is_visible()
    assert "Every day, all day and all night" in nojs.locator("main").inner_text()
    shot(nojs, "5-help-no-javascript")
    # The region picker is a plain GET form: it works without JavaScript too.
    nojs.select_option("#region", "IE")
    nojs.get_by_role("button", name="Show").click()
    nojs.wait_for_url(re.compile(r"region=IE"))
    hrefs = nojs.locator("main a[href^='tel:']").first.get_attribute("href")
    assert hrefs == "tel:112", hrefs


def test_journey_5b_admin_imports_a_changed_number_only_after_seeing_it(server, new_page, shot):
    """The import preview in a real browser: nothing applies on upload, the changed number shows with its old
    value, and the confirmation form (the file sent back by the browser, CRLF line ends) applies exactly that."""
    from moderation.resources.io import COLUMNS
    admin = server.member("admin")
    page = new_page()
    sign_in(page, server, admin)
    header = ",".join(COLUMNS)

    def upload(phone: str) -> None:
        row = (f'Browser Night Line,phone,GB,{phone},,,,,en,evenings,false,everyone,"Two lines,\nof description",'
               'true,2099-01-01,someone-else')
        visit(page, server.url("/admin/resources/import"))
        page.set_input_files("#file", files=[{"name": "directory.csv", "mimeType": "text/csv",
                                              "buffer": f"{header}\n{row}\n".encode()}])
        page.get_by_role("button", name="Preview the import").click()
        page.wait_for_load_state()
        page.get_by_role("heading", name="Check these changes before they apply").wait_for()
        axe_check(page)

    upload("0800 111 222")
    assert "Browser Night Line" in page.locator(".import-additions").inner_text()
    visit(page, server.url("/help?region=GB"))
    assert "0800 111 222" not in page.locator("main").inner_text(), "a preview applies nothing"
    upload("0800 111 222")
    page.get_by_role("button", name="Apply these changes").click()
    page.wait_for_url(re.compile(r"/admin/resources$"))
    assert "1 added" in flash(page)

    upload("0800 999 000")
    changes = page.locator(".import-changes")
    assert "0800 111 222" in changes.locator("del").first.inner_text()
    assert "0800 999 000" in changes.locator("ins").first.inner_text()
    assert "gets a new number" in page.locator("main").inner_text()
    shot(page, "5b-import-preview")
    page.get_by_role("button", name="Apply these changes").click()
    page.wait_for_url(re.compile(r"/admin/resources$"))
    assert "1 updated" in flash(page), flash(page)
    visit(page, server.url("/help?region=GB"))
    text = page.locator("main").inner_text()
    assert "0800 999 000" in text and "0800 111 222" not in text


def test_journey_6_a_crisis_message_to_the_moderators_gets_help_at_once_and_reaches_the_live_inbox(server, new_page,
                                                                                                  shot):
    moderator, member = server.member("moderator"), server.member(region="GB")

    # The moderator has the inbox open (any staff page listens to the staff room).
    mod = new_page()
    sign_in(mod, server, moderator)
    frames: list[str] = []
    mod.on("websocket", lambda ws: ws.on("framereceived", lambda payload: frames.append(str(payload))))
    visit(mod, server.url("/moderation/inbox"))
    wait_until(lambda: any(f.startswith("40") for f in frames), mod)  # Socket.IO "connected": staff room joined
    mod.evaluate("() => { window.__notReloaded = true; }")

    page = new_page()
    sign_in(page, server, member)
    visit(page, server.url("/messages"))
    page.fill("#body", "I took the pills an hour ago")
    page.get_by_role("button", name="Send").click()
    page.wait_for_load_state()
    axe_check(page)
    assert page.url.endswith("/messages")
    assert "Thank you for telling us" in page.locator("h1").inner_text()
    tel = page.locator("main a[href^='tel:']")
    hrefs = [tel.nth(i).get_attribute("href") for i in range(tel.count())]
    assert hrefs and hrefs[0] == "tel:999", hrefs  # the emergency number for GB first, tap to call
    # Then the region's lines (journey 5 may have edited Samaritans' number on this server: look by name).
    samaritans = page.locator("li.resource").filter(has_text="Samaritans").locator("a[href^='tel:']")
    assert samaritans.count() == 1 and samaritans.first.get_attribute("href") in hrefs[1:]
    assert page.locator("main a[href^='sms:']").count() >= 1
    assert page.locator(".safety-plan-link a").is_visible()
    assert "I took the pills an hour ago" in page.locator("ol.conversation").inner_text()
    shot(page, "6-message-crisis-help")

    # The moderator's inbox lists it, live, without a reload; the header badge counts it.
    row = mod.locator("ol.inbox li.conversation-row").filter(has_text=member)
    row.wait_for()
    assert mod.evaluate("() => window.__notReloaded === true"), "the inbox page was reloaded"
    assert row.get_attribute("data-priority") == "urgent"
    assert "region GB" in row.inner_text() and "1 unread" in row.inner_text()
    wait_until(lambda: mod.locator("[data-inbox-badge] .badge").count() == 1, mod)
    axe_check(mod)
    shot(mod, "6-inbox-live")
    row.get_by_role("link", name=re.compile("Open conversation")).click()
    mod.wait_for_url(re.compile(r"/moderation/inbox/\d+$"))
    axe_check(mod)
    assert "I took the pills an hour ago" in mod.locator("ol.conversation").inner_text()
    mod.fill("#body", "I'm a moderator and I've read your message. Please call 999 now, or I can stay here with you.")
    mod.get_by_role("button", name="Send reply").click()
    mod.wait_for_load_state()
    assert "Reply sent" in flash(mod)
    visit(page, server.url("/messages"))
    assert "Please call 999 now" in page.locator("ol.conversation").inner_text()


def test_journey_7_late_at_night_a_long_stretch_brings_a_gentle_break_nudge(server, browser):
    """The break nudge runs on the member's own clock: after BREAK_NUDGE_MINUTES (45) of continuous use between 23:00
    and 05:00 it appears, "Not now" dismisses it; the same stretch in the afternoon brings nothing."""
    from datetime import datetime
    from zoneinfo import ZoneInfo

    handle = server.member()
    shown = {}
    for label, hour in (("night", 1), ("day", 14)):
        context = browser.new_context(viewport=PHONE, locale="en-GB", timezone_id="Europe/London")
        context.set_default_timeout(TIMEOUT_MS)
        page = context.new_page()
        page.clock.install(time=datetime(2026, 12, 2, hour, 0, tzinfo=ZoneInfo("Europe/London")))
        sign_in(page, server, handle)
        visit(page, server.url("/boards"))
        nudge = page.locator("#break-nudge")
        assert nudge.is_hidden()
        page.clock.run_for("20:00")
        assert nudge.is_hidden()  # 20 minutes is not a long stretch
        page.clock.run_for("27:00")
        shown[label] = nudge.is_visible()
        if shown[label]:
            axe_check(page)
            assert "Haven will still be here tomorrow" in nudge.inner_text()
            assert page.locator("a.help-now").is_visible()  # help is never covered
            page.locator("[data-dismiss-nudge]").click()
            assert nudge.is_hidden()
            page.clock.run_for("05:00")
            assert nudge.is_hidden()  # dismissed: not asked again straight away
        context.close()
    assert shown == {"night": True, "day": False}
