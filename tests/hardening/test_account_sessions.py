"""Passwords and sessions: a password change or a recovery ends every other way in (cookies, API tokens, sockets);
signing in costs the same Argon2 work whether or not the handle exists."""
from __future__ import annotations

import re

from argon2 import PasswordHasher

from community.extensions import db, socketio
from community.members import services
from tests.conftest import PASSWORD, login

NEW_PASSWORD = "another-good-password"
CODE_RE = re.compile(r"[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}")


def _me(app, headers):
    return app.test_client().get("/api/v1/me", headers=headers).status_code


def test_password_change_revokes_every_token_cookie_and_socket(any_app, make_member, token_for):
    member = make_member("changing-pw")
    headers = token_for(member)
    raw = headers["Authorization"].split(" ", 1)[1]
    assert _me(any_app, headers) == 200
    sock = socketio.test_client(any_app, auth={"token": raw})
    assert sock.is_connected()
    other_device = any_app.test_client()
    login(other_device, member.handle)
    this_device = any_app.test_client()
    login(this_device, member.handle)

    r = this_device.post("/settings/password", data={"p-current_password": PASSWORD, "p-password": NEW_PASSWORD,
                                                     "p-submit": "1"})
    assert r.status_code == 302
    assert services.authenticate(member.handle, NEW_PASSWORD)
    assert _me(any_app, headers) == 401, "an API token survived the password change"
    assert not sock.is_connected(), "a live socket survived the password change"
    assert other_device.get("/settings").status_code == 302, "another device stayed signed in"
    assert this_device.get("/settings").status_code == 200, "the device that changed it stays signed in"


def test_recovery_revokes_every_token_and_socket(any_app, make_member, token_for):
    member, code = services.create_member("recovering-pw", PASSWORD)
    headers = token_for(member)
    sock = socketio.test_client(any_app, auth={"token": headers["Authorization"].split(" ", 1)[1]})
    assert sock.is_connected()
    services.recover(member.handle, code, NEW_PASSWORD)
    assert _me(any_app, headers) == 401
    assert not sock.is_connected()


def test_sign_in_does_the_same_argon2_work_for_an_unknown_handle(app, make_member, monkeypatch):
    """Timing must not tell which handles exist: one Argon2 verification whether the handle exists or not (counted,
    not timed)."""
    make_member("real-handle")
    calls = []
    real_verify = PasswordHasher.verify
    monkeypatch.setattr(PasswordHasher, "verify", lambda self, h, p: calls.append(1) or real_verify(self, h, p))
    client = app.test_client()
    for handle in ("real-handle", "no-such-handle"):
        calls.clear()
        r = client.post("/api/v1/tokens", json={"handle": handle, "password": "wrong-password-here"})
        assert r.status_code == 401 and r.get_json()["error"]["code"] == "invalid_credentials"
        assert len(calls) == 1, f"{handle}: {len(calls)} Argon2 verifications"
    calls.clear()
    r = client.post("/recover", data={"handle": "no-such-handle", "recovery_code": "AAAA-BBBB-CCCC-DDDD",
                                      "password": NEW_PASSWORD})
    assert r.status_code == 200 and len(calls) == 1


def _cookie(client):
    return client.get_cookie("session").value


def test_sign_out_ends_the_session_for_every_copy_of_the_cookie(any_app, make_member):
    make_member("copied-cookie")
    browser = any_app.test_client()
    login(browser, "copied-cookie")
    thief = any_app.test_client()
    thief.set_cookie("session", _cookie(browser))
    assert thief.get("/settings").status_code == 200, "a copy of a live cookie works (the test's baseline)"
    assert browser.post("/logout").status_code == 302
    assert thief.get("/settings").status_code == 302, "a copied cookie kept working after sign-out"
    # The member can sign in again normally.
    login(browser, "copied-cookie")
    assert browser.get("/settings").status_code == 200


def test_recovery_code_is_never_in_the_cookie_and_is_shown_once(app):
    browser = app.test_client()
    r = browser.post("/signup", data={"handle": "keeps-a-code", "password": PASSWORD, "confirm": PASSWORD, "region": "",
                                      "accept_guidelines": "y"})
    assert r.status_code == 302 and r.headers["Location"].endswith("/welcome")
    raw = _cookie(browser)
    decoded = app.session_interface.get_signing_serializer(app).loads(raw)
    copy = app.test_client()
    copy.set_cookie("session", raw)
    page = browser.get("/welcome").get_data(as_text=True)
    codes = CODE_RE.findall(page)
    assert len(codes) == 1, "the welcome page shows the recovery code"
    assert codes[0] not in str(decoded) and codes[0].replace("-", "") not in str(decoded)
    assert not CODE_RE.findall(browser.get("/welcome").get_data(as_text=True)), "shown twice"
    assert not CODE_RE.findall(copy.get("/welcome").get_data(as_text=True)), "a copied cookie showed it again"


def test_api_tokens_expire_after_their_lifetime_and_when_idle(any_app, make_member, token_for):
    from datetime import timedelta

    from community.members.models import ApiToken, utcnow
    member = make_member("token-ages")
    old, idle, fresh = token_for(member), token_for(member), token_for(member)
    tokens = db.session.scalars(db.select(ApiToken).where(ApiToken.member_id == member.id)
                                .order_by(ApiToken.id)).all()
    now = utcnow()
    lifetime = any_app.config["API_TOKEN_LIFETIME_DAYS"]
    idle_days = any_app.config["API_TOKEN_IDLE_DAYS"]
    tokens[0].created_at, tokens[0].last_used_at = now - timedelta(days=lifetime + 1), now  # used, but too old
    tokens[1].created_at = now - timedelta(days=idle_days + 2)
    tokens[1].last_used_at = now - timedelta(days=idle_days + 1)  # young enough, unused too long
    db.session.commit()
    assert _me(any_app, old) == 401
    assert _me(any_app, idle) == 401
    assert _me(any_app, fresh) == 200
    assert db.session.scalar(db.select(db.func.count(ApiToken.id)).where(ApiToken.member_id == member.id)) == 1


def test_settings_lists_and_revokes_tokens(app, make_member, token_for):
    member = make_member("token-lister")
    keep, drop = token_for(member), token_for(member)
    browser = app.test_client()
    login(browser, member.handle)
    page = browser.get("/settings").get_data(as_text=True)
    assert page.count("Sign this one out") == 2
    from community.members.models import ApiToken
    ids = sorted(db.session.scalars(db.select(ApiToken.id).where(ApiToken.member_id == member.id)))
    assert browser.post(f"/settings/tokens/{ids[1]}/revoke").status_code == 302
    assert _me(app, drop) == 401 and _me(app, keep) == 200
    # Someone else's token id cannot be revoked from another account.
    other = make_member("token-other")
    theirs = token_for(other)
    their_id = db.session.scalar(db.select(ApiToken.id).where(ApiToken.member_id == other.id))
    browser.post(f"/settings/tokens/{their_id}/revoke")
    assert _me(app, theirs) == 200
