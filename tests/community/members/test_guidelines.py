"""Community guidelines: accepted with a checkbox at sign-up, a page linked from every footer, admin-edited in
versions (members are asked again, never blocked), and the late-night break nudge switch."""
from __future__ import annotations

from sqlalchemy import select

from community.extensions import db
from community.members.services import find_by_handle
from moderation.models import AuditEntry
from moderation.settings import DEFAULT_GUIDELINES
from tests.conftest import PASSWORD, login
from tests.support import assert_error


def test_signup_needs_the_checkbox_and_keeps_what_was_typed(any_app):
    client = any_app.test_client()
    page = client.post("/signup", data={"handle": "careful-one", "password": PASSWORD, "confirm": PASSWORD,
                                        "region": "GB"})
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "tick the box to join" in text and 'value="careful-one"' in text
    assert find_by_handle("careful-one") is None
    ok = client.post("/signup", data={"handle": "careful-one", "password": PASSWORD, "confirm": PASSWORD,
                                      "region": "GB", "accept_guidelines": "y"})
    assert ok.status_code == 302
    member = find_by_handle("careful-one")
    assert member.guidelines_version == 1 and member.guidelines_accepted_at is not None


def test_the_page_is_public_linked_from_every_footer_and_says_not_therapy(any_app):
    client = any_app.test_client()
    page = client.get("/guidelines").get_data(as_text=True)
    assert "peer support, not therapy" in page.lower() and "Be kind" in page
    assert 'href="/help"' in page  # help is one tap away from the guidelines too
    for url in ("/", "/help", "/boards", "/login"):
        assert 'href="/guidelines"' in client.get(url).get_data(as_text=True), url
    api = client.get("/api/v1/guidelines").get_json()["guidelines"]
    assert api["version"] == 1 and api["text"] == DEFAULT_GUIDELINES and "<h3>" in api["html"]


def test_a_new_version_asks_members_again_and_never_blocks_posting(any_app, make_member, token_for):
    admin = make_member("guide-admin", role="admin")
    member = make_member("guide-reader")
    ah, mh = token_for(admin), token_for(member)
    client = any_app.test_client()
    assert_error(client.put("/api/v1/admin/guidelines", json={"text": "be nice"}, headers=mh), 403)
    assert_error(client.put("/api/v1/admin/guidelines", json={"text": "  "}, headers=ah), 400, "invalid_guidelines")
    assert_error(client.put("/api/v1/admin/guidelines", json={"text": 7}, headers=ah), 400, "invalid_guidelines")
    r = client.put("/api/v1/admin/guidelines", json={"text": "## Be gentle\n\nAlways."}, headers=ah)
    assert r.status_code == 200 and r.get_json()["guidelines"]["version"] == 2
    assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "guidelines.update")) is not None

    browser = any_app.test_client()
    login(browser, "guide-reader")
    assert "guidelines-banner" in browser.get("/boards").get_data(as_text=True)
    # The banner never stands in the way: a post goes through before accepting.
    posted = browser.post("/b/anxiety/new", data={"title": "Before reading", "body": "hello all"})
    assert posted.status_code == 302
    assert_error(client.post("/api/v1/me/guidelines", json={"version": 1}, headers=mh), 409, "guidelines_changed")
    assert_error(client.post("/api/v1/me/guidelines", json={"version": "2"}, headers=mh), 400)
    assert client.post("/api/v1/me/guidelines", json={"version": 2}, headers=mh).get_json() == {"guidelines_version": 2}
    assert "guidelines-banner" not in browser.get("/boards").get_data(as_text=True)
    client.put("/api/v1/admin/guidelines", json={"text": "## Be gentle\n\nAlways, and listen."}, headers=ah)
    page = browser.get("/boards").get_data(as_text=True)
    assert "they changed since you last read them" in page
    assert browser.post("/guidelines/accept", data={"version": "3"}).status_code == 302
    assert "guidelines-banner" not in browser.get("/boards").get_data(as_text=True)


def test_api_signup_records_acceptance_when_given(any_app):
    client = any_app.test_client()
    made = client.post("/api/v1/members", json={"password": PASSWORD, "accept_guidelines": True})
    assert made.status_code == 201 and made.get_json()["member"]["guidelines_version"] == 1
    plain = client.post("/api/v1/members", json={"password": PASSWORD})
    assert plain.status_code == 201 and plain.get_json()["member"]["guidelines_version"] is None
    assert_error(client.post("/api/v1/members", json={"password": PASSWORD, "accept_guidelines": "yes"}), 400)


def test_admin_page_edits_and_keeps_typed_text_on_error(app, make_member):
    make_member("guide-boss", role="admin")
    make_member("guide-mod", role="moderator")
    mod = app.test_client()
    login(mod, "guide-mod")
    assert mod.get("/admin/guidelines").status_code == 403
    browser = app.test_client()
    login(browser, "guide-boss")
    assert "Caring check-ins" in browser.get("/admin/guidelines").get_data(as_text=True)
    bad = browser.post("/admin/guidelines", data={"which": "care", "day_1": "", "day_7": "see you soon, friend"},
                       follow_redirects=True)
    assert "cannot be empty" in bad.get_data(as_text=True) and "see you soon, friend" in bad.get_data(as_text=True)
    ok = browser.post("/admin/guidelines", data={"which": "guidelines", "text": "## Kindness first"},
                      follow_redirects=True)
    assert "version 2" in ok.get_data(as_text=True)
    assert "Kindness first" in app.test_client().get("/guidelines").get_data(as_text=True)


def test_break_nudge_is_on_by_default_and_can_be_switched_off(app, make_member, token_for):
    member = make_member("night-owl")
    browser = app.test_client()
    login(browser, "night-owl")
    page = browser.get("/boards").get_data(as_text=True)
    assert 'data-break-nudge="45"' in page and "break-nudge.js" in page
    assert 'data-break-nudge' not in app.test_client().get("/boards").get_data(as_text=True)  # signed out: none
    headers = token_for(member)
    assert_error(app.test_client().patch("/api/v1/me", json={"break_nudge": "no"}, headers=headers), 400)
    r = app.test_client().patch("/api/v1/me", json={"break_nudge": False}, headers=headers)
    assert r.status_code == 200 and r.get_json()["member"]["break_nudge"] is False
    assert "data-break-nudge" not in browser.get("/boards").get_data(as_text=True)
    browser.post("/settings", data={"s-handle": "night-owl", "s-region": "", "s-break_nudge": "y", "s-submit": "Save"})
    db.session.expire_all()
    assert find_by_handle("night-owl").break_nudge is True
