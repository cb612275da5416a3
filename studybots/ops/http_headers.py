"""Headers on every response of an aiohttp server, errors included.

A middleware sees only what a handler returns. aiohttp builds some answers
itself: the 404 and 405 of the router and the 500 of an exception (these
pass `on_response_prepare`, the last step before the headers go out), and
the 400 for a request it could not parse, which is never routed, so no
signal runs for it. `every_response` covers all of them: the signal for
routed requests, a request class for the rest (aiohttp's
`Application._make_request(_cls=...)`, pinned in tests/unit/bot/test_extensions.py).

SECURITY_HEADERS are the headers both web servers send (the demo page and
the editors' console), each with its own Content-Security-Policy.

The `Server` header is set too, so aiohttp's "Python/3.10 aiohttp/3.x"
banner never goes out.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import partial

from aiohttp import web

SERVER = "studybots"
# The demo page's and the editors' console's (each adds its own Content-Security-Policy).
SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=(), usb=()",
}


def every_response(app: web.Application, headers: Mapping[str, str]) -> None:
    """Put `headers` (and a `Server` without a version) on every response of `app`."""
    fixed = {"Server": SERVER, **headers}

    async def apply(request: web.Request, response: web.StreamResponse) -> None:
        response.headers.update(fixed)

    class _UnroutedRequest(web.Request):
        async def _prepare_hook(self, response: web.StreamResponse) -> None:
            if self._match_info is None:  # never routed: the signal will not run
                await apply(self, response)
            await super()._prepare_hook(response)

    app.on_response_prepare.append(apply)  # type: ignore[arg-type]  # aiohttp types this signal wrongly
    app._make_request = partial(app._make_request, _cls=_UnroutedRequest)  # type: ignore[method-assign]
