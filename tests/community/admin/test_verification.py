"""Verified professionals: admins grant a badge saying what they checked; it shows beside the handle on posts and in
chat, at once (post fragment cache and anonymous page cache included), and every change is audited."""
from __future__ import annotations

from sqlalchemy import select

from community.chat.models import message_to_dict
from community.chat.services import send
from community.extensions import db
from moderation.models import AuditEntry
from tests.conftest import PASSWORD, login
from tests.support import assert_error, new_thread

LABEL = "Registered nurse (UK)"
TEXT = "Verified by Haven's admins: Registered nurse (UK)"


def _world(app, make_member, token_for):
    admin, moderator = make_member("the-admin", role="admin"), make_member("a-mod", role="moderator")
    nurse, reader = make_member("nurse-sam"), make_member("reader-jo")
    db.session.commit()
    client = app.test_client()
    made = new_thread(client, token_for(nurse), body="Ask me about sleep hygiene")
    return admin, moderator, nurse, reader, client, made


def test_admin_verifies_and_the_badge_shows_everywhere_at_once(any_app, make_member, token_for):
    admin, _mod, nurse, reader, client, made = _world(any_app, make_member, token_for)
    thread_url = f"/t/{made['thread']['id']}"
    assert client.get(thread_url).headers["X-Page-Cache"] == "miss"
    assert client.get(thread_url).headers["X-Page-Cache"] == "hit"
    signed_in = any_app.test_client()
    login(signed_in, reader.handle)
    assert TEXT not in signed_in.get(thread_url).get_data(as_text=True)  # now in the post fragment cache

    response = client.post(f"/api/v1/admin/members/{nurse.handle}/verification", json={"label": f"  {LABEL} "},
                           headers=token_for(admin))
    assert response.status_code == 200, response.data
    assert response.get_json()["verification"]["label"] == LABEL
    assert response.get_json()["verification"]["text"] == TEXT

    for page in (client.get(thread_url), signed_in.get(thread_url)):
        html = page.get_data(as_text=True)
        assert f'class="verified-badge" title="{TEXT}"' in html
        assert f"Verified: {LABEL}" in html
    post = client.get(f"/api/v1/posts/{made['post']['id']}").get_json()["post"]
    assert post["author_verification"]["label"] == LABEL
    room = client.get("/api/v1/rooms").get_json()["rooms"][0]["slug"]
    assert message_to_dict(send(room, nurse, "hello room"))["author_verification"]["text"] == TEXT

    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "member.verify"))
    assert entry.actor_id == admin.id and entry.target == f"member:{nurse.id}"
    assert entry.after == {"verified_label": LABEL}

    assert client.delete(f"/api/v1/admin/members/{nurse.handle}/verification",
                         headers=token_for(admin)).status_code == 204
    for page in (client.get(thread_url), signed_in.get(thread_url)):
        assert "verified-badge" not in page.get_data(as_text=True)
    assert client.get(f"/api/v1/posts/{made['post']['id']}").get_json()["post"]["author_verification"] is None
    assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "member.unverify")) is not None


def test_only_admins_verify(any_app, make_member, token_for):
    _admin, moderator, nurse, reader, client, _made = _world(any_app, make_member, token_for)
    url = f"/api/v1/admin/members/{nurse.handle}/verification"
    assert_error(client.post(url, json={"label": LABEL}), 401)
    for who in (reader, moderator, nurse):
        assert_error(client.post(url, json={"label": LABEL}, headers=token_for(who)), 403)
        assert_error(client.delete(url, headers=token_for(who)), 403)
    db.session.refresh(nurse)
    assert nurse.verified_label is None


def test_bad_labels_are_clear_errors(any_app, make_member, token_for):
    admin, _mod, nurse, _reader, client, _made = _world(any_app, make_member, token_for)
    url = f"/api/v1/admin/members/{nurse.handle}/verification"
    for bad in ("", "ab", "x" * 81):
        body = assert_error(client.post(url, json={"label": bad}, headers=token_for(admin)), 400, "invalid_label")
        assert "Registered nurse" in body["error"]["message"]
    assert_error(client.post(url, json={"label": 7}, headers=token_for(admin)), 400)
    assert_error(client.post(url, json={}, headers=token_for(admin)), 400)
    assert_error(client.post("/api/v1/admin/members/nobody-here/verification", json={"label": LABEL},
                             headers=token_for(admin)), 404)


def test_the_badge_is_escaped(app, make_member, token_for):
    admin, _mod, nurse, _reader, client, made = _world(app, make_member, token_for)
    client.post(f"/api/v1/admin/members/{nurse.handle}/verification", json={"label": "<b>GP</b> (UK)"},
                headers=token_for(admin))
    html = client.get(f"/t/{made['thread']['id']}").get_data(as_text=True)
    assert "<b>GP</b>" not in html and "&lt;b&gt;GP&lt;/b&gt; (UK)" in html


def test_admin_people_page_grants_and_keeps_a_refused_label(app, make_member, token_for):
    admin, _mod, nurse, _reader, _client, made = _world(app, make_member, token_for)
    browser = app.test_client()
    login(browser, admin.handle)
    refused = browser.post(f"/admin/people/{nurse.id}/verification", data={"label": "ab", "q": "nurse"})
    assert refused.status_code == 400
    assert 'value="ab"' in refused.get_data(as_text=True) and "3 to 80" in refused.get_data(as_text=True)
    done = browser.post(f"/admin/people/{nurse.id}/verification", data={"label": LABEL, "q": "nurse"})
    assert done.status_code == 302
    page = browser.get("/admin/people?q=nurse").get_data(as_text=True)
    assert f'title="{TEXT}"' in page and "Remove badge" in page
    assert TEXT in browser.get(f"/t/{made['thread']['id']}").get_data(as_text=True)
    assert browser.post(f"/admin/people/{nurse.id}/verification/delete", data={"q": "nurse"}).status_code == 302
    db.session.refresh(nurse)
    assert nurse.verified_label is None


def test_chat_history_page_shows_the_badge_and_erasure_removes_it(app, make_member, token_for):
    admin, _mod, nurse, reader, client, made = _world(app, make_member, token_for)
    room = client.get("/api/v1/rooms").get_json()["rooms"][0]["slug"]
    send(room, nurse, "hello room")
    client.post(f"/api/v1/admin/members/{nurse.handle}/verification", json={"label": LABEL},
                headers=token_for(admin))
    browser = app.test_client()
    login(browser, reader.handle)
    assert f'title="{TEXT}"' in browser.get(f"/chat/{room}").get_data(as_text=True)
    history = client.get(f"/api/v1/rooms/{room}/messages", headers=token_for(reader)).get_json()["messages"]
    assert history[-1]["author_verification"]["label"] == LABEL

    assert client.delete("/api/v1/me", json={"password": PASSWORD}, headers=token_for(nurse)).status_code in (200, 204)
    db.session.refresh(nurse)
    assert nurse.verified_label is None
    assert "verified-badge" not in client.get(f"/t/{made['thread']['id']}").get_data(as_text=True)
