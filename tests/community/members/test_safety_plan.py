"""The personal safety plan: owner-only, encrypted at rest (SQLite file bytes and PostgreSQL row text), key rotation,
limits with clear errors and nothing saved half-way, and where it shows (help page, held post, API support)."""
from __future__ import annotations

from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from community.extensions import db
from community.members import safety_plan
from tests.conftest import login

SECRET = "walk-to-the-lighthouse-7731"
KEYS = ("warning_signs", "coping_strategies", "distractions", "people_to_ask", "professionals", "safe_surroundings",
        "reasons_for_living")


def _plan(**overrides):
    plan = {key: [] for key in KEYS}
    plan.update(overrides)
    return plan


def test_api_empty_then_saved(any_app, make_member, token_for):
    owner = make_member("plan-owner")
    headers = token_for(owner)
    client = any_app.test_client()
    r = client.get("/api/v1/me/safety-plan", headers=headers)
    assert r.status_code == 200
    assert r.get_json() == {"safety_plan": {**_plan(), "updated_at": None}}
    assert r.headers["Cache-Control"] == "no-store"
    r = client.put("/api/v1/me/safety-plan", headers=headers,
                   json=_plan(coping_strategies=[SECRET, "  tea  ", ""], reasons_for_living=["my cat"]))
    assert r.status_code == 200, r.get_json()
    saved = r.get_json()["safety_plan"]
    assert saved["coping_strategies"] == [SECRET, "tea"] and saved["reasons_for_living"] == ["my cat"]
    assert saved["updated_at"] is not None
    assert client.get("/api/v1/me/safety-plan", headers=headers).get_json()["safety_plan"] == saved


def test_raw_database_never_holds_the_plan_sqlite(app, make_member, token_for):
    owner = make_member("sqlite-owner")
    r = app.test_client().put("/api/v1/me/safety-plan", headers=token_for(owner),
                              json=_plan(reasons_for_living=[SECRET]))
    assert r.status_code == 200
    db.session.remove()
    db.engine.dispose()  # checkpoint the WAL so the main file is complete
    path = Path(app.config["SQLALCHEMY_DATABASE_URI"].removeprefix("sqlite:///"))
    raw = b"".join(p.read_bytes() for p in path.parent.glob(path.name + "*"))
    assert SECRET.encode() not in raw and b"lighthouse" not in raw
    assert safety_plan.get_plan(owner)["reasons_for_living"] == [SECRET]  # and it still reads back


def test_raw_database_never_holds_the_plan_postgresql(pg_app, make_member, token_for):
    owner = make_member("pg-owner")
    r = pg_app.test_client().put("/api/v1/me/safety-plan", headers=token_for(owner),
                                 json=_plan(warning_signs=[SECRET]))
    assert r.status_code == 200
    rows = db.session.execute(db.text("SELECT t::text FROM safety_plans t")).scalars().all()
    assert rows and not any("lighthouse" in row for row in rows)


def test_key_rotation_old_key_second_still_decrypts(app, make_member):
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    owner = make_member("rotating")
    app.config["SAFETY_PLAN_KEY"] = old
    safety_plan.save_plan(owner, _plan(distractions=[SECRET]))
    app.config["SAFETY_PLAN_KEY"] = f"{new},{old}"
    assert safety_plan.get_plan(owner)["distractions"] == [SECRET]
    assert safety_plan.reencrypt_all() == 1
    app.config["SAFETY_PLAN_KEY"] = new  # the old key can go once every plan is rewritten
    assert safety_plan.get_plan(owner)["distractions"] == [SECRET]
    app.config["SAFETY_PLAN_KEY"] = Fernet.generate_key().decode()
    with pytest.raises(RuntimeError):
        safety_plan.get_plan(owner)


