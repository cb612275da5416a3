"""A call to an action server that is restarting waits for it (a refused
connection is tried again for a few seconds); other failures are not retried."""

from __future__ import annotations

import asyncio
import time

import aiohttp
import pytest
from aiohttp import web
from rasa.core.actions.action import RemoteAction
from rasa.utils.endpoints import ClientResponseError, EndpointConfig

from studybots.bot import action_retry
from studybots.ops.supervisor import free_port


async def serve_after(port: int, delay: float, status: int = 200) -> web.AppRunner:
    await asyncio.sleep(delay)

    async def webhook(_: web.Request) -> web.Response:
        return web.json_response({"events": [], "responses": []}, status=status)

    app = web.Application()
    app.router.add_post("/webhook", webhook)
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    return runner


def action(port: int) -> RemoteAction:
    action_retry.install()
    return RemoteAction("action_answer_term", EndpointConfig(f"http://127.0.0.1:{port}/webhook"))


def test_a_refused_call_waits_for_the_action_server_to_come_back(monkeypatch):
    monkeypatch.setenv("STUDYBOTS_ACTION_RETRY_SECONDS", "10")
    port = free_port()

    async def scenario() -> tuple[object, float]:
        server = asyncio.create_task(serve_after(port, 1.5))  # restarting: back in 1.5 s
        started = time.monotonic()
        result = await action(port).action_endpoint.request(json={}, method="post")
        took = time.monotonic() - started
        await (await server).cleanup()
        return result, took

    result, took = asyncio.run(scenario())
    assert result == {"events": [], "responses": []}
    assert 1.4 <= took < 5


def test_an_action_server_that_stays_away_fails_after_the_retry_window(monkeypatch):
    monkeypatch.setenv("STUDYBOTS_ACTION_RETRY_SECONDS", "1")
    started = time.monotonic()
    with pytest.raises(aiohttp.ClientConnectorError):
        asyncio.run(action(free_port()).action_endpoint.request(json={}, method="post"))
    assert time.monotonic() - started < 3


def test_an_error_answer_is_not_retried(monkeypatch):
    monkeypatch.setenv("STUDYBOTS_ACTION_RETRY_SECONDS", "10")
    port = free_port()

    async def scenario() -> float:
        runner = await serve_after(port, 0, status=500)
        started = time.monotonic()
        try:
            with pytest.raises(ClientResponseError):
                await action(port).action_endpoint.request(json={}, method="post")
        finally:
            await runner.cleanup()
        return time.monotonic() - started

    assert asyncio.run(scenario()) < 1


def test_a_connection_that_breaks_before_the_answer_is_tried_again(monkeypatch):
    """The action server dies with the request on its way: the connection
    opens, then closes without an answer (a killed server's pooled
    keep-alive connections look like this). Tried again until the restarted
    server answers; the actions only read, so running one twice is safe."""
    monkeypatch.setenv("STUDYBOTS_ACTION_RETRY_SECONDS", "10")
    port = free_port()

    async def hang_up(_reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.close()

    async def scenario() -> tuple[object, float]:
        dying = await asyncio.start_server(hang_up, "127.0.0.1", port)
        started = time.monotonic()
        call = asyncio.create_task(action(port).action_endpoint.request(json={}, method="post"))
        await asyncio.sleep(1.0)
        dying.close()
        await dying.wait_closed()
        runner = await serve_after(port, 0)  # restarted
        result = await call
        took = time.monotonic() - started
        await runner.cleanup()
        return result, took

    result, took = asyncio.run(scenario())
    assert result == {"events": [], "responses": []}
    assert 0.9 <= took < 5
