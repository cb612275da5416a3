"""What the console's handlers share (web.py and the pages' own modules such as
inbox_page.py): the application's keys, the access marks the `guard`
middleware reads, running blocking work off the event loop, a whole page,
and writing the audit log.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import aiohttp
import sqlalchemy as sa
from aiohttp import web

from studybots.console import audit, pages
from studybots.console.oidc import OidcClient
from studybots.console.settings import ConsoleSettings

__all__ = [
    "ENGINE",
    "HTTP",
    "OIDC",
    "SETTINGS",
    "Handler",
    "audit_event",
    "blocking",
    "needs",
    "page",
    "public",
]

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
H = TypeVar("H", bound=Handler)

ENGINE: web.AppKey[sa.engine.Engine] = web.AppKey("engine")
SETTINGS: web.AppKey[ConsoleSettings] = web.AppKey("settings")
OIDC: web.AppKey[OidcClient | None] = web.AppKey("oidc")
HTTP: web.AppKey[aiohttp.ClientSession] = web.AppKey("http")


def public(handler: H) -> H:
    handler.console_public = True  # type: ignore[attr-defined]
    return handler


def needs(permission: str) -> Callable[[H], H]:
    def mark(handler: H) -> H:
        handler.console_permission = permission  # type: ignore[attr-defined]
        return handler

    return mark


async def blocking(function: Callable[..., Any], *args: Any) -> Any:
    """Database work and scrypt off the event loop."""
    return await asyncio.get_running_loop().run_in_executor(
        None, functools.partial(function, *args)
    )


def page(
    request: web.Request,
    title: str,
    body: str,
    status: int = 200,
    current: str = "",
    heading: bool = True,
    reload: int = 0,
) -> web.Response:
    settings = request.app[SETTINGS]
    html = pages.layout(
        title,
        body,
        settings.lang,
        request.get("account"),
        request.get("csrf", ""),
        current,
        heading,
        reload=reload,
    )
    return web.Response(text=html, status=status, content_type="text/html", charset="utf-8")


async def audit_event(request: web.Request, action: str, account: str | None, detail: str) -> None:
    def write() -> None:
        with request.app[ENGINE].begin() as connection:
            audit.record(connection, action, account, detail)

    await blocking(write)
