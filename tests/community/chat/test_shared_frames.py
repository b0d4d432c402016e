"""A chat delivery's WebSocket frame is made once and sent as it is to every connection that negotiated no extension
(community/live_connections.py, SharedFrames); a connection with permessage-deflate, a closed one, or a text with no
shared frame goes through wsproto as before."""
from __future__ import annotations

import pytest
import simple_websocket
from engineio.async_drivers._websocket_wsgi import SimpleWebSocketWSGI
from wsproto import ConnectionType, WSConnection
from wsproto.events import AcceptConnection, Request, TextMessage
from wsproto.extensions import PerMessageDeflate

import engineio.async_drivers.threading as threading_driver

from community.extensions import socketio
from community.live_connections import SharedFrames, shared_frame_websocket

TEXT = '42["message",{"id":7,"body":"Made tea and sat by the window for a while. \u00e9\u2764","html":"<p>x</p>"}]'


def _pair(deflate: bool):
    """An open server-side wsproto connection and the client that talks to it."""
    server, client = WSConnection(ConnectionType.SERVER), WSConnection(ConnectionType.CLIENT)
    server.receive_data(client.send(Request(host="h", target="/socket.io/",
                                            extensions=[PerMessageDeflate()] if deflate else [])))
    request = next(server.events())
    client.receive_data(server.send(AcceptConnection(extensions=[PerMessageDeflate()] if request.extensions
                                                     else [])))
    list(client.events())
    return server, client


class _Sock:
    def __init__(self):
        self.sent = []

    def send(self, data):
        self.sent.append(bytes(data))
        return len(data)


class _SimpleWebSocket:
    """What simple-websocket's Server offers the wrapper: connected, ws (wsproto), sock, send (through wsproto)."""

    def __init__(self, wsproto_connection):
        self.connected, self.ws, self.sock = True, wsproto_connection, _Sock()

    def send(self, data):
        if not self.connected:
            raise simple_websocket.ConnectionClosed()
        self.sock.send(self.ws.send(TextMessage(data=str(data))))


def _connection(frames, deflate):
    server, client = _pair(deflate)
    ws = shared_frame_websocket(SimpleWebSocketWSGI, frames)(lambda ws: None, None)
    ws.plain = not deflate  # as __call__ sets it from the request's Sec-WebSocket-Extensions
    ws.ws = _SimpleWebSocket(server)
    return ws, client


def _received(client, sent) -> list[str]:
    for data in sent:
        client.receive_data(data)
    return [e.data for e in client.events() if isinstance(e, TextMessage)]


def test_a_plain_connection_gets_the_shared_frame_and_reads_the_same_text():
    frames = SharedFrames()
    frames.add(TEXT)
    ws, client = _connection(frames, deflate=False)
    ws.send(TEXT)
    assert ws.ws.sock.sent == [frames.get(TEXT)]
    other, _ = _pair(deflate=False)
    assert frames.get(TEXT) == other.send(TextMessage(data=TEXT))  # byte for byte what wsproto would send
    assert _received(client, ws.ws.sock.sent) == [TEXT]


def test_deflate_closed_and_unknown_texts_go_through_wsproto():
    frames = SharedFrames()
    frames.add(TEXT)
    deflated, client = _connection(frames, deflate=True)
    deflated.send(TEXT)
    assert deflated.ws.sock.sent != [frames.get(TEXT)]  # compressed for this connection
    assert _received(client, deflated.ws.sock.sent) == [TEXT]

    plain, client = _connection(frames, deflate=False)
    plain.send("2")  # a ping: no shared frame
    assert _received(client, plain.ws.sock.sent) == ["2"]
    plain.ws.connected = False
    with pytest.raises(OSError):  # what Engine.IO's wrapper raises for a closed connection: its writer stops
        plain.send(TEXT)
    assert len(plain.ws.sock.sent) == 1  # nothing more written to a closed connection


def test_the_cache_is_bounded_and_the_server_uses_the_wrapper(app):
    frames = SharedFrames(size=2)
    for text in ("a", "b", "c"):
        frames.add(text)
    assert frames.get("a") is None and frames.get("c") is not None
    websocket = socketio.server.eio._async["websocket"]
    assert issubclass(websocket, SimpleWebSocketWSGI) and websocket.__name__ == "SharedFrameSimpleWebSocketWSGI"
    assert threading_driver._async["websocket"] is SimpleWebSocketWSGI  # the driver itself is not changed
