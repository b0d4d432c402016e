"""Privacy rights: export everything you wrote (JSON), delete your account; and no plaintext secrets anywhere.
(Raw IPs and user agents: tests/community/test_privacy.py; this adds passwords, recovery codes, chat and safety.)"""
from __future__ import annotations

import json

from sqlalchemy import inspect, select, text

from community.extensions import db
from tests.conftest import PASSWORD, login

PLAN = {"warning_signs": ["PLANSECRET can't sleep"], "coping_strategies": ["walk by the river"]}


def _activity(app, make_member, token_for):
    client = app.test_client()
    signup = client.post("/api/v1/members", json={"handle": "leaving-soon", "password": PASSWORD}).get_json()
    me = {"Authorization": f"Bearer {signup['token']}"}
    other = make_member("staying-here")
    other_h = token_for(other)
    made = client.post("/api/v1/boards/anxiety/threads", json={"title": "EXPORTTITLE here", "body": "EXPORTBODY"},
                       headers=me).get_json()
    reply = client.post(f"/api/v1/threads/{made['thread']['id']}/posts", json={"body": "OTHERREPLY"},
                        headers=other_h).get_json()["post"]
    mine = client.post(f"/api/v1/threads/{made['thread']['id']}/posts", json={"body": "MYREPLY"},
                       headers=me).get_json()["post"]
    assert client.post("/api/v1/reports", json={"post_id": reply["id"], "reason": "spam", "note": "REPORTNOTE"},
                       headers=me).status_code == 201
    assert client.post("/api/v1/reports", json={"post_id": mine["id"], "reason": "spam"},
                       headers=other_h).status_code == 201
    assert client.put("/api/v1/me/safety-plan", json=PLAN, headers=me).status_code == 200
    assert client.post("/api/v1/me/blocks", json={"handle": "staying-here"}, headers=me).status_code == 201
    assert client.put("/api/v1/me/muted-words", json={"words": ["mutedword"]}, headers=me).status_code == 200
    from community.chat import services as chat
    from community.members.services import find_by_handle
    member = find_by_handle("leaving-soon")
    rooms = chat.list_rooms() if hasattr(chat, "list_rooms") else []
    if rooms:
        chat.send(rooms[0], member, "CHATWORDS hello")
    return client, me, signup, made, mine


def test_export_has_everything_i_wrote(app, make_member, token_for):
    client, me, _signup, _made, mine = _activity(app, make_member, token_for)
    r = client.get("/api/v1/me/export", headers=me)
    assert r.status_code == 200 and r.headers["Cache-Control"] == "no-store"
    data = r.get_json()
    dumped = json.dumps(data)
    for needle in ("EXPORTTITLE", "EXPORTBODY", "MYREPLY", "REPORTNOTE", "PLANSECRET", "mutedword", "staying-here"):
        assert needle in dumped, needle
    assert "OTHERREPLY" not in dumped  # only what they wrote
    assert {"posts", "chat_messages", "reports", "staff_messages", "notices", "settings", "blocks", "muted_words",
            "safety_plan"} <= set(data)
    # The page button gives the same file.
    pages = app.test_client()
    login(pages, "leaving-soon")
    assert "/settings/export" in pages.get("/settings").get_data(as_text=True)
    download = pages.get("/settings/export")
    assert download.status_code == 200 and "attachment" in download.headers["Content-Disposition"]
    assert "PLANSECRET" in download.get_data(as_text=True)
    assert client.get("/api/v1/me/export").status_code == 401


def test_delete_account_api(app, make_member, token_for):
    from community.members.services import find_by_handle
    from moderation.models import AuditEntry, QueueItem
    client, me, signup, made, mine = _activity(app, make_member, token_for)
    member_id = find_by_handle("leaving-soon").id
    items_before = db.session.scalar(select(db.func.count(QueueItem.id)))
    assert client.delete("/api/v1/me", json={"password": "wrong-password"}, headers=me).status_code == 403
    assert client.delete("/api/v1/me", json={"password": PASSWORD}, headers=me).status_code == 204
    # Tokens revoked, no sign-in, no recovery.
    assert client.get("/api/v1/me", headers=me).status_code == 401
    assert client.post("/api/v1/tokens", json={"handle": "leaving-soon", "password": PASSWORD}).status_code == 401
    assert find_by_handle("leaving-soon") is None
    # Content gone from public view; the handle shows as "deleted member" in pages and the API.
    thread = client.get(f"/api/v1/threads/{made['thread']['id']}").get_json()
    dumped = json.dumps(thread)
    assert "leaving-soon" not in dumped and "EXPORTBODY" not in dumped and "MYREPLY" not in dumped
    page = app.test_client().get(f"/t/{made['thread']['id']}").get_data(as_text=True)
    assert "leaving-soon" not in page and "EXPORTBODY" not in page and "deleted member" in page
    # Safety plan, blocks, muted words gone; audit and the queue item for the reported post kept.
    for table in ("safety_plans", "member_blocks", "muted_words", "api_tokens"):
        column = "blocker_id" if table == "member_blocks" else "member_id"
        assert db.session.execute(text(f"SELECT COUNT(*) FROM {table} WHERE {column} = :m"),
                                  {"m": member_id}).scalar() == 0, table
    assert db.session.scalar(select(db.func.count(QueueItem.id))) == items_before
    assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "member.delete")) is not None


def test_delete_account_page_needs_password_and_signs_out(app, make_member):
    make_member("page-leaver")
    pages = app.test_client()
    login(pages, "page-leaver")
    assert "Delete your account" in pages.get("/settings/delete").get_data(as_text=True)
    wrong = pages.post("/settings/delete", data={"password": "nope-nope"})
    assert wrong.status_code == 200 and "not deleted" in wrong.get_data(as_text=True)
    assert pages.get("/settings").status_code == 200
    r = pages.post("/settings/delete", data={"password": PASSWORD})
    assert r.status_code == 302
    assert pages.get("/settings").status_code == 302  # signed out
    assert pages.post("/login", data={"handle": "page-leaver", "password": PASSWORD}).status_code == 200


def test_no_plaintext_secrets_in_any_table(app, make_member, token_for):
    client, me, signup, _made, _mine = _activity(app, make_member, token_for)
    r = app.test_client().post("/recover", data={"handle": "leaving-soon", "recovery_code": signup["recovery_code"],
                                                 "password": "second-secret-pass"})
    assert r.status_code == 302
    raw_token = me["Authorization"].split()[1]
    db.session.expire_all()
    rows = []
    for name in inspect(db.engine).get_table_names():
        for row in db.session.execute(text(f'SELECT * FROM "{name}"')):
            rows.append(f"{name}: {tuple(row)!r}")
    dumped = "\n".join(rows)
    assert "EXPORTBODY" in dumped and "safety_plans" in dumped  # the scan really sees the data
    for secret in (PASSWORD, "second-secret-pass", signup["recovery_code"], raw_token, "PLANSECRET",
                   "walk by the river"):
        assert secret not in dumped, secret
