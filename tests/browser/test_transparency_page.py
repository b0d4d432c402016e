"""The transparency page in a real Chromium against a real server, on SQLite and on PostgreSQL, from known rows
(tests/community/transparency/seed.py): the footer link, the month picker, the figures, and axe-core clean. And a
thread with a verified professional's badge and a note from the moderators, as a reader sees it."""
from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
import requests

from tests.browser.test_journeys import (CHROMIUM, CHROMIUM_ARGS, DESKTOP, TIMEOUT_MS, _free_port,
                                         _postgres_and_redis, _wait_ready, axe_check)
from tests.conftest import BASE_CONFIG, unavailable

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
SERVER = """
import sys
import time
from community import create_app
from community.extensions import socketio
app = create_app(instance_path=sys.argv[2])
socketio.run(app, host="127.0.0.1", port=int(sys.argv[1]), allow_unsafe_werkzeug=True, use_reloader=False)
"""


STAFF_TOKENS: dict[str, str] = {}


def _seed(database_url: str) -> None:
    from community import create_app
    from community.extensions import db
    from tests.community.transparency.seed import seed
    app = create_app({**BASE_CONFIG, "DATABASE_URL": database_url},
                     instance_path=str(Path(os.environ.get("TMPDIR", "/tmp")) / f"seed-{uuid.uuid4().hex}"))
    from community.members.services import create_member, issue_token
    with app.app_context():
        seed()
        for role in ("admin", "moderator"):
            member, _code = create_member(f"staff-{role[:5]}", "a-good-password", role=role, allow_reserved=True)
            db.session.commit()
            STAFF_TOKENS[role] = issue_token(member)
        db.session.commit()
        db.session.remove()
        db.engine.dispose()


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def base(request, tmp_path_factory):
    tmp = tmp_path_factory.mktemp(f"transparency-{request.param}")
    env = {**os.environ, "RATELIMIT_ENABLED": "false", "RATELIMIT_STORAGE_URI": "memory://", "SITE_URL": "",
           "SECRET_KEY": "transparency-page", "MODERATION_TOXICITY_BACKEND": "lexicon",
           "MODERATION_SELF_HARM_BACKEND": "lexicon", "PYTHONPATH": str(ROOT), "REDIS_URL": ""}
    admin = name = None
    if request.param == "sqlite":
        database_url = f"sqlite:///{tmp / 'haven.sqlite3'}"
    else:
        admin, name, database_url, env["REDIS_URL"] = _postgres_and_redis()
    env["DATABASE_URL"] = database_url
    migrate = subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", "db", "upgrade"], cwd=ROOT, env=env,
                             capture_output=True, text=True, timeout=120)
    assert migrate.returncode == 0, migrate.stdout[-2000:] + migrate.stderr[-2000:]
    _seed(database_url)
    port = _free_port()
    proc = subprocess.Popen([sys.executable, "-c", SERVER, str(port), str(tmp / "instance")], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_ready(url, proc, time.monotonic() + 90)
        yield url
    finally:
        proc.kill()
        proc.wait(10)
        if admin is not None:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            admin.close()


@pytest.fixture(scope="module")
def page():
    if not os.path.exists(CHROMIUM):
        unavailable("Chromium", f"{CHROMIUM} is missing (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError as exc:
        unavailable("Playwright", str(exc))
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = browser.new_context(viewport=DESKTOP, locale="en-GB")
        context.set_default_timeout(TIMEOUT_MS)
        yield context.new_page()
        browser.close()


def _cell(page, table: str, row_text: str, column: int) -> str:
    row = page.locator(f"{table} tr", has_text=row_text).first
    return row.locator("td").nth(column).inner_text().strip()


def test_reader_finds_the_report_from_the_footer_and_picks_a_month(base, page):
    page.goto(base + "/")
    page.locator("footer").get_by_role("link", name="Transparency report").click()
    page.wait_for_url("**/transparency")
    assert page.get_by_role("heading", level=1).inner_text() == "Transparency report"
    axe_check(page)

    page.get_by_label("Month (YYYY-MM)").fill("2025-03")
    page.get_by_role("button", name="Show").click()
    page.wait_for_url("**/transparency?month=2025-03")
    assert page.get_by_role("heading", level=2).first.inner_text() == "March 2025"
    assert _cell(page, "#screened", "Forum posts", 1) == "13"
    assert _cell(page, "#screened", "Chat messages", 1) == "fewer than 5"
    assert _cell(page, "#screened", "Messages to the moderators", 1) == "6"
    assert _cell(page, "#held", "Abuse, insults or threats", 1) == "5"
    assert _cell(page, "#removed-moderators", "Reported by members", 1) == "5"
    assert _cell(page, "#appeals", "Appeals made", 1) == "6"
    assert _cell(page, "#appeals", "Decision upheld", 1) == "5"
    assert _cell(page, "#response-times", "Normal", 3) == "15.0 min"
    assert _cell(page, "#response-times", "Normal", 4) == "40.0 min"
    assert _cell(page, "#response-times", "Urgent", 1) == "fewer than 5"
    text = page.locator("main").inner_text()
    assert "seed-author" not in text and "seed-moderator" not in text and "never in a report" not in text
    axe_check(page)


def test_a_bad_month_says_what_to_type(base, page):
    response = page.goto(base + "/transparency?month=2025-13")
    assert response.status == 400
    assert "YYYY-MM" in page.get_by_role("alert").inner_text()
    axe_check(page)


def test_reader_sees_the_badge_and_the_moderators_note(base, page):
    made = requests.post(base + "/api/v1/members", json={"handle": "nurse-ada", "password": "a-good-password"},
                         timeout=10).json()
    member = {"Authorization": f"Bearer {made['token']}"}
    thread = requests.post(base + "/api/v1/boards/anxiety/threads", headers=member, timeout=30,
                           json={"title": "Sleep and medication", "body": "Take twice the dose if it doesn't work"})
    assert thread.status_code == 201, thread.text
    post_id, thread_id = thread.json()["post"]["id"], thread.json()["thread"]["id"]
    admin = {"Authorization": f"Bearer {STAFF_TOKENS['admin']}"}
    moderator = {"Authorization": f"Bearer {STAFF_TOKENS['moderator']}"}
    page.goto(f"{base}/t/{thread_id}")  # kept in the anonymous page cache from here
    assert page.locator(".verified-badge").count() == 0
    assert requests.post(f"{base}/api/v1/admin/members/nurse-ada/verification", headers=admin, timeout=10,
                         json={"label": "Registered nurse (UK)"}).status_code == 200
    assert requests.put(f"{base}/api/v1/moderation/posts/{post_id}/context-note", headers=moderator, timeout=10,
                        json={"body": "Never double a dose: ask a pharmacist."}).status_code == 200
    page.goto(f"{base}/t/{thread_id}")
    badge = page.locator(f"#post-{post_id} .verified-badge")
    assert badge.get_attribute("title") == "Verified by Haven's admins: Registered nurse (UK)"
    assert "Verified: Registered nurse (UK)" in badge.inner_text()
    note = page.get_by_role("note")
    assert note.inner_text() == "Note from the moderators: Never double a dose: ask a pharmacist."
    assert "staff-moder" not in page.locator("main").inner_text()
    axe_check(page)