def test_key_generated_once_into_its_own_folder(app, make_member):
    app.config.pop("SAFETY_PLAN_KEY", None)
    owner = make_member("instance-key")
    safety_plan.save_plan(owner, _plan(distractions=["music"]))
    key_file = Path(app.instance_path).parent / "keys" / "safety_plan_key"
    assert not (Path(app.instance_path) / "safety_plan_key").exists()
    assert key_file.exists() and oct(key_file.stat().st_mode & 0o777) == "0o600"
    Fernet(key_file.read_text().strip().encode())
    assert safety_plan.get_plan(owner)["distractions"] == ["music"]


def test_only_the_owner_reaches_it(app, make_member, token_for):
    owner = make_member("the-owner")
    other = make_member("other-member")
    moderator = make_member("a-moderator", role="moderator")
    admin = make_member("an-admin", role="admin")
    safety_plan.save_plan(owner, _plan(reasons_for_living=[SECRET]))
    paths = ["/safety-plan", "/safety-plan/print", "/safety-plan/edit", f"/safety-plan/{owner.id}",
             f"/safety-plan?member={owner.id}", f"/safety-plan?handle={owner.handle}", "/settings",
             f"/admin/people", f"/admin/members/{owner.id}", "/admin/audit", "/queue", "/help", "/messages",
             f"/block/{owner.handle}"]
    api = ["/api/v1/me/safety-plan", f"/api/v1/me/safety-plan?member={owner.id}",
           f"/api/v1/members/{owner.id}/safety-plan", f"/api/v1/members/{owner.handle}/safety-plan",
           f"/api/v1/admin/members/{owner.id}", "/api/v1/queue", "/api/v1/admin/audit", "/api/v1/me"]
    for person in (other, moderator, admin):
        client = app.test_client()
        login(client, person.handle)
        for path in paths:
            assert SECRET.encode() not in client.get(path).data, (person.handle, path)
        headers = token_for(person)
        for path in api:
            assert SECRET.encode() not in client.get(path, headers=headers).data, (person.handle, path)
        r = client.get("/api/v1/me/safety-plan", headers=headers)
        assert r.get_json()["safety_plan"]["reasons_for_living"] == []  # their own, empty
    anonymous = app.test_client()
    assert anonymous.get("/safety-plan").status_code == 302
    assert anonymous.get("/api/v1/me/safety-plan").status_code == 401
    owner_client = app.test_client()
    login(owner_client, owner.handle)
    assert SECRET.encode() in owner_client.get("/safety-plan").data
    assert SECRET.encode() in owner_client.get("/safety-plan/print").data
    assert safety_plan.export_plan(owner)["reasons_for_living"] == [SECRET]
    assert safety_plan.export_plan(other) is None


def test_never_screened(app, make_member, scores):
    owner = make_member("unscreened")
    before = scores.self_harm.calls + scores.toxicity.calls
    safety_plan.save_plan(owner, _plan(warning_signs=["I want to die when it gets dark"]))
    assert scores.self_harm.calls + scores.toxicity.calls == before


def test_limits_clear_errors_nothing_saved(app, make_member, token_for):
    owner = make_member("limits")
    headers = token_for(owner)
    client = app.test_client()
    assert client.put("/api/v1/me/safety-plan", headers=headers, json=_plan(distractions=["walk"])).status_code == 200
    too_long = "x" * (safety_plan.ENTRY_MAX + 1)
    r = client.put("/api/v1/me/safety-plan", headers=headers,
                   json=_plan(distractions=["new"], reasons_for_living=["ok", too_long]))
    assert r.status_code == 400
    error = r.get_json()["error"]
    assert error["code"] == "entry_too_long" and "entry 2" in error["message"] and "Nothing was saved" in error["message"]
    r = client.put("/api/v1/me/safety-plan", headers=headers,
                   json=_plan(people_to_ask=["p"] * (safety_plan.ENTRIES_MAX + 1)))
    assert r.status_code == 400 and r.get_json()["error"]["code"] == "too_many_entries"
    r = client.put("/api/v1/me/safety-plan", headers=headers, json={"secret_notes": ["x"]})
    assert r.status_code == 400 and r.get_json()["error"]["code"] == "unknown_section"
    r = client.put("/api/v1/me/safety-plan", headers=headers, json={"warning_signs": "not a list"})
    assert r.status_code == 400 and r.get_json()["error"]["code"] == "invalid_section"
    assert safety_plan.get_plan(owner)["distractions"] == ["walk"]  # unchanged
    # The page: the error beside the form, what was typed still there, nothing saved.
    login(client, owner.handle)
    r = client.post("/safety-plan/edit", data={"distractions": "new", "reasons_for_living": too_long})
    assert r.status_code == 400 and b"at most" in r.data and too_long.encode() in r.data
    assert safety_plan.get_plan(owner)["distractions"] == ["walk"]


