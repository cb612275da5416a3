"""The web page server's headers on every response, errors included, over a real
socket: the 404, 405 and 500 that aiohttp builds outside any middleware, and
the 400 for a request it cannot parse. No version banner anywhere."""

from __future__ import annotations

import asyncio

import pytest
from aiohttp import web

from studybots.ops import webpage

REQUIRED = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
}


def parse(raw: bytes) -> tuple[int, dict[str, str]]:
    head = raw.split(b"\r\n\r\n", 1)[0].decode("latin-1").split("\r\n")
    status = int(head[0].split()[1])
    headers = {}
    for line in head[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    return status, headers


async def exchange(port: int, raw: bytes) -> tuple[int, dict[str, str]]:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        writer.write(raw)
        await writer.drain()
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = await asyncio.wait_for(reader.read(4096), 10)
            if not chunk:
                break
            data += chunk
        return parse(data)
    finally:
        writer.close()


def get(path: str, method: str = "GET") -> bytes:
    return f"{method} {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n".encode()


CASES = [
    ("page", get("/"), 200),
    ("health", get("/health"), 200),
    ("widget script", get("/static/widget/studybots-widget.js"), 200),
    ("unknown path", get("/ei-ole"), 404),
    ("path out of static", get("/static/../../etc/passwd"), 404),
    ("static folder", get("/static/"), 403),
    ("wrong method", get("/", "POST"), 405),
    ("handler exception", get("/boom"), 500),
    ("unparseable request line", b"GARBAGE\r\n\r\n", 400),
    ("bad content length", b"GET / HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n", 400),
    ("request line too long", b"GET /" + b"a" * 10_000 + b" HTTP/1.1\r\nHost: x\r\n\r\n", 400),
]


@pytest.mark.parametrize("label, raw, status", CASES, ids=[c[0] for c in CASES])
def test_every_response_has_the_security_headers_and_no_version_banner(label, raw, status):
    async def scenario():
        app = webpage.make_app()

        async def boom(request: web.Request) -> web.Response:
            raise RuntimeError("a bug")

        app.router.add_get("/boom", boom)
        runner = web.AppRunner(app)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        try:
            port = site._server.sockets[0].getsockname()[1]
            return await exchange(port, raw)
        finally:
            await runner.cleanup()

    got, headers = asyncio.run(scenario())
    assert got == status, label
    for name, value in REQUIRED.items():
        assert headers.get(name.lower()) == value, (label, name)
    csp = headers.get("content-security-policy", "")
    assert "default-src 'none'" in csp and "frame-ancestors 'none'" in csp, label
    server = headers.get("server", "")
    assert (
        "aiohttp" not in server and "Python" not in server and not any(c.isdigit() for c in server)
    )
