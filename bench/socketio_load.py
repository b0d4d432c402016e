"""Many Socket.IO clients in one asyncio loop, for the chat bench: the protocol the browser's socket.io client speaks
(Socket.IO 5 over Engine.IO 4, WebSocket transport straight away, API-token auth), with just what a chat member
does: connect, join, send, receive, answer pings.

python-socketio's Client runs two OS threads per connection; 200 of them on the bench machine's two cores spend
more CPU receiving than the server spends sending, and their GIL convoy shows up as latency. Here every connection
is a coroutine of one loop in one thread, parsing frames with wsproto.
"""
from __future__ import annotations

import asyncio
import json
import threading

from wsproto import ConnectionType, WSConnection
from wsproto.events import AcceptConnection, CloseConnection, Ping, RejectConnection, Request, TextMessage


class Connection:
    """One client connection. `on_event(connection, name, data)` runs in the loop for every server event."""

    def __init__(self, host: str, port: int, token: str, on_event):
        self.host, self.port, self.token, self.on_event = host, port, token, on_event
        self.ws = WSConnection(ConnectionType.CLIENT)
        self.reader = self.writer = None
        self.connected = asyncio.Event()
        self.closed = False
        self.waiters: dict[str, asyncio.Event] = {}  # message key -> set when this connection sees it
        self._text: list[str] = []

    async def open(self, timeout: float = 20.0) -> None:
        self.reader, self.writer = await asyncio.wait_for(asyncio.open_connection(self.host, self.port), timeout)
        self.writer.write(self.ws.send(Request(host=f"{self.host}:{self.port}",
                                               target="/socket.io/?EIO=4&transport=websocket")))
        asyncio.get_running_loop().create_task(self._read())
        await asyncio.wait_for(self.connected.wait(), timeout)

    async def _read(self) -> None:
        try:
            while True:
                data = await self.reader.read(65536)
                if not data:
                    break
                self.ws.receive_data(data)
                for event in self.ws.events():
                    if isinstance(event, TextMessage):
                        self._text.append(event.data)
                        if event.message_finished:
                            text, self._text = "".join(self._text), []
                            self._packet(text)
                    elif isinstance(event, AcceptConnection):
                        pass
                    elif isinstance(event, Ping):
                        self.writer.write(self.ws.send(event.response()))
                    elif isinstance(event, (CloseConnection, RejectConnection)):
                        return
        except (ConnectionError, OSError):
            pass
        finally:
            self.closed = True

    def _send_text(self, text: str) -> None:
        if not self.closed:
            self.writer.write(self.ws.send(TextMessage(data=text)))

    def _packet(self, text: str) -> None:
        kind = text[:1]
        if kind == "0":  # Engine.IO open: connect to the default namespace with the token
            self._send_text("40" + json.dumps({"token": self.token}))
        elif kind == "2":  # ping
            self._send_text("3")
        elif text.startswith("40"):
            self.connected.set()
        elif text.startswith("42"):
            name, *args = json.loads(text[2:])
            self.on_event(self, name, args[0] if args else None)
        elif text.startswith("44"):
            raise ConnectionError(f"refused: {text[2:]}")

    def emit(self, name: str, data) -> None:
        self._send_text("42" + json.dumps([name, data]))

    def close(self) -> None:
        if self.writer is not None and not self.closed:
            self.closed = True
            try:
                self.writer.write(self.ws.send(CloseConnection(code=1000)))
                self.writer.close()
            except Exception:  # noqa: BLE001
                pass


class Loop:
    """An asyncio loop in a thread of its own; `call(coro)` runs a coroutine there and waits for its result."""

    def __init__(self):
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()

    def call(self, coro, timeout: float | None = None):
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    def stop(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(5)
