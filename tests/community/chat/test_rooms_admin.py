"""Chat rooms in the admin console: add, rename, archive/unarchive (page and API), admins only, every change audited;
archiving tells the room's live clients and refuses joins and sends."""
from __future__ import annotations

import pytest

from community.chat.models import ChatRoom
from community.extensions import db, socketio
from moderation.models import AuditEntry
from tests.support import payload, received
from tests.conftest import login

ROOM = "open-lounge"
PAGES = [("get", "/admin/rooms"), ("post", "/admin/rooms"), ("post", f"/admin/rooms/{ROOM}")]
API = [("get", "/api/v1/admin/rooms", None), ("post", "/api/v1/admin/rooms", {"slug": "zz-new", "name": "x"}),
       ("patch", f"/api/v1/admin/rooms/{ROOM}", {"archived": True})]


def _rooms():
    return [(r.slug, r.name, r.archived) for r in ChatRoom.query.order_by(ChatRoom.id)]


def _audit(action=None):
    query = AuditEntry.query.filter(AuditEntry.target.startswith("room:"))
    if action:
        query = query.filter_by(action=action)
    return query.order_by(AuditEntry.id).all()


@pytest.mark.parametrize("role", ["member", "moderator"])
def test_pages_and_api_refused_for_members_and_moderators(app, client, make_member, token_for, role):
    person = make_member(role=role)
    headers = token_for(person)
    db.session.commit()
    before = _rooms()
    login(client, person.handle)
    for method, path in PAGES:
        data = {"slug": "zz-new", "name": "x", "archived": "1"}
        assert getattr(client, method)(path, data=data).status_code == 403, (method, path)
    for method, path, body in API:
        response = getattr(client, method)(path, json=body, headers=headers)
        assert response.status_code == 403, (method, path)
        assert response.get_json()["error"]["code"] == "forbidden"
    assert _rooms() == before
    assert _audit() == []


def test_visitors_sent_to_sign_in_and_api_needs_a_token(client):
    for method, path in PAGES:
        response = getattr(client, method)(path)
        assert response.status_code == 302 and "/login" in response.headers["Location"], (method, path)
    for method, path, body in API:
        assert getattr(client, method)(path, json=body).status_code == 401, (method, path)


def test_admin_adds_renames_archives_on_the_page(app, client, make_member):
    admin = make_member("root-admin", role="admin")
    db.session.commit()
    login(client, admin.handle)
    page = client.get("/admin/rooms")
    assert page.status_code == 200 and b"open-lounge" in page.data and b"Add a room" in page.data
    assert b'href="/admin/rooms"' in client.get("/admin/people").data  # the console's nav links to it

    response = client.post("/admin/rooms", data={"slug": "grief-circle", "name": "Grief circle",
                                                 "description": "For loss"})
    assert response.status_code == 302
    room = ChatRoom.query.filter_by(slug="grief-circle").one()
    assert (room.name, room.description, room.archived) == ("Grief circle", "For loss", False)

    client.post("/admin/rooms/grief-circle", data={"name": "Grief and loss", "description": "For loss"})
    client.post("/admin/rooms/grief-circle", data={"archived": "1"})
    db.session.expire_all()
    room = ChatRoom.query.filter_by(slug="grief-circle").one()
    assert (room.name, room.archived) == ("Grief and loss", True)
    client.post("/admin/rooms/grief-circle", data={"archived": "0"})
    db.session.expire_all()
    assert ChatRoom.query.filter_by(slug="grief-circle").one().archived is False

    entries = _audit()
    assert [e.action for e in entries] == ["room.create", "room.rename", "room.archive", "room.unarchive"]
    assert all(e.actor_id == admin.id and e.target == "room:grief-circle" for e in entries)
    assert entries[1].before == {"name": "Grief circle"} and entries[1].after == {"name": "Grief and loss"}
    assert entries[2].after == {"archived": True}


@pytest.mark.parametrize("slug,name,code", [("a", "ok", "invalid_slug"), ("Has Caps", "ok", "invalid_slug"),
                                            ("x" * 41, "ok", "invalid_slug"), ("under_score", "ok", "invalid_slug"),
                                            (7, "ok", "invalid_slug"), ("fine", "", "invalid_name"),
                                            ("fine", "n" * 81, "invalid_name"), ("fine", None, "invalid_name"),
                                            (ROOM, "Duplicate", "slug_taken")])
def test_api_validation(app, client, make_member, token_for, slug, name, code):
    headers = token_for(make_member(role="admin"))
    db.session.commit()
    before = _rooms()
    response = client.post("/api/v1/admin/rooms", json={"slug": slug, "name": name}, headers=headers)
    assert response.status_code in (409, 422)
    assert response.get_json()["error"]["code"] == code
    assert _rooms() == before and _audit() == []


