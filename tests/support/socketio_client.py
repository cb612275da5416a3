"""A minimal Socket.IO (engine.io v4) client over aiohttp's websocket, for tests.

python-socketio's own AsyncClient needs a newer aiohttp than Rasa 3.6 pins,
so the tests speak the protocol themselves; it is small: after the engine.io
open packet (`0{...}`) the client joins the default namespace (`40`), events
are `42["name", data]`, and the server's pings (`2`) are answered (`3`).
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

import aiohttp


class ConnectionRefused(Exception):
    pass


class SocketIOClient:
    def __init__(self, url: str, origin: str | None = None, path: str = "/socket.io"):
        base = url.replace("http://", "ws://").replace("https://", "wss://").rstrip("/")
        self.url = f"{base}{path}/?EIO=4&transport=websocket"
        self.origin = origin
        self.events: asyncio.Queue = asyncio.Queue()
        self._session: aiohttp.ClientSession | None = None
        self._ws: aiohttp.ClientWebSocketResponse | None = None
        self._reader: asyncio.Task | None = None
        self.closed = asyncio.Event()

    async def connect(self, timeout: float = 10) -> None:
        self._session = aiohttp.ClientSession()
        headers = {"Origin": self.origin} if self.origin else {}
        try:
            self._ws = await self._session.ws_connect(self.url, headers=headers, timeout=timeout)
        except aiohttp.WSServerHandshakeError as exc:
            await self._session.close()
            raise ConnectionRefused(f"handshake refused: {exc.status}") from exc
        opened = await self._ws.receive(timeout=timeout)
        if opened.type != aiohttp.WSMsgType.TEXT or not opened.data.startswith("0"):
            await self.close()
            raise ConnectionRefused(f"no engine.io open packet: {opened!r}")
        await self._ws.send_str("40")
        while True:
            message = await self._ws.receive(timeout=timeout)
            if message.type != aiohttp.WSMsgType.TEXT:
                await self.close()
                raise ConnectionRefused(f"closed while joining: {message!r}")
            if message.data == "2":
                await self._ws.send_str("3")
            elif message.data.startswith("40"):
                break
            elif message.data.startswith("44"):
                await self.close()
                raise ConnectionRefused(message.data)
        self._reader = asyncio.create_task(self._read())

    async def _read(self) -> None:
        try:
            async for message in self._ws:
                if message.type != aiohttp.WSMsgType.TEXT:
                    continue
                data = message.data
                if data == "2":
                    await self._ws.send_str("3")
                elif data.startswith("42"):
                    name, *args = json.loads(data[2:])
                    await self.events.put((name, args[0] if args else None))
        finally:
            self.closed.set()

    async def emit(self, event: str, data: Any) -> None:
        await self._ws.send_str("42" + json.dumps([event, data]))

    async def send_raw(self, text: str) -> None:
        await self._ws.send_str(text)

    async def next_event(self, name: str, timeout: float = 60) -> Any:
        while True:
            event, data = await asyncio.wait_for(self.events.get(), timeout)
            if event == name:
                return data

    @property
    def connected(self) -> bool:
        return self._ws is not None and not self._ws.closed and not self.closed.is_set()

    async def close(self) -> None:
        if self._ws is not None and not self._ws.closed:
            await self._ws.close()
        if self._reader is not None:
            await asyncio.wait([self._reader], timeout=5)
        if self._session is not None:
            await self._session.close()
