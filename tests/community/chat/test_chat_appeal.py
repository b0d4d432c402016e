"""A removed chat message offers the same one-time appeal as a removed post, end to end: live notice, notice page,
appeal page and API, queue item, another moderator's decision."""
from __future__ import annotations

from community.chat import services
from community.extensions import db
from moderation.models import Appeal, Notice, QueueItem
from tests.conftest import login
from tests.support import assert_error, received


def test_removed_message_appeal_end_to_end(app, scores, make_member, token_for, connect):
    ana, mod, mod2 = make_member("ana"), make_member("mod", role="moderator"), make_member("mod2", role="moderator")
    db.session.commit()
    sock = connect(ana, room="open-lounge")
    sock.emit("send", {"room": "open-lounge", "body": "a perfectly fine message"})
    message = db.session.scalar(db.select(services.ChatMessage).order_by(services.ChatMessage.id.desc()))
    received(sock)
    services.remove(message.id, mod, reason="off topic")
    # A queue decision tells the author, with the appeal link (here: the removal, decided through the queue).
    item = QueueItem(content_type="message", content_id=message.id, author_id=ana.id, kind="report", priority="normal",
                     rank=3, status="resolved", resolution="removed", resolved_by_id=mod.id, reasons=[])
    db.session.add(item)
    from moderation import notices
    notices.for_decision(item, message, ana, mod, "remove", "off topic")
    db.session.commit()
    notice = db.session.scalar(db.select(Notice).where(Notice.member_id == ana.id))
    url = f"/chat/messages/{message.id}/appeal"
    assert notice.appeal_url == url
    client = app.test_client()
    login(client, "ana")
    assert f'href="/chat/messages/{message.id}/appeal"' in client.get("/notices").get_data(as_text=True)
    page = client.get(url)
    assert page.status_code == 200 and "a perfectly fine message" in page.get_data(as_text=True)
    assert "off topic" in page.get_data(as_text=True)
    assert client.post(url, data={"text": ""}).status_code == 400  # typed nothing: a clear error
    sent = client.post(url, data={"text": "It was on topic, honestly."})
    assert sent.status_code == 302
    appeal = db.session.scalar(db.select(Appeal).where(Appeal.content_type == "message"))
    assert appeal is not None and appeal.content_id == message.id
    # Someone else's message, and a second appeal, are refused.
    other = app.test_client()
    login(other, "mod2")
    assert other.get(url).status_code == 404
    assert_error(app.test_client().post(f"/api/v1/messages/{message.id}/appeal", json={"text": "again"},
                                        headers=token_for(ana)), 409, "already_appealed")
    # Another moderator accepts it: the message is back.
    item = db.session.scalar(db.select(QueueItem).where(QueueItem.content_type == "message",
                                                        QueueItem.content_id == message.id))
    assert item.kind == "appeal" and item.status == "open"
    detail = app.test_client().get(f"/api/v1/moderation/items/{item.id}", headers=token_for(mod2)).get_json()["item"]
    decided = app.test_client().post(f"/api/v1/moderation/items/{item.id}/decision", headers=token_for(mod2),
                                     json={"action": "approve", "version": detail["version"]})
    assert decided.status_code == 200, decided.data[:300]
    db.session.refresh(message)
    assert message.status == "published"


def test_auto_removed_message_live_error_carries_the_appeal(app, scores, make_member, connect):
    ana = make_member("ana")
    db.session.commit()
    scores.toxic("vile-marker", 0.995)
    sock = connect(ana, room="open-lounge")
    sock.emit("send", {"room": "open-lounge", "body": "vile-marker words"})
    errors = [e for e in received(sock, "error") if e.get("code") == "message_removed"]
    assert errors and errors[0]["appeal_url"].startswith("/chat/messages/")
    message_id = int(errors[0]["appeal_url"].split("/")[3])
    client = app.test_client()
    login(client, "ana")
    assert 'name="text"' in client.get(errors[0]["appeal_url"]).get_data(as_text=True)
    assert client.post(errors[0]["appeal_url"], data={"text": "please look again"}).status_code == 302
    assert db.session.scalar(db.select(Appeal).where(Appeal.content_id == message_id,
                                                     Appeal.content_type == "message")) is not None
