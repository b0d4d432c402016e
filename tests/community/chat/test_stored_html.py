"""A chat message is rendered once, when it is written: its live event and every history page read the stored HTML;
`forum rerender` renders chat messages again when the renderer changes; erasing an account clears it."""
from __future__ import annotations

from sqlalchemy import text

from community import rendering
from community.chat import models as chat_models
from community.chat import services
from community.chat.models import ChatMessage
from community.extensions import db, socketio
from tests.conftest import PASSWORD
from tests.support import received

ROOM = "open-lounge"




def test_rendered_once_at_send_and_read_back_by_history(app, make_member, token_for, monkeypatch):
    ash = make_member("ash")
    headers = token_for(ash)
    c = socketio.test_client(app, auth={"token": headers["Authorization"].split(" ", 1)[1]})
    c.emit("join", {"room": ROOM})
    c.get_received()
    calls = []
    real = chat_models.render_markdown

    def counting(text, **kwargs):
        calls.append(text)
        return real(text, **kwargs)
    monkeypatch.setattr(chat_models, "render_markdown", counting)  # a message renders with its model
    c.emit("send", {"room": ROOM, "body": "some *kind* [words](https://example.org)"})
    live = received(c, "message")
    assert len(live) == 1 and live[0]["html"] == "<p>some <em>kind</em> words</p>\n"  # links as text in chat
    assert calls == ["some *kind* [words](https://example.org)"]  # once, for the live event and for storage
    stored = db.session.get(ChatMessage, live[0]["id"])
    assert stored.html == live[0]["html"] and stored.html_version == rendering.RENDERER_VERSION
    history = app.test_client().get(f"/api/v1/rooms/{ROOM}/messages", headers=headers).get_json()["messages"]
    assert [m["html"] for m in history] == [live[0]["html"]]
    assert len(calls) == 1  # history read the stored HTML
    c.disconnect()


def test_rerender_covers_chat_messages_and_erasure_clears_them(app, make_member):
    ash = make_member("ash")
    app.extensions["chat_rate"] = (None, None)
    first = services.send(ROOM, ash, "one *two*")
    second = services.send(ROOM, ash, "three *four*")
    db.session.execute(text("UPDATE chat_messages SET html = '<p>old</p>', html_version = '0-old' WHERE id = :i"),
                       {"i": first.id})
    db.session.commit()
    db.session.expire_all()
    result = app.test_cli_runner().invoke(args=["forum", "rerender"])
    assert result.exit_code == 0, result.output
    assert "Re-rendered 1 chat message(s)" in result.output
    db.session.expire_all()
    assert db.session.get(ChatMessage, first.id).html == "<p>one <em>two</em></p>\n"
    assert db.session.get(ChatMessage, second.id).html_version == rendering.RENDERER_VERSION

    from community.members.account import delete_account
    delete_account(ash, PASSWORD)
    db.session.expire_all()
    gone = db.session.get(ChatMessage, second.id)
    assert gone.body == "" and gone.html == "" and gone.status == "removed"
