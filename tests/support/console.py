"""The editors' console on a real port, and a browser-like client for it
(cookies, the forms' CSRF fields, the Origin header a browser sends)."""

from __future__ import annotations

import contextlib
import re
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
from aiohttp import web

from studybots.console import accounts, model
from studybots.console.settings import ConsoleSettings, OidcSettings
from studybots.core.settings import PROJECT_ROOT

PREFIX = "/toimitus/"
CSRF = re.compile(r'name="csrf" value="([^"]+)"')
PASSWORD = "oikein-pitka-salasana"


def console_settings(tmp: Path, oidc: OidcSettings | None = None, **changes) -> ConsoleSettings:
    values = dict(
        database_url=f"sqlite:///{tmp / 'console.db'}",
        catalogue_dir=PROJECT_ROOT / "catalogue",
        log_url=f"sqlite:///{tmp / 'log.db'}",
        plain_http=True,
        oidc=oidc,
        history_dir=tmp / "catalogue-history",
    )
    values.update(changes)
    return ConsoleSettings(**values)


def add_account(settings: ConsoleSettings, name: str, roles: list[str], password=PASSWORD):
    engine = model.make_engine(settings.database_url)
    try:
        model.ensure_schema(engine)
        return accounts.create(engine, name, roles, password, "test")
    finally:
        engine.dispose()


@contextlib.asynccontextmanager
async def serving(app: web.Application, port: int = 0) -> AsyncIterator[str]:
    """`app` on 127.0.0.1 on `port` (0: a free one); yields its base URL."""
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", port)
    await site.start()
    try:
        port = site._server.sockets[0].getsockname()[1]
        yield f"http://127.0.0.1:{port}"
    finally:
        await runner.cleanup()


class Browser:
    """A client that keeps cookies and sends Origin on POST, like a browser."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.http = aiohttp.ClientSession(
            cookie_jar=aiohttp.CookieJar(unsafe=True),
            headers={"Accept": "text/html"},
        )
        self.csrf = ""

    async def close(self) -> None:
        await self.http.close()

    async def get(self, path: str, **kwargs) -> tuple[int, str, aiohttp.ClientResponse]:
        async with self.http.get(self.base + path, allow_redirects=False, **kwargs) as response:
            body = await response.text()
        found = CSRF.search(body)
        if found:
            self.csrf = found.group(1)
        return response.status, body, response

    async def post(
        self, path: str, data: dict | list, origin: str | None = "same", **kwargs
    ) -> tuple[int, str, aiohttp.ClientResponse]:
        headers = dict(kwargs.pop("headers", {}))
        if origin == "same":
            headers["Origin"] = self.base
        elif origin is not None:
            headers["Origin"] = origin
        async with self.http.post(
            self.base + path, data=data, headers=headers, allow_redirects=False, **kwargs
        ) as response:
            body = await response.text()
        return response.status, body, response

    async def login(self, name: str, password: str = PASSWORD) -> int:
        await self.get(PREFIX + "kirjaudu")
        status, _, _ = await self.post(
            PREFIX + "kirjaudu", {"csrf": self.csrf, "name": name, "password": password}
        )
        if status == 303:
            await self.get(PREFIX)  # the session's CSRF token
        return status