def test_page_validation_keeps_nothing(app, client, make_member):
    admin = make_member(role="admin")
    db.session.commit()
    login(client, admin.handle)
    before = _rooms()
    response = client.post("/admin/rooms", data={"slug": "Bad Slug!", "name": "x"})
    assert response.status_code == 422 and b"2 to 40 characters" in response.data
    response = client.post(f"/admin/rooms/{ROOM}", data={"name": "  ", "description": ""}, follow_redirects=True)
    assert b"needs a name" in response.data
    assert _rooms() == before and _audit() == []


def test_api_create_list_patch(app, client, make_member, token_for):
    admin = make_member(role="admin")
    headers = token_for(admin)
    db.session.commit()
    created = client.post("/api/v1/admin/rooms", json={"slug": "night-owls", "name": "Night owls"}, headers=headers)
    assert created.status_code == 201
    room = created.get_json()["room"]
    assert (room["slug"], room["name"], room["description"], room["archived"]) == ("night-owls", "Night owls", "",
                                                                                   False)
    listed = client.get("/api/v1/admin/rooms", headers=headers).get_json()["rooms"]
    assert "night-owls" in [r["slug"] for r in listed]

    patched = client.patch("/api/v1/admin/rooms/night-owls", json={"name": "Night owls club", "description": "zzz",
                                                                    "archived": True}, headers=headers)
    assert patched.status_code == 200
    room = patched.get_json()["room"]
    assert (room["name"], room["description"], room["archived"]) == ("Night owls club", "zzz", True)
    # the public list shows it as archived
    public = {r["slug"]: r for r in client.get("/api/v1/rooms").get_json()["rooms"]}
    assert public["night-owls"]["archived"] is True

    for body, code in [({"archived": "yes"}, "invalid_archived"), ({"slug": "other"}, "unknown_field"),
                       ({"name": ""}, "invalid_name"), ({"description": 5}, "invalid_description")]:
        response = client.patch("/api/v1/admin/rooms/night-owls", json=body, headers=headers)
        assert response.status_code == 422 and response.get_json()["error"]["code"] == code, body
    assert client.patch("/api/v1/admin/rooms/nope", json={"archived": True}, headers=headers).status_code == 404
    assert client.patch("/api/v1/admin/rooms/night-owls", data="[", headers=headers).status_code == 400
    # An unchanged PATCH is not audited.
    client.patch("/api/v1/admin/rooms/night-owls", json={"archived": True}, headers=headers)
    assert [e.action for e in _audit()] == ["room.create", "room.archive"]
    assert _audit("room.archive")[0].after == {"name": "Night owls club", "description": "zzz", "archived": True}


def test_archiving_tells_live_clients_and_refuses_join_and_send(app, client, make_member, token_for, scores):
    admin, ash = make_member(role="admin"), make_member("ash")
    admin_headers = token_for(admin)
    token = token_for(ash)["Authorization"].split(" ", 1)[1]
    db.session.commit()
    a = socketio.test_client(app, auth={"token": token})
    b = socketio.test_client(app, auth={"token": token})
    try:
        a.emit("join", {"room": ROOM})
        a.get_received()
        assert client.patch(f"/api/v1/admin/rooms/{ROOM}", json={"archived": True},
                            headers=admin_headers).status_code == 200
        told = received(a, "error")
        assert told and told[-1]["code"] == "room_archived" and told[-1]["room"] == ROOM

        a.emit("send", {"room": ROOM, "body": "anyone still here?"})
        assert received(a, "error")[-1]["code"] == "room_archived"
        b.emit("join", {"room": ROOM})
        got = b.get_received()
        assert [e for e in got if e["name"] == "joined"] == []
        assert events_of(got, "error")[-1]["code"] == "room_archived"
        from community.chat.models import ChatMessage
        assert ChatMessage.query.count() == 0
        assert a.is_connected() and b.is_connected()

        # Unarchived: talking works again.
        assert client.patch(f"/api/v1/admin/rooms/{ROOM}", json={"archived": False},
                            headers=admin_headers).status_code == 200
        b.emit("join", {"room": ROOM})
        assert [e for e in b.get_received() if e["name"] == "joined"]
        b.emit("send", {"room": ROOM, "body": "hello again"})
        assert [m["body"] for m in received(a, "message")] == ["hello again"]
    finally:
        for c in (a, b):
            if c.is_connected():
                c.disconnect()
    assert [e.action for e in _audit()] == ["room.archive", "room.unarchive"]


def events_of(received, name):
    return [payload(e) for e in received if e["name"] == name]


def test_room_forms_need_the_csrf_token(app_factory, make_member):
    strict = app_factory(WTF_CSRF_ENABLED=True)
    with strict.app_context():
        admin = make_member(role="admin")
        db.session.commit()
        client = strict.test_client()
        client.post("/login", data={"handle": admin.handle, "password": "a-good-password"})
        before = _rooms()
        assert client.post("/admin/rooms", data={"slug": "sneaky", "name": "Sneaky"}).status_code == 400
        client.post(f"/admin/rooms/{ROOM}", data={"archived": "1"})
        assert _rooms() == before and _audit() == []
        db.session.remove()