def test_page_prefills_professionals_and_saves(app, make_member):
    owner = make_member("page-owner", region="GB")
    client = app.test_client()
    login(client, owner.handle)
    r = client.get("/safety-plan/edit")
    assert r.status_code == 200 and b"Samaritans" in r.data  # from the GB crisis resources, editable
    r = client.post("/safety-plan/edit", data={"warning_signs": "can't sleep\n\nskipping meals",
                                               "professionals": "My GP: 01234"})
    assert r.status_code == 302
    plan = safety_plan.get_plan(owner)
    assert plan["warning_signs"] == ["can't sleep", "skipping meals"] and plan["professionals"] == ["My GP: 01234"]
    page = client.get("/safety-plan/print")
    assert b"<script" not in page.data and b"print.css" in page.data and b"skipping meals" in page.data


def test_edit_form_needs_csrf(app_factory, make_member):
    app = app_factory(WTF_CSRF_ENABLED=True)
    with app.app_context():
        owner = make_member("csrf-owner")
        client = app.test_client()
        page = client.get("/login")
        import re
        token = re.search(rb'name="csrf_token" type="hidden" value="([^"]+)"', page.data).group(1).decode()
        client.post("/login", data={"handle": owner.handle, "password": "a-good-password", "csrf_token": token})
        r = client.post("/safety-plan/edit", data={"warning_signs": "x"})
        assert r.status_code == 400
        assert safety_plan.has_plan(owner) is False


def test_shows_on_help_page_and_held_post(app, make_member, scores, token_for):
    owner = make_member("help-owner")
    client = app.test_client()
    assert b"safety plan" not in app.test_client().get("/help").data.lower()  # signed out: nothing
    login(client, owner.handle)
    page = client.get("/help").data.decode()
    # The crisis panel's one order (templates/_crisis_panel.html): the lines first, then the safety plan.
    assert "Make a safety plan" in page and page.index("Make a safety plan") > page.index('class="resource-list"')
    scores.self_harm_tier("no way out tonight", "intent")
    r = client.post("/b/depression/new", data={"title": "tonight", "body": "there is no way out tonight"})
    assert r.status_code == 302 and "/held" in r.headers["Location"]
    held = client.get(r.headers["Location"]).data.decode()
    assert "Make a safety plan" in held
    safety_plan.save_plan(owner, _plan(reasons_for_living=["my sister"]))
    assert "Open my safety plan" in client.get(r.headers["Location"]).data.decode()
    assert "Open my safety plan" in client.get("/help").data.decode()
    # The API's support fields beside a held post.
    from community.forum.models import Thread
    thread_id = db.session.scalar(db.select(Thread.id).order_by(Thread.id.desc()))
    r = app.test_client().post(f"/api/v1/threads/{thread_id}/posts", headers=token_for(owner),
                               json={"body": "there is no way out tonight"})
    support = r.get_json()
    assert support["safety_plan"] == {"exists": True, "url": "/safety-plan", "label": "Open my safety plan"}
    assert "resources" in support


def test_deleted_with_the_account(any_app, make_member):
    owner = make_member("leaving")
    safety_plan.save_plan(owner, _plan(reasons_for_living=[SECRET]))
    db.session.delete(owner)
    db.session.commit()
    assert db.session.execute(db.text("SELECT count(*) FROM safety_plans")).scalar() == 0
